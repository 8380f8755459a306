// harness.mjs - starts the real ipcity binary on a random loopback port with
// a fresh database, and talks to it over HTTP.
//
//   const srv = await startServer({ env: { IPCITY_SESSION_TTL: '1' } });
//   const admin = await srv.login('admin', srv.adminPassword);
//   const r = await admin.post('/api/v1/entities', { name: 'x', kind: 'enterprise' });
//   await srv.stop();              // SIGTERM; asserts nothing, returns { code, signal, stdout, stderr }
//
// The database is a SQLite file in a temporary directory, or, when
// IPCITY_TEST_PG is set (a base URL such as
// postgresql://ipcity@127.0.0.1:55432/postgres, see scripts/pg.sh), a new
// PostgreSQL database made for the test.  Tests never build a database path
// themselves: freshDb(dir) names a new one (a file path or a URL), dbsql()
// runs SQL on either (output as the sqlite3 CLI prints it: "a|b" lines), and
// the few checks that differ by nature between the backends (integrity,
// table lists, the audit log's guards) have a helper each.
//
// Requests use node:http with a fresh connection each (Connection: close),
// so no idle keep-alive connection delays the server's graceful shutdown.
// Only node built-ins are used; psql (postgresql-client) for PostgreSQL.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.IPCITY_BIN || 'build/ipcity');

/* Valid unified social credit codes (GB 32100 check character). */
export const USCC = ['91110000802100433B', '91440300708461136T', '91110108551385082Q', '91330100716105852F'];
export const USCC_BAD_CHECK = '91110000802100433C';

