// crash.test.mjs - crash safety: the server is killed with SIGKILL (no
// shutdown code runs) in the middle of a large background import and in the
// middle of a stream of concurrent writes; after a restart on the same
// database every acknowledged write is there, an import is there whole or
// not at all, the audit hash chain verifies and the database's own
// integrity and foreign-key checks pass (harness: dbIntegrity,
// dbForeignKeyCheck).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, cli, dbsql, dbIntegrity, dbForeignKeyCheck, sleep, mkTmp, rmTmp } from './harness.mjs';

const PATENTS = 20000;

/* SIGKILL and wait until the process is gone. */
async function kill9(srv) {
  srv.proc.kill('SIGKILL');
  const r = await srv.exited;
  assert.equal(r.signal, 'SIGKILL');
}

/* `ipcity audit verify`, and the database's integrity and foreign-key checks. */
function assertDbSound(db) {
  const v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 0, `audit verify: ${v.stdout}${v.stderr}`);
  assert.equal(dbIntegrity(db), 'ok');
  assert.equal(dbForeignKeyCheck(db), '');
}

describe('SIGKILL in the middle of a 20,000-patent import (POST /api/v1/imports)', () => {
  let dir, gen, srv, admin, adminPassword, jobId, file, countAfter;

  before(async () => {
    dir = mkTmp();
    gen = path.join(dir, 'gen');
    srv = await startServer({ dir });
    adminPassword = srv.adminPassword;
    admin = srv.tokenFor('admin');
    const g = cli(srv.db, ['gen', '--patents', String(PATENTS), '--seed', '3', '--out', gen]);
    assert.equal(g.code, 0, g.stderr);
    file = fs.readFileSync(path.join(gen, 'patents.csv'));
  });
  after(async () => {
    await srv?.stop();
    rmTmp(dir);
  });

  test('the job starts, reports progress, and the server is killed while it runs', async () => {
    assert.equal((await admin.get('/api/v1/patents?count=true&limit=1')).json.total, 0);
    const r = await admin.post('/api/v1/imports?filename=patents.csv', file, { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r.status, 202, r.text);
    jobId = r.json.id;
    assert.equal(r.json.status, 'running');
    const t0 = Date.now();
    let last;
    for (;;) {
      last = await admin.get(`/api/v1/imports/${jobId}`);
      assert.equal(last.status, 200, last.text);
      if (last.json.status !== 'running' || last.json.progress?.rows > 0) break;
      assert.ok(Date.now() - t0 < 30000, 'no progress within 30 s');
      await sleep(10);
    }
    await kill9(srv);
    assert.equal(last.json.status, 'running', `the import finished before the kill (${last.text}); it cannot be interrupted`);
    assert.ok(last.json.progress.rows > 0 && last.json.progress.rows < PATENTS, JSON.stringify(last.json.progress));
  });

  test('after a restart on the same database: all of the import or none of it', async () => {
    srv = await startServer({ dir, db: srv.db, adminPassword });
    admin = srv.tokenFor('admin');
    countAfter = (await admin.get('/api/v1/patents?count=true&limit=1')).json.total;
    assert.ok(countAfter === 0 || countAfter === PATENTS, `patents after the crash: ${countAfter}`);
    // the same straight from the tables, derived ones included
    assert.equal(Number(dbsql(srv.db, 'SELECT count(*) FROM patents;')), countAfter);
    const s = await admin.get(`/api/v1/search?q=${encodeURIComponent('装置')}&count=true&limit=1`);
    assert.equal(s.status, 200, s.text);
    if (countAfter === 0) assert.equal(s.json.items.length, 0, `search index has rows of a rolled-back import: ${s.text}`);
    else assert.ok(s.json.items.length > 0);
    // the audit log has the import entry exactly when the rows are there
    const imports = Number(dbsql(srv.db, "SELECT count(*) FROM audit_log WHERE action = 'import';"));
    assert.equal(imports, countAfter ? 1 : 0);
    assertDbSound(srv.db);
  });

  test('the interrupted job is not left "running" after the restart', async () => {
    // Nothing runs it any more: a record that still says "running" (and no
    // progress) misleads whoever waits for it.  The restart should mark it
    // failed (interrupted), or succeeded if its rows did commit.
    const j = await admin.get(`/api/v1/imports/${jobId}`);
    assert.equal(j.status, 200, j.text);
    assert.equal(j.json.progress, undefined, 'no live progress for a job of a previous process');
    assert.notEqual(j.json.status, 'running', `job ${jobId} after the restart: ${j.text}`);
    assert.equal(j.json.status, countAfter ? 'succeeded' : 'failed', j.text);
    assert.ok(j.json.finished_at, 'finished_at is set');
  });

  test('the rows the killed import had reached import cleanly afterwards; the chain still verifies', async () => {
    // the first 6,000 rows: the killed job had inserted (and lost) at least 5,000 of them
    const lines = file.toString('utf8').split(/\r?\n/); // one patent per line (no line breaks inside cells)
    const REDO = 6000;
    const part = Buffer.from(`${lines.slice(0, REDO + 1).join('\n')}\n`, 'utf8');
    const r = await admin.post('/api/v1/imports?filename=patents-part.csv', part);
    assert.equal(r.status, 202, r.text);
    const t0 = Date.now();
    let j;
    do {
      await sleep(100);
      j = await admin.get(`/api/v1/imports/${r.json.id}`);
      assert.ok(Date.now() - t0 < 60000, 'the re-import takes over 60 s');
    } while (j.json.status === 'running');
    assert.equal(j.json.status, 'succeeded', j.text);
    assert.equal(j.json.rows, REDO);
    assert.equal(countAfter ? j.json.unchanged_count : j.json.created_count, REDO, j.text);
    assert.equal((await admin.get('/api/v1/patents?count=true&limit=1')).json.total, countAfter || REDO);
    await expectCleanExit(srv);
    assertDbSound(srv.db);
  });
});

describe('SIGKILL in the middle of a stream of concurrent writes', () => {
  const WRITERS = 6;
  let dir, srv, admin, adminPassword;
  /* id -> { version, note } of the last write the server acknowledged */
  const acked = new Map();
  let creates = 0, updates = 0;

  before(async () => {
    dir = mkTmp();
    srv = await startServer({ dir });
    adminPassword = srv.adminPassword;
    admin = srv.tokenFor('admin');
  });
  after(async () => {
    await srv?.stop();
    rmTmp(dir);
  });

  test('writers create and update entities as fast as they can; SIGKILL mid-stream', async () => {
    let killed = false;
    const unexpected = [];
    async function writer(w) {
      for (let i = 0; !killed; i++) {
        try {
          const name = `写入者${w}-${i}`;
          const c = await admin.post('/api/v1/entities', { name, kind: 'enterprise', note: `${name}:1` });
          if (c.status !== 201) {
            unexpected.push(`create ${c.status} ${c.text}`);
            return;
          }
          acked.set(c.json.id, { version: c.json.version, note: c.json.note });
          creates++;
          let v = c.json.version;
          for (let k = 2; k <= 4 && !killed; k++) {
            const note = `${name}:${k}`;
            const p = await admin.patch(`/api/v1/entities/${c.json.id}`, { note }, { headers: { 'If-Match': `"v${v}"` } });
            if (p.status !== 200) {
              unexpected.push(`update ${p.status} ${p.text}`);
              return;
            }
            assert.equal(p.json.version, v + 1);
            v = p.json.version;
            acked.set(c.json.id, { version: v, note: p.json.note });
            updates++;
          }
        } catch (e) {
          if (!killed) unexpected.push(`${e.message}`);
          return; // connection refused/reset: the server is gone
        }
      }
    }
    const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const t0 = Date.now();
    while (creates + updates < 150 && Date.now() - t0 < 20000 && !unexpected.length) await sleep(20);
    killed = true;
    await kill9(srv);
    await Promise.all(running);
    assert.deepEqual(unexpected, [], 'every write before the kill succeeded');
    assert.ok(acked.size > 0 && creates + updates >= 150, `${creates} creates, ${updates} updates acknowledged`);
  });

  test('after a restart every acknowledged write is there, with at least its version', async () => {
    srv = await startServer({ dir, db: srv.db, adminPassword });
    admin = srv.tokenFor('admin');
    const { items } = await admin.listAll('/api/v1/entities', 1000);
    const byId = new Map(items.map((x) => [x.id, x]));
    const missing = [], older = [];
    for (const [id, a] of acked) {
      const row = byId.get(id);
      if (!row) missing.push(id);
      else if (row.version < a.version) older.push(`#${id} v${row.version} < acknowledged v${a.version}`);
      // at most the one write that was in flight when the server died
      else if (row.version > a.version + 1) older.push(`#${id} v${row.version} > v${a.version}+1`);
      else if (row.version === a.version) assert.equal(row.note, a.note, `#${id}`);
    }
    assert.deepEqual(missing, [], 'acknowledged creates lost');
    assert.deepEqual(older, [], 'acknowledged updates lost');
    // unacknowledged rows at most one per writer (a create in flight)
    assert.ok(items.length <= acked.size + WRITERS, `${items.length} rows, ${acked.size} acknowledged`);
  });

  test('every committed write has its audit entry; the chain verifies; integrity_check is ok', async () => {
    const rows = dbsql(srv.db, 'SELECT id, version FROM entities;').trim().split('\n').filter(Boolean);
    const audits = new Map(
      dbsql(srv.db, "SELECT rid, count(*) FROM audit_log WHERE rtype = 'entity' GROUP BY rid;")
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('|').map(Number)),
    );
    for (const l of rows) {
      const [id, version] = l.split('|').map(Number);
      assert.equal(audits.get(id), version, `entity #${id}: version ${version}, audit entries ${audits.get(id)}`);
    }
    // the server still takes writes on the recovered database
    const c = await admin.post('/api/v1/entities', { name: '恢复后写入', kind: 'other' });
    assert.equal(c.status, 201, c.text);
    await expectCleanExit(srv);
    assertDbSound(srv.db);
  });
});
