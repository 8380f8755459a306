// concurrency.test.mjs - many clients writing the same few records at once.
// Every update is a read-modify-write that appends one unique token to a
// text field under optimistic concurrency (If-Match or a version field): no
// update may be lost, stale writes answer 412 (If-Match) or 409 (version in
// the body), nothing answers 5xx, nothing deadlocks, and every body has the
// documented shape.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectCleanExit, dbsql, usccN } from './harness.mjs';

const CLIENTS = 16;
const RECORDS = 3;
const WINS = 5; /* successful updates per client */
const LIMIT_MS = 45000;

const RECORD_KEYS = ['id', 'version', 'dept', 'created_at', 'updated_at', 'created_by', 'updated_by'];

function assertRecordShape(r, want = {}) {
  assert.match(r.headers['content-type'] || '', /^application\/json/, r.text);
  assert.ok(r.json && typeof r.json === 'object' && !Array.isArray(r.json), `a JSON object: ${r.text}`);
  for (const k of RECORD_KEYS) assert.ok(k in r.json, `record field ${k}: ${r.text}`);
  assert.equal(typeof r.json.id, 'number');
  assert.equal(typeof r.json.version, 'number');
  assert.equal(r.headers.etag, `"v${r.json.version}"`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual(r.json[k], v, k);
}

function assertProblemShape(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'] || '', /^application\/problem\+json/, r.text);
  const p = r.json;
  assert.ok(p, `problem body is JSON: ${r.text}`);
  assert.equal(p.status, status);
  assert.equal(p.code, code, r.text);
  assert.equal(p.type, `urn:ipcity:problem:${code}`);
  for (const k of ['title', 'detail', 'message_zh', 'message_en', 'instance', 'request_id']) assert.equal(typeof p[k], 'string', k);
}

/* Rejects after ms: a deadlocked server fails the test instead of hanging it. */
function within(ms, what, promise) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => (t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (deadlock?)`)), ms))),
  ]);
}

describe(`${CLIENTS} clients read-modify-write the same ${RECORDS} records`, () => {
  let srv, admin;
  const ids = [];
  const clients = [];

  before(async () => {
    srv = await startServer();
    admin = srv.tokenFor('admin');
    for (let i = 0; i < RECORDS; i++) {
      const r = await admin.post('/api/v1/entities', { name: `并发目标${i}`, kind: 'enterprise', note: '' });
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.id);
    }
    // half the clients are bearer-token users, half cookie sessions (CSRF)
    srv.addUser('racer', 'bureau', '310104-ipa', 'racer-password-1');
    const token = srv.tokenFor('racer').token;
    for (let c = 0; c < CLIENTS; c++)
      clients.push(c % 2 ? await srv.login('racer', 'racer-password-1') : srv.bearer(token));
  });
  after(async () => {
    await srv?.close();
  });

  const wins = new Map(); /* record id -> [tokens of 2xx updates] */
  const stats = { attempts: 0, ok: 0, stale412: 0, stale409: 0 };

  test('no lost update, stale writes 412/409, no 5xx, no deadlock', async (t) => {
    const unexpected = [];
    for (const id of ids) wins.set(id, []);
    async function run(c) {
      try {
        await race(c);
      } catch (e) {
        unexpected.push(`client ${c}: ${e.message}`); /* a shape assertion: the others go on */
      }
    }
    async function race(c) {
      const viaBody = c % 4 >= 2; /* a quarter of the time each: cookie/bearer × If-Match/version */
      const cl = clients[c];
      let won = 0;
      for (let attempt = 0; won < WINS && attempt < 200; attempt++) {
        const id = ids[(c + attempt) % RECORDS];
        const g = await cl.get(`/api/v1/entities/${id}`);
        if (g.status !== 200) {
          unexpected.push(`GET ${g.status} ${g.text}`);
          return;
        }
        assertRecordShape(g, { id });
        const tok = `c${c}a${attempt}`;
        const note = g.json.note ? `${g.json.note} ${tok}` : tok;
        stats.attempts++;
        const p = viaBody
          ? await cl.patch(`/api/v1/entities/${id}`, { note, version: g.json.version })
          : await cl.patch(`/api/v1/entities/${id}`, { note }, { headers: { 'If-Match': g.headers.etag } });
        if (p.status === 200) {
          assertRecordShape(p, { id, version: g.json.version + 1, note, updated_by: 'racer' });
          wins.get(id).push(tok);
          stats.ok++;
          won++;
        } else if (p.status === (viaBody ? 409 : 412)) {
          assertProblemShape(p, p.status, 'conflict.stale');
          stats[viaBody ? 'stale409' : 'stale412']++;
        } else {
          unexpected.push(`PATCH #${id} ${viaBody ? 'version' : 'If-Match'}: ${p.status} ${p.text}`);
          if (p.status >= 500) return;
        }
      }
      if (won < WINS) unexpected.push(`client ${c} won only ${won} of ${WINS} updates`);
    }
    await within(LIMIT_MS, 'the update race', Promise.all(clients.map((_, c) => run(c))));
    assert.deepEqual(unexpected, []);
    assert.equal(stats.ok, CLIENTS * WINS);
    // with this many clients on 3 records some writes must have been stale
    assert.ok(stats.stale412 + stats.stale409 > 0, JSON.stringify(stats));
    t.diagnostic(JSON.stringify(stats));
  });

  test('each record holds exactly the tokens of the 2xx answers; version = 1 + updates', async () => {
    for (const id of ids) {
      const g = await admin.get(`/api/v1/entities/${id}`);
      assertRecordShape(g, { id });
      const got = g.json.note.split(' ').filter(Boolean);
      assert.equal(new Set(got).size, got.length, `a token twice in #${id}: ${g.json.note}`);
      assert.deepEqual([...got].sort(), [...wins.get(id)].sort(), `record #${id}`);
      assert.equal(g.json.version, 1 + wins.get(id).length);
    }
  });

  test('one audit entry per successful write, chain intact', async () => {
    for (const id of ids) {
      const n = Number(dbsql(srv.db, `SELECT count(*) FROM audit_log WHERE rtype = 'entity' AND rid = ${id} AND action = 'update';`));
      assert.equal(n, wins.get(id).length, `updates of #${id} in the audit log`);
    }
    const v = await admin.get('/api/v1/audit/verify');
    assert.equal(v.status, 200);
    assert.equal(v.json.ok, true, v.text);
  });

  test('racing creates of one unique key: exactly one 201, the rest 409 conflict.unique', async () => {
    const uscc = usccN(4242);
    const rs = await within(
      LIMIT_MS,
      'the create race',
      Promise.all(clients.map((cl, c) => cl.post('/api/v1/entities', { name: `抢注${c}`, kind: 'enterprise', uscc }))),
    );
    const created = rs.filter((r) => r.status === 201);
    assert.equal(created.length, 1, rs.map((r) => `${r.status} ${r.text}`).join('\n'));
    assertRecordShape(created[0], { uscc });
    for (const r of rs) if (r.status !== 201) assertProblemShape(r, 409, 'conflict.unique');
    assert.equal((await admin.get(`/api/v1/entities?uscc=${uscc}&count=true`)).json.total, 1);
  });

  test('racing deletes of one version: exactly one 204, the rest 412 (stale) or 404 (gone)', async () => {
    const e = await admin.post('/api/v1/entities', { name: '被抢着删除', kind: 'other' });
    assert.equal(e.status, 201);
    const rs = await within(
      LIMIT_MS,
      'the delete race',
      Promise.all(clients.map((cl) => cl.del(`/api/v1/entities/${e.json.id}`, { headers: { 'If-Match': '"v1"' } }))),
    );
    assert.equal(rs.filter((r) => r.status === 204).length, 1, rs.map((r) => r.status).join(' '));
    for (const r of rs)
      if (r.status !== 204) {
        assert.ok([404, 412].includes(r.status), `${r.status} ${r.text}`);
        assertProblemShape(r, r.status, r.status === 404 ? 'record.not_found' : 'conflict.stale');
      }
    assert.equal((await admin.get(`/api/v1/entities/${e.json.id}`)).status, 404);
  });

  test('readers during a write storm: lists and gets never fail, pages stay ordered', async (t) => {
    let writing = true;
    const unexpected = [];
    let countBehind = 0;
    const writer = async (c) => {
      for (let i = 0; writing; i++) {
        const r = await clients[c].post('/api/v1/entities', { name: `风暴${c}-${i}`, kind: 'other' });
        if (r.status !== 201) unexpected.push(`create ${r.status} ${r.text}`);
      }
    };
    const reader = async (c) => {
      for (let i = 0; i < 15; i++) {
        const l = await clients[c].get('/api/v1/entities?limit=20&sort=-id&count=true');
        if (l.status !== 200) unexpected.push(`list ${l.status} ${l.text}`);
        else {
          const idsSeen = l.json.items.map((x) => x.id);
          if (JSON.stringify(idsSeen) !== JSON.stringify([...idsSeen].sort((a, b) => b - a))) unexpected.push(`list order ${idsSeen}`);
          // total and items come from two statements outside one read
          // transaction: under concurrent inserts total can lag behind the
          // page (reported, not asserted: it depends on timing)
          if (l.json.total < idsSeen.length) countBehind++;
        }
        const g = await clients[c].get(`/api/v1/entities/${ids[i % RECORDS]}`);
        if (g.status !== 200) unexpected.push(`get ${g.status} ${g.text}`);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    try {
      await within(LIMIT_MS, 'readers', Promise.all([4, 5, 6, 7, 8, 9, 10, 11].map(reader)));
    } finally {
      writing = false;
      await within(LIMIT_MS, 'writers', Promise.all(writers));
    }
    if (countBehind) t.diagnostic(`count=true: total smaller than the page itself in ${countBehind} of 120 lists`);
    assert.deepEqual(unexpected, []);
  });

  test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});
