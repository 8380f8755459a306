// errors.test.mjs - the problem+json contract: malformed bodies, size
// limits, unknown paths and methods, request ids, Chinese and English
// messages, and the static file server's refusals.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectCleanExit, problem, mkTmp, rmTmp, rawHttp } from './harness.mjs';

const MAX = 2048;
let srv, admin, dir, web;

before(async () => {
  dir = mkTmp();
  web = path.join(dir, 'web');
  fs.mkdirSync(web);
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>ipcity 测试</title>\n');
  fs.writeFileSync(path.join(web, 'app.css'), 'body { color: #123; }\n');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'top secret\n');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'leak.txt'));
  srv = await startServer({ dir, env: { IPCITY_MAX_BODY: String(MAX), IPCITY_WEB_ROOT: web } });
  admin = srv.tokenFor('admin');
});
after(async () => {
  await srv?.stop();
  rmTmp(dir);
});

async function count() {
  return (await admin.get('/api/v1/entities?count=true&limit=1')).json.total;
}

describe('malformed and unusable bodies', () => {
  test('malformed JSON is 400 with the line and column of the problem', async () => {
    const cases = [
      ['{\n  "name": "x",\n  "kind" "other"\n}', 3, 16, `':' expected near '"other"'`],
      ['{"name": "测试", "kind": other}', 1, 28, "invalid token near 'other'"],
      ['{"name": "测试",', 1, 14, "string or '}' expected near end of file"],
      ['{"name": "x"} trailing', 1, 22, "end of file expected near 'trailing'"],
    ];
    for (const [body, row, column, why] of cases) {
      const before = await count();
      const p = problem(assert, await admin.post('/api/v1/entities', body), 400, 'request.malformed_json');
      assert.equal(p.row, row, body);
      assert.equal(p.column, column, body);
      assert.match(p.message_zh, new RegExp(`^JSON 格式错误（第 ${row} 行第 ${column} 列，字节 \\d+）：`));
      assert.match(p.message_en, new RegExp(`^Malformed JSON at line ${row}, column ${column} \\(byte \\d+\\): `));
      assert.ok(p.message_en.endsWith(why), p.message_en);
      assert.equal(await count(), before);
    }
  });

  test('the same for PATCH and login bodies', async () => {
    const e = await admin.post('/api/v1/entities', { name: '坏补丁', kind: 'other' });
    const p = problem(assert, await admin.patch(`/api/v1/entities/${e.json.id}`, '{"note": }', { headers: { 'If-Match': '"v1"' } }), 400, 'request.malformed_json');
    assert.equal(p.column, 10);
    assert.equal((await admin.get(`/api/v1/entities/${e.json.id}`)).json.version, 1);
    problem(assert, await srv.request('POST', '/api/v1/session', { body: '{"name":"admin","password":' }), 400, 'request.malformed_json');
    problem(assert, await srv.request('POST', '/api/v1/session', { body: '' }), 400, 'request.empty_body');
  });

  test('bodies over IPCITY_MAX_BODY are 413 request.too_large; nothing is written', async () => {
    const before = await count();
    const big = JSON.stringify({ name: '太大', kind: 'other', note: 'x'.repeat(MAX) });
    const p = problem(assert, await admin.post('/api/v1/entities', big), 413, 'request.too_large');
    assert.equal(p.message_zh, `请求体超过上限 ${MAX} 字节`);
    assert.equal(p.message_en, `The request body exceeds the limit of ${MAX} bytes`);
    // without Content-Length (chunked), the limit applies while reading
    problem(assert, await admin.post('/api/v1/entities', big, { chunked: true }), 413, 'request.too_large');
    problem(assert, await admin.post('/api/v1/entities/import?filename=big.csv', `名称,主体类型\r\n${'很长的名字,企业\r\n'.repeat(200)}`), 413, 'request.too_large');
    assert.equal(await count(), before);
    // the limit is inclusive
    const exact = JSON.stringify({ name: '刚好', kind: 'other' });
    const r = await admin.post('/api/v1/entities', exact + ' '.repeat(MAX - Buffer.byteLength(exact)));
    assert.equal(r.status, 201, r.text);
    assert.equal(await count(), before + 1);
  });

  test('an oversize Content-Length is refused from the headers alone', async () => {
    const { text } = await rawHttp(
      srv.port,
      'POST /api/v1/entities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${admin.token}\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.ok(!/^HTTP\/1\.1 100 /.test(text), 'no 100 Continue for a body that will be refused');
    assert.match(text, /"code":"request\.too_large"/);
    // and a 10 MB upload does not hurt the server
    await admin.post('/api/v1/entities', Buffer.alloc(10 * 1024 * 1024, 0x20)).catch((e) => assert.match(e.code, /EPIPE|ECONNRESET/));
    assert.equal((await srv.request('GET', '/api/v1/health')).status, 200);
  });
});

describe('routes', () => {
  test('unknown paths are 404 not_found naming the path', async () => {
    for (const url of ['/api/v1/nope', '/api/v1/', '/api/v2/health', '/api/v1/entities/1/extra', '/api/v1/audit_log', '/api/v1/entity']) {
      const p = problem(assert, await admin.get(url), 404, 'not_found');
      assert.equal(p.message_zh, `找不到 ${url}`);
      assert.equal(p.message_en, `Not found: ${url}`);
      assert.equal(p.instance, url);
    }
  });

  test('a wrong method on a known path is 405 with an Allow header', async () => {
    const cases = [
      ['PUT', '/api/v1/entities', 'GET, POST'],
      ['DELETE', '/api/v1/entities', 'GET, POST'],
      ['PUT', '/api/v1/entities/1', 'GET, PATCH, DELETE'],
      ['POST', '/api/v1/entities/1', 'GET, PATCH, DELETE'],
      ['PUT', '/api/v1/session', 'POST, GET, DELETE'],
      ['POST', '/api/v1/health', 'GET'],
      ['GET', '/api/v1/tokens', 'POST'],
      ['DELETE', '/api/v1/audit', 'GET'],
    ];
    for (const [m, url, allow] of cases) {
      const r = await admin.req(m, url, { body: m === 'GET' ? undefined : {} });
      const p = problem(assert, r, 405, 'method_not_allowed');
      assert.equal(r.headers.allow, allow, `${m} ${url}`);
      assert.equal(p.message_zh, `此路径不支持 ${m} 方法（可用：${allow}）`);
      assert.equal(p.message_en, `Method ${m} is not allowed here (allowed: ${allow})`);
    }
  });

  test('a wrong method on /{type}/import, /export or /template is 405 too, not a record lookup', async () => {
    for (const [m, url, allow] of [
      ['GET', '/api/v1/entities/import', 'POST'],
      ['PATCH', '/api/v1/entities/export', 'GET'],
      ['DELETE', '/api/v1/entities/template', 'GET'],
    ]) {
      const r = await admin.req(m, url, { body: m === 'GET' ? undefined : {}, headers: { 'If-Match': '"v1"' } });
      assert.equal(r.status, 405, `${m} ${url}: ${r.text}`);
      assert.equal(r.headers.allow, allow);
    }
  });

  test('HEAD works wherever GET does, without a body', async () => {
    const r = await srv.request('HEAD', '/api/v1/health');
    assert.equal(r.status, 200);
    assert.equal(r.buf.length, 0);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
  });
});

describe('problem+json and request ids', () => {
  test('every response carries X-Request-Id; problems repeat it in request_id', async () => {
    const e = await admin.post('/api/v1/entities', { name: '请求编号', kind: 'other' });
    const responses = [
      await srv.request('GET', '/api/v1/health'),
      e,
      await admin.get(`/api/v1/entities/${e.json.id}`, { headers: { 'If-None-Match': '"v1"' } }),
      await admin.del(`/api/v1/entities/${e.json.id}`, { headers: { 'If-Match': '"v1"' } }),
      await admin.get('/api/v1/entities/export'),
      await srv.request('GET', '/'),
      await srv.request('GET', '/missing.js'),
      await admin.get('/api/v1/nope'),
    ];
    assert.deepEqual(responses.map((r) => r.status), [200, 201, 304, 204, 200, 200, 404, 404]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(new Set(ids).size, ids.length, 'unique');
    assert.equal(responses[7].json.request_id, ids[7]);
    for (const r of responses) assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  test("a well-formed client X-Request-Id is kept; others are replaced", async () => {
    const keep = await srv.request('GET', '/api/v1/nope', { headers: { 'X-Request-Id': 'edge-12345678-ab' } });
    assert.equal(keep.headers['x-request-id'], 'edge-12345678-ab');
    assert.equal(keep.json.request_id, 'edge-12345678-ab');
    for (const bad of ['short', 'has space 1234', 'semi;colon12345', 'x'.repeat(40)]) {
      const r = await srv.request('GET', '/api/v1/health', { headers: { 'X-Request-Id': bad } });
      assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/, bad);
    }
  });

  test('the problem has every documented field, and errors[] items have field, code and messages', async () => {
    const r = await admin.post('/api/v1/entities', { kind: 'nope', extra: 1 });
    const p = problem(assert, r, 422, 'validation.failed');
    assert.deepEqual(Object.keys(p).sort(), ['code', 'detail', 'errors', 'instance', 'message_en', 'message_zh', 'request_id', 'status', 'title', 'type']);
    assert.equal(p.instance, '/api/v1/entities');
    assert.equal(p.detail, p.title);
    assert.deepEqual(
      p.errors.map((e) => Object.keys(e).sort()),
      [
        ['code', 'field', 'message', 'message_en', 'message_zh'],
        ['code', 'field', 'message', 'message_en', 'message_zh'],
        ['code', 'field', 'message', 'message_en', 'message_zh'],
      ],
    );
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [
      ['kind', 'validation.enum'],
      ['extra', 'validation.unknown_field'],
      ['name', 'validation.required'],
    ]);
  });
});

describe('Chinese first, English on request', () => {
  const cases = [
    [undefined, 'zh'],
    ['zh-CN', 'zh'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['en;q=0.5, zh;q=0.9', 'zh'],
    ['fr, en;q=0.8', 'en'],
    ['fr', 'zh'],
    ['EN-gb', 'en'],
  ];
  for (const [al, want] of cases) {
    test(`Accept-Language: ${al ?? '(none)'} -> ${want}`, async () => {
      const headers = al ? { 'Accept-Language': al } : {};
      const r = await admin.get('/api/v1/entities/987654', { headers });
      const p = problem(assert, r, 404, 'record.not_found');
      const zh = '市场主体 #987654 不存在', en = 'Entity #987654 was not found';
      assert.equal(p.title, want === 'en' ? en : zh);
      assert.equal(p.detail, p.title);
      assert.equal(p.message_zh, zh);
      assert.equal(p.message_en, en);
    });
  }

  test('?lang= overrides the header', async () => {
    const en = await admin.get('/api/v1/entities/987654?lang=en', { headers: { 'Accept-Language': 'zh-CN' } });
    assert.equal(en.json.title, 'Entity #987654 was not found');
    const zh = await admin.get('/api/v1/entities/987654?lang=zh', { headers: { 'Accept-Language': 'en' } });
    assert.equal(zh.json.title, '市场主体 #987654 不存在');
  });

  test('per-field messages follow the language too', async () => {
    const body = { name: '', kind: 'enterprise', uscc: '91110000802100433C' };
    const en = problem(assert, await admin.post('/api/v1/entities', body, { headers: { 'Accept-Language': 'en' } }), 422, 'validation.failed');
    assert.equal(en.title, 'Validation failed');
    assert.deepEqual(en.errors.map((e) => e.message), [
      'Field "Unified social credit code": Unified social credit code check character is wrong: expected B, got C',
      'Field "Name" is required',
    ]);
    const zh = problem(assert, await admin.post('/api/v1/entities', body), 422, 'validation.failed');
    assert.equal(zh.title, '数据校验未通过');
    assert.deepEqual(zh.errors.map((e) => e.message), ['字段“统一社会信用代码”：统一社会信用代码校验位错误：应为 B，实际为 C', '必填字段“名称”不能为空']);
  });
});

describe('static files', () => {
  test('the console is served from IPCITY_WEB_ROOT', async () => {
    const r = await srv.request('GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.text, '<!doctype html><title>ipcity 测试</title>\n');
    assert.match(r.headers['content-security-policy'], /default-src 'self'/);
    const css = await srv.request('GET', '/app.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.text, 'body { color: #123; }\n');
  });

  test('missing files, dot-dot paths and symlinks out of the root are 404', async () => {
    for (const url of ['/missing.html', '/../secret.txt', '/%2e%2e/secret.txt', '/leak.txt', '/./../secret.txt']) {
      const r = await srv.request('GET', url);
      problem(assert, r, 404, 'not_found');
      assert.ok(!r.text.includes('top secret'), url);
    }
  });

  test('static files only answer GET and HEAD', async () => {
    const r = await srv.request('POST', '/index.html', { body: 'x' });
    problem(assert, r, 405, 'method_not_allowed');
    assert.equal(r.headers.allow, 'GET, HEAD');
  });
});

test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
  await expectCleanExit(srv);
});
