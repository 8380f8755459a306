// session.test.mjs - login, cookies, CSRF, logout, API tokens, disabled
// users, expired sessions and login throttling.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectCleanExit, problem, sleep, cli } from './harness.mjs';

const ADMIN_USER = {
  id: 1,
  name: 'admin',
  display_name: '系统管理员',
  role: 'admin',
  role_label: '系统管理员',
  dept: '310104-ipa',
};

describe('sessions (default settings)', () => {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.close();
  });

  test('login answers the user, the CSRF token and sets both cookies', async () => {
    const c = srv.client();
    const r = await c.post('/api/v1/session', { name: 'admin', password: srv.adminPassword });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.deepEqual(r.json.user, ADMIN_USER);
    assert.equal(r.json.expires_in, 28800);
    assert.match(r.json.csrf_token, /^[0-9a-f]{32}$/);
    const sc = r.headers['set-cookie'];
    assert.equal(sc.length, 2, JSON.stringify(sc));
    const session = sc.find((s) => s.startsWith('ipcity_session='));
    const csrf = sc.find((s) => s.startsWith('ipcity_csrf='));
    assert.match(session, /^ipcity_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    assert.equal(csrf, `ipcity_csrf=${r.json.csrf_token}; Path=/; SameSite=Strict; Max-Age=28800`);
    assert.ok(!/HttpOnly/i.test(csrf), 'the CSRF cookie is readable by the page');

    c.csrf = r.json.csrf_token;
    const me = await c.get('/api/v1/session');
    assert.equal(me.status, 200);
    assert.deepEqual(me.json, { user: ADMIN_USER, csrf_token: r.json.csrf_token });
  });

  test('GET /session without or with a bogus cookie is 401', async () => {
    const anon = await srv.request('GET', '/api/v1/session');
    const p = problem(assert, anon, 401, 'auth.required');
    assert.equal(p.message_zh, '请先登录');
    assert.equal(p.message_en, 'Authentication required');
    const bogus = await srv.request('GET', '/api/v1/session', { headers: { Cookie: 'ipcity_session=deadbeef' } });
    problem(assert, bogus, 401, 'auth.session_expired');
  });

  test('wrong password and unknown user get the same 401 and no cookie', async () => {
    for (const body of [
      { name: 'admin', password: 'not-the-password' },
      { name: 'nobody-here', password: 'whatever123' },
    ]) {
      const r = await srv.request('POST', '/api/v1/session', { body });
      const p = problem(assert, r, 401, 'auth.failed');
      assert.equal(p.message_zh, '用户名或密码错误');
      assert.equal(p.message_en, 'Wrong user name or password');
      assert.equal(p.title, '用户名或密码错误');
      assert.equal(r.headers['set-cookie'], undefined);
    }
  });

  test('login without name or password, or with the wrong types, is 400 auth.missing', async () => {
    for (const body of [{}, { name: 'admin' }, { password: 'x' }, { name: 5, password: 'x' }, { name: 'admin', password: 12345678 }, { name: '', password: 'x' }]) {
      const r = await srv.request('POST', '/api/v1/session', { body });
      const p = problem(assert, r, 400, 'auth.missing');
      assert.equal(p.message_en, 'User name and password are required');
    }
    const bad = await srv.request('POST', '/api/v1/session', { body: '{"name":"admin",' });
    problem(assert, bad, 400, 'request.malformed_json');
  });

  test('cookie writes need the X-CSRF-Token header; GETs and bearer writes do not', async () => {
    const c = await srv.login('admin', srv.adminPassword);
    const other = await srv.login('admin', srv.adminPassword);
    assert.notEqual(c.csrf, other.csrf);

    const missing = await c.post('/api/v1/tokens', {}, { csrf: false });
    const p = problem(assert, missing, 403, 'auth.csrf');
    assert.equal(p.message_en, 'Missing or wrong CSRF token (X-CSRF-Token header)');
    assert.equal(p.message_zh, '缺少或错误的 CSRF 令牌（X-CSRF-Token 请求头）');
    problem(assert, await c.post('/api/v1/tokens', {}, { csrf: 'wrong' }), 403, 'auth.csrf');
    problem(assert, await c.post('/api/v1/tokens', {}, { csrf: other.csrf }), 403, 'auth.csrf');
    problem(assert, await c.post('/api/v1/tokens', {}, { csrf: '' }), 403, 'auth.csrf');

    // nothing was created by the refused writes
    const ent = { name: 'CSRF 测试企业', kind: 'enterprise' };
    problem(assert, await c.post('/api/v1/entities', ent, { csrf: false }), 403, 'auth.csrf');
    const list = await c.get('/api/v1/entities?q=CSRF&count=true');
    assert.equal(list.status, 200);
    assert.equal(list.json.total, 0);

    const ok = await c.post('/api/v1/entities', ent);
    assert.equal(ok.status, 201, ok.text);
    const id = ok.json.id;
    problem(assert, await c.patch(`/api/v1/entities/${id}`, { note: 'x' }, { csrf: false, headers: { 'If-Match': '"v1"' } }), 403, 'auth.csrf');
    problem(assert, await c.del(`/api/v1/entities/${id}`, { csrf: false, headers: { 'If-Match': '"v1"' } }), 403, 'auth.csrf');
    const still = await c.get(`/api/v1/entities/${id}`);
    assert.equal(still.status, 200);
    assert.equal(still.json.version, 1);
    assert.equal(still.json.note, null);
  });

  test('API tokens: created once, work as bearer without CSRF, bad tokens are 401', async () => {
    const c = await srv.login('admin', srv.adminPassword);
    const t = await c.post('/api/v1/tokens', { label: 'ci' });
    assert.equal(t.status, 201, t.text);
    assert.equal(t.json.user, 'admin');
    assert.match(t.json.token, /^ipc_[0-9a-f]{48}$/);

    const b = srv.bearer(t.json.token);
    const me = await b.get('/api/v1/session');
    assert.equal(me.status, 200);
    assert.deepEqual(me.json, { user: ADMIN_USER }, 'no csrf_token for a bearer session');
    const w = await b.post('/api/v1/entities', { name: '令牌写入', kind: 'other' }, { csrf: false });
    assert.equal(w.status, 201, w.text);
    assert.equal(w.json.created_by, 'admin');

    // a token from the CLI works the same
    const cliTok = srv.tokenFor('admin');
    assert.match(cliTok.token, /^ipc_[0-9a-f]{48}$/);
    assert.equal((await cliTok.get('/api/v1/session')).json.user.name, 'admin');

    const bad = await srv.bearer('ipc_0000').get('/api/v1/session');
    const p = problem(assert, bad, 401, 'auth.bad_token');
    assert.equal(p.message_en, 'The API token is invalid or revoked');

    // the audit log records who created the tokens, never the token itself
    const audit = await b.get('/api/v1/audit?type=api_token&limit=10');
    assert.equal(audit.status, 200);
    const labels = audit.json.items.map((i) => i.after.label);
    assert.ok(labels.includes('ci') && labels.includes('cli'), JSON.stringify(labels));
    assert.ok(!audit.text.includes(t.json.token));

    // POST /tokens needs a user
    problem(assert, await srv.request('POST', '/api/v1/tokens', { body: {} }), 401, 'auth.required');
  });

  test('logout needs CSRF, clears the cookies and invalidates only that session', async () => {
    const c = await srv.login('admin', srv.adminPassword);
    const other = await srv.login('admin', srv.adminPassword);
    const oldCookie = c.cookieHeader();
    const oldCsrf = c.csrf;

    problem(assert, await c.del('/api/v1/session', { csrf: false }), 403, 'auth.csrf');
    assert.equal((await c.get('/api/v1/session')).status, 200, 'still logged in after a refused logout');

    const out = await c.del('/api/v1/session');
    assert.equal(out.status, 204);
    assert.equal(out.text, '');
    assert.deepEqual(out.headers['set-cookie'].sort(), [
      'ipcity_csrf=; Path=/; SameSite=Strict; Max-Age=0',
      'ipcity_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0',
    ]);
    assert.equal(c.cookies.size, 0);

    // replaying the old cookie does not work any more
    const replay = await srv.request('GET', '/api/v1/session', { headers: { Cookie: oldCookie } });
    problem(assert, replay, 401, 'auth.session_expired');
    const write = await srv.request('POST', '/api/v1/entities', {
      headers: { Cookie: oldCookie, 'X-CSRF-Token': oldCsrf },
      body: { name: '注销后写入', kind: 'other' },
    });
    problem(assert, write, 401, 'auth.session_expired');
    // the other session of the same user is untouched
    assert.equal((await other.get('/api/v1/session')).status, 200);
    // logging out without a session is 401
    problem(assert, await srv.request('DELETE', '/api/v1/session'), 401, 'auth.required');

    const audit = await other.get('/api/v1/audit?limit=200');
    assert.ok(audit.json.items.some((i) => i.action === 'logout' && i.user === 'admin'));
  });

  test('disabled users cannot log in; their sessions and tokens stop working', async () => {
    const admin = await srv.login('admin', srv.adminPassword);
    const u = await admin.post('/api/v1/users', {
      name: 'soon-disabled',
      display_name: '将停用',
      role: 'bureau',
      dept: '310104-ipa',
      password: 'pass-word-1',
    });
    assert.equal(u.status, 201, u.text);
    assert.equal(u.json.password, undefined);
    assert.equal(u.json.password_hash, undefined);
    assert.equal(u.json.disabled, false);
    const sess = await srv.login('soon-disabled', 'pass-word-1');
    assert.equal(sess.user.role, 'bureau');
    assert.equal(sess.user.role_label, '知识产权局工作人员');
    const tok = srv.tokenFor('soon-disabled');
    assert.equal((await tok.get('/api/v1/session')).status, 200);

    const d = await admin.patch(`/api/v1/users/${u.json.id}`, { disabled: true, version: 1 });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.disabled, true);

    problem(assert, await sess.get('/api/v1/session'), 401, 'auth.session_expired');
    problem(assert, await tok.get('/api/v1/session'), 401, 'auth.bad_token');
    const again = await srv.request('POST', '/api/v1/session', { body: { name: 'soon-disabled', password: 'pass-word-1' } });
    const p = problem(assert, again, 403, 'auth.disabled');
    assert.equal(p.message_zh, '该账户已停用');
    assert.equal(again.headers['set-cookie'], undefined);
    // a wrong password for a disabled account still says only "wrong password"
    problem(assert, await srv.request('POST', '/api/v1/session', { body: { name: 'soon-disabled', password: 'nope-nope' } }), 401, 'auth.failed');
  });

  test('passwords shorter than 8 characters are refused on the password field', async () => {
    const admin = srv.tokenFor('admin');
    const r = await admin.post('/api/v1/users', { name: 'shortpw', display_name: '短密码', role: 'dept', dept: '310104-court', password: '1234567' });
    const p = problem(assert, r, 422, 'validation.failed');
    assert.deepEqual(
      p.errors.map((e) => [e.field, e.code]),
      [['password', 'validation.password']],
    );
    assert.equal(p.errors[0].message_en, 'The password must have 8 to 128 characters');
    // and the user was not created
    const l = await admin.get('/api/v1/users?name=shortpw&count=true');
    assert.equal(l.json.total, 0);
    // the CLI applies the same rule
    const c = cli(srv.db, ['user', 'add', 'shortpw2', '--role', 'dept', '--dept', '310104-court'], { input: 'short\n' });
    assert.equal(c.code, 1);
    assert.match(c.stderr, /8 to 128 characters/);
  });

  test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});

