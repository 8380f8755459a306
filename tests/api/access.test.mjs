// access.test.mjs - who may read and write what: the done-when scenario
// (admin sets up a department, a dept user and an entity; the user works on
// its own department only; the audit chain verifies, and detects an edit),
// then the role matrix for bureau, dept, enterprise, agency and the public.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectCleanExit, problem, cliAsync, cli, dbsql, dropAuditGuards, USCC } from './harness.mjs';

describe('done-when: a department user works on its own department only', () => {
  let srv, admin, lab;
  const ids = {};

  before(async () => {
    srv = await startServer();
    admin = await srv.login('admin', srv.adminPassword);
  });
  after(async () => {
    await srv?.close();
  });

  test('the admin creates a department, a dept user in it and an entity in it', async () => {
    const d = await admin.post('/api/v1/departments', {
      code: '310104-testlab',
      name_zh: '区知识产权测试实验室',
      name_en: 'District IP Test Lab',
      kind: 'government',
      region_code: '310104',
      contact: '张三',
    });
    assert.equal(d.status, 201, d.text);
    assert.equal(d.json.code, '310104-testlab');
    assert.equal(d.json.dept, '310104-testlab');
    ids.dept = d.json.id;

    const u = await admin.post('/api/v1/users', {
      name: 'lab-staff',
      display_name: '李四',
      role: 'dept',
      dept: '310104-testlab',
      email: 'lisi@example.cn',
      password: 'Lab-staff-pw-1',
    });
    assert.equal(u.status, 201, u.text);
    assert.deepEqual(
      { name: u.json.name, role: u.json.role, dept: u.json.dept, disabled: u.json.disabled, display_name: u.json.display_name },
      { name: 'lab-staff', role: 'dept', dept: '310104-testlab', disabled: false, display_name: '李四' },
    );
    assert.ok(!('password' in u.json) && !('password_hash' in u.json));
    ids.user = u.json.id;

    const e = await admin.post('/api/v1/entities', {
      name: '测试实验室孵化企业',
      kind: 'enterprise',
      uscc: USCC[0],
      region_code: '310104',
      dept: '310104-testlab',
    });
    assert.equal(e.status, 201, e.text);
    assert.equal(e.json.dept, '310104-testlab');
    ids.own = e.json.id;

    const o = await admin.post('/api/v1/entities', { name: '法院名下的主体', kind: 'other', uscc: USCC[1], dept: '310104-court' });
    assert.equal(o.status, 201, o.text);
    ids.other = o.json.id;
    const mine = await admin.post('/api/v1/entities', { name: '知识产权局的主体', kind: 'other' });
    assert.equal(mine.json.dept, '310104-ipa');
    ids.ipa = mine.json.id;
  });

  test('the user logs in and sees its own role and department', async () => {
    lab = await srv.login('lab-staff', 'Lab-staff-pw-1');
    assert.deepEqual(lab.user, {
      id: ids.user,
      name: 'lab-staff',
      display_name: '李四',
      role: 'dept',
      role_label: '部门工作人员',
      dept: '310104-testlab',
    });
  });

  test('it can read and edit its own entity', async () => {
    const g = await lab.get(`/api/v1/entities/${ids.own}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.name, '测试实验室孵化企业');
    const p = await lab.patch(`/api/v1/entities/${ids.own}`, { address: '徐汇区虹漕路 88 号', legal_rep: '王五' }, { headers: { 'If-Match': g.headers.etag } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.version, 2);
    assert.equal(p.json.address, '徐汇区虹漕路 88 号');
    assert.equal(p.json.updated_by, 'lab-staff');
    assert.equal(p.json.created_by, 'admin');
    // and create one; the department defaults to its own
    const c = await lab.post('/api/v1/entities', { name: '实验室新登记主体', kind: 'institute' });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json.dept, '310104-testlab');
    ids.own2 = c.json.id;
  });

  test('lists and exports show only its own department', async () => {
    const l = await lab.get('/api/v1/entities?count=true');
    assert.equal(l.status, 200);
    assert.deepEqual(l.json.items.map((x) => x.id), [ids.own, ids.own2]);
    assert.equal(l.json.total, 2);
    // asking for another department gives nothing, not an error
    const f = await lab.get('/api/v1/entities?dept=310104-court&count=true');
    assert.equal(f.status, 200);
    assert.equal(f.json.total, 0);
    const q = await lab.get('/api/v1/entities?q=%E6%B3%95%E9%99%A2');
    assert.deepEqual(q.json.items, []);
    const csv = (await lab.get('/api/v1/entities/export')).text;
    assert.equal(csv.trim().split('\r\n').length, 3, csv);
    assert.ok(!csv.includes('法院名下的主体'));
    // the department directory is readable by department staff; users only of its own department
    const deps = await lab.get('/api/v1/departments?count=true');
    assert.equal(deps.json.total, 17);
    problem(assert, await lab.patch(`/api/v1/departments/${ids.dept}`, { note: 'x', version: 1 }), 403, 'auth.forbidden');
    const users = await lab.get('/api/v1/users');
    assert.deepEqual(users.json.items.map((x) => x.name), ['lab-staff']);
    const meta = await lab.get('/api/v1/meta/types');
    assert.deepEqual(
      meta.json.types.filter((t) => ['regions', 'departments', 'users', 'entities'].includes(t.path)).map((t) => [t.path, t.access.read, t.access.write]),
      [
        ['regions', 'all', 'none'],
        ['departments', 'all', 'none'],
        ['users', 'own', 'none'],
        ['entities', 'own', 'own'],
      ],
    );
  });

  test("another department's entity is invisible: 404 on read, edit and delete, and unchanged", async () => {
    for (const id of [ids.other, ids.ipa]) {
      const url = `/api/v1/entities/${id}`;
      problem(assert, await lab.get(url), 404, 'record.not_found');
      problem(assert, await lab.patch(url, { note: '越权修改' }, { headers: { 'If-Match': '"v1"' } }), 404, 'record.not_found');
      problem(assert, await lab.del(url, { headers: { 'If-Match': '"v1"' } }), 404, 'record.not_found');
      const g = await admin.get(url);
      assert.equal(g.json.version, 1);
      assert.equal(g.json.note, null);
    }
    // the same 404 as a record that does not exist, so ids do not leak
    const ghost = await lab.get('/api/v1/entities/99999');
    assert.equal(ghost.status, 404);
    assert.equal(ghost.json.code, 'record.not_found');
  });

  test('it cannot write into or move records to another department (403 auth.forbidden_dept)', async () => {
    const c = problem(assert, await lab.post('/api/v1/entities', { name: '塞给法院', kind: 'other', dept: '310104-court' }), 403, 'auth.forbidden_dept');
    assert.equal(c.message_zh, '无权限：只能操作本部门（310104-testlab）的记录');
    assert.equal(c.message_en, 'Forbidden: you may only write records of your own department (310104-testlab)');
    const cur = await lab.get(`/api/v1/entities/${ids.own}`);
    problem(assert, await lab.patch(`/api/v1/entities/${ids.own}`, { dept: '310104-court' }, { headers: { 'If-Match': cur.headers.etag } }), 403, 'auth.forbidden_dept');
    const after = await admin.get(`/api/v1/entities/${ids.own}`);
    assert.equal(after.json.dept, '310104-testlab');
    assert.equal(after.json.version, cur.json.version);
    assert.equal((await admin.get('/api/v1/entities?dept=310104-court&count=true')).json.total, 1);
  });

  test('it cannot create users or departments (403)', async () => {
    const u = problem(
      assert,
      await lab.post('/api/v1/users', { name: 'sneaky', display_name: '偷偷', role: 'admin', dept: '310104-testlab', password: 'sneaky-pw-1' }),
      403,
      'auth.forbidden',
    );
    assert.equal(u.message_zh, '无权限：部门工作人员角色不能修改“用户”');
    assert.equal(u.message_en, 'Forbidden: the Department staff role may not write User');
    problem(assert, await lab.patch(`/api/v1/users/${ids.user}`, { role: 'admin', version: 1 }), 403, 'auth.forbidden');
    problem(assert, await lab.post('/api/v1/departments', { code: 'rogue', name_zh: '流氓部门', kind: 'other' }), 403, 'auth.forbidden');
    problem(assert, await lab.post('/api/v1/regions', { code: '310105', name_zh: '长宁区', level: 'district' }), 403, 'auth.forbidden');
    assert.equal((await admin.get('/api/v1/users?name=sneaky&count=true')).json.total, 0);
    assert.equal((await admin.get(`/api/v1/users/${ids.user}`)).json.role, 'dept');
  });

  test('it cannot read the audit log (403)', async () => {
    const a = problem(assert, await lab.get('/api/v1/audit'), 403, 'auth.forbidden');
    assert.equal(a.message_zh, '无权限：仅系统管理员可访问');
    assert.equal(a.message_en, 'Forbidden: administrators only');
    problem(assert, await lab.get('/api/v1/audit/verify'), 403, 'auth.forbidden');
    problem(assert, await srv.request('GET', '/api/v1/audit'), 401, 'auth.required');
  });

  test('the audit log has every write, by the right user; the chain verifies (API and CLI, server running)', async () => {
    const a = { json: { items: [] } };
    for (let cursor = null, i = 0; i < 100; i++) {
      const r = await admin.get(`/api/v1/audit?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      a.json.items.push(...r.json.items);
      cursor = r.json.next_cursor;
      if (!cursor) break;
    }
    const mine = a.json.items.filter((i) => i.type === 'entity').map((i) => [i.action, i.record_id, i.user]);
    assert.deepEqual(mine, [
      ['create', ids.own2, 'lab-staff'],
      ['update', ids.own, 'lab-staff'],
      ['create', ids.ipa, 'admin'],
      ['create', ids.other, 'admin'],
      ['create', ids.own, 'admin'],
    ]);
    const upd = a.json.items.find((i) => i.action === 'update' && i.record_id === ids.own);
    assert.equal(upd.before.address, null);
    assert.equal(upd.after.address, '徐汇区虹漕路 88 号');
    const user = a.json.items.find((i) => i.type === 'user' && i.action === 'create' && i.record_id === ids.user);
    assert.ok(user, 'user creation audited');
    assert.ok(!JSON.stringify(user).includes('Lab-staff-pw-1') && !('password_hash' in user.after), 'no password in the audit');
    const seqs = a.json.items.map((i) => i.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x), 'newest first');
    assert.equal(seqs.at(-1), 1);

    const v = await admin.get('/api/v1/audit/verify');
    assert.deepEqual(v.json, { ok: true, entries: seqs[0] });
    // the CLI, concurrently with the running server
    const r = await cliAsync(srv.db, ['audit', 'verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `审计链完整：${seqs[0]} 条记录 / audit chain intact: ${seqs[0]} entries`);
  });

  test('after the server stops, audit verify still exits 0; a hand-edited row makes it exit 1', async () => {
    await expectCleanExit(srv);
    const ok = cli(srv.db, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);

    // the triggers stop casual edits
    assert.throws(() => dbsql(srv.db, "UPDATE audit_log SET after_json='{}' WHERE seq=3;"), /append-only/);
    assert.equal(cli(srv.db, ['audit', 'verify']).code, 0);

    dropAuditGuards(srv.db, 'update');
    dbsql(srv.db, "UPDATE audit_log SET after_json='{}' WHERE seq=3;");
    const bad = cli(srv.db, ['audit', 'verify']);
    assert.equal(bad.code, 1, bad.stdout);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /审计链校验失败：第 3 条记录被篡改/);
    assert.match(bad.stderr, /Audit chain verification failed: entry 3 has been altered/);
  });
});

