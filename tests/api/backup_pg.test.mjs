// backup_pg.test.mjs - what `ipcity backup` and `ipcity restore` do on
// PostgreSQL beyond the shared backup suite (backup.test.mjs): a backup of
// one backend is refused by the other with what to do; a restore over a
// database that already holds data replaces it whole; one whose database
// has tables the archive lacks is refused; a pg_restore that fails half-way
// leaves the database as it was; a URL with a password works and the
// password shows in no output.  Needs IPCITY_TEST_PG; skipped (starting nothing) without.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, cli, mkTmp, rmTmp, freshDb, dbsql, countRows, initDb, PG } from './harness.mjs';

describe('backup and restore on PostgreSQL', { skip: PG ? false : 'needs IPCITY_TEST_PG (a PostgreSQL server)' }, () => {
  let dir, db, archive, entities;

  before(async () => {
    dir = mkTmp('ipcity-backup-pg-');
    db = freshDb(dir);
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
    archive = path.join(dir, 'a.dump');
    const b = cli(db, ['backup', archive]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(fs.readFileSync(archive).subarray(0, 5).toString('latin1'), 'PGDMP');
    assert.equal((fs.statSync(archive).mode & 0o777).toString(8), '600');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => /\.tmp-/.test(f)), [], 'no temporary file left');
  });
  after(() => rmTmp(dir));

  test('a backup of one backend is refused by the other, saying what to do', () => {
    const file = path.join(dir, 'never.db');
    const r = cli(file, ['restore', archive]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PostgreSQL backup/);
    assert.match(r.stderr, /migrate-data/);
    assert.ok(!fs.existsSync(file));

    const lite = path.join(dir, 'lite.db');
    initDb(lite);
    const litebak = path.join(dir, 'lite.bak');
    assert.equal(cli(lite, ['backup', litebak]).code, 0);
    const target = freshDb(dir);
    const s = cli(target, ['restore', litebak]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /SQLite backup/);
    assert.match(s.stderr, /migrate-data/);
  });

  test('a restore over a database with other data replaces it whole', () => {
    const target = freshDb(dir);
    initDb(target);
    dbsql(target, "UPDATE departments SET note = 'before the restore';");
    const r = cli(target, ['restore', archive]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /audit chain intact/);
    assert.equal(countRows(target, 'entities'), entities);
    assert.equal(countRows(target, "departments WHERE note = 'before the restore'"), 0);
    assert.equal(cli(target, ['audit', 'verify']).code, 0);
  });

  test('tables the archive lacks are refused; a failing pg_restore changes nothing', () => {
    const target = freshDb(dir);
    assert.equal(cli(target, ['restore', archive]).code, 0);
    dbsql(target, "UPDATE entities SET note = 'marker' WHERE id = 1;");

    dbsql(target, 'CREATE TABLE hand_made (a int);');
    const x = cli(target, ['restore', archive]);
    assert.equal(x.code, 1);
    assert.match(x.stderr, /hand_made/);
    assert.match(x.stderr, /tables the backup does not have/);
    dbsql(target, 'DROP TABLE hand_made;');

    // a view on a table the archive drops and makes again: pg_restore fails at the DROP
    dbsql(target, 'CREATE VIEW entity_notes AS SELECT id, note FROM entities;');
    const f = cli(target, ['restore', archive]);
    assert.equal(f.code, 1);
    assert.match(f.stderr, /the database is unchanged/);
    assert.equal(dbsql(target, 'SELECT note FROM entities WHERE id = 1;').trim(), 'marker');
    assert.equal(countRows(target, 'entity_notes'), entities);
  });

  test('a URL with a password works, and the password shows in no output', () => {
    // a password libpq does not need (the test server trusts local connections); pg_dump gets it in
    // its environment (PGPASSWORD), not on its command line
    const u = new URL(db);
    u.password = 'not-on-the-command-line';
    const out = path.join(dir, 'pw.dump');
    const r = cli(u.toString(), ['--log-level', 'debug', 'backup', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /not-on-the-command-line/);
  });
});