describe('expired sessions (IPCITY_SESSION_TTL=1)', () => {
  let srv;
  before(async () => {
    srv = await startServer({ env: { IPCITY_SESSION_TTL: '1' } });
  });
  after(async () => {
    await srv?.close();
  });

  test('a session is refused with auth.session_expired after its lifetime; tokens still work', async () => {
    const tok = srv.tokenFor('admin');
    const c = srv.client({ lang: 'en' });
    const r = await c.login('admin', srv.adminPassword);
    assert.equal(r.json.expires_in, 1);
    assert.ok(r.headers['set-cookie'].every((s) => s.endsWith('Max-Age=1')), JSON.stringify(r.headers['set-cookie']));
    const cookie = `ipcity_session=${c.cookies.get('ipcity_session')}`;
    await sleep(2100);
    const me = await srv.request('GET', '/api/v1/session', { headers: { Cookie: cookie, 'Accept-Language': 'en' } });
    const p = problem(assert, me, 401, 'auth.session_expired');
    assert.equal(p.title, 'The session has expired or is invalid; log in again');
    assert.equal(p.message_zh, '会话已过期或无效，请重新登录');
    const w = await srv.request('POST', '/api/v1/entities', {
      headers: { Cookie: cookie, 'X-CSRF-Token': c.csrf },
      body: { name: '过期会话', kind: 'other' },
    });
    problem(assert, w, 401, 'auth.session_expired');
    // public routes still answer, as the public
    const h = await srv.request('GET', '/api/v1/health', { headers: { Cookie: cookie } });
    assert.equal(h.status, 200);
    // a bearer token does not expire with the session lifetime
    const b = await tok.get('/api/v1/session');
    assert.equal(b.status, 200);
    assert.equal(b.json.user.name, 'admin');
    // and logging in again works
    const again = await srv.login('admin', srv.adminPassword);
    assert.equal(again.user.name, 'admin');
  });

  test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});

