// hostile.test.mjs - hostile input at the API.  Every case gets a clean
// error (4xx; application/problem+json with every documented field, except
// the few that libmicrohttpd answers itself before the request reaches the
// server: oversize headers/URLs, broken framing), and the server stays up:
// a health check follows each case.  Covered: SQL metacharacters in every
// kind of parameter (filters, sort, q, cursor, path ids, JSON keys and
// values, headers), path traversal (static files and import file names;
// plain, encoded, double-encoded), oversize headers and bodies, slow
// clients (slowloris), invalid UTF-8, deeply nested JSON, huge numbers, NUL
// bytes, duplicate JSON keys and wrong content types.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, expectCleanExit, request, rawHttp, dbsql, dbTables, dbIntegrity, sleep, mkTmp, rmTmp } from './harness.mjs';

const MAX_BODY = 1024 * 1024;
const SECRET = 'top secret 绝密';
const PROBLEM_FIELDS = ['type', 'title', 'detail', 'code', 'message_zh', 'message_en', 'instance', 'request_id'];

let srv, admin, dir, web;
const seen = []; /* every response text, to check nothing sensitive leaks */

before(async () => {
  dir = mkTmp();
  web = path.join(dir, 'web');
  fs.mkdirSync(web);
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>ipcity</title>\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), `${SECRET}\n`);
  srv = await startServer({ dir, env: { IPCITY_MAX_BODY: String(MAX_BODY), IPCITY_WEB_ROOT: web } });
  admin = srv.tokenFor('admin');
});
after(async () => {
  await srv?.stop();
  rmTmp(dir);
});

/* admin request (bearer), recorded */
async function A(method, url, opts = {}) {
  const r = await admin.req(method, url, opts);
  seen.push(r.text);
  return r;
}

/* Asserts a complete problem+json answer with a 4xx status (or `status`). */
function clean(res, status, code, what = '') {
  const label = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (status) assert.equal(res.status, status, label);
  else assert.ok(res.status >= 400 && res.status < 500, `4xx expected: ${label}`);
  assert.match(res.headers['content-type'] || '', /^application\/problem\+json/, label);
  const p = res.json;
  assert.ok(p && typeof p === 'object', `problem body is JSON: ${label}`);
  for (const k of PROBLEM_FIELDS) assert.equal(typeof p[k], 'string', `problem field "${k}" missing: ${label}`);
  assert.equal(p.status, res.status, label);
  assert.equal(p.type, `urn:ipcity:problem:${p.code}`, label);
  if (code) assert.equal(p.code, code, label);
  assert.equal(p.request_id, res.headers['x-request-id'], label);
  return p;
}

/* 2xx with a JSON body, or a clean 4xx. */
function okOrClean(res, what) {
  if (res.status >= 200 && res.status < 300) {
    if (res.status !== 204) assert.ok(res.json !== undefined || !/json/.test(res.headers['content-type'] || ''), `${what}: JSON body`);
    return;
  }
  clean(res, undefined, undefined, what);
}

async function healthy(what = '') {
  const r = await request(srv.base, 'GET', '/api/v1/health', { timeout: 5000 });
  assert.equal(r.status, 200, `server unhealthy after ${what}`);
  assert.equal(r.json.status, 'ok');
}

/* Raw bytes on a new connection: { status, head, body, closed }. */
async function raw(data, opts) {
  const r = await rawHttp(srv.port, data, opts);
  const m = r.text.match(/^HTTP\/1\.[01] (\d{3})/);
  const i = r.text.indexOf('\r\n\r\n');
  return { status: m ? Number(m[1]) : 0, head: i >= 0 ? r.text.slice(0, i) : r.text, body: i >= 0 ? r.text.slice(i + 4) : '', closed: r.closed, text: r.text };
}

