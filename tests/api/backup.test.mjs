// backup.test.mjs - `ipcity backup` of a running server's database while
// writes go on, `ipcity restore` into a fresh database, and a second server
// on the restored copy answering exactly as the original did.  The same on
// both backends: with SQLite the backup is a database file and a restore
// makes the file named by --db; with PostgreSQL (IPCITY_TEST_PG) the backup
// is a pg_dump archive and a restore fills the new, empty database named by
// --db (the harness's freshDb()).  Rows are counted through dbsql on the
// database --db names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, cli, cliAsync, mkTmp, rmTmp, freshDb, countRows, dbIsEmpty } from './harness.mjs';

let srv, admin, tmp, token;
before(async () => {
  srv = await startServer();
  // a bearer token: it is in the database, so it works on the restored copy too
  const r = cli(srv.db, ['token', 'create', 'admin']);
  assert.equal(r.code, 0, r.stderr);
  token = r.stdout.trim();
  admin = srv.bearer(token);
  tmp = mkTmp('ipcity-backup-');
});
after(async () => {
  await srv?.close();
  rmTmp(tmp);
});

let seq = 0;
async function createEntity(client, note) {
  const r = await client.post('/api/v1/entities', { name: `备份测试企业${++seq}号`, kind: 'enterprise', note });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/* Writes entities with `workers` concurrent loops until stop() is called;
 * resolves to the list of { entity, at } in completion order. */
function writeLoad(client, workers = 3) {
  let stopping = false;
  const done = [];
  const loops = Array.from({ length: workers }, async () => {
    while (!stopping) done.push({ entity: await createEntity(client, 'during backup'), at: Date.now() });
  });
  return { done, stop: async () => ((stopping = true), await Promise.all(loops), done) };
}

/* The answers compared between the original and the restored server. */
async function answers(client, ids) {
  const out = {};
  for (const url of [
    '/api/v1/entities?limit=500&sort=id',
    '/api/v1/entities?limit=5&sort=-id&count=true',
    '/api/v1/departments?limit=100',
    '/api/v1/users?limit=100',
    '/api/v1/audit?limit=100',
    ...ids.map((id) => `/api/v1/entities/${id}`),
  ]) {
    const r = await client.get(url);
    assert.equal(r.status, 200, `${url}: ${r.text}`);
    out[url] = { body: r.json, etag: r.headers.etag ?? null };
  }
  return out;
}

test('backup while writing, restore into a fresh database, same answers from the restored copy', async () => {
  for (let i = 0; i < 20; i++) await createEntity(admin, 'before backup');

  // 1. a backup taken while three clients keep writing
  const load = writeLoad(admin);
  while (load.done.length < 5) await new Promise((r) => setTimeout(r, 5));
  const bak1 = path.join(tmp, 'during.bak');
  const t0 = Date.now();
  const b = await cliAsync(srv.db, ['backup', bak1]);
  const t1 = Date.now();
  const written = await load.stop();
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /backup written/);
  assert.ok(written.some((w) => w.at > t0 && w.at < t1), 'writes completed while the backup ran');
  assert.equal((fs.statSync(bak1).mode & 0o777).toString(8), '600');
  assert.ok(!fs.existsSync(`${bak1}-wal`), 'the backup is one self-contained file');

  // a second backup to the same name is refused
  const again = cli(srv.db, ['backup', bak1]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);

  // 2. restore into a fresh database: a consistent snapshot (every entity whole, the chain intact)
  const db1 = freshDb(tmp, 'restored-during.db');
  const r1 = cli(db1, ['restore', bak1]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stdout, /audit chain intact/);
  const n1 = countRows(db1, 'entities');
  const total = 20 + written.length;
  assert.ok(n1 >= 20 + 5 && n1 <= total, `restored ${n1} entities of ${total}`);
  const v = cli(db1, ['audit', 'verify']);
  assert.equal(v.code, 0, v.stderr);
  const restored1 = await startServer({ db: db1, dir: tmp });
  try {
    const c = restored1.bearer(token);
    const all = await c.listAll('/api/v1/entities?sort=id', 200);
    assert.equal(all.items.length, n1);
    for (const e of all.items) {
      const o = await admin.get(`/api/v1/entities/${e.id}`);
      assert.equal(o.status, 200);
      assert.deepEqual(e, o.json, `entity ${e.id} as the original serves it`);
    }
  } finally {
    await expectCleanExit(restored1);
  }

  // 3. with writes stopped, a backup restored elsewhere answers exactly as the original does
  const bak2 = path.join(tmp, 'quiet.bak');
  const b2 = cli(srv.db, ['backup', bak2]);
  assert.equal(b2.code, 0, b2.stderr);
  const dir2 = path.join(tmp, 'fresh');
  fs.mkdirSync(dir2);
  const db2 = freshDb(dir2);
  const r2 = cli(db2, ['restore', bak2]);
  assert.equal(r2.code, 0, r2.stderr);
  const ids = written.slice(0, 5).map((w) => w.entity.id);
  const want = await answers(admin, ids);
  const restored2 = await startServer({ db: db2, dir: dir2 });
  try {
    const got = await answers(restored2.bearer(token), ids);
    assert.deepEqual(got, want);
  } finally {
    await expectCleanExit(restored2);
  }
  // no temporary files left beside the database (SQLite) or beside the backups
  for (const d of [dir2, tmp]) assert.deepEqual(fs.readdirSync(d).filter((f) => /restore-/.test(f)), [], `no temporary files left in ${d}`);
});

test('restore refuses while the server has the database open, and a file that is not an ipcity database', async () => {
  const bak = path.join(tmp, 'refuse.bak');
  assert.equal(cli(srv.db, ['backup', bak]).code, 0);
  const before = countRows(srv.db, 'entities');

  const busy = cli(srv.db, ['restore', bak]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /in use/);
  assert.equal((await admin.get('/api/v1/entities?limit=1')).status, 200, 'the server goes on');
  assert.equal(countRows(srv.db, 'entities'), before);

  const junk = path.join(tmp, 'junk.db');
  fs.writeFileSync(junk, 'not a database at all, just text\n'.repeat(10));
  const target = freshDb(tmp, 'never.db');
  const r = cli(target, ['restore', junk]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not an ipcity database/);
  assert.ok(dbIsEmpty(target), 'nothing was written to the target database');

  for (const cmd of ['backup', 'restore']) {
    const h = cli(srv.db, [cmd, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`Usage: ipcity ${cmd} FILE`));
    assert.equal(cli(srv.db, [cmd]).code, 2, `${cmd} without FILE`);
  }
});
