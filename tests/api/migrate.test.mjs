// migrate.test.mjs - `ipcity migrate-data`: a SQLite installation made
// through the API (entities, users with sessions and an API token, a real
// CNIPA XML file imported, patents with legal events, a plan task report
// with an attachment, the indicator index) moves to a new, empty database of
// the target backend; a server on the target then answers as the source's
// server did (indicators, a patent and its status timeline, search, plan
// progress, the audit log and its verification), the copied session and
// token still work, and new rows get new ids.  A non-empty target is refused
// and left as it was; a failure half-way (a dangling reference in the
// source) leaves the target without a single table (PostgreSQL) or without
// its file (SQLite); the way back (the target -> a new SQLite file) gives the
// same per-table checksums and the same rows.
//
// Runs on both backends, never skipped.  The source is always a SQLite file;
// the target is the harness's freshDb(): with IPCITY_TEST_PG a new
// PostgreSQL database (SQLite -> PostgreSQL -> SQLite), without it a SQLite
// file that does not exist yet (SQLite -> SQLite -> SQLite, which
// migrate-data supports the same way: one transaction, the same report).
// The search indexes, which are rebuilt rather than copied, are checked on
// each backend's own form: PostgreSQL's index table, SQLite's FTS5 index.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, cli, mkTmp, rmTmp, freshDb, dbsql, dbIsEmpty, dbTables, countRows, isPg, PG, ROOT, usccN, sleep, Client } from './harness.mjs';

const REAL = path.resolve(ROOT, '..', 'shared', 'data', 'real');
const enc = encodeURIComponent;
const D = '2024-06-30';