describe('login throttling', () => {
  test('failures beyond IPCITY_LOGIN_SLOW_AFTER must wait (429 auth.slow_down, doubling)', async () => {
    const srv = await startServer({ env: { IPCITY_LOGIN_SLOW_AFTER: '1', IPCITY_LOGIN_LOCK_AFTER: '10' } });
    try {
      const bad = { name: 'admin', password: 'wrong-password' };
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      await sleep(1100); // the first wait is 1 s
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      await sleep(2100); // then 2 s
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      // now 4 s: even the right password is refused before it is checked
      const r = await srv.request('POST', '/api/v1/session', {
        body: { name: 'admin', password: srv.adminPassword },
        headers: { 'Accept-Language': 'en' },
      });
      const p = problem(assert, r, 429, 'auth.slow_down');
      const wait = Number(r.headers['retry-after']);
      assert.ok(wait >= 1 && wait <= 4, `Retry-After ${r.headers['retry-after']}`);
      assert.equal(p.title, `Too many failed logins; wait ${wait} seconds`);
      assert.equal(p.message_zh, `登录失败次数较多，请 ${wait} 秒后再试`);
      assert.equal(r.headers['set-cookie'], undefined);
      // throttling is per user name: another user logs in at once
      srv.addUser('other-user', 'bureau', '310104-ipa', 'other-pass-1');
      const o = await srv.login('other-user', 'other-pass-1');
      assert.equal(o.user.name, 'other-user');
      // the failures are audited
      const admin = srv.tokenFor('admin');
      const audit = await admin.get('/api/v1/audit?type=user&limit=100');
      const fails = audit.json.items.filter((i) => i.action === 'login_failed').map((i) => i.after);
      assert.deepEqual(fails, [
        { name: 'admin', failures: 3 },
        { name: 'admin', failures: 2 },
        { name: 'admin', failures: 1 },
      ]);
      await expectCleanExit(srv);
    } finally {
      await srv.close();
    }
  });

  test('IPCITY_LOGIN_LOCK_AFTER failures lock the account (429 auth.locked); success resets the count', async () => {
    const srv = await startServer({
      env: { IPCITY_LOGIN_SLOW_AFTER: '50', IPCITY_LOGIN_LOCK_AFTER: '2', IPCITY_LOGIN_LOCK_SECONDS: '30' },
    });
    try {
      srv.addUser('locky', 'dept', '310104-court', 'locky-pass-1');
      const bad = { name: 'locky', password: 'wrong-password' };
      const good = { name: 'locky', password: 'locky-pass-1' };
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      assert.equal((await srv.request('POST', '/api/v1/session', { body: good })).status, 200, 'one failure does not lock');
      // the success reset the count: one more failure still does not lock
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      assert.equal((await srv.request('POST', '/api/v1/session', { body: good })).status, 200);
      // two in a row do
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      problem(assert, await srv.request('POST', '/api/v1/session', { body: bad }), 401, 'auth.failed');
      const r = await srv.request('POST', '/api/v1/session', { body: good });
      const p = problem(assert, r, 429, 'auth.locked');
      const wait = Number(r.headers['retry-after']);
      assert.ok(wait >= 28 && wait <= 30, `Retry-After ${r.headers['retry-after']}`);
      assert.equal(p.message_zh, `登录失败次数过多，账户已锁定，请 ${wait} 秒后再试`);
      assert.equal(p.message_en, `Too many failed logins; the account is locked, try again in ${wait} seconds`);
      assert.equal(r.headers['set-cookie'], undefined);
      // other accounts are not locked
      const admin = await srv.login('admin', srv.adminPassword);
      const audit = await admin.get('/api/v1/audit?type=user&limit=100');
      const actions = audit.json.items.filter((i) => i.user === 'locky').map((i) => i.action);
      assert.deepEqual(actions, ['login_locked', 'login_failed', 'login', 'login_failed', 'login', 'login_failed']);
      const locked = audit.json.items.find((i) => i.action === 'login_locked');
      assert.deepEqual(locked.after, { name: 'locky', failures: 2 });
      await expectCleanExit(srv);
    } finally {
      await srv.close();
    }
  });
});
