// backup_formats.test.mjs - what `ipcity backup` and `ipcity restore` do
// with each backend's own backup format, beyond the shared backup suite
// (backup.test.mjs): a backup of one backend is refused by the other with
// what to do, and a file of neither kind is refused; a restore over a
// database that already holds data replaces it whole; a database with
// tables the backup lacks, and a restore that fails, leave the database as
// it was; the database URL's other spellings work, and a password in one
// shows in no output.
//
// Runs on both backends, never skipped; the database under test is the
// harness's freshDb().  PostgreSQL (IPCITY_TEST_PG): the backup is a pg_dump
// archive; a restore refuses a database with tables the archive lacks, and
// runs pg_restore in one transaction (a failure half-way changes nothing).
// SQLite: the backup is one database file; a restore checks a copy and then
// replaces the file whole, so tables the backup lacks simply vanish with the
// old file, and a copy that fails its checks changes nothing.  Where a test
// needs the other backend's backup, the PostgreSQL run makes both kinds (a
// SQLite backup needs no server); the SQLite run, which has no PostgreSQL
// server, uses a file with a pg_dump custom-format header (the PostgreSQL
// run checks that SQLite refuses it exactly as it refuses a real archive).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, cli, mkTmp, rmTmp, freshDb, dbsql, countRows, dbIsEmpty, dbTables, dropAuditGuards, initDb, PG } from './harness.mjs';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/* The start of a pg_dump custom-format archive, as pg_dump 15 writes it:
 * the magic "PGDMP", archive version 1.14.0, int size 4, offset size 8,
 * format 1 (custom); then zeros.  Not a complete archive: only what tells a
 * pg_dump archive from other files. */
function pgDumpHead() {
  return Buffer.concat([Buffer.from('PGDMP', 'latin1'), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(501)]);
}

/* The stderr of a failed command with the file names made neutral. */
function neutral(stderr, ...names) {
  let s = stderr;
  for (const n of names) s = s.split(n).join('FILE');
  return s;
}