/* A SQLite table's rows as the sqlite3 shell prints them (any size). */
function sqliteRows(db, table) {
  return execFileSync('sqlite3', [db, `SELECT * FROM ${table} ORDER BY rowid;`], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/* The number of documents in a database's patent search index, which
 * migrate-data rebuilds on the target instead of copying.  PostgreSQL: the
 * rows of the index table patents_search (one per live patent).  SQLite:
 * the row count FTS5 keeps in the "averages" record (id 1) of the
 * patents_fts index's data table, a varint at its start (read from the raw
 * record because the sqlite3 shell lacks the "cjk" tokenizer the table
 * names, so it cannot query patents_fts itself). */
function searchIndexDocs(db) {
  if (isPg(db)) return countRows(db, 'patents_search');
  const hex = dbsql(db, 'SELECT hex(block) FROM patents_fts_data WHERE id = 1;').trim();
  assert.ok(hex, `${db}: patents_fts has no averages record`);
  const b = Buffer.from(hex, 'hex');
  let n = 0n;
  for (let i = 0; i < 9; i++) {
    if (i === 8) return Number((n << 8n) | BigInt(b[i])); // SQLite varint: the 9th byte has 8 bits
    n = (n << 7n) | BigInt(b[i] & 0x7f);
    if (!(b[i] & 0x80)) break;
  }
  return Number(n);
}

/* The per-table lines of migrate-data's report: { table: [source, target, checksum, result] }. */
function report(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    const m = line.match(/^(\w+)\s+(\d+)\s+(\d+)\s+([0-9a-f]{16})\s+(.*)$/);
    if (m) out[m[1]] = [Number(m[2]), Number(m[3]), m[4], m[5].trim()];
  }
  return out;
}

/* A valid CN application number (check digit) for year/serial. */
function appno(year, serial) {
  const d = `${year}1${String(serial).padStart(7, '0')}`;
  const w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(d[i]) * w[i];
  const c = s % 11;
  return `${d}.${c === 10 ? 'X' : c}`;
}

describe('migrate-data: SQLite to the target backend and back', () => {
  let dir, srcDb, dstDb, adminPassword, token, court, courtCookies;
  const ids = {};
  let want; /* the SQLite server's answers */
  let migrated; /* the report of the migration to the target */

  /* The answers compared between the two servers (client: a bearer client). */
  async function answers(client) {
    const out = {};
    const urls = [
      `/api/v1/indicators?region=310104&date=${D}`,
      `/api/v1/indicators/valid_invention/series?region=310104&from=2019-12-31&to=${D}&step=year`,
      '/api/v1/indicators/index',
      `/api/v1/patents/${ids.patent}`,
      `/api/v1/patents/${ids.patent}/status`,
      `/api/v1/patents/${ids.patent}/status?date=2023-06-30`,
      `/api/v1/patent_events?patent=${ids.patent}&sort=id`,
      `/api/v1/patents/${ids.imported}`,
      `/api/v1/patents/${ids.imported}/status`,
      `/api/v1/patents?limit=50&sort=id&count=true`,
      `/api/v1/search?q=${enc('测试专利')}&count=true`,
      `/api/v1/search?q=${enc(ids.word)}&count=true&limit=20`,
      `/api/v1/search?q=autonomous%20vehicle&count=true&limit=20`,
      `/api/v1/search?q=${enc('数据校验')}&region=310104`,
      `/api/v1/entities?limit=50&sort=id&count=true`,
      `/api/v1/users?limit=50&sort=id`,
      `/api/v1/plans/${ids.plan}/progress?date=${D}`,
      `/api/v1/task_reports/${ids.report}`,
      '/api/v1/audit?limit=200',
      '/api/v1/audit/verify',
    ];
    for (const url of urls) {
      const r = await client.get(url);
      assert.equal(r.status, 200, `${url}: ${r.text}`);
      out[url] = r.json;
    }
    const att = await client.get(`/api/v1/task_reports/${ids.report}/attachments/${ids.sha}`);
    assert.equal(att.status, 200, att.text);
    out.attachment = att.buf.toString('base64');
    return out;
  }

  before(async () => {
    dir = mkTmp('ipcity-migrate-');
    srcDb = path.join(dir, 'source.db'); // SQLite, whatever IPCITY_TEST_PG says
    const srv = await startServer({ dir, db: srcDb });
    try {
      adminPassword = srv.adminPassword;
      const t = cli(srcDb, ['token', 'create', 'admin']);
      assert.equal(t.code, 0, t.stderr);
      token = t.stdout.trim();
      const admin = srv.bearer(token);
      srv.addUser('court-staff', 'dept', '310104-court', 'Court-staff-pw-1');
      court = await srv.login('court-staff', 'Court-staff-pw-1');

      for (let i = 1; i <= 3; i++) {
        const r = await admin.post('/api/v1/entities', { name: `迁移测试企业${i}号`, kind: 'enterprise', uscc: usccN(900 + i), address: '上海市徐汇区漕宝路100号' });
        assert.equal(r.status, 201, r.text);
      }

      // a real CNIPA publication file, through the import job
      const xml = fs.readFileSync(path.join(REAL, 'cnipa-xml', 'cn_new3.xml'));
      const job = await admin.post('/api/v1/imports?filename=cn_new3.xml', xml, { headers: { 'Content-Type': 'application/xml' } });
      assert.equal(job.status, 202, job.text);
      let j;
      for (const t0 = Date.now(); ; await sleep(50)) {
        j = await admin.get(`/api/v1/imports/${job.json.id}`);
        if (j.json.status !== 'running') break;
        assert.ok(Date.now() - t0 < 60000, 'the import did not finish');
      }
      assert.equal(j.json.status, 'succeeded', j.text);
      // and a Lens export (863 patents of many countries)
      const csv = fs.readFileSync(path.join(REAL, 'lens', 'lens_autonomous_search.csv'));
      const job2 = await admin.post('/api/v1/imports?filename=lens.csv', csv, { headers: { 'Content-Type': 'text/csv' } });
      assert.equal(job2.status, 202, job2.text);
      for (const t0 = Date.now(); ; await sleep(50)) {
        j = await admin.get(`/api/v1/imports/${job2.json.id}`);
        if (j.json.status !== 'running') break;
        assert.ok(Date.now() - t0 < 60000, 'the import did not finish');
      }
      assert.equal(j.json.status, 'succeeded', j.text);
      const imported = await admin.get('/api/v1/patents?limit=1&sort=id');
      ids.imported = imported.json.items[0].id;
      // a word of its title to search for (two CJK characters)
      ids.word = (imported.json.items[0].title.match(/[\u4e00-\u9fff]{2}/) || ['装置'])[0];

      // a patent of the demo region with a legal-status history
      const p = await admin.post('/api/v1/patents', {
        appno: appno(2018, 4242),
        kind: 'invention',
        title: '测试专利：一种迁移用的数据校验装置',
        abstract: '本发明公开了一种数据校验装置。',
        filing_date: '2018-03-01',
        grant_date: '2020-06-01',
        ipc: ['G06F 16/13'],
        applicants: [{ name: '迁移测试企业1号', address: '上海市徐汇区漕宝路100号', country: 'CN' }],
      });
      assert.equal(p.status, 201, p.text);
      ids.patent = p.json.id;
      for (const ev of [
        { kind: 'pledge', date: '2023-03-01', amount: 6000000.5, party: '上海银行' },
        { kind: 'lapse', date: '2024-01-10' },
        { kind: 'restoration', date: '2024-03-01' },
      ]) {
        const r = await admin.post('/api/v1/patent_events', { patent: ids.patent, ...ev });
        assert.equal(r.status, 201, r.text);
      }

      // a task report of the seed plan with an attachment (plan_files)
      const plans = await admin.get('/api/v1/plans');
      ids.plan = plans.json.items[0].id;
      const task = await court.get(`/api/v1/plan_tasks?plan=${ids.plan}&code=${enc('三（一）1')}`);
      const rep = await court.post('/api/v1/task_reports', { task: task.json.items[0].id, period: '2024-Q2', text: '查办侵权案件 3 件', figures: { T01: 3 } });
      assert.equal(rep.status, 201, rep.text);
      ids.report = rep.json.id;
      const up = await court.req('POST', `/api/v1/task_reports/${ids.report}/attachments?filename=${enc('清单.txt')}`, {
        body: Buffer.from('案件清单\n(2024)沪0104民初1号\n', 'utf8'),
        headers: { 'If-Match': rep.headers.etag, 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(up.status, 201, up.text);
      ids.sha = up.json.attachments[0].sha256;

      const idx = await admin.post('/api/v1/indicators/index', {});
      assert.equal(idx.status, 200, idx.text);
      want = await answers(admin);
      courtCookies = court.cookieHeader();
    } finally {
      await expectCleanExit(srv);
    }
  });
  after(() => rmTmp(dir));

  test('every table arrives with the same count and checksum; the target has the audit chain', () => {
    dstDb = freshDb(dir, 'target.db'); // PostgreSQL in PG runs, a new SQLite file otherwise
    assert.equal(isPg(dstDb), Boolean(PG));
    assert.ok(dbIsEmpty(dstDb), 'the target starts empty');
    const r = cli(dstDb, ['migrate-data', '--from', srcDb, '--to', dstDb]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    migrated = report(r.stdout);
    for (const t of ['users', 'sessions', 'api_tokens', 'audit_log', 'audit_head', 'patents', 'patent_events', 'patent_parties', 'patent_ipc', 'plan_files', 'task_reports', 'ind_spans', 'ind_cum', 'ind_state', 'schema_meta'])
      assert.ok(migrated[t], `${t} in the report:\n${r.stdout}`);
    for (const [t, [src, dst, , result]] of Object.entries(migrated)) {
      assert.equal(src, dst, t);
      assert.match(result, /一致 ok/, t);
      assert.equal(countRows(dstDb, t), src, `${t} rows on the target`);
    }
    assert.ok(migrated.patents[0] > 10 && migrated.plan_files[0] === 1 && migrated.sessions[0] >= 1 && migrated.ind_spans[0] > 0, r.stdout);
    assert.equal(migrated.audit_log[0], countRows(srcDb, 'audit_log'));
    assert.match(r.stdout, /audit chain intact/);
    // the search indexes are rebuilt, not copied: none is among the copied tables, and the target's holds every patent
    assert.deepEqual(Object.keys(migrated).filter((t) => /_fts|_search$/.test(t)), [], r.stdout);
    const live = countRows(srcDb, 'patents WHERE deleted_at IS NULL');
    assert.equal(live, migrated.patents[0], 'no patent of the source is deleted');
    assert.equal(searchIndexDocs(srcDb), live, 'the source index');
    assert.equal(searchIndexDocs(dstDb), live, 'the target index');
    const v = cli(dstDb, ['audit', 'verify']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`${migrated.audit_log[0]} entries`));
    // a SQLite target can also be compared row by row with the sqlite3 shell
    if (!isPg(dstDb))
      for (const t of ['patents', 'patent_events', 'audit_log', 'sessions', 'plan_files'])
        assert.equal(sqliteRows(dstDb, t), sqliteRows(srcDb, t), t);
  });

  test('a server on the target answers as the source server did; the session and the token still work', async () => {
    assert.ok(migrated, 'migrated');
    const srv = await startServer({ dir, db: dstDb });
    try {
      const got = await answers(srv.bearer(token));
      for (const k of Object.keys(want)) assert.deepEqual(got[k], want[k], k);
      // the court user's session cookie, copied with the sessions table
      const c = new Client(srv.base);
      for (const kv of courtCookies.split('; ')) c.cookies.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
      const me = await c.get('/api/v1/session');
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json.user.name, 'court-staff');
      // the admin password too, and new rows get ids after the copied ones
      const admin = await srv.login('admin', adminPassword);
      const maxId = Math.max(...want['/api/v1/entities?limit=50&sort=id&count=true'].items.map((e) => e.id));
      const e = await admin.post('/api/v1/entities', { name: '迁移后新建企业', kind: 'enterprise' });
      assert.equal(e.status, 201, e.text);
      assert.equal(e.json.id, maxId + 1);
      const v = await admin.get('/api/v1/audit/verify');
      assert.equal(v.json.ok, true, v.text);
    } finally {
      await expectCleanExit(srv);
    }
  });

  test('a target that is not empty is refused and left as it was', () => {
    assert.ok(migrated, 'migrated');
    const before = dbsql(dstDb, 'SELECT count(*), max(seq) FROM audit_log;');
    const entities = countRows(dstDb, 'entities');
    const r = cli(dstDb, ['migrate-data', '--from', srcDb, '--to', dstDb]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /不是空的/);
    assert.match(r.stderr, /is not empty/);
    assert.equal(dbsql(dstDb, 'SELECT count(*), max(seq) FROM audit_log;'), before);
    assert.equal(countRows(dstDb, 'entities'), entities);
    // a SQLite target that exists is not empty either
    const other = path.join(dir, 'other.db');
    fs.copyFileSync(srcDb, other);
    const s = cli(srcDb, ['migrate-data', '--to', other]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /is not empty/);
    // and the source must be there
    const none = cli(srcDb, ['migrate-data', '--from', path.join(dir, 'missing.db'), '--to', path.join(dir, 'x.db')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no source database/);
    assert.ok(!fs.existsSync(path.join(dir, 'missing.db')) && !fs.existsSync(path.join(dir, 'x.db')));
  });

  test('a failure half-way leaves the target empty (PostgreSQL) or absent (SQLite)', () => {
    // a dangling reference, as SQLite lets a row have when its foreign keys are off (the sqlite3 shell)
    const bad = path.join(dir, 'dangling.db');
    fs.copyFileSync(srcDb, bad);
    dbsql(bad, "INSERT INTO patent_ipc (patent_id, seq, code) VALUES (999999, 1, 'H04L 9/00');");
    const target = freshDb(dir, 'half.db'); // PostgreSQL in PG runs, a new SQLite file otherwise
    const r = cli(target, ['migrate-data', '--from', bad, '--to', target]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /patent_ipc/);
    assert.match(r.stderr, /目标数据库未改变/);
    assert.match(r.stderr, /the target database is unchanged/);
    assert.ok(dbIsEmpty(target), PG ? 'the target has no table' : 'the target file was not created');
    if (!PG) for (const f of ['-wal', '-shm', '-journal']) assert.ok(!fs.existsSync(target + f), `no ${target}${f}`);

    const file = path.join(dir, 'never.db');
    const s = cli(bad, ['migrate-data', '--to', file]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /patent_ipc/);
    for (const f of ['', '-wal', '-shm', '-journal']) assert.ok(!fs.existsSync(file + f), `no ${file}${f}`);

    // an empty SQLite file is an empty target too: it is accepted, and after the failure it still has no table
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    const t = cli(bad, ['migrate-data', '--to', empty]);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /migrating/, 'the empty file was accepted as a target');
    assert.match(t.stderr, /patent_ipc/);
    assert.deepEqual(dbTables(empty), []);
  });

  test('back from the target backend to a new SQLite file: the same checksums, the same data', () => {
    assert.ok(migrated, 'migrated');
    // a fresh copy of the source on the target backend (the first one has changed since)
    const copy = freshDb(dir, 'copy.db');
    const c = cli(srcDb, ['migrate-data', '--to', copy]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(report(c.stdout), migrated);
    const back = path.join(dir, 'back.db');
    const r = cli(copy, ['migrate-data', '--from', copy, '--to', `sqlite:${back}`]);
    assert.equal(r.code, 0, r.stderr);
    const rep = report(r.stdout);
    assert.deepEqual(Object.keys(rep).sort(), Object.keys(migrated).sort());
    for (const t of Object.keys(migrated)) assert.deepEqual(rep[t], migrated[t], t);
    for (const t of ['patents', 'patent_events', 'audit_log', 'sessions', 'plan_files'])
      assert.equal(sqliteRows(back, t), sqliteRows(srcDb, t), t);
    // the SQLite search index is rebuilt there
    const found = cli(back, ['search', '数据校验装置']);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /1 matches/);
    assert.match(found.stdout, /一种迁移用的【数据校验装置】/);
    assert.equal(searchIndexDocs(back), migrated.patents[0]);
    assert.equal(cli(back, ['audit', 'verify']).code, 0);
  });
});
