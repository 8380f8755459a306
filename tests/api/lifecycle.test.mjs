// lifecycle.test.mjs - starting and stopping the server: graceful SIGTERM,
// in-flight requests, idle connections, a busy port, the access log, and
// the CLI around it (serve --init-demo, config, user add, token create).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { startServer, expectCleanExit, cli, dbsql, freshDb, mkTmp, rmTmp, sleep, BIN, ROOT, initDb } from './harness.mjs';

describe('graceful shutdown', () => {
  test('SIGTERM: exit status 0 and "stopped cleanly" in the log', async () => {
    const srv = await startServer();
    try {
      assert.equal((await srv.request('GET', '/api/v1/health')).status, 200);
      const r = await expectCleanExit(srv);
      assert.equal(r.signal, null);
      assert.match(r.stderr, /info signal 15: finishing in-flight requests and stopping\n/);
      assert.match(r.stderr, /info stopped cleanly\n$/);
      assert.ok(r.ms < 3000, `took ${r.ms} ms`);
      // the database is consistent afterwards
      assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);
    } finally {
      await srv.close();
    }
  });

  test('SIGINT stops it the same way', async () => {
    const srv = await startServer();
    try {
      srv.proc.kill('SIGINT');
      const r = await srv.stop();
      assert.equal(r.code, 0);
      assert.match(r.stderr, /signal 2: finishing in-flight requests and stopping/);
      assert.match(r.stderr, /stopped cleanly/);
    } finally {
      await srv.close();
    }
  });

  test('a request in flight when SIGTERM arrives is completed, then the server exits 0', async () => {
    const srv = await startServer();
    try {
      const token = srv.tokenFor('admin').token;
      const body = Buffer.from(JSON.stringify({ name: '关机时写入', kind: 'other', note: 'x'.repeat(200) }), 'utf8');
      const sock = net.connect(srv.port, '127.0.0.1');
      await new Promise((r) => sock.on('connect', r));
      let resp = '';
      sock.setEncoding('utf8').on('data', (d) => (resp += d));
      const closed = new Promise((r) => sock.on('close', r));
      sock.write(
        `POST /api/v1/entities HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      sock.write(body.subarray(0, 40));
      await sleep(200);
      srv.proc.kill('SIGTERM');
      await sleep(300);
      assert.equal(srv.proc.exitCode, null, 'still running while the request is incomplete');
      sock.end(body.subarray(40));
      await closed;
      assert.match(resp, /^HTTP\/1\.1 201 /, resp);
      assert.match(resp, /"name":"关机时写入"/);
      const r = await srv.stop();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /stopped cleanly/);
      assert.equal(dbsql(srv.db, "SELECT COUNT(*) FROM entities WHERE name = '关机时写入';").trim(), '1');
    } finally {
      await srv.close();
    }
  });

  test('an idle keep-alive connection does not hold up the shutdown', { timeout: 20000 }, async () => {
    const srv = await startServer();
    let sock;
    try {
      sock = net.connect(srv.port, '127.0.0.1');
      await new Promise((r) => sock.on('connect', r));
      let resp = '';
      sock.setEncoding('utf8').on('data', (d) => (resp += d));
      sock.on('error', () => {});
      sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'); // HTTP/1.1: keep-alive
      for (let i = 0; i < 50 && !resp.includes('"status":"ok"'); i++) await sleep(20);
      assert.match(resp, /^HTTP\/1\.1 200 /);
      // the connection is now idle, as a browser's would be
      const r = await srv.stop();
      assert.equal(r.code, 0);
      assert.ok(r.ms < 3000, `SIGTERM took ${r.ms} ms with one idle keep-alive connection open`);
    } finally {
      sock?.destroy();
      await srv.close();
    }
  });

  test('a second server on a port in use fails with exit status 1 and says why', async () => {
    const srv = await startServer();
    try {
      const r = await serveBriefly(srv.db, `127.0.0.1:${srv.port}`);
      assert.ok(!r.listening, `a second server started on the busy port ${srv.port}:\n${r.stdout}`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Cannot start the server on 127\\.0\\.0\\.1:${srv.port} \\(port in use\\?\\)`));
      assert.match(r.stderr, new RegExp(`无法在 127\\.0\\.0\\.1:${srv.port} 上启动服务`));
      assert.equal((await srv.request('GET', '/api/v1/health')).status, 200, 'the first one is unaffected');
    } finally {
      await srv.close();
    }
  });

  test('a malformed listen address is refused', async () => {
    const dir = mkTmp();
    try {
      const db = freshDb(dir, 'l.db');
      initDb(db);
      const r = await serveBriefly(db, 'nowhere');
      assert.ok(!r.listening);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The listen address must be host:port, not "nowhere"/);
    } finally {
      rmTmp(dir);
    }
  });
});

/* Runs `serve --listen ADDR`; if it starts listening (or is still running
 * after 3 s) it is stopped again.  Resolves { listening, code, stdout, stderr }. */