const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/* Makes a valid USCC from a 17-character body (adds the check character). */
export function uscc(body17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARS.indexOf(body17[i]) * WEIGHTS[i];
  return body17 + CHARS[(31 - (sum % 31)) % 31];
}
/* The n-th synthetic valid USCC (n < 10^8). */
export function usccN(n) {
  return uscc('91310104' + String(n).padStart(9, '0'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* A fresh temporary directory; removed by rmTmp(), with the PostgreSQL
 * databases freshDb() made for it. */
export function mkTmp(prefix = 'ipcity-api-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
export function rmTmp(dir) {
  if (!dir) return;
  fs.rmSync(dir, { recursive: true, force: true });
  const dbs = pgByDir.get(dir);
  if (dbs) {
    pgByDir.delete(dir);
    dropPgDbs(dbs);
  }
}

/* ---- the database: SQLite or PostgreSQL ---- */

/* The PostgreSQL server to make test databases on (a URL naming any
 * database there, e.g. postgres), or null: SQLite files. */
export const PG = process.env.IPCITY_TEST_PG || null;

/* True when db is a PostgreSQL URL rather than a SQLite file path. */
export function isPg(db) {
  return /^postgres(ql)?:\/\//.test(String(db));
}

/* The database kind the server reports in /api/v1/health. */
export function dbKind(db) {
  return isPg(db) ? 'postgresql' : 'sqlite';
}

/* Runs psql on url; stdout in the sqlite3 CLI's list format (no headers,
 * "|" between columns, NULL as the empty string, one line per row).
 * Throws on any error, with psql's message. */
function psql(url, ...commands) {
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-F', '|', '-d', url];
  for (const c of commands) args.push('-c', c);
  return execFileSync('psql', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning', PGCONNECT_TIMEOUT: '10' },
  });
}

/* The URL of database `name` on the server of base. */
function pgUrl(base, name) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

const pgMade = new Set(); /* names of the databases this process made and has not dropped */
const pgByDir = new Map(); /* temporary directory -> names made for it */
let pgCounter = 0;

function dropPgDbs(names) {
  const todo = [...names].filter((n) => pgMade.has(n));
  if (!todo.length || !PG) return;
  try {
    // one command each: DROP DATABASE cannot run inside a transaction block
    psql(PG, ...todo.map((n) => `DROP DATABASE IF EXISTS ${n} WITH (FORCE)`));
  } catch {
    // a database left behind is harmless (scripts/pg.sh start drops leftovers)
  }
  for (const n of todo) pgMade.delete(n);
}

/* A new, empty database for a test: with IPCITY_TEST_PG a new PostgreSQL
 * database (ipct_<pid>_<n>_<random>), dropped by rmTmp(dir) or when the test
 * process exits; otherwise the path dir/name, which does not exist yet. */
export function freshDb(dir, name = 'ipcity.db') {
  if (!PG) return path.join(dir, name);
  const db = `ipct_${process.pid}_${++pgCounter}_${crypto.randomBytes(4).toString('hex')}`;
  psql(PG, `CREATE DATABASE ${db}`);
  pgMade.add(db);
  if (dir) {
    if (!pgByDir.has(dir)) pgByDir.set(dir, new Set());
    pgByDir.get(dir).add(db);
  }
  return pgUrl(PG, db);
}

/* Runs sql on the database db (a SQLite file: the sqlite3 CLI; a
 * postgresql:// URL: psql) and returns its output as the sqlite3 CLI prints
 * it ("a|b" lines).  Throws on failure, with the database's message. */
export function dbsql(db, sql) {
  if (isPg(db)) return psql(db, sql);
  return execFileSync('sqlite3', [db, sql], { encoding: 'utf8' });
}
/* The old name of dbsql(). */
export const sqlite = dbsql;

/* COUNT(*) of a table, as a number. */
export function countRows(db, table) {
  return Number(dbsql(db, `SELECT COUNT(*) FROM ${table};`).trim());
}

/* True when db holds nothing yet: SQLite, the file does not exist;
 * PostgreSQL, the database has no tables. */
export function dbIsEmpty(db) {
  if (!isPg(db)) return !fs.existsSync(db);
  return countRows(db, PG_USER_TABLES) === 0;
}
const PG_USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
const PG_USER_TABLES = `pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${PG_USER_SCHEMA}`;

/* The names of the database's tables, sorted. */
export function dbTables(db) {
  const sql = isPg(db)
    ? `SELECT c.relname FROM ${PG_USER_TABLES} ORDER BY 1;`
    : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;";
  return dbsql(db, sql).trim().split('\n').filter(Boolean);
}

/* The database's own consistency check: 'ok', or what is wrong.  SQLite:
 * PRAGMA integrity_check.  PostgreSQL: amcheck (postgresql-contrib) over
 * every table (verify_heapam, with TOAST) and every B-tree index
 * (bt_index_check with heapallindexed: each row is in each index); the
 * extension goes into its own schema, ipcity_check. */
export function dbIntegrity(db) {
  if (!isPg(db)) return dbsql(db, 'PRAGMA integrity_check;').trim();
  psql(db, 'CREATE SCHEMA IF NOT EXISTS ipcity_check', 'CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA ipcity_check');
  const heap = psql(
    db,
    `SELECT c.oid::regclass || ' block ' || v.blkno || ' offset ' || coalesce(v.offnum::text, '-') || ': ' || v.msg
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
            LATERAL ipcity_check.verify_heapam(c.oid, check_toast => true) v
      WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p' AND ${PG_USER_SCHEMA}`,
  ).trim();
  if (heap) return heap;
  try {
    psql(
      db,
      `SELECT count(ipcity_check.bt_index_check(c.oid, true))
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_am a ON a.oid = c.relam
        WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence = 'p' AND ${PG_USER_SCHEMA}`,
    );
  } catch (e) {
    return String(e.stderr || e.message).trim();
  }
  return 'ok';
}

/* Rows whose foreign keys point nowhere: '' when there are none.  SQLite:
 * PRAGMA foreign_key_check.  PostgreSQL: every foreign-key constraint
 * checked with a query ("child|rows|parent|constraint" per broken one). */
export function dbForeignKeyCheck(db) {
  if (!isPg(db)) return dbsql(db, 'PRAGMA foreign_key_check;').trim();
  const fks = psql(
    db,
    `SELECT k.conrelid::regclass, k.confrelid::regclass, k.conname,
            (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY x.i) FROM unnest(k.conkey) WITH ORDINALITY x(n, i)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n),
            (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY x.i) FROM unnest(k.confkey) WITH ORDINALITY x(n, i)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n)
       FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
      WHERE k.contype = 'f' AND ${PG_USER_SCHEMA} ORDER BY 1, 3`,
  )
    .trim()
    .split('\n')
    .filter(Boolean);
  const bad = [];
  for (const line of fks) {
    const [child, parent, name, cols, pcols] = line.split('|');
    const c = cols.split(','), p = pcols.split(',');
    const notNull = c.map((x) => `ch.${x} IS NOT NULL`).join(' AND ');
    const match = c.map((x, i) => `pa.${p[i]} = ch.${x}`).join(' AND ');
    const n = Number(
      psql(db, `SELECT count(*) FROM ${child} ch WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} pa WHERE ${match})`).trim(),
    );
    if (n) bad.push(`${child}|${n}|${parent}|${name}`);
  }
  return bad.join('\n');
}

/* Drops the audit log's append-only guards (the triggers that refuse
 * UPDATE and DELETE on audit_log), so a test can tamper with the log.
 * which: 'update', 'delete' or both.  PostgreSQL: every trigger on
 * audit_log that fires on those events; fails when there is none. */
export function dropAuditGuards(db, which = ['update', 'delete']) {
  which = [].concat(which);
  if (!isPg(db)) return dbsql(db, which.map((w) => `DROP TRIGGER audit_log_no_${w};`).join(' '));
  const mask = (which.includes('update') ? 16 : 0) | (which.includes('delete') ? 8 : 0); // TRIGGER_TYPE_UPDATE, _DELETE
  return psql(
    db,
    `DO $$
     DECLARE r record; n int := 0;
     BEGIN
       FOR r IN SELECT t.tgname FROM pg_trigger t
                 WHERE t.tgrelid = 'audit_log'::regclass AND NOT t.tgisinternal AND (t.tgtype & ${mask}) <> 0 LOOP
         EXECUTE format('DROP TRIGGER %I ON audit_log', r.tgname);
         n := n + 1;
       END LOOP;
       IF n = 0 THEN RAISE EXCEPTION 'audit_log has no append-only trigger to drop'; END IF;
     END $$`,
  );
}

/* The environment for the binary: no inherited IPCITY_* settings, no
 * ipcity.conf from the working directory, plus the given overrides. */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('IPCITY_')) env[k] = v;
  env.IPCITY_CONFIG = '/dev/null';
  env.IPCITY_THREADS = '4';
  env.IPCITY_LOG_LEVEL = 'info';
  return { ...env, ...extra };
}

/* Runs `ipcity --db DB ARGS...` synchronously; returns { code, stdout, stderr }. */
export function cli(db, args, { input, env } = {}) {
  const r = spawnSync(BIN, ['--db', db, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    input: input ?? '',
    encoding: 'utf8',
    timeout: 30000,
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/* The same, asynchronously (so it can run while the test awaits the server). */
export function cliAsync(db, args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['--db', db, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

/* Converts a UTF-8 string to GB18030 bytes with iconv. */
export function gb18030(text) {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text, 'utf8') });
}

/* ---- HTTP ---- */

/* One request. body: undefined, a Buffer/string (sent as is), or anything
 * else (sent as JSON).  Returns { status, headers, buf, text, json }. */
export function request(base, method, url, { body, headers = {}, chunked = false, timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url, base);
    let data = null;
    const h = { ...headers };
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) data = body;
      else if (typeof body === 'string') data = Buffer.from(body, 'utf8');
      else {
        data = Buffer.from(JSON.stringify(body), 'utf8');
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
      }
      if (!chunked) h['Content-Length'] = String(data.length);
    }
    const req = http.request(
      // a path starting with / is sent exactly as given (no dot-segment normalisation)
      { host: u.hostname, port: u.port, path: url.startsWith('/') ? url : u.pathname + u.search, method, headers: h, agent: false, timeout },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const text = buf.toString('utf8');
          let json;
          const ct = res.headers['content-type'] || '';
          if (/json/.test(ct) && text.length) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, buf, text, json, body: json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    // The server may answer (413) and close before the whole body is sent;
    // the response still arrives, so write errors are ignored once it did.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (data) {
      if (chunked) {
        const step = 16 * 1024;
        for (let i = 0; i < data.length; i += step) req.write(data.subarray(i, i + step));
      } else req.write(data);
    }
    req.end();
  });
}