describe('role matrix', () => {
  let srv, admin;
  const c = {};
  const ids = {};

  before(async () => {
    srv = await startServer();
    admin = srv.tokenFor('admin');
    const mk = async (body) => {
      const r = await admin.post('/api/v1/entities', body);
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    ids.court = await mk({ name: '法院主体', kind: 'other', dept: '310104-court' });
    ids.stc = await mk({ name: '科委主体', kind: 'institute', dept: '310104-stc' });
    ids.fin = await mk({ name: '金融办主体', kind: 'enterprise', dept: '310104-finance' });
    srv.addUser('bu', 'bureau', '310104-ipa', 'bureau-pw-1');
    srv.addUser('ent', 'enterprise', '310104-stc', 'enterprise-pw-1');
    srv.addUser('agy', 'agency', '310104-finance', 'agency-pw-1');
    srv.addUser('dep', 'dept', '310104-court', 'dept-pw-1');
    for (const n of ['bu', 'ent', 'agy', 'dep']) c[n] = srv.tokenFor(n);
  });
  after(async () => {
    await srv?.close();
  });

  test('bureau: reads and writes every entity, but not users, departments or the audit', async () => {
    const l = await c.bu.get('/api/v1/entities?count=true');
    assert.equal(l.json.total, 3);
    const p = await c.bu.patch(`/api/v1/entities/${ids.court}`, { note: '局里核对过', version: 1 });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.dept, '310104-court');
    const cr = await c.bu.post('/api/v1/entities', { name: '局代科委登记', kind: 'enterprise', dept: '310104-stc' });
    assert.equal(cr.status, 201, cr.text);
    assert.equal(cr.json.dept, '310104-stc');
    ids.stc2 = cr.json.id;
    const d = await c.bu.del(`/api/v1/entities/${ids.fin}`, { headers: { 'If-Match': '"v1"' } });
    assert.equal(d.status, 204);
    // reads all departments and users, writes none
    assert.equal((await c.bu.get('/api/v1/departments?count=true')).json.total, 16);
    assert.ok((await c.bu.get('/api/v1/users?count=true')).json.total >= 5);
    problem(assert, await c.bu.post('/api/v1/users', { name: 'x1', display_name: 'x', role: 'dept', dept: '310104-stc', password: 'password-1' }), 403, 'auth.forbidden');
    problem(assert, await c.bu.post('/api/v1/departments', { code: 'x-dept', name_zh: 'x', kind: 'other' }), 403, 'auth.forbidden');
    problem(assert, await c.bu.get('/api/v1/audit'), 403, 'auth.forbidden');
  });

  test('enterprise: its own department, read and write', async () => {
    const l = await c.ent.get('/api/v1/entities');
    assert.deepEqual(l.json.items.map((x) => x.id).sort(), [ids.stc, ids.stc2].sort());
    const p = await c.ent.patch(`/api/v1/entities/${ids.stc}`, { phone: '021-6400', version: 1 });
    assert.equal(p.status, 200, p.text);
    problem(assert, await c.ent.get(`/api/v1/entities/${ids.court}`), 404, 'record.not_found');
    problem(assert, await c.ent.post('/api/v1/entities', { name: 'x', kind: 'other', dept: '310104-court' }), 403, 'auth.forbidden_dept');
    problem(assert, await c.ent.post('/api/v1/users', { name: 'x2', display_name: 'x', role: 'dept', dept: '310104-stc', password: 'password-1' }), 403, 'auth.forbidden');
    problem(assert, await c.ent.get('/api/v1/audit/verify'), 403, 'auth.forbidden');
    // enterprises see only their own department and users
    assert.deepEqual((await c.ent.get('/api/v1/departments')).json.items.map((x) => x.code), ['310104-stc']);
    assert.deepEqual((await c.ent.get('/api/v1/users')).json.items.map((x) => x.name), ['ent']);
    const court = (await admin.get('/api/v1/departments?code=310104-court')).json.items[0];
    problem(assert, await c.ent.get(`/api/v1/departments/${court.id}`), 404, 'record.not_found');
  });

  test('agency: reads its own department, writes nothing', async () => {
    const own = await admin.post('/api/v1/entities', { name: '金融办新主体', kind: 'agency', dept: '310104-finance' });
    assert.equal(own.status, 201);
    const l = await c.agy.get('/api/v1/entities');
    assert.deepEqual(l.json.items.map((x) => x.id), [own.json.id]);
    const g = await c.agy.get(`/api/v1/entities/${own.json.id}`);
    assert.equal(g.status, 200);
    const p = problem(assert, await c.agy.patch(`/api/v1/entities/${own.json.id}`, { note: 'x', version: 1 }), 403, 'auth.forbidden');
    assert.equal(p.message_zh, '无权限：服务机构用户角色不能修改“市场主体”');
    problem(assert, await c.agy.post('/api/v1/entities', { name: '机构登记', kind: 'agency' }), 403, 'auth.forbidden');
    problem(assert, await c.agy.del(`/api/v1/entities/${own.json.id}`, { headers: { 'If-Match': '"v1"' } }), 403, 'auth.forbidden');
    problem(assert, await c.agy.post('/api/v1/entities/import?filename=a.csv', '名称,主体类型\r\n机构导入,企业\r\n'), 403, 'auth.forbidden');
    problem(assert, await c.agy.get('/api/v1/entities/template'), 404, 'not_found');
    assert.equal((await admin.get(`/api/v1/entities/${own.json.id}`)).json.version, 1);
  });

  test('dept: sees its own department, 404 elsewhere', async () => {
    const l = await c.dep.get('/api/v1/entities');
    assert.deepEqual(l.json.items.map((x) => x.id), [ids.court]);
    problem(assert, await c.dep.get(`/api/v1/entities/${ids.stc}`), 404, 'record.not_found');
    problem(assert, await c.dep.patch(`/api/v1/entities/${ids.stc}`, { note: 'x', version: 2 }), 404, 'record.not_found');
  });

  test('public: regions only; every write needs a login', async () => {
    assert.equal((await srv.request('GET', '/api/v1/regions')).status, 200);
    problem(assert, await srv.request('GET', '/api/v1/entities'), 403, 'auth.forbidden');
    problem(assert, await srv.request('GET', `/api/v1/entities/${ids.court}`), 403, 'auth.forbidden');
    problem(assert, await srv.request('GET', '/api/v1/entities/export'), 403, 'auth.forbidden');
    problem(assert, await srv.request('GET', '/api/v1/entities/template'), 401, 'auth.required');
    problem(assert, await srv.request('POST', '/api/v1/entities', { body: { name: 'x', kind: 'other' } }), 401, 'auth.required');
    problem(assert, await srv.request('PATCH', `/api/v1/entities/${ids.court}`, { body: { note: 'x', version: 2 } }), 401, 'auth.required');
    problem(assert, await srv.request('DELETE', `/api/v1/entities/${ids.court}`, { headers: { 'If-Match': '"v2"' } }), 401, 'auth.required');
    problem(assert, await srv.request('POST', '/api/v1/entities/import', { body: 'x' }), 401, 'auth.required');
  });

  test('a role change takes effect at once (roles are read per request)', async () => {
    const u = (await admin.get('/api/v1/users?name=dep')).json.items[0];
    const p = await admin.patch(`/api/v1/users/${u.id}`, { role: 'bureau', version: u.version });
    assert.equal(p.status, 200, p.text);
    const l = await c.dep.get('/api/v1/entities?count=true');
    assert.equal(l.json.total, 4);
  });

  test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});