/* Parses a raw answer of the server itself as problem+json and checks it. */
function cleanRaw(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text.slice(0, 300)}`);
  assert.match(r.head, /\r\nContent-Type: application\/problem\+json/i, what);
  const p = JSON.parse(r.body.slice(r.body.indexOf('{')));
  for (const k of PROBLEM_FIELDS) assert.equal(typeof p[k], 'string', `${what}: problem field "${k}" missing: ${r.body}`);
  return p;
}

const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE entities; --",
  '" OR ""="',
  '1; SELECT sqlite_version()',
  "%' --",
  "\\'; --",
  ') OR 1=1 --',
  '*/ UNION SELECT name, password_hash FROM users --',
  "x' UNION SELECT password_hash FROM users WHERE '1'='1",
  '1 AND (SELECT count(*) FROM sqlite_master) > 0',
];
const enc = encodeURIComponent;

describe('SQL metacharacters in every kind of parameter', () => {
  let before0;
  before(async () => {
    for (let i = 0; i < 3; i++) assert.equal((await A('POST', '/api/v1/entities', { body: { name: `正常主体${i}`, kind: 'enterprise' } })).status, 201);
    before0 = (await A('GET', '/api/v1/entities?count=true&limit=1')).json.total;
  });

  test('list filters (every operator), filter names, sort, q, cursor, limit, count', async () => {
    for (const p of SQL) {
      for (const f of ['uscc', 'kind', 'region_code', 'established', 'park_code']) {
        for (const op of ['', '.ne', '.gt', '.gte', '.lt', '.lte', '.like', '.in', '.null']) {
          const url = `/api/v1/entities?${f}${op}=${enc(p)}&count=true`;
          const r = await A('GET', url);
          okOrClean(r, url);
          if (r.status === 200 && op !== '.ne' && op !== '.null' && op !== '.lt' && op !== '.lte')
            // no row has such a value; comparisons by text may still match (gt/gte), but never more than all rows
            assert.ok(r.json.total <= before0, url);
          if (r.status === 200 && ['', '.like', '.in'].includes(op)) assert.equal(r.json.total, 0, `${url} matched rows`);
        }
      }
      clean(await A('GET', `/api/v1/entities?${enc(p)}=1`), 400, 'query.unknown_parameter', `key ${p}`);
      clean(await A('GET', `/api/v1/entities?sort=${enc(p)}`), 400, 'query.sort', `sort ${p}`);
      clean(await A('GET', `/api/v1/entities?sort=-${enc(p)}`), 400, 'query.sort', `sort -${p}`);
      clean(await A('GET', `/api/v1/entities?cursor=${enc(p)}`), 400, 'query.cursor', `cursor ${p}`);
      clean(await A('GET', `/api/v1/entities?limit=${enc(p)}`), 400, 'query.limit', `limit ${p}`);
      const q = await A('GET', `/api/v1/entities?q=${enc(p)}&count=true`);
      assert.equal(q.status, 200, q.text);
      assert.equal(q.json.total, 0, `q=${p}`);
      okOrClean(await A('GET', `/api/v1/entities?count=${enc(p)}`), `count=${p}`);
      okOrClean(await A('GET', `/api/v1/entities/export?kind=${enc(p)}`), `export kind=${p}`);
      await healthy(p);
    }
  });

  test('the search endpoint: q (FTS5 syntax too), scope, ipc, region, holder, dates, limit, offset', async () => {
    const fts = ['"', '*', 'NEAR(a b)', 'a AND OR NOT b', '^a', 'title:x', '{a b}', '(((', 'a"b', "'"];
    for (const p of [...SQL, ...fts]) {
      okOrClean(await A('GET', `/api/v1/search?q=${enc(p)}`), `search q=${p}`);
      okOrClean(await A('GET', `/api/v1/search?q=${enc(p)}&scope=trademarks`), `search trademarks q=${p}`);
      for (const k of ['scope', 'kind', 'ipc', 'region', 'holder', 'filed_from', 'filed_to', 'granted_from', 'in_force_on', 'limit', 'offset'])
        okOrClean(await A('GET', `/api/v1/search?q=${enc('装置')}&${k}=${enc(p)}`), `search ${k}=${p}`);
    }
    await healthy('search');
  });

  test('path ids and path segments', async () => {
    for (const p of SQL) {
      for (const url of [
        `/api/v1/entities/${enc(p)}`,
        `/api/v1/entities/1${enc(p)}`,
        `/api/v1/${enc(p)}`,
        `/api/v1/${enc(p)}/1`,
        `/api/v1/meta/types/${enc(p)}`,
        `/api/v1/patents/${enc(p)}/status`,
        `/api/v1/imports/${enc(p)}`,
      ])
        clean(await A('GET', url), 404, undefined, url);
      clean(await A('PATCH', `/api/v1/entities/${enc(p)}`, { body: { note: 'x' }, headers: { 'If-Match': '"v1"' } }), 404, undefined, p);
      clean(await A('DELETE', `/api/v1/entities/${enc(p)}`, { headers: { 'If-Match': '"v1"' } }), 404, undefined, p);
      okOrClean(await A('GET', `/api/v1/audit?type=${enc(p)}`), `audit type=${p}`);
      clean(await A('GET', `/api/v1/audit?record_id=${enc(p)}`), 400, 'query.value', `audit record_id=${p}`);
      clean(await A('GET', `/api/v1/patents/1/status?date=${enc(p)}`), 400, undefined, `status date=${p}`);
    }
    await healthy('path ids');
  });

  test('JSON values are stored verbatim and found again; JSON keys are refused', async () => {
    const made = [];
    for (const p of SQL) {
      const c = await A('POST', '/api/v1/entities', { body: { name: p, kind: 'other', note: p, address: p, legal_rep: p } });
      assert.equal(c.status, 201, c.text);
      assert.equal(c.json.name, p);
      made.push(c.json.id);
      const g = await A('GET', `/api/v1/entities/${c.json.id}`);
      assert.deepEqual([g.json.name, g.json.note, g.json.address, g.json.legal_rep], [p, p, p, p]);
      const u = await A('PATCH', `/api/v1/entities/${c.json.id}`, { body: { note: `${p}${p}` }, headers: { 'If-Match': '"v1"' } });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.json.note, `${p}${p}`);
      clean(await A('POST', '/api/v1/entities', { body: { name: 'x', kind: 'other', [p]: 1 } }), 422, 'validation.failed', `key ${p}`);
      clean(await A('POST', '/api/v1/entities', { body: { name: 'x', kind: p } }), 422, 'validation.failed', `enum ${p}`);
      clean(await A('POST', '/api/v1/entities', { body: { name: 'x', kind: 'other', dept: p } }), 422, undefined, `dept ${p}`);
      clean(await A('POST', '/api/v1/entities', { body: { name: 'x', kind: 'other', uscc: p } }), 422, 'validation.failed', `uscc ${p}`);
      clean(await A('POST', '/api/v1/session', { body: { name: p, password: p } }), 401, undefined, `login ${p}`);
    }
    // q finds each stored value and nothing that lacks it (quotes, dashes, parentheses are plain text)
    for (const p of SQL.filter((x) => !/[%_\\]/.test(x))) {
      const q = await A('GET', `/api/v1/entities?q=${enc(p)}`);
      assert.equal(q.status, 200);
      for (const it of q.json.items) assert.ok(`${it.name}\n${it.address}`.includes(p), `q=${p} matched ${it.name}`);
      assert.ok(q.json.items.some((it) => it.name === p), `q=${p} finds its row`);
    }
    assert.equal((await A('GET', '/api/v1/entities?count=true&limit=1')).json.total, before0 + SQL.length);
  });

  test('q and .like filters take %, _ and \\ literally: they find text containing them, and only that', async () => {
    // Today they are stripped from the pattern ("no wildcards from users"),
    // so "sqlite_version" looks for "sqliteversion" and finds nothing.
    const names = ['折扣100%_真', 'li_si 的公司', 'C:\\dir\\file'];
    for (const n of names) assert.equal((await A('POST', '/api/v1/entities', { body: { name: n, kind: 'other' } })).status, 201);
    for (const [needle, want] of [
      ['100%', ['折扣100%_真']],
      ['%_', ['折扣100%_真']],
      ['li_si', ['li_si 的公司']],
      ['i_s', ['li_si 的公司']],
      ['\\dir\\', ['C:\\dir\\file']],
      ['sqlite_version', SQL.filter((x) => x.includes('sqlite_version'))],
    ]) {
      const q = await A('GET', `/api/v1/entities?q=${enc(needle)}&limit=1000`);
      assert.equal(q.status, 200, q.text);
      assert.deepEqual(q.json.items.map((x) => x.name).sort(), [...want].sort(), `q=${needle}`);
    }
    for (const a of ['li_si 商贸', 'lisi 商贸', '100% 商贸'])
      assert.equal((await A('POST', '/api/v1/trademarks', { body: { reg_no: `TM-${a}`, applicant: a, status: 'applied' } })).status, 201);
    for (const [needle, want] of [['li_si', ['li_si 商贸']], ['100%', ['100% 商贸']], ['%', ['100% 商贸']]]) {
      const l = await A('GET', `/api/v1/trademarks?applicant.like=${enc(needle)}`);
      assert.equal(l.status, 200, l.text);
      assert.deepEqual(l.json.items.map((x) => x.applicant).sort(), want, `applicant.like=${needle}`);
    }
  });

  test('headers: X-Request-Id, If-Match, Accept-Language, Authorization, Cookie, X-CSRF-Token', async () => {
    const e = await A('POST', '/api/v1/entities', { body: { name: '头部测试', kind: 'other' } });
    for (const p of SQL) {
      const h = await request(srv.base, 'GET', '/api/v1/health', { headers: { 'X-Request-Id': p } });
      assert.equal(h.status, 200);
      assert.notEqual(h.headers['x-request-id'], p, 'an unsafe request id is replaced');
      clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: { note: 'x' }, headers: { 'If-Match': p } }), 400, 'precondition.malformed', `If-Match ${p}`);
      clean(await A('DELETE', `/api/v1/entities/${e.json.id}`, { headers: { 'If-Match': `"v${p}"` } }), 400, 'precondition.malformed', `If-Match "v${p}"`);
      clean(await A('GET', `/api/v1/nothing`, { headers: { 'Accept-Language': p } }), 404, 'not_found', `Accept-Language ${p}`);
      clean(await request(srv.base, 'GET', '/api/v1/session', { headers: { Authorization: `Bearer ${p}` } }), 401, 'auth.bad_token', `bearer ${p}`);
      clean(await request(srv.base, 'GET', '/api/v1/session', { headers: { Cookie: `ipcity_session=${enc(p)}` } }), 401, 'auth.session_expired', `cookie ${p}`);
      clean(await request(srv.base, 'GET', '/api/v1/session', { headers: { Cookie: `ipcity_session=${p.replace(/[;,\s]/g, '')}` } }), 401, undefined, `raw cookie ${p}`);
    }
    // a valid session with a hostile CSRF token
    srv.addUser('csrf-user', 'bureau', '310104-ipa', 'csrf-user-pw-1');
    const s = await srv.login('csrf-user', 'csrf-user-pw-1');
    for (const p of SQL)
      clean(await s.post('/api/v1/entities', { name: 'x', kind: 'other' }, { csrf: p }), 403, 'auth.csrf', `csrf ${p}`);
    // the version the header named is the one written: "v1<junk>" is not "v1"
    const g = await A('GET', `/api/v1/entities/${e.json.id}`);
    assert.equal(g.json.version, 1, 'no hostile If-Match was taken as a version');
    await healthy('headers');
  });

  test('afterwards every table is intact and no password hash ever left the server', async () => {
    const tables = dbTables(srv.db);
    for (const t of ['entities', 'users', 'audit_log', 'sessions', 'departments']) assert.ok(tables.includes(t), t);
    assert.equal(dbIntegrity(srv.db), 'ok');
    const v = await A('GET', '/api/v1/audit/verify');
    assert.equal(v.json.ok, true, v.text);
    for (const t of seen) assert.ok(!/\$argon2/.test(t), `a password hash in a response: ${t.slice(0, 200)}`);
  });
});

describe('path traversal', () => {
  test('static paths: plain, encoded and double-encoded dot-dot never leave the web root', async () => {
    const urls = [
      '/../secret.txt',
      '/./../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/..%252fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      `/${'..%2f'.repeat(12)}etc/passwd`,
      `/${'%252e%252e%252f'.repeat(12)}etc/passwd`,
      '/api/../secret.txt',
      '/api/v1/..%2f..%2fsecret.txt',
      `/${enc(path.join(dir, 'secret.txt'))}`,
    ];
    for (const u of urls) {
      const r = await request(srv.base, 'GET', u);
      if (u === urls[0]) {
        // "//host/..." cannot go through node:http's request(): raw bytes
        const a = await raw(`GET //secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.ok(!a.text.includes('top secret'), '//secret.txt leaked');
        cleanRaw(a, 404, '//secret.txt');
      }
      assert.ok(!r.text.includes('top secret') && !r.text.includes('root:x:0'), `${u} leaked a file`);
      clean(r, 404, 'not_found', u);
      const h = await request(srv.base, 'HEAD', u);
      assert.equal(h.status, 404, u);
      await healthy(u);
    }
  });

  test('import file names: only the base name appears in any answer, record or report', async () => {
    const names = [
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/etc/passwd',
      '....//....//etc/passwd',
      '..%252F..%252Fetc%252Fpasswd',
    ];
    const bad = '不存在的列\r\nx\r\n';
    for (const n of names) {
      const q = n.includes('%') ? n : enc(n);
      // synchronous record import: rejected, the message names the base name
      const r = await A('POST', `/api/v1/entities/import?filename=${q}`, { body: bad });
      const p = clean(r, 422, 'import.rejected', n);
      assert.doesNotMatch(r.text, /\.\.\/|\/etc\b|etc\/passwd/, `${n}: ${r.text.slice(0, 300)}`);
      assert.ok(p.file === 'passwd' || !p.file.includes('/'), `file: ${p.file}`);
      // background job: the record, its status and its error report
      const j = await A('POST', `/api/v1/imports?filename=${q}`, { body: bad });
      assert.equal(j.status, 202, j.text);
      assert.ok(!j.json.file.includes('/'), `job file ${j.json.file}`);
      assert.equal(j.headers.location, `/api/v1/imports/${j.json.id}`);
      let g;
      for (let i = 0; i < 200; i++) {
        g = await A('GET', `/api/v1/imports/${j.json.id}`);
        if (g.json.status !== 'running') break;
        await sleep(25);
      }
      assert.equal(g.json.status, 'rejected', g.text);
      assert.doesNotMatch(g.text, /\.\.\/|\/etc\b|etc\/passwd/, `${n}: ${g.text.slice(0, 300)}`);
      const csv = await A('GET', `/api/v1/imports/${j.json.id}/errors`);
      assert.equal(csv.status, 200);
      assert.doesNotMatch(csv.text, /\.\.\/|\/etc\b|etc\/passwd/);
      assert.doesNotMatch(csv.headers['content-disposition'] || '', /\.\.|\//);
    }
    const paths = dbsql(srv.db, "SELECT file FROM import_jobs WHERE file LIKE '%/%';").trim();
    assert.equal(paths, '', 'no stored job file name has a directory part');
    await healthy('import names');
  });
});