/* A client: keeps cookies, sends the CSRF header on writes when it has a
 * CSRF token, or a bearer token.  opts on each call: { headers, body,
 * csrf: false (omit the header) | 'string' (send this one) }. */
export class Client {
  constructor(base, { token = null, lang = null } = {}) {
    this.base = base;
    this.cookies = new Map();
    this.csrf = null;
    this.token = token;
    this.lang = lang;
    this.user = null;
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  absorbCookies(res) {
    const sc = res.headers['set-cookie'] || [];
    for (const line of sc) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      if (value === '' || (maxAge && Number(maxAge.split('=')[1]) <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async req(method, url, opts = {}) {
    const headers = {};
    if (this.lang) headers['Accept-Language'] = this.lang;
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    if (this.cookies.size) headers['Cookie'] = this.cookieHeader();
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (unsafe && opts.csrf !== false) {
      const c = typeof opts.csrf === 'string' ? opts.csrf : this.csrf;
      if (c) headers['X-CSRF-Token'] = c;
    }
    Object.assign(headers, opts.headers || {});
    const res = await request(this.base, method, url, { body: opts.body, headers, chunked: opts.chunked });
    this.absorbCookies(res);
    return res;
  }
  get(url, opts) {
    return this.req('GET', url, opts);
  }
  head(url, opts) {
    return this.req('HEAD', url, opts);
  }
  post(url, body, opts = {}) {
    return this.req('POST', url, { ...opts, body });
  }
  patch(url, body, opts = {}) {
    return this.req('PATCH', url, { ...opts, body });
  }
  put(url, body, opts = {}) {
    return this.req('PUT', url, { ...opts, body });
  }
  del(url, opts = {}) {
    return this.req('DELETE', url, opts);
  }
  /* Logs in; throws unless 200. */
  async login(name, password) {
    const r = await this.post('/api/v1/session', { name, password });
    if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrf_token;
    this.user = r.json.user;
    return r;
  }
  /* GETs every page of a list (limit per page); returns { items, pages }. */
  async listAll(url, limit = 7) {
    const items = [];
    let cursor = null, pages = 0;
    for (;;) {
      const sep = url.includes('?') ? '&' : '?';
      const r = await this.get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (r.status !== 200) throw new Error(`list ${url}: ${r.status} ${r.text}`);
      items.push(...r.json.items);
      pages++;
      cursor = r.json.next_cursor;
      if (!cursor) break;
      if (pages > 1000) throw new Error('too many pages');
    }
    return { items, pages };
  }
}

/* ---- the server ---- */

/* Servers still running when this test process exits (a failed or
 * timed-out test) are killed, so no orphan keeps a port or a temp dir, and
 * the PostgreSQL databases not yet dropped are dropped. */
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {}
  }
  // then the PostgreSQL databases still there (WITH (FORCE) ends their sessions)
  dropPgDbs(pgMade);
});

/* Runs `init` on db (from freshDb()) and returns the admin password. */
export function initDb(db) {
  const r = cli(db, ['init']);
  if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.stderr}`);
  const m = r.stdout.match(/密码 password:\s+(\S+)/);
  if (!m) throw new Error(`no admin password in init output:\n${r.stdout}`);
  return m[1];
}

/* Starts `ipcity serve` on 127.0.0.1:0 over a fresh database (or `db` if
 * given; `init` runs first when it is still empty).  Resolves once it
 * prints its listening line. */
export async function startServer({ env = {}, dir = null, db = null, adminPassword = null, args = [] } = {}) {
  const ownDir = !dir;
  dir = dir || mkTmp();
  try {
    db = db || freshDb(dir);
    if (dbIsEmpty(db)) adminPassword = initDb(db);
  } catch (e) {
    if (ownDir) rmTmp(dir);
    throw e;
  }
  const proc = spawn(BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  live.add(proc);
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
    proc.on('error', (error) => {
      // the binary could not be started (missing, being rebuilt...)
      live.delete(proc);
      stderr += `\nspawn failed: ${error.message}`;
      resolve({ code: null, signal: null, error });
    });
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stdout}\n${stderr}`)), 15000);
    const check = () => {
      const m = stdout.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`));
    });
    check();
  }).catch((e) => {
    proc.kill('SIGKILL');
    if (ownDir) rmTmp(dir);
    throw e;
  });
  const base = `http://127.0.0.1:${port}`;
  let stopped = null;
  const srv = {
    proc,
    pid: proc.pid,
    port,
    base,
    dir,
    db,
    adminPassword,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    client(opts) {
      return new Client(base, opts);
    },
    async login(name, password) {
      const c = new Client(base);
      await c.login(name, password);
      return c;
    },
    bearer(token, opts = {}) {
      return new Client(base, { ...opts, token });
    },
    /* A bearer client for an existing user, via `ipcity token create`. */
    tokenFor(name) {
      const r = cli(db, ['token', 'create', name]);
      if (r.code !== 0) throw new Error(`token create ${name}: ${r.stderr}`);
      return new Client(base, { token: r.stdout.trim() });
    },
    /* `ipcity user add` with the password on stdin. */
    addUser(name, role, dept, password) {
      const r = cli(db, ['user', 'add', name, '--role', role, '--dept', dept], { input: `${password}\n` });
      if (r.code !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
      return r;
    },
    request(method, url, opts) {
      return request(base, method, url, opts);
    },
    /* SIGTERM and wait (up to 15 s); resolves { code, signal, ms, stdout, stderr }. */
    async stop() {
      if (!stopped) {
        const t0 = Date.now();
        stopped = (async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const killer = setTimeout(() => proc.kill('SIGKILL'), 15000);
          const r = await exited;
          clearTimeout(killer);
          return { ...r, ms: Date.now() - t0, stdout, stderr };
        })();
      }
      return stopped;
    },
    /* stop() and remove the temporary directory (if the harness made it). */
    async close() {
      const r = await srv.stop();
      if (ownDir) rmTmp(dir);
      return r;
    },
  };
  return srv;
}

