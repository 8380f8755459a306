// records.test.mjs - the generic record routes: create, read, ETag/304,
// update with optimistic concurrency, soft delete, validation, lists with
// cursor paging, filters and sort, metadata, health and OpenAPI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, expectCleanExit, problem, cli, dbsql, dbKind, USCC, USCC_BAD_CHECK, usccN } from './harness.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = srv.tokenFor('admin');
});
after(async () => {
  await srv?.close();
});

const STD = ['id', 'version', 'dept', 'created_at', 'updated_at', 'created_by', 'updated_by'];
const ENTITY_FIELDS = ['name', 'name_en', 'uscc', 'kind', 'address', 'region_code', 'legal_rep', 'established', 'phone', 'note'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function create(body, client = admin) {
  const r = await client.post('/api/v1/entities', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

describe('create and read', () => {
  test('POST answers 201 with Location, ETag "v1" and the stored, normalised row', async () => {
    const r = await admin.post('/api/v1/entities', {
      name: '  上海徐汇示范科技有限公司  ',
      kind: 'enterprise',
      uscc: USCC[0].toLowerCase(),
      region_code: '310104',
      established: '2015-06-01',
      address: '上海市徐汇区漕溪北路 1 号',
    });
    assert.equal(r.status, 201, r.text);
    const e = r.json;
    assert.equal(r.headers.location, `/api/v1/entities/${e.id}`);
    assert.equal(r.headers.etag, '"v1"');
    for (const k of [...STD, ...ENTITY_FIELDS]) assert.ok(k in e, `field ${k} present`);
    assert.equal(e.version, 1);
    assert.equal(e.dept, '310104-ipa', "defaults to the creator's department");
    assert.equal(e.created_by, 'admin');
    assert.equal(e.updated_by, 'admin');
    assert.match(e.created_at, ISO);
    assert.equal(e.updated_at, e.created_at);
    assert.equal(e.name, '上海徐汇示范科技有限公司', 'trimmed');
    assert.equal(e.uscc, USCC[0], 'upper-cased');
    assert.equal(e.kind, 'enterprise');
    assert.equal(e.region_code, '310104');
    assert.equal(e.established, '2015-06-01');
    assert.equal(e.name_en, null);
    assert.equal(e.note, null);
    assert.equal(e.deleted_at, undefined);

    const g = await admin.get(r.headers.location);
    assert.equal(g.status, 200);
    assert.equal(g.headers.etag, '"v1"');
    assert.deepEqual(g.json, e);
  });

  test('server-maintained columns in the input are ignored', async () => {
    const e = await create({ name: '伪造字段', kind: 'other', id: 999999, version: 7, created_by: 'mallory', created_at: '2000-01-01T00:00:00Z' });
    assert.notEqual(e.id, 999999);
    assert.equal(e.version, 1);
    assert.equal(e.created_by, 'admin');
    assert.notEqual(e.created_at, '2000-01-01T00:00:00Z');
  });

  test('GET with If-None-Match of the current ETag is 304 with no body', async () => {
    const e = await create({ name: 'ETag 测试', kind: 'other' });
    const url = `/api/v1/entities/${e.id}`;
    const nm = await admin.get(url, { headers: { 'If-None-Match': '"v1"' } });
    assert.equal(nm.status, 304);
    assert.equal(nm.buf.length, 0);
    assert.equal(nm.headers.etag, '"v1"');
    assert.match(nm.headers['x-request-id'], /^[0-9a-f]{16}$/);
    const old = await admin.get(url, { headers: { 'If-None-Match': '"v0"' } });
    assert.equal(old.status, 200);
    assert.equal(old.json.id, e.id);
    const up = await admin.patch(url, { note: '改' }, { headers: { 'If-Match': '"v1"' } });
    assert.equal(up.status, 200, up.text);
    const after = await admin.get(url, { headers: { 'If-None-Match': '"v1"' } });
    assert.equal(after.status, 200, 'a changed record is sent again');
    assert.equal(after.headers.etag, '"v2"');
    assert.equal(after.json.note, '改');
    assert.equal((await admin.get(url, { headers: { 'If-None-Match': '"v2"' } })).status, 304);
  });

  test('If-None-Match uses the weak comparison and accepts lists and * (RFC 9110 13.1.2)', async () => {
    const e = await create({ name: 'ETag 列表', kind: 'other' });
    const url = `/api/v1/entities/${e.id}`;
    // a proxy that compresses the response turns "v1" into W/"v1"; the browser sends that back
    for (const inm of ['W/"v1"', '"v0", "v1"', '*']) {
      const r = await admin.get(url, { headers: { 'If-None-Match': inm } });
      assert.equal(r.status, 304, `If-None-Match: ${inm} -> ${r.status}`);
    }
  });

  test('unknown ids are 404 record.not_found; non-numeric ids name no record (404 not_found)', async () => {
    const p = problem(assert, await admin.get('/api/v1/entities/987654'), 404, 'record.not_found');
    assert.equal(p.message_zh, '市场主体 #987654 不存在');
    assert.equal(p.message_en, 'Entity #987654 was not found');
    problem(assert, await admin.get('/api/v1/entities/abc'), 404, 'not_found');
    problem(assert, await admin.get('/api/v1/entities/0'), 404, 'record.not_found');
    problem(assert, await admin.get('/api/v1/entities/-1'), 404, 'not_found');
    problem(assert, await admin.patch('/api/v1/entities/987654', { note: 'x' }, { headers: { 'If-Match': '"v1"' } }), 404, 'record.not_found');
    problem(assert, await admin.del('/api/v1/entities/987654', { headers: { 'If-Match': '"v1"' } }), 404, 'record.not_found');
  });

  test('a duplicate unique value is 409 conflict.unique naming the field', async () => {
    await create({ name: '唯一一', kind: 'enterprise', uscc: USCC[1] });
    const r = await admin.post('/api/v1/entities', { name: '唯一二', kind: 'enterprise', uscc: USCC[1] });
    const p = problem(assert, r, 409, 'conflict.unique');
    assert.equal(p.field, 'uscc');
    assert.equal(p.message_en, 'The value already exists: uscc');
    const n = await admin.get(`/api/v1/entities?uscc=${USCC[1]}&count=true`);
    assert.equal(n.json.total, 1);
  });
});

describe('validation', () => {
  const errs = (p) => p.errors.map((e) => [e.field, e.code]);

  test('missing required fields are listed, each with its field', async () => {
    const p = problem(assert, await admin.post('/api/v1/entities', {}), 422, 'validation.failed');
    assert.deepEqual(errs(p), [
      ['name', 'validation.required'],
      ['kind', 'validation.required'],
    ]);
    assert.equal(p.errors[0].message_zh, '必填字段“名称”不能为空');
    assert.equal(p.errors[0].message_en, 'Field "Name" is required');
    assert.equal(p.errors[0].message, p.errors[0].message_zh, 'message follows the request language (zh)');
    assert.equal(p.title, '数据校验未通过');
    // blank strings count as missing
    const b = problem(assert, await admin.post('/api/v1/entities', { name: '   ', kind: 'other' }), 422, 'validation.failed');
    assert.deepEqual(errs(b), [['name', 'validation.required']]);
  });

  test('wrong JSON types: number for text, string for a bool, number for a date', async () => {
    const p = problem(assert, await admin.post('/api/v1/entities', { name: 123, kind: 'enterprise', established: 20200101, phone: 13800000000 }), 422, 'validation.failed');
    assert.deepEqual(errs(p), [
      ['name', 'validation.type'],
      ['established', 'validation.type'],
      ['phone', 'validation.type'],
    ]);
    assert.equal(p.errors[0].message_zh, '字段“名称”应为文本');
    assert.equal(p.errors[1].message_en, 'Field "Established on" must be a date (YYYY-MM-DD)');

    const u = problem(
      assert,
      await admin.post('/api/v1/users', { name: 'typed', display_name: '类型', role: 'dept', dept: '310104-court', password: 'password-1', disabled: 'false' }),
      422,
      'validation.failed',
    );
    assert.deepEqual(errs(u), [['disabled', 'validation.type']]);
    assert.equal(u.errors[0].message_zh, '字段“已停用”应为布尔值（true/false）');
    const obj = problem(assert, await admin.post('/api/v1/entities', { name: { zh: '对象' }, kind: ['enterprise'] }), 422, 'validation.failed');
    assert.deepEqual(errs(obj), [
      ['name', 'validation.type'],
      ['kind', 'validation.type'],
    ]);
    assert.equal((await admin.get('/api/v1/users?name=typed&count=true')).json.total, 0);
  });

  test('unknown fields are refused, not ignored', async () => {
    const p = problem(assert, await admin.post('/api/v1/entities', { name: '未知字段', kind: 'other', colour: 'red', Name: 'x' }), 422, 'validation.failed');
    assert.deepEqual(errs(p), [
      ['colour', 'validation.unknown_field'],
      ['Name', 'validation.unknown_field'],
    ]);
    assert.equal(p.errors[0].message_zh, '未知字段“colour”');
    // the write-only, never-output password hash cannot be set either
    const u = problem(
      assert,
      await admin.post('/api/v1/users', { name: 'hashy', display_name: 'h', role: 'dept', dept: '310104-court', password: 'password-1', password_hash: 'x' }),
      422,
      'validation.failed',
    );
    assert.deepEqual(errs(u), [['password_hash', 'validation.readonly']]);
  });

  test('enumerations, lengths, dates, codes and references are checked', async () => {
    const p = problem(
      assert,
      await admin.post('/api/v1/entities', {
        name: 'x'.repeat(201),
        kind: 'company',
        uscc: USCC_BAD_CHECK,
        region_code: '990000',
        established: '2021-02-29',
        dept: 'no-such-dept',
      }),
      422,
      'validation.failed',
    );
    assert.deepEqual(errs(p), [
      ['name', 'validation.too_long'],
      ['kind', 'validation.enum'],
      ['uscc', 'validation.uscc_check'],
      ['region_code', 'validation.region_code'],
      ['established', 'validation.date'],
    ]);
    const m = Object.fromEntries(p.errors.map((e) => [e.field, e]));
    assert.equal(m.name.message_zh, '字段“名称”最多 200 个字符，实际 201 个');
    assert.equal(m.uscc.message_zh, '字段“统一社会信用代码”：统一社会信用代码校验位错误：应为 B，实际为 C');
    assert.equal(m.uscc.message_en, 'Field "Unified social credit code": Unified social credit code check character is wrong: expected B, got C');
    assert.match(m.kind.message_zh, /^字段“主体类型”的值“company”不在可选范围内：enterprise（企业）、university（高校）/);
    assert.equal(m.established.message_en, 'Field "Established on": "2021-02-29" is not a valid date (YYYY-MM-DD)');

    // the department reference is checked once the fields are valid
    const d = problem(assert, await admin.post('/api/v1/entities', { name: '部门不存在', kind: 'other', dept: 'no-such-dept' }), 422, 'validation.failed');
    assert.deepEqual(errs(d), [['dept', 'validation.reference']]);
    assert.equal(d.errors[0].message_zh, '所属部门“no-such-dept”不存在');

    for (const [code, want] of [
      ['9111000080210043', 'validation.uscc_length'],
      ['91I10000802100433B', 'validation.uscc_charset'],
      ['91A10000802100433B', 'validation.uscc_charset'],
    ]) {
      const r = problem(assert, await admin.post('/api/v1/entities', { name: '代码', kind: 'other', uscc: code }), 422, 'validation.failed');
      assert.deepEqual(errs(r), [['uscc', want]], code);
    }
    for (const rc of ['31010', 'abcdef', '000000', '990101']) {
      const r = problem(assert, await admin.post('/api/v1/entities', { name: '区划', kind: 'other', region_code: rc }), 422, 'validation.failed');
      assert.deepEqual(errs(r), [['region_code', 'validation.region_code']], rc);
    }
  });

  test('limits are inclusive: 200 Chinese characters, 29 February of a leap year, every valid USCC', async () => {
    const e = await create({ name: '中'.repeat(200), kind: 'institute', established: '2020-02-29' });
    assert.equal(e.name, '中'.repeat(200));
    assert.equal(e.established, '2020-02-29');
    for (const u of USCC.slice(2)) {
      const r = await create({ name: `有效代码 ${u}`, kind: 'enterprise', uscc: u });
      assert.equal(r.uscc, u);
    }
  });

  test('the body must be a JSON object', async () => {
    const arr = problem(assert, await admin.post('/api/v1/entities', '[{"name":"x"}]'), 400, 'request.not_object');
    assert.equal(arr.message_en, 'The request body must be a JSON object');
    const t = problem(assert, await admin.post('/api/v1/entities', { name: 'x'.repeat(7), kind: 'other', region_code: '3101044' }), 422, 'validation.failed');
    assert.deepEqual(t.errors.map((e) => [e.field, e.code]), [['region_code', 'validation.too_long']]);
    problem(assert, await admin.post('/api/v1/entities', '7'), 400, 'request.malformed_json');
    problem(assert, await admin.post('/api/v1/entities', ''), 400, 'request.empty_body');
    problem(assert, await admin.post('/api/v1/entities', '{"name":"a","name":"b","kind":"other"}'), 400, 'request.malformed_json');
  });
});

describe('updates and optimistic concurrency', () => {
  test('PATCH with If-Match changes only the given fields and bumps the version', async () => {
    const e = await create({ name: '修改测试', kind: 'enterprise', address: '旧地址', phone: '021-1234' });
    const r = await admin.patch(`/api/v1/entities/${e.id}`, { address: '新地址', phone: null }, { headers: { 'If-Match': '"v1"' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.etag, '"v2"');
    const want = { ...e, version: 2, address: '新地址', phone: null, updated_at: r.json.updated_at };
    assert.deepEqual(r.json, want);
    assert.ok(r.json.updated_at >= e.updated_at);
    assert.deepEqual((await admin.get(`/api/v1/entities/${e.id}`)).json, want);
  });

  test('stale If-Match is 412, stale body version 409, neither 428; nothing is written', async () => {
    const e = await create({ name: '版本测试', kind: 'other' });
    const url = `/api/v1/entities/${e.id}`;
    assert.equal((await admin.patch(url, { note: '一' }, { headers: { 'If-Match': '"v1"' } })).status, 200);

    const s = problem(assert, await admin.patch(url, { note: '二' }, { headers: { 'If-Match': '"v1"' } }), 412, 'conflict.stale');
    assert.equal(s.message_zh, `市场主体 #${e.id} 已被他人修改（当前版本 2，您提交的是版本 1），请刷新后重试`);
    assert.equal(s.message_en, `Entity #${e.id} was changed by someone else (current version 2, yours 1); reload and retry`);
    problem(assert, await admin.patch(url, { note: '二', version: 1 }), 409, 'conflict.stale');
    const n = problem(assert, await admin.patch(url, { note: '二' }), 428, 'precondition.required');
    assert.match(n.message_en, /If-Match/);
    problem(assert, await admin.patch(url, { note: '二', version: '2' }), 428, 'precondition.required');
    problem(assert, await admin.patch(url, { note: '二' }, { headers: { 'If-Match': 'abc' } }), 400, 'precondition.malformed');
    // a future version is just as stale
    problem(assert, await admin.patch(url, { note: '二' }, { headers: { 'If-Match': '"v9"' } }), 412, 'conflict.stale');

    const g = await admin.get(url);
    assert.equal(g.json.version, 2);
    assert.equal(g.json.note, '一');

    const ok = await admin.patch(url, { note: '二', version: 2 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.version, 3);
    assert.equal(ok.json.note, '二');
  });

  test('two writers with the same version: exactly one wins, the other is told and loses nothing', async () => {
    const e = await create({ name: '并发测试', kind: 'enterprise' });
    const url = `/api/v1/entities/${e.id}`;
    const alice = srv.tokenFor('admin');
    const bob = srv.tokenFor('admin');
    const [ra, rb] = await Promise.all([
      alice.patch(url, { phone: '021-1111' }, { headers: { 'If-Match': '"v1"' } }),
      bob.patch(url, { address: '鲍勃的地址' }, { headers: { 'If-Match': '"v1"' } }),
    ]);
    assert.deepEqual([ra.status, rb.status].sort(), [200, 412], `${ra.text}\n${rb.text}`);
    const [winner, loser, loserBody] = ra.status === 200 ? [ra, bob, { address: '鲍勃的地址' }] : [rb, alice, { phone: '021-1111' }];
    assert.equal(winner.json.version, 2);
    assert.equal((ra.status === 412 ? ra : rb).json.code, 'conflict.stale');

    // the loser reloads, sees the winner's change and re-applies its own
    const cur = await loser.get(url);
    assert.equal(cur.json.version, 2);
    const retry = await loser.patch(url, loserBody, { headers: { 'If-Match': cur.headers.etag } });
    assert.equal(retry.status, 200, retry.text);
    const final = (await admin.get(url)).json;
    assert.equal(final.version, 3);
    assert.equal(final.phone, '021-1111');
    assert.equal(final.address, '鲍勃的地址');
  });

  test('many concurrent writers with one version (body version): one 200, the rest 409', async () => {
    const e = await create({ name: '多人并发', kind: 'enterprise' });
    const url = `/api/v1/entities/${e.id}`;
    const rs = await Promise.all(Array.from({ length: 8 }, (_, k) => admin.patch(url, { note: `写入者 ${k}`, version: 1 })));
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, rs.map((r) => r.status).join(','));
    assert.ok(rs.filter((r) => r.status !== 200).every((r) => r.status === 409 && r.json.code === 'conflict.stale'), rs.map((r) => r.text).join('\n'));
    const final = (await admin.get(url)).json;
    assert.equal(final.version, 2);
    assert.equal(final.note, ok[0].json.note);
    // exactly one update was audited
    const audit = await admin.get(`/api/v1/audit?type=entity&record_id=${e.id}`);
    assert.deepEqual(audit.json.items.map((i) => i.action), ['update', 'create']);
    assert.equal(audit.json.items[0].after.note, final.note);
  });

  test('required fields cannot be cleared; immutable fields cannot change', async () => {
    const e = await create({ name: '必填', kind: 'other' });
    const r = problem(assert, await admin.patch(`/api/v1/entities/${e.id}`, { name: null, version: 1 }), 422, 'validation.failed');
    assert.deepEqual(r.errors.map((x) => [x.field, x.code]), [['name', 'validation.required']]);

    const d = await admin.post('/api/v1/departments', { code: 'Test-Immutable', name_zh: '不可变测试部', kind: 'other', region_code: '310104' });
    assert.equal(d.status, 201, d.text);
    assert.equal(d.json.code, 'test-immutable', 'department codes are lower-cased');
    assert.equal(d.json.dept, 'test-immutable', 'a department owns its own row');
    const im = problem(assert, await admin.patch(`/api/v1/departments/${d.json.id}`, { code: 'renamed', version: 1 }), 422, 'validation.failed');
    assert.deepEqual(im.errors.map((x) => [x.field, x.code]), [['code', 'validation.immutable']]);
    assert.equal(im.errors[0].message_zh, '字段“部门代码”创建后不能修改');
    const same = await admin.patch(`/api/v1/departments/${d.json.id}`, { code: 'test-immutable', name_zh: '改名', version: 1 });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.name_zh, '改名');
  });
});

describe('soft delete', () => {
  test('DELETE needs the version, hides the row everywhere, keeps it in the table', async () => {
    const e = await create({ name: '待删除', kind: 'enterprise', uscc: usccN(424242) });
    const url = `/api/v1/entities/${e.id}`;
    problem(assert, await admin.del(url), 428, 'precondition.required');
    problem(assert, await admin.del(url, { headers: { 'If-Match': '"v2"' } }), 412, 'conflict.stale');
    const before = (await admin.get('/api/v1/entities?count=true&limit=1')).json.total;

    const d = await admin.del(url, { headers: { 'If-Match': '"v1"' } });
    assert.equal(d.status, 204);
    assert.equal(d.buf.length, 0);

    problem(assert, await admin.get(url), 404, 'record.not_found');
    problem(assert, await admin.patch(url, { note: 'x' }, { headers: { 'If-Match': '"v2"' } }), 404, 'record.not_found');
    problem(assert, await admin.del(url, { headers: { 'If-Match': '"v2"' } }), 404, 'record.not_found');
    assert.equal((await admin.get('/api/v1/entities?count=true&limit=1')).json.total, before - 1);
    const all = await admin.listAll('/api/v1/entities', 100);
    assert.ok(!all.items.some((x) => x.id === e.id));
    const csv = (await admin.get('/api/v1/entities/export')).text;
    assert.ok(!csv.includes(usccN(424242)), 'not exported');

    // still in the table, marked deleted, version bumped
    const row = dbsql(srv.db, `SELECT version, CASE WHEN deleted_at IS NOT NULL THEN 1 ELSE 0 END, name FROM entities WHERE id = ${e.id}`).trim();
    assert.equal(row, '2|1|待删除');

    // the unique value is free again for a live row
    const again = await create({ name: '重新登记', kind: 'enterprise', uscc: usccN(424242) });
    assert.notEqual(again.id, e.id);

    const audit = await admin.get(`/api/v1/audit?type=entity&record_id=${e.id}`);
    assert.deepEqual(audit.json.items.map((i) => i.action), ['delete', 'create']);
    assert.equal(audit.json.items[0].before.name, '待删除');
    assert.equal(audit.json.items[0].after, null);
  });

  test('department codes stay taken after the department is deleted', async () => {
    const d = await admin.post('/api/v1/departments', { code: 'short-lived', name_zh: '临时部门', kind: 'other' });
    assert.equal(d.status, 201, d.text);
    assert.equal((await admin.del(`/api/v1/departments/${d.json.id}`, { headers: { 'If-Match': '"v1"' } })).status, 204);
    const again = problem(assert, await admin.post('/api/v1/departments', { code: 'short-lived', name_zh: '临时部门二', kind: 'other' }), 409, 'conflict.unique');
    assert.equal(again.field, 'code');
  });

  test('an admin cannot delete their own account', async () => {
    const me = (await admin.get('/api/v1/session')).json.user;
    const row = (await admin.get(`/api/v1/users/${me.id}`)).json;
    const r = problem(assert, await admin.del(`/api/v1/users/${me.id}`, { headers: { 'If-Match': `"v${row.version}"` } }), 422, 'user.self_delete');
    assert.equal(r.message_zh, '不能删除自己的账户');
    assert.equal((await admin.get(`/api/v1/users/${me.id}`)).status, 200);
  });
});

describe('lists: cursor paging, sort and filters', () => {
  const N = 26;
  let rows; // the created rows, by id
  const names = ['pg-delta', 'pg-alpha', 'pg-中文', 'pg-beta', 'pg-alpha', 'pg-Zulu'];
  const kinds = ['enterprise', 'university', 'institute'];

  before(async () => {
    rows = [];
    for (let i = 0; i < N; i++) {
      rows.push(
        await create({
          name: names[i % names.length],
          kind: kinds[i % 3],
          region_code: i % 4 === 0 ? null : ['310104', '110108', '440305'][i % 3],
          established: i % 5 === 0 ? null : `20${String(10 + (i % 9)).padStart(2, '0')}-0${1 + (i % 9)}-15`,
          uscc: usccN(1000 + i),
          address: i % 2 ? `徐汇区 ${i} 号` : null,
        }),
      );
    }
  });

  // the server sorts NULL as the lowest value, ties by id (in the same direction)
  function expected(field, desc, pred = () => true) {
    const key = (r) => (field === 'id' ? r.id : r[field] ?? '');
    const cmp = (a, b) => {
      const ka = key(a), kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return desc ? -c : c;
    };
    return rows.filter(pred).sort(cmp).map((r) => r.id);
  }

  for (const [sort, limit] of [
    ['', 7],
    ['-id', 5],
    ['name', 4],
    ['-name', 6],
    ['region_code', 3],
    ['-region_code', 7],
    ['established', 5],
    ['-established', 1],
  ]) {
    test(`cursor paging with sort=${sort || '(default)'} limit=${limit} returns every row once, in order`, async () => {
      const url = `/api/v1/entities?q=pg-${sort ? `&sort=${sort}` : ''}`;
      const { items, pages } = await admin.listAll(url, limit);
      const ids = items.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      const field = sort.replace(/^-/, '') || 'id';
      assert.deepEqual(ids, expected(field, sort.startsWith('-')));
      assert.equal(pages, Math.ceil(N / limit), 'the last page has no next_cursor');
    });
  }

  test('a page has items, next_cursor and limit; count=true adds the total', async () => {
    const r = await admin.get('/api/v1/entities?q=pg-&limit=10&count=true');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['items', 'limit', 'next_cursor', 'total']);
    assert.equal(r.json.items.length, 10);
    assert.equal(r.json.limit, 10);
    assert.equal(r.json.total, N);
    assert.equal(typeof r.json.next_cursor, 'string');
    // the rest in one page: no cursor after it
    const rest = await admin.get(`/api/v1/entities?q=pg-&limit=100&cursor=${r.json.next_cursor}`);
    assert.equal(rest.json.items.length, N - 10);
    assert.equal(rest.json.next_cursor, null);
    // exactly full last page
    const exact = await admin.get(`/api/v1/entities?q=pg-&limit=${N}`);
    assert.equal(exact.json.items.length, N);
    assert.equal(exact.json.next_cursor, null);
    // default limit is 50
    assert.equal((await admin.get('/api/v1/entities?q=pg-')).json.limit, 50);
    // list rows do not carry deleted_at or secrets
    assert.ok(r.json.items.every((x) => !('deleted_at' in x)));
    const users = await admin.get('/api/v1/users');
    assert.ok(users.json.items.length >= 1);
    assert.ok(users.json.items.every((u) => !('password_hash' in u) && !('password' in u)));
  });

  test('rows created between pages are not skipped or repeated (stable id cursor)', async () => {
    const first = await admin.get('/api/v1/entities?q=pg-&limit=10');
    const extra = await create({ name: 'pg-late', kind: 'other' });
    const { items } = await admin.listAll(`/api/v1/entities?q=pg-&cursor=${first.json.next_cursor}`, 9);
    const ids = [...first.json.items, ...items].map((r) => r.id);
    assert.deepEqual(ids, [...expected('id', false), extra.id]);
    assert.equal((await admin.del(`/api/v1/entities/${extra.id}`, { headers: { 'If-Match': '"v1"' } })).status, 204);
  });

  const filters = [
    ['kind=university', (r) => r.kind === 'university'],
    ['kind.in=university,institute', (r) => r.kind !== 'enterprise'],
    ['kind.ne=enterprise', (r) => r.kind !== 'enterprise'],
    ['region_code=310104', (r) => r.region_code === '310104'],
    ['region_code.null=true', (r) => r.region_code === null],
    ['region_code.null=false', (r) => r.region_code !== null],
    ['region_code.like=0108', (r) => r.region_code === '110108'],
    ['established.gte=2014-01-01', (r) => r.established !== null && r.established >= '2014-01-01'],
    ['established.lt=2013-01-01', (r) => r.established !== null && r.established < '2013-01-01'],
    ['established.gt=2012-03-15&established.lte=2016-07-15', (r) => r.established > '2012-03-15' && r.established <= '2016-07-15'],
    [`uscc=${usccN(1005)}`, (r) => r.uscc === usccN(1005)],
    ['kind=university&region_code=110108', (r) => r.kind === 'university' && r.region_code === '110108'],
    ['dept=310104-ipa', () => true],
    ['dept=310104-court', () => false],
    ['created_by=admin', () => true],
    ['q=%E4%B8%AD%E6%96%87', (r) => r.name === 'pg-中文'],
    ['q=ALPHA', (r) => r.name === 'pg-alpha'],
    ['q=%E5%BE%90%E6%B1%87%E5%8C%BA%207%20', (r) => r.address === '徐汇区 7 号'],
  ];
  for (const [qs, pred] of filters) {
    test(`filter ${decodeURIComponent(qs)}`, async () => {
      const q = qs.startsWith('q=') ? qs : `q=pg-&${qs}`;
      const r = await admin.get(`/api/v1/entities?${q}&limit=1000&count=true`);
      assert.equal(r.status, 200, r.text);
      const want = expected('id', false, pred);
      assert.deepEqual(r.json.items.map((x) => x.id), want);
      assert.equal(r.json.total, want.length);
    });
  }

  test('filters combine with sort and paging', async () => {
    const { items } = await admin.listAll('/api/v1/entities?q=pg-&kind.ne=institute&sort=-name', 3);
    assert.deepEqual(
      items.map((x) => x.id),
      expected('name', true, (r) => r.kind !== 'institute'),
    );
  });

  test('bad list parameters are 400 with a precise code', async () => {
    const cases = [
      ['limit=0', 'query.limit'],
      ['limit=1001', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
      ['sort=phone', 'query.sort'],
      ['sort=-nope', 'query.sort'],
      ['legal_rep=x', 'query.unknown_parameter'],
      ['colour=red', 'query.unknown_parameter'],
      ['kind.between=a', 'query.unknown_parameter'],
    ];
    for (const [qs, code] of cases) {
      const p = problem(assert, await admin.get(`/api/v1/entities?${qs}`), 400, code);
      assert.equal(p.instance, '/api/v1/entities');
    }
    const p = problem(assert, await admin.get('/api/v1/entities?colour=red'), 400, 'query.unknown_parameter');
    assert.equal(p.message_zh, '不支持的查询参数“colour”');
    assert.equal(p.message_en, 'Unsupported query parameter "colour"');
    assert.equal((await admin.get('/api/v1/entities?limit=1000')).status, 200);
  });
});

describe('metadata, health and OpenAPI', () => {
  test('health reports ok, the version, the schema and the database kind', async () => {
    const r = await srv.request('GET', '/api/v1/health');
    assert.equal(r.status, 200);
    const v = cli(srv.db, ['version']).stdout.trim(); // "ipcity 0.1.0 (schema 1)"
    const m = v.match(/^ipcity (\S+) \(schema (\d+)\)$/);
    assert.ok(m, v);
    assert.deepEqual(r.json, { status: 'ok', version: m[1], schema: Number(m[2]), database: dbKind(srv.db) });
  });

  test('meta/types shows each caller only what it may read, with its access', async () => {
    const CORE = ['regions', 'departments', 'users', 'entities'];
    const pub = await srv.request('GET', '/api/v1/meta/types');
    assert.equal(pub.status, 200);
    const pubTypes = Object.fromEntries(pub.json.types.map((t) => [t.path, t.access]));
    assert.deepEqual(pubTypes.regions, { read: 'all', write: 'none' });
    for (const t of ['departments', 'users', 'entities']) assert.ok(!(t in pubTypes), `public must not see ${t}`);
    for (const [t, acc] of Object.entries(pubTypes)) assert.equal(acc.write, 'none', `public cannot write ${t}`);
    const a = await admin.get('/api/v1/meta/types');
    const adminTypes = a.json.types.map((t) => t.path);
    assert.deepEqual(adminTypes.slice(0, 4), CORE);
    assert.deepEqual(
      a.json.types.filter((t) => CORE.includes(t.path)).map((t) => [t.path, t.access.read, t.access.write]),
      CORE.map((t) => [t, 'all', 'all']),
    );
    const ent = await admin.get('/api/v1/meta/types/entities');
    assert.equal(ent.status, 200);
    const names = ent.json.fields.map((f) => f.name);
    assert.deepEqual(names.filter((n) => ENTITY_FIELDS.includes(n)), ENTITY_FIELDS, 'the core fields, in order');
    const uscc = ent.json.fields.find((f) => f.name === 'uscc');
    assert.deepEqual(
      { type: uscc.type, zh: uscc.zh, en: uscc.en, unique: uscc.unique, filter: uscc.filter, max_len: uscc.max_len },
      { type: 'text', zh: '统一社会信用代码', en: 'Unified social credit code', unique: true, filter: true, max_len: 18 },
    );
    const kind = ent.json.fields.find((f) => f.name === 'kind');
    assert.deepEqual(kind.options[0], { value: 'enterprise', zh: '企业', en: 'Enterprise' });
    const users = await admin.get('/api/v1/meta/types/users');
    assert.ok(!users.json.fields.some((f) => f.name === 'password_hash'));
    assert.equal(users.json.fields.find((f) => f.name === 'password').writeonly, true);
    problem(assert, await srv.request('GET', '/api/v1/meta/types/entities'), 404, 'not_found');
    problem(assert, await admin.get('/api/v1/meta/types/nope'), 404, 'not_found');
  });

  test('public callers may read regions but not the other types', async () => {
    const r = await srv.request('GET', '/api/v1/regions?code.in=310000,310100,310104&sort=code');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.json.items.map((x) => [x.code, x.name_zh, x.level, x.parent_code]),
      [
        ['310000', '上海市', 'province', null],
        ['310100', '市辖区', 'city', '310000'],
        ['310104', '徐汇区', 'district', '310100'],
      ],
    );
    const one = await srv.request('GET', `/api/v1/regions/${r.json.items[2].id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.code, '310104');
    assert.equal(one.json.name_zh, '徐汇区');
    for (const t of ['entities', 'departments', 'users']) {
      const p = problem(assert, await srv.request('GET', `/api/v1/${t}`), 403, 'auth.forbidden');
      assert.match(p.message_zh, /^无权限：公众角色不能查看/);
      problem(assert, await srv.request('GET', `/api/v1/${t}/1`), 403, 'auth.forbidden');
    }
    problem(assert, await srv.request('POST', '/api/v1/regions', { body: { code: '310105', name_zh: '长宁区', level: 'district' } }), 401, 'auth.required');
  });

  /* The route table of src/http/api.c, with {type} expanded to every record
   * type the admin can see: what the OpenAPI document must list. */
  async function expectedPaths() {
    const src = fs.readFileSync(path.join(ROOT, 'src/http/api.c'), 'utf8');
    const routes = [...src.matchAll(/\{"(GET|POST|PATCH|PUT|DELETE)", "(\/api\/v1\/[^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]);
    assert.ok(routes.length >= 20, 'route table found');
    const types = (await admin.get('/api/v1/meta/types')).json.types.map((t) => t.path);
    const p = {};
    const add = (k, m) => (p[k] = [...new Set([...(p[k] || []), m])].sort());
    for (const [m, pat] of routes) {
      if (pat.includes('{type}') && !pat.startsWith('/api/v1/meta')) for (const t of types) add(pat.replace('{type}', t), m);
      else add(pat, m);
    }
    return p;
  }

  test('openapi.json is OpenAPI 3 and lists every path and method', async () => {
    const r = await srv.request('GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    const doc = r.json;
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(typeof doc.info.title, 'string');
    const got = Object.fromEntries(Object.entries(doc.paths).map(([k, v]) => [k, Object.keys(v).sort()]));
    const want = await expectedPaths();
    for (const t of ['regions', 'departments', 'users', 'entities'])
      for (const [k, m] of [[`/api/v1/${t}`, ['get', 'post']], [`/api/v1/${t}/{id}`, ['delete', 'get', 'patch']], [`/api/v1/${t}/import`, ['post']]])
        assert.deepEqual(want[k], m, k);
    for (const k of ['/api/v1/session', '/api/v1/tokens', '/api/v1/audit', '/api/v1/audit/verify', '/api/v1/health', '/api/v1/meta/types/{type}'])
      assert.ok(want[k], k);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const k of Object.keys(want)) assert.deepEqual(got[k], want[k], k);
    // every operation answers a problem by default; every $ref resolves
    const refs = [];
    JSON.stringify(doc, (k, v) => {
      if (k === '$ref') refs.push(v);
      return v;
    });
    assert.ok(refs.length > 20);
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(doc.components.schemas[name], `unresolved ${ref}`);
    }
    for (const [p, item] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(item)) assert.ok(op.responses?.default, `${m} ${p} has a default response`);
    // the schemas do not expose secrets
    assert.ok(!('password_hash' in doc.components.schemas.user.properties));
  });

  test('every documented path and method is served (no 404 route miss, no 405)', async () => {
    const doc = (await srv.request('GET', '/api/v1/openapi.json')).json;
    const b = srv.tokenFor('admin');
    for (const [p, item] of Object.entries(doc.paths)) {
      const url = p.replace('{type}', 'entities').replace('{id}', '987654');
      for (const m of Object.keys(item)) {
        const r = await b.req(m.toUpperCase(), url);
        assert.notEqual(r.status, 405, `${m} ${url}: ${r.text}`);
        assert.ok(!(r.status === 404 && /^Not found: /.test(r.json?.message_en)), `${m} ${url}: ${r.text}`);
        assert.ok(r.status < 500, `${m} ${url}: ${r.text}`);
      }
    }
  });
});

test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
  await expectCleanExit(srv);
});