describe('oversize headers, URLs and bodies', () => {
  test('a 70 kB header, 10,000 headers and a 80 kB URL are refused by libmicrohttpd (431/414), the server stays up', async () => {
    const big = await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70000)}\r\n\r\n`);
    assert.ok([413, 431].includes(big.status), big.text.slice(0, 200));
    await healthy('big header');
    const many = await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(10000)}\r\n`);
    assert.ok([413, 431].includes(many.status), many.text.slice(0, 200));
    await healthy('many headers');
    const url = await raw(`GET /api/v1/entities?${'kind=other&'.repeat(8000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok([414, 431].includes(url.status), url.text.slice(0, 200));
    await healthy('long url');
    const cookie = await raw(`GET /api/v1/session HTTP/1.1\r\nHost: x\r\nCookie: ${'c=d; '.repeat(15000)}\r\n\r\n`);
    assert.ok([413, 431].includes(cookie.status), cookie.text.slice(0, 200));
    await healthy('huge cookie');
  });

  test('just under the limits still works', async () => {
    const r = await admin.get('/api/v1/health', { headers: { 'X-Filler': 'a'.repeat(30000) } });
    assert.equal(r.status, 200);
    const q = await A('GET', `/api/v1/entities?q=${enc('检'.repeat(2000))}`);
    okOrClean(q, 'long q');
  });

  test('bodies over IPCITY_MAX_BODY: 413 with Content-Length, chunked, or an absurd Content-Length', async () => {
    const body = Buffer.alloc(MAX_BODY + 1, 0x20);
    clean(await A('POST', '/api/v1/entities', { body }), 413, 'request.too_large', 'content-length');
    clean(await A('POST', '/api/v1/entities', { body, chunked: true }), 413, 'request.too_large', 'chunked');
    clean(await A('POST', '/api/v1/imports?filename=big.csv', { body }), 413, 'request.too_large', 'import job');
    clean(await A('POST', '/api/v1/entities/import?filename=big.csv', { body, chunked: true }), 413, 'request.too_large', 'record import');
    const huge = await raw(`POST /api/v1/entities HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n{}`);
    cleanRaw(huge, 413, 'Content-Length 10^12');
    for (const cl of ['99999999999999999999999', '-1', '1e6', '0x10']) {
      const r = await raw(`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: ${cl}\r\n\r\n{}`);
      assert.ok(r.status >= 400 && r.status < 500, `Content-Length ${cl}: ${r.text.slice(0, 200)}`);
      await healthy(`Content-Length ${cl}`);
    }
    const chunk = await raw(`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nab\r\n0\r\n\r\n`);
    assert.ok(chunk.status >= 400 && chunk.status < 500, chunk.text.slice(0, 200));
    await healthy('oversize bodies');
  });
});

describe('slow clients', () => {
  test('slowloris: 300 connections trickle headers a byte a second, 30 trickle bodies; others are served throughout', async (t) => {
    const socks = [];
    const open = (first) => {
      const s = net.connect(srv.port, '127.0.0.1');
      s.on('error', () => {});
      s.write(first);
      socks.push(s);
    };
    for (let i = 0; i < 300; i++) open(`GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `);
    for (let i = 0; i < 30; i++)
      open(
        `POST /api/v1/entities HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin.token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`,
      );
    const trickle = setInterval(() => {
      for (const s of socks) if (!s.destroyed) s.write('a');
    }, 1000);
    const lat = [];
    const fails = [];
    try {
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 8000; i++) {
        const a = Date.now();
        try {
          const r = await request(srv.base, 'GET', '/api/v1/health', { timeout: 3000 });
          if (r.status !== 200) fails.push(`health ${r.status}`);
          if (i % 5 === 0) {
            const c = await admin.post('/api/v1/entities', { name: `慢连接期间${i}`, kind: 'other' });
            if (c.status !== 201) fails.push(`create ${c.status} ${c.text}`);
            const l = await admin.get('/api/v1/entities?limit=5');
            if (l.status !== 200) fails.push(`list ${l.status}`);
          }
        } catch (e) {
          fails.push(e.message);
        }
        lat.push(Date.now() - a);
        await sleep(150);
      }
      assert.equal(socks.filter((s) => !s.destroyed).length, 330, 'the slow connections were held open, not dropped');
    } finally {
      clearInterval(trickle);
      for (const s of socks) s.destroy();
    }
    assert.deepEqual(fails, []);
    lat.sort((x, y) => x - y);
    t.diagnostic(`${lat.length} checks, median ${lat[lat.length >> 1]} ms, slowest ${lat.at(-1)} ms`);
    assert.ok(lat.at(-1) < 2500, `slowest answer ${lat.at(-1)} ms (median ${lat[lat.length >> 1]} ms)`);
    await healthy('slowloris');
  });
});

describe('invalid UTF-8', () => {
  const bad = {
    'byte FF': [0xff],
    'overlong /': [0xc0, 0xaf],
    'UTF-16 surrogate': [0xed, 0xa0, 0x80],
    'truncated 3-byte': [0xe4, 0xb8],
    'above U+10FFFF': [0xf4, 0x90, 0x80, 0x80],
    'lone continuation': [0x80],
  };
  const inStr = (bytes) => Buffer.concat([Buffer.from('{"name":"名'), Buffer.from(bytes), Buffer.from('","kind":"other"}')]);

  test('in JSON bodies: 400 request.malformed_json (create, update, login, token)', async () => {
    const e = await A('POST', '/api/v1/entities', { body: { name: 'UTF-8 目标', kind: 'other' } });
    for (const [what, bytes] of Object.entries(bad)) {
      clean(await A('POST', '/api/v1/entities', { body: inStr(bytes) }), 400, 'request.malformed_json', what);
      clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: inStr(bytes), headers: { 'If-Match': '"v1"' } }), 400, 'request.malformed_json', what);
      clean(await srv.request('POST', '/api/v1/session', { body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('","password":"x"}')]) }), 400, 'request.malformed_json', what);
      clean(await A('POST', '/api/v1/tokens', { body: Buffer.concat([Buffer.from('{"label":"'), Buffer.from(bytes), Buffer.from('"}')]) }), 400, 'request.malformed_json', what);
      // as a key
      clean(await A('POST', '/api/v1/entities', { body: Buffer.concat([Buffer.from('{"'), Buffer.from(bytes), Buffer.from('":1}')]) }), 400, 'request.malformed_json', what);
    }
    // GB18030 text sent as UTF-8 JSON
    const gbk = Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xd6, 0xd0, 0xce, 0xc4, 0x22, 0x2c, 0x22, 0x6b, 0x69, 0x6e, 0x64, 0x22, 0x3a, 0x22, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x22, 0x7d]);
    clean(await A('POST', '/api/v1/entities', { body: gbk, headers: { 'Content-Type': 'application/json; charset=gb18030' } }), 400, 'request.malformed_json', 'gb18030');
    assert.equal((await A('GET', `/api/v1/entities/${e.json.id}`)).json.version, 1);
    await healthy('utf-8 bodies');
  });

  test('in query strings: a clean answer, never a match on garbage', async () => {
    for (const [what, bytes] of Object.entries(bad)) {
      const pct = bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      for (const url of [
        `/api/v1/entities?kind=${pct}&count=true`,
        `/api/v1/entities?q=${pct}&count=true`,
        `/api/v1/entities?sort=${pct}`,
        `/api/v1/entities?${pct}=1`,
        `/api/v1/search?q=${pct}`,
        `/api/v1/search?q=${enc('装置')}&holder=${pct}`,
        `/api/v1/audit?type=${pct}`,
        `/api/v1/entities?lang=${pct}`,
      ]) {
        const r = await A('GET', url);
        okOrClean(r, `${what} ${url}`);
        if (r.status === 200 && r.json?.total !== undefined && /kind=|q=/.test(url)) assert.equal(r.json.total, 0, url);
      }
      okOrClean(await A('POST', `/api/v1/entities/import?filename=${pct}.csv`, { body: '名称,主体类型\r\n文件名测试,企业\r\n' }), `${what} filename`);
    }
    await healthy('utf-8 query');
  });

  test('in headers: ignored or a clean 4xx', async () => {
    const e = await A('POST', '/api/v1/entities', { body: { name: 'UTF-8 头部', kind: 'other' } });
    for (const [what, bytes] of Object.entries(bad)) {
      const b = Buffer.from(bytes).toString('latin1');
      const h = await request(srv.base, 'GET', '/api/v1/health', { headers: { 'Accept-Language': `${b}zh`, 'X-Request-Id': `abcdefgh${b}` } });
      assert.equal(h.status, 200, what);
      assert.match(h.headers['x-request-id'], /^[0-9A-Za-z-]+$/);
      clean(await request(srv.base, 'GET', '/api/v1/session', { headers: { Authorization: `Bearer ${b}` } }), 401, 'auth.bad_token', what);
      clean(await request(srv.base, 'GET', '/api/v1/session', { headers: { Cookie: `ipcity_session=${b}` } }), 401, 'auth.session_expired', what);
      clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: { note: 'x' }, headers: { 'If-Match': `"v${b}"` } }), 400, 'precondition.malformed', what);
      const nf = await request(srv.base, 'GET', '/api/v1/nothing', { headers: { 'Accept-Language': b } });
      clean(nf, 404, 'not_found', what);
    }
    await healthy('utf-8 headers');
  });

  test('in the URL path and the method: still a complete problem+json (title, messages, instance)', async () => {
    for (const [what, bytes] of Object.entries(bad)) {
      const pct = bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      for (const u of [`/api/v1/${pct}`, `/api/v1/entities/${pct}`, `/${pct}`, `/${pct}${pct}/secret.txt`]) {
        clean(await request(srv.base, 'GET', u), 400, 'request.encoding', `${what} ${u}`);
        await healthy(u);
      }
    }
    const m = await raw(Buffer.concat([Buffer.from('G'), Buffer.from([0xff]), Buffer.from('T /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    cleanRaw(m, 400, 'method with byte FF');
    await healthy('method');
  });
});

describe('deeply nested JSON, huge numbers, NUL bytes, duplicate keys', () => {
  test('100,000 levels of nesting: 400, quickly, for arrays and objects, in every JSON endpoint', async () => {
    const bodies = { arrays: '['.repeat(100000), objects: '{"a":'.repeat(100000), mixed: '[{"a":'.repeat(50000), closed: `${'['.repeat(100000)}${']'.repeat(100000)}` };
    const e = await A('POST', '/api/v1/entities', { body: { name: '嵌套目标', kind: 'other' } });
    for (const [what, body] of Object.entries(bodies)) {
      const t0 = Date.now();
      clean(await A('POST', '/api/v1/entities', { body }), 400, 'request.malformed_json', what);
      clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body, headers: { 'If-Match': '"v1"' } }), 400, 'request.malformed_json', what);
      clean(await srv.request('POST', '/api/v1/session', { body }), 400, 'request.malformed_json', what);
      clean(await A('POST', '/api/v1/tokens', { body }), 400, 'request.malformed_json', what);
      assert.ok(Date.now() - t0 < 5000, `${what}: ${Date.now() - t0} ms`);
      await healthy(what);
    }
  });

  test('nesting the parser accepts, inside JSON fields: stored and read back, or refused cleanly', async () => {
    const deep = (n) => `${'['.repeat(n)}"x"${']'.repeat(n)}`;
    for (const n of [100, 1000, 2000]) {
      const body = `{"file":"deep.csv","status":"failed","errors":${deep(n)}}`;
      const r = await A('POST', '/api/v1/import_jobs', { body });
      okOrClean(r, `errors nested ${n}`);
      if (r.status === 201) {
        const g = await A('GET', `/api/v1/import_jobs/${r.json.id}`);
        assert.equal(g.status, 200);
        const l = await A('GET', `/api/v1/import_jobs?limit=1000`);
        assert.equal(l.status, 200);
        okOrClean(await A('GET', `/api/v1/import_jobs/export`), 'export');
      }
      okOrClean(await A('POST', '/api/v1/patents', { body: `{"appno":"US7${n}","kind":"invention","title":"t","ipc":${deep(n)}}` }), `ipc nested ${n}`);
      okOrClean(await A('POST', '/api/v1/regions', { body: `{"code":"dp${n}","name_zh":"园","level":"park","parent_code":"310104","streets":${deep(n)}}` }), `streets nested ${n}`);
      await healthy(`nested ${n}`);
    }
  });

  test('huge and odd numbers: 400 when JSON cannot hold them, 422 when the field cannot', async () => {
    const pop = (v) => `{"region_code":"310104","year":2001,"population":${v},"source":"数字测试"}`;
    for (const v of ['1e400', '-1e400', '99999999999999999999999', '-99999999999999999999999', 'NaN', 'Infinity', '-Infinity', '0x10', '+1', '01', '1.', '.5', '1e', '--1'])
      clean(await A('POST', '/api/v1/populations', { body: pop(v) }), 400, 'request.malformed_json', v);
    for (const v of ['9223372036854775807', '-9223372036854775808', '1e308', '-1', '2000000001', '1.5', '"1e400"', 'true', '[1]', '{"n":1}', 'null'])
      clean(await A('POST', '/api/v1/populations', { body: pop(v) }), 422, 'validation.failed', v);
    for (const v of ['9223372036854775807', '-9223372036854775808', '1e308', '4.9e-324', '-0'])
      clean(await A('POST', '/api/v1/patent_events', { body: `{"patent":1,"date":"2024-01-01","kind":"licence","amount":${v}}` }), 422, undefined, `amount ${v}`);
    clean(await A('POST', '/api/v1/patent_events', { body: '{"patent":99999999999999999999,"date":"2024-01-01","kind":"grant"}' }), 400, 'request.malformed_json', 'ref');
    clean(await A('POST', '/api/v1/patent_events', { body: '{"patent":9223372036854775807,"date":"2024-01-01","kind":"grant"}' }), 422, undefined, 'ref max');
    // huge numbers in the URL and query
    clean(await A('GET', '/api/v1/entities/99999999999999999999999'), 404, undefined, 'id');
    clean(await A('GET', '/api/v1/entities/9223372036854775807'), 404, 'record.not_found', 'id max');
    clean(await A('GET', '/api/v1/entities?limit=99999999999999999999'), 400, 'query.limit');
    clean(await A('GET', '/api/v1/entities?limit=1e3'), 400, 'query.limit');
    clean(await A('GET', '/api/v1/audit?limit=99999999999999999999'), 400, 'query.value');
    okOrClean(await A('GET', '/api/v1/search?q=%E8%A3%85%E7%BD%AE&limit=99999999999999999999&offset=99999999999999999999'), 'search limit');
    okOrClean(await A('GET', '/api/v1/entities?established.gt=99999999-99-99'), 'date filter');
    clean(await A('GET', '/api/v1/patents/1/status?date=99999-99-99'), 400, 'query.value');
    const e = await A('POST', '/api/v1/entities', { body: { name: '版本号测试', kind: 'other' } });
    clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: '{"note":"x","version":1e400}' }), 400, 'request.malformed_json');
    clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: '{"note":"x","version":9223372036854775807}' }), 409, 'conflict.stale');
    clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: { note: 'x' }, headers: { 'If-Match': '"v99999999999999999999999"' } }), 412, 'conflict.stale');
    clean(await A('DELETE', `/api/v1/entities/${e.json.id}?version=99999999999999999999999`), undefined, undefined, 'delete ?version');
    assert.equal((await A('GET', `/api/v1/entities/${e.json.id}`)).json.version, 1);
    await healthy('numbers');
  });

  test('NUL bytes in JSON bodies, CSV uploads and headers: clean errors', async () => {
    clean(await A('POST', '/api/v1/entities', { body: '{"name":"a\\u0000b","kind":"other"}' }), 400, 'request.malformed_json', 'escaped');
    clean(await A('POST', '/api/v1/entities', { body: Buffer.from('{"name":"a\u0000b","kind":"other"}') }), 400, 'request.malformed_json', 'raw');
    clean(await A('POST', '/api/v1/entities', { body: Buffer.from('{"name":"a","kind":"other"}\u0000{"x":1}') }), 400, 'request.malformed_json', 'after');
    clean(await A('POST', '/api/v1/entities', { body: Buffer.from('\u0000') }), 400, 'request.malformed_json', 'only');
    clean(await A('POST', '/api/v1/entities', { body: Buffer.from('{"a\u0000":1}') }), 400, 'request.malformed_json', 'key');
    clean(await srv.request('POST', '/api/v1/session', { body: '{"name":"admin\\u0000x","password":"x"}' }), 400, 'request.malformed_json', 'login');
    okOrClean(await A('POST', '/api/v1/entities/import?filename=nul.csv', { body: Buffer.from('名称,主体类型\r\nNUL\u0000主体,企业\r\n') }), 'csv nul');
    okOrClean(await A('POST', '/api/v1/entities/import?filename=nul.csv', { body: Buffer.alloc(4096) }), 'csv zeros');
    const j = await A('POST', '/api/v1/imports?filename=zeros.bin', { body: Buffer.alloc(4096) });
    assert.equal(j.status, 202, j.text);
    const h = await raw(Buffer.concat([Buffer.from('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-A: a'), Buffer.from([0]), Buffer.from('b\r\nConnection: close\r\n\r\n')]));
    assert.ok(h.status === 200 || (h.status >= 400 && h.status < 500), h.text.slice(0, 200));
    await healthy('nul');
  });

  test('NUL bytes (%00) in the path and query are refused, not cut off', async () => {
    const e = await A('POST', '/api/v1/entities', { body: { name: 'NUL 截断', kind: 'other' } });
    // "/api/v1/entities/7%00junk" is not entity 7, "/index.html%00.txt" is not index.html
    clean(await A('GET', `/api/v1/entities/${e.json.id}%00junk`), undefined, undefined, 'path id');
    clean(await A('DELETE', `/api/v1/entities/${e.json.id}%00`, { headers: { 'If-Match': '"v1"' } }), undefined, undefined, 'path id delete');
    clean(await request(srv.base, 'GET', '/index.html%00.txt'), undefined, undefined, 'static');
    const q = await A('GET', `/api/v1/entities?kind=other%00junk&count=true`);
    if (q.status === 200) assert.equal(q.json.total, 0, 'kind=other\\0junk is not kind=other');
    else clean(q, 400, undefined, 'query value');
    assert.equal((await A('GET', `/api/v1/entities/${e.json.id}`)).status, 200);
    await healthy('nul path');
  });

  test('duplicate JSON keys, at the top and nested, are 400', async () => {
    for (const body of [
      '{"name":"a","kind":"other","name":"b"}',
      '{"name":"a","kind":"other","kind":"other"}',
      '{"name":"a","kind":"other","note":"x","note":"x"}',
      '{"name":"a","name":"a","kind":"other"}',
      '{"name":"a","kind":"other","n\\u0061me":"b"}',
    ])
      clean(await A('POST', '/api/v1/entities', { body }), 400, 'request.malformed_json', body);
    clean(await A('POST', '/api/v1/patents', { body: '{"appno":"US5550001","kind":"invention","title":"t","applicants":[{"name":"a","name":"b"}]}' }), 400, 'request.malformed_json', 'nested');
    clean(await srv.request('POST', '/api/v1/session', { body: '{"name":"nobody","name":"admin","password":"x"}' }), 400, 'request.malformed_json', 'login');
    const e = await A('POST', '/api/v1/entities', { body: { name: '重复键', kind: 'other' } });
    clean(await A('PATCH', `/api/v1/entities/${e.json.id}`, { body: '{"version":1,"version":2,"note":"x"}' }), 400, 'request.malformed_json', 'version twice');
    assert.equal((await A('GET', `/api/v1/entities/${e.json.id}`)).json.version, 1);
    await healthy('duplicates');
  });
});

describe('wrong content types', () => {
  test('form, multipart, XML or CSV bodies where JSON is expected: 400 request.malformed_json / not_object', async () => {
    const cases = [
      ['application/x-www-form-urlencoded', 'name=x&kind=other'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n'],
      ['application/xml', '<entity><name>x</name></entity>'],
      ['text/csv', '名称,主体类型\r\nx,企业\r\n'],
      ['application/octet-stream', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])],
      ['application/json', '"just a string"'],
      ['application/json', '[{"name":"x","kind":"other"}]'],
      ['application/json', 'null'],
    ];
    for (const [ct, body] of cases) {
      const r = await A('POST', '/api/v1/entities', { body, headers: { 'Content-Type': ct } });
      const p = clean(r, 400, undefined, ct);
      assert.ok(['request.malformed_json', 'request.not_object'].includes(p.code), `${ct}: ${p.code}`);
      clean(await srv.request('POST', '/api/v1/session', { body, headers: { 'Content-Type': ct } }), 400, undefined, `login ${ct}`);
    }
    await healthy('content types');
  });

  test('a JSON body is read as JSON whatever the Content-Type says (curl -d, as in docs/api.md)', async () => {
    for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'application/vnd.unknown+json', 'image/png']) {
      const r = await A('POST', '/api/v1/entities', { body: JSON.stringify({ name: `类型${ct}`, kind: 'other' }), headers: { 'Content-Type': ct } });
      assert.equal(r.status, 201, `${ct}: ${r.text}`);
    }
  });

  test('imports of JSON, HTML or binary: 422 import.*, never 5xx', async () => {
    for (const [ct, body] of [
      ['application/json', '{"name":"x"}'],
      ['text/html', '<html><body>x</body></html>'],
      ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
      ['application/zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0])],
      ['application/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'],
    ]) {
      const r = await A('POST', '/api/v1/entities/import?filename=x', { body, headers: { 'Content-Type': ct } });
      clean(r, 422, undefined, ct);
      assert.ok(!r.text.includes('root:x:0'), 'no external entity was read');
      const p = await A('POST', '/api/v1/patents/import?filename=x', { body, headers: { 'Content-Type': ct } });
      clean(p, 422, undefined, `patents ${ct}`);
      assert.ok(!p.text.includes('root:x:0'), 'no external entity was read');
    }
    await healthy('imports');
  });

  test('odd methods: 405 with Allow, a clean body', async () => {
    for (const m of ['PUT', 'TRACE', 'OPTIONS', 'PROPFIND', 'FOO'])
      clean(await A(m, '/api/v1/entities'), 405, 'method_not_allowed', m);
    await healthy('methods');
  });
});

test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
  await expectCleanExit(srv);
});