/* Asserts a problem+json error response: status, code, and the standard
 * fields; returns the parsed body. */
export function problem(assert, res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json/);
  const p = res.json;
  assert.ok(p, 'problem body is JSON');
  assert.equal(p.code, code, res.text);
  assert.equal(p.status, status);
  assert.equal(p.type, `urn:ipcity:problem:${code}`);
  for (const k of ['title', 'detail', 'message_zh', 'message_en', 'instance', 'request_id'])
    assert.equal(typeof p[k], 'string', `problem field ${k}`);
  assert.equal(p.request_id, res.headers['x-request-id']);
  return p;
}

/* Sends raw bytes over a new TCP connection and collects what comes back
 * until the server closes, or `idleMs` pass without data after some
 * arrived, or `timeoutMs` pass.  Resolves { text, closed }. */
export function rawHttp(port, data, { idleMs = 300, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let idle = null, done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      clearTimeout(total);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed });
    };
    const total = setTimeout(() => finish(false), timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (e) => (chunks.length ? finish(true) : reject(e)));
    sock.write(data);
  });
}

/* Stops the server and asserts it shut down cleanly: exit status 0, the
 * "stopped cleanly" log line, and no sanitizer report (leaks, UB) — so a
 * suite run against the ASan/UBSan build fails where the server misbehaved. */
export async function expectCleanExit(srv) {
  const { default: assert } = await import('node:assert/strict');
  const r = await srv.stop();
  const tail = r.stderr.split('\n').filter((l) => !/ info access /.test(l)).slice(-60).join('\n');
  assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/, tail);
  assert.equal(r.code, 0, tail);
  assert.match(r.stderr, /stopped cleanly/, tail);
  return r;
}
