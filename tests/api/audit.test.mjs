// audit.test.mjs - the hash-chained audit log: listing and paging, what is
// recorded (and what never is), and verification that detects edited,
// deleted and truncated entries, over the API and the CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startServer, expectCleanExit, problem, cli, cliAsync, dbsql, dropAuditGuards } from './harness.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await srv.login('admin', srv.adminPassword);
});
after(async () => {
  await srv?.close();
});

async function allAudit(limit = 7) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const r = await admin.get(`/api/v1/audit?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('too many pages');
}

describe('listing', () => {
  test('create, update and delete are recorded with before and after, newest first', async () => {
    const c = await admin.post('/api/v1/entities', { name: '审计对象', kind: 'enterprise', note: '初始' });
    assert.equal(c.status, 201);
    const id = c.json.id;
    const u = await admin.patch(`/api/v1/entities/${id}`, { note: '修改后' }, { headers: { 'If-Match': '"v1"' } });
    assert.equal(u.status, 200);
    assert.equal((await admin.del(`/api/v1/entities/${id}`, { headers: { 'If-Match': '"v2"' } })).status, 204);

    const r = await admin.get(`/api/v1/audit?type=entity&record_id=${id}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.next_cursor, null);
    const [del, upd, cre] = r.json.items;
    assert.deepEqual(r.json.items.map((i) => [i.action, i.type, i.record_id, i.user]), [
      ['delete', 'entity', id, 'admin'],
      ['update', 'entity', id, 'admin'],
      ['create', 'entity', id, 'admin'],
    ]);
    for (const i of r.json.items) {
      assert.deepEqual(Object.keys(i).sort(), ['action', 'after', 'at', 'before', 'hash', 'record_id', 'seq', 'type', 'user']);
      assert.match(i.hash, /^[0-9a-f]{64}$/);
      assert.match(i.at, /^\d{4}-\d{2}-\d{2}T/);
    }
    assert.ok(del.seq > upd.seq && upd.seq > cre.seq);
    assert.equal(cre.before, null);
    assert.deepEqual(cre.after, c.json);
    assert.deepEqual(upd.before, c.json);
    assert.deepEqual(upd.after, u.json);
    assert.deepEqual(del.before, u.json);
    assert.equal(del.after, null);
  });

  test('cursor paging walks every entry once, seq N down to 1', async () => {
    const items = await allAudit(7);
    const seqs = items.map((i) => i.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, k) => seqs.length - k));
    const v = await admin.get('/api/v1/audit/verify');
    assert.deepEqual(v.json, { ok: true, entries: seqs.length });
    // the first entries are the demo region, made by "system"
    const first = items.at(-1);
    assert.deepEqual([first.seq, first.action, first.type, first.user], [1, 'create', 'department', 'system']);
    assert.equal(first.after.code, '310104-ipa');
  });

  test('logins, failed logins, tokens and CLI actions are recorded; secrets never are', async () => {
    const pw = 'Audit-user-pw-1';
    const u = await admin.post('/api/v1/users', { name: 'audited', display_name: '审计用户', role: 'dept', dept: '310104-court', password: pw });
    assert.equal(u.status, 201);
    await srv.login('audited', pw);
    await srv.request('POST', '/api/v1/session', { body: { name: 'audited', password: 'Wrong-pw-123' } });
    const p = await admin.patch(`/api/v1/users/${u.json.id}`, { password: 'Audit-user-pw-2', version: 1 });
    assert.equal(p.status, 200, p.text);
    const tok = await admin.post('/api/v1/tokens', { label: '审计令牌' });
    assert.equal(tok.status, 201);
    srv.addUser('cli-made', 'dept', '310104-court', 'cli-made-pw-1');

    const items = await allAudit(50);
    const find = (pred) => items.find(pred);
    assert.ok(find((i) => i.action === 'login' && i.user === 'audited' && i.record_id === u.json.id));
    const failed = find((i) => i.action === 'login_failed' && i.user === 'audited');
    assert.deepEqual(failed.after, { name: 'audited', failures: 1 });
    const pwChange = find((i) => i.action === 'update' && i.type === 'user' && i.record_id === u.json.id);
    assert.equal(pwChange.before.version, 1);
    assert.equal(pwChange.after.version, 2);
    const t = find((i) => i.action === 'token_create' && i.after.label === '审计令牌');
    assert.deepEqual(t.after, { user: 'admin', label: '审计令牌' });
    const cliUser = items.find((i) => i.action === 'create' && i.type === 'user' && i.after.name === 'cli-made');
    assert.equal(cliUser.user, `cli:${os.userInfo().username}`);

    const text = JSON.stringify(items);
    for (const secret of [pw, 'Audit-user-pw-2', 'Wrong-pw-123', 'cli-made-pw-1', tok.json.token, srv.adminPassword, '$argon2'])
      assert.ok(!text.includes(secret), `audit must not contain ${secret.slice(0, 8)}…`);
    assert.ok(!text.includes('password_hash'));
  });

  test('bad audit parameters are 400 query.value', async () => {
    for (const qs of ['limit=0', 'limit=1001', 'limit=x', 'cursor=abc', 'record_id=one']) {
      const p = problem(assert, await admin.get(`/api/v1/audit?${qs}`), 400, 'query.value');
      assert.equal(p.message_en, 'Invalid query parameters (cursor, limit, record_id are integers)');
    }
    const r = await admin.get('/api/v1/audit?type=nothing-like-this');
    assert.deepEqual(r.json, { items: [], next_cursor: null });
  });
});