function serveBriefly(db, addr) {
  return new Promise((resolve) => {
    const p = spawn(BIN, ['--db', db, 'serve', '--listen', addr], {
      cwd: ROOT,
      env: { ...process.env, IPCITY_CONFIG: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '', listening = false;
    const stop = () => p.kill('SIGKILL');
    const timer = setTimeout(stop, 3000);
    p.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (/listening on/.test(stdout)) (listening = true), stop();
    });
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ listening, code, stdout, stderr });
    });
  });
}

describe('logs', () => {
  test('one access line per request with id, user, method, path and status; no secrets', async () => {
    const srv = await startServer();
    try {
      const admin = await srv.login('admin', srv.adminPassword);
      await admin.get('/api/v1/entities?q=secret-query', { headers: { 'X-Request-Id': 'trace-0001-abcd' } });
      await srv.request('GET', '/api/v1/nope', { headers: { 'X-Request-Id': 'trace-0002-abcd' } });
      const r = await srv.stop();
      assert.equal(r.code, 0);
      const lines = r.stderr.split('\n');
      const l1 = lines.find((l) => l.includes('id=trace-0001-abcd'));
      assert.match(l1, /^\S+Z info access id=trace-0001-abcd ip=127\.0\.0\.1 user=admin method=GET path=\/api\/v1\/entities status=200 bytes=\d+ ms=[\d.]+$/);
      const l2 = lines.find((l) => l.includes('id=trace-0002-abcd'));
      assert.match(l2, /user=- method=GET path=\/api\/v1\/nope status=404 /);
      assert.ok(!r.stderr.includes(srv.adminPassword), 'the password is never logged');
      assert.ok(!r.stderr.includes(admin.cookies.get('ipcity_session')), 'the session token is never logged');
      assert.ok(!r.stderr.includes('secret-query'), 'query strings are not logged');
    } finally {
      await srv.close();
    }
  });

  test('IPCITY_ACCESS_LOG=0 turns the access lines off', async () => {
    const srv = await startServer({ env: { IPCITY_ACCESS_LOG: '0' } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await srv.request('GET', '/api/v1/health')).status, 200);
      const r = await srv.stop();
      assert.equal(r.code, 0);
      assert.ok(!/ access /.test(r.stderr), r.stderr);
      assert.match(r.stderr, /stopped cleanly/);
    } finally {
      await srv.close();
    }
  });
});

describe('CLI', () => {
  test('init prints the admin password once; a second init keeps the data and prints none', () => {
    const dir = mkTmp();
    try {
      const db = freshDb(dir, 'fresh.db');
      const first = cli(db, ['init']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /用户名 user name: admin\n\s+密码 password:\s+[0-9a-f]{18}\n/);
      assert.match(first.stdout, /数据库已就绪 \/ database ready: /);
      const again = cli(db, ['init']);
      assert.equal(again.code, 0, again.stderr);
      assert.ok(!/密码 password/.test(again.stdout), again.stdout);
      assert.equal(dbsql(db, 'SELECT COUNT(*) FROM users;').trim(), '1');
      assert.equal(dbsql(db, "SELECT COUNT(*) FROM departments WHERE code LIKE '310104-%';").trim(), '16');
    } finally {
      rmTmp(dir);
    }
  });

  test('config shows the environment settings; user add and token create refuse bad input', () => {
    const dir = mkTmp();
    try {
      const db = freshDb(dir, 'c.db');
      initDb(db);
      const c = cli(db, ['config'], { env: { IPCITY_SESSION_TTL: '77', IPCITY_MAX_BODY: '1234' } });
      assert.equal(c.code, 0);
      assert.match(c.stdout, /^session_ttl = 77$/m);
      assert.match(c.stdout, /^max_body = 1234$/m);
      assert.match(c.stdout, new RegExp(`^db = ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

      const bad = cli(db, ['user', 'add', 'x1', '--role', 'emperor', '--dept', '310104-ipa'], { input: 'password-123\n' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /validation\.enum|emperor/);
      const nodept = cli(db, ['user', 'add', 'x2', '--role', 'dept', '--dept', 'no-such'], { input: 'password-123\n' });
      assert.equal(nodept.code, 1);
      assert.match(nodept.stderr, /Department "no-such" does not exist/);
      const ok = cli(db, ['user', 'add', 'x3', '--role', 'dept', '--dept', '310104-court'], { input: 'password-123\n' });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), '用户已创建 user created: x3 (dept, 310104-court)');
      const dup = cli(db, ['user', 'add', 'x3', '--role', 'dept', '--dept', '310104-court'], { input: 'password-123\n' });
      assert.equal(dup.code, 1);
      const t = cli(db, ['token', 'create', 'nobody']);
      assert.equal(t.code, 1);
      assert.match(t.stderr, /User "nobody" does not exist/);
      const usage = cli(db, ['audit', 'frobnicate']);
      assert.equal(usage.code, 2);
    } finally {
      rmTmp(dir);
    }
  });
});