describe('backup and restore: each backend with its own backup format', () => {
  let dir, db, archive, entities;

  before(async () => {
    dir = mkTmp('ipcity-backup-formats-');
    db = freshDb(dir, 'live.db');
    const srv = await startServer({ dir, db });
    try {
      const admin = await srv.login('admin', srv.adminPassword);
      for (let i = 1; i <= 5; i++) {
        const r = await admin.post('/api/v1/entities', { name: `归档测试企业${i}号`, kind: 'enterprise' });
        assert.equal(r.status, 201, r.text);
      }
    } finally {
      await expectCleanExit(srv);
    }
    entities = countRows(db, 'entities');
    assert.ok(entities >= 5);
    archive = path.join(dir, PG ? 'a.dump' : 'a.bak');
    const b = cli(db, ['backup', archive]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /backup written/);
    const head = fs.readFileSync(archive).subarray(0, 16);
    if (PG) {
      // a pg_dump custom-format archive, with the header fields pgDumpHead() copies
      assert.equal(head.subarray(0, 5).toString('latin1'), 'PGDMP');
      assert.deepEqual([...head.subarray(8, 11)], [4, 8, 1], 'int size, offset size, custom format');
    } else assert.deepEqual(head, SQLITE_MAGIC, 'one SQLite database file');
    assert.equal((fs.statSync(archive).mode & 0o777).toString(8), '600');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => /\.tmp-/.test(f)), [], 'no temporary file left');
  });
  after(() => rmTmp(dir));

  test('a backup of one backend is refused by the other, saying what to do; a file of neither kind is refused', () => {
    // a PostgreSQL backup restored into SQLite: refused before any file is made
    const made = path.join(dir, 'pg-head.dump');
    fs.writeFileSync(made, pgDumpHead());
    const file = path.join(dir, 'never.db');
    const refusals = [];
    for (const pgBackup of PG ? [archive, made] : [made]) {
      const r = cli(file, ['restore', pgBackup]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /PostgreSQL 备份（pg_dump 归档），不能恢复到 SQLite/);
      assert.match(r.stderr, /PostgreSQL backup \(a pg_dump archive\), which cannot be restored into SQLite/);
      assert.match(r.stderr, /--db postgresql:\/\//);
      assert.match(r.stderr, /migrate-data/);
      assert.equal(r.stdout, '');
      for (const f of ['', '-wal', '-shm', '-journal']) assert.ok(!fs.existsSync(file + f), `no ${file}${f}`);
      refusals.push(neutral(r.stderr, pgBackup));
    }
    // the header alone is what SQLite goes by: a real archive and the made one are refused alike
    if (PG) assert.equal(refusals[0], refusals[1]);

    // a SQLite backup restored into PostgreSQL (needs a PostgreSQL server: PG runs)
    if (PG) {
      const lite = path.join(dir, 'lite.db');
      initDb(lite);
      const litebak = path.join(dir, 'lite.bak');
      assert.equal(cli(lite, ['backup', litebak]).code, 0);
      const target = freshDb(dir);
      const s = cli(target, ['restore', litebak]);
      assert.equal(s.code, 1);
      assert.match(s.stderr, /SQLite backup/);
      assert.match(s.stderr, /migrate-data/);
      assert.ok(dbIsEmpty(target), 'the PostgreSQL database has no table');
    }

    // a file that is neither kind of backup, restored on this run's backend: not an ipcity database, nothing made
    const csv = path.join(dir, 'entities.csv');
    fs.writeFileSync(csv, 'name,kind\n某企业,enterprise\n');
    const target = freshDb(dir, 'neither.db');
    const n = cli(target, ['restore', csv]);
    assert.equal(n.code, 1, n.stdout);
    assert.match(n.stderr, /is not an ipcity database/);
    assert.match(n.stderr, PG ? /not a pg_dump archive/ : /not a SQLite file/);
    assert.ok(dbIsEmpty(target), PG ? 'the database has no table' : 'no file was made');
  });

  test('a restore over a database with other data replaces it whole', () => {
    const target = freshDb(dir, 'other.db');
    initDb(target);
    dbsql(target, "UPDATE departments SET note = 'before the restore';");
    assert.ok(countRows(target, "departments WHERE note = 'before the restore'") > 0);
    assert.equal(countRows(target, 'entities'), 0);
    const r = cli(target, ['restore', archive]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /audit chain intact/);
    assert.equal(countRows(target, 'entities'), entities);
    assert.equal(countRows(target, "departments WHERE note = 'before the restore'"), 0);
    assert.equal(dbsql(target, 'SELECT count(*), max(seq) FROM audit_log;'), dbsql(db, 'SELECT count(*), max(seq) FROM audit_log;'));
    assert.equal(cli(target, ['audit', 'verify']).code, 0);
  });

  test('tables the backup lacks: refused (PostgreSQL) or gone with the replaced file (SQLite); a failing restore changes nothing', () => {
    const target = freshDb(dir, 'extra.db');
    const r0 = cli(target, ['restore', archive]);
    assert.equal(r0.code, 0, r0.stderr);
    const restoredTables = dbTables(target);
    dbsql(target, "UPDATE entities SET note = 'marker' WHERE id = 1;");
    dbsql(target, 'CREATE TABLE hand_made (a int);');
    dbsql(target, 'INSERT INTO hand_made VALUES (42);');

    if (PG) {
      // a database with a table the archive lacks is refused, untouched
      const x = cli(target, ['restore', archive]);
      assert.equal(x.code, 1);
      assert.match(x.stderr, /hand_made/);
      assert.match(x.stderr, /tables the backup does not have/);
      assert.equal(dbsql(target, 'SELECT a FROM hand_made;').trim(), '42');
      assert.equal(dbsql(target, 'SELECT note FROM entities WHERE id = 1;').trim(), 'marker');
      dbsql(target, 'DROP TABLE hand_made;');

      // a view on a table the archive drops and makes again: pg_restore fails at the DROP
      dbsql(target, 'CREATE VIEW entity_notes AS SELECT id, note FROM entities;');
      const f = cli(target, ['restore', archive]);
      assert.equal(f.code, 1);
      assert.match(f.stderr, /the database is unchanged/);
      assert.equal(dbsql(target, 'SELECT note FROM entities WHERE id = 1;').trim(), 'marker');
      assert.equal(countRows(target, 'entity_notes'), entities);
    } else {
      dbsql(target, 'CREATE VIEW entity_notes AS SELECT id, note FROM entities;');
      // a backup that fails the checks on its copy (an altered audit entry): refused, the database unchanged
      const bad = path.join(dir, 'altered.bak');
      fs.copyFileSync(archive, bad);
      dropAuditGuards(bad, 'update');
      dbsql(bad, "UPDATE audit_log SET user_name = 'someone else' WHERE seq = 1;");
      const before = fs.readFileSync(target);
      const f = cli(target, ['restore', bad]);
      assert.equal(f.code, 1, f.stdout);
      assert.match(f.stderr, /entry 1 has been altered/);
      assert.ok(fs.readFileSync(target).equals(before), 'the database file is byte for byte the same');
      assert.equal(dbsql(target, 'SELECT note FROM entities WHERE id = 1;').trim(), 'marker');
      assert.equal(dbsql(target, 'SELECT a FROM hand_made;').trim(), '42');
      assert.equal(countRows(target, 'entity_notes'), entities);
      assert.deepEqual(fs.readdirSync(dir).filter((n) => /\.restore-/.test(n)), [], 'no copy left beside the database');

      // the SQLite restore replaces the file whole: the table and the view the backup lacks go with the old file
      const r = cli(target, ['restore', archive]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(dbTables(target), restoredTables);
      assert.ok(!dbTables(target).includes('hand_made'));
      assert.equal(dbsql(target, "SELECT count(*) FROM sqlite_master WHERE name IN ('hand_made', 'entity_notes');").trim(), '0');
      assert.equal(dbsql(target, 'SELECT note FROM entities WHERE id = 1;'), dbsql(db, 'SELECT note FROM entities WHERE id = 1;'));
      assert.equal(countRows(target, 'entities'), entities);
    }
  });

  test('a database URL in another spelling works for backup and restore, and a password in it shows in no output', () => {
    // PostgreSQL: the URL with a password libpq does not need (the test server trusts local connections);
    // pg_dump and pg_restore get it in their environment (PGPASSWORD), never on a command line or in a message.
    // SQLite: the path as a sqlite: URL.
    const SECRET = 'not-on-the-command-line';
    const spell = (d) => {
      if (!PG) return `sqlite:${d}`;
      const u = new URL(d);
      u.password = SECRET;
      return u.toString();
    };
    const out = path.join(dir, PG ? 'pw.dump' : 'url.bak');
    const b = cli(spell(db), ['--log-level', 'debug', 'backup', out]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /backup written/);
    assert.ok(fs.existsSync(out));

    const target = freshDb(dir, 'url.db');
    const r = cli(spell(target), ['--log-level', 'debug', 'restore', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(countRows(target, 'entities'), entities);
    // the restored database is named, with the password masked
    const shown = PG ? spell(target).replace(`:${SECRET}@`, ':***@') : `sqlite:${target}`;
    assert.ok(r.stdout.includes(`database ${shown} restored`), r.stdout);
    if (PG) for (const o of [b, r]) assert.doesNotMatch(o.stdout + o.stderr, new RegExp(SECRET));
  });
});