describe('verification', () => {
  test('the chain verifies through the API and the CLI while the server runs', async () => {
    const v = await admin.get('/api/v1/audit/verify');
    assert.equal(v.json.ok, true);
    const r = await cliAsync(srv.db, ['audit', 'verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `审计链完整：${v.json.entries} 条记录 / audit chain intact: ${v.json.entries} entries`);
  });

  test('the append-only triggers refuse edits and deletes', () => {
    assert.throws(() => dbsql(srv.db, "UPDATE audit_log SET user_name = 'mallory' WHERE seq = 2;"), /append-only/);
    assert.throws(() => dbsql(srv.db, 'DELETE FROM audit_log WHERE seq = 2;'), /append-only/);
    assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);
  });

  test('a removed last entry is detected; putting it back restores the chain', async () => {
    dropAuditGuards(srv.db, ['delete', 'update']);
    const n = Number(dbsql(srv.db, 'SELECT MAX(seq) FROM audit_log;').trim());
    dbsql(srv.db, `CREATE TABLE bak AS SELECT * FROM audit_log WHERE seq = ${n}; DELETE FROM audit_log WHERE seq = ${n};`);
    const v = await admin.get('/api/v1/audit/verify', { headers: { 'Accept-Language': 'en' } });
    assert.deepEqual(v.json, {
      ok: false,
      entries: n - 1,
      code: 'audit.broken',
      message: `Audit chain verification failed: the head does not match the last entry (${n - 1})`,
    });
    const c = cli(srv.db, ['audit', 'verify']);
    assert.equal(c.code, 1);
    assert.match(c.stderr, new RegExp(`审计链校验失败：链头与最后一条记录（第 ${n - 1} 条）不符`));

    dbsql(srv.db, 'INSERT INTO audit_log SELECT * FROM bak; DROP TABLE bak;');
    assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);
    assert.deepEqual((await admin.get('/api/v1/audit/verify')).json, { ok: true, entries: n });
  });

  test('an edited entry is detected, in Chinese by default', async () => {
    const orig = dbsql(srv.db, 'SELECT after_json FROM audit_log WHERE seq = 3;').trim();
    dbsql(srv.db, `UPDATE audit_log SET after_json = replace(after_json, '区检察院', '区检察院（改）') WHERE seq = 3;`);
    assert.notEqual(dbsql(srv.db, 'SELECT after_json FROM audit_log WHERE seq = 3;').trim(), orig);
    const v = await admin.get('/api/v1/audit/verify');
    assert.equal(v.json.ok, false);
    assert.equal(v.json.code, 'audit.broken');
    assert.equal(v.json.entries, 2);
    assert.equal(v.json.message, '审计链校验失败：第 3 条记录被篡改');
    const c = cli(srv.db, ['audit', 'verify']);
    assert.equal(c.code, 1);
    assert.equal(c.stdout, '');
    assert.match(c.stderr, /entry 3 has been altered/);
    // undo, and the chain is whole again
    dbsql(srv.db, `UPDATE audit_log SET after_json = '${orig.replace(/'/g, "''")}' WHERE seq = 3;`);
    assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);
    // rewriting the stored hash as well does not help: the next entry links to the old one
    const [user4, hash4] = dbsql(srv.db, 'SELECT user_name, hash FROM audit_log WHERE seq = 4;').trim().split('|');
    dbsql(srv.db, `UPDATE audit_log SET user_name = 'mallory', hash = 'ff' || substr(hash, 3) WHERE seq = 4;`);
    assert.match(cli(srv.db, ['audit', 'verify']).stderr, /entry 4 has been altered/);
    dbsql(srv.db, `UPDATE audit_log SET user_name = '${user4}', hash = '${hash4}' WHERE seq = 4;`);
    assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);
  });

  test('a deleted entry in the middle is reported as missing', async () => {
    dbsql(srv.db, 'DELETE FROM audit_log WHERE seq = 6;');
    const c = cli(srv.db, ['audit', 'verify']);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /审计链断裂：缺少第 6 条记录（下一条为第 7 条）/);
    assert.match(c.stderr, /Audit chain broken: entry 6 is missing \(next is 7\)/);
    const v = await admin.get('/api/v1/audit/verify?lang=en');
    assert.deepEqual(v.json, { ok: false, entries: 5, code: 'audit.broken', message: 'Audit chain broken: entry 6 is missing (next is 7)' });
  });
});

test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
  await expectCleanExit(srv);
});
