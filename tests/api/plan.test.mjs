// plan.test.mjs - the work plan over HTTP: the seed plan of the demo region,
// a department reports on its key task and the IP bureau accepts it, another
// department can neither see nor edit the report, attachments, the overdue
// list, progress (JSON, XLSX, PDF), the annual assessment, plan documents.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, problem, expectCleanExit } from './harness.mjs';

const enc = encodeURIComponent;

describe('plan: report, review, overdue, progress', () => {
  let srv, admin, court, police, bureau, bureau2, ent;
  const ids = {};

  before(async () => {
    srv = await startServer();
    admin = await srv.login('admin', srv.adminPassword);
    srv.addUser('court-staff', 'dept', '310104-court', 'Court-staff-pw-1');
    srv.addUser('police-staff', 'dept', '310104-police', 'Police-staff-pw-1');
    srv.addUser('ipa-staff', 'bureau', '310104-ipa', 'Ipa-staff-pw-1');
    srv.addUser('ipa-staff2', 'bureau', '310104-ipa', 'Ipa-staff-pw-2');
    srv.addUser('ent-user', 'enterprise', '310104-ipa', 'Ent-user-pw-1');
    court = await srv.login('court-staff', 'Court-staff-pw-1');
    police = await srv.login('police-staff', 'Police-staff-pw-1');
    bureau = await srv.login('ipa-staff', 'Ipa-staff-pw-1');
    bureau2 = await srv.login('ipa-staff2', 'Ipa-staff-pw-2');
    ent = await srv.login('ent-user', 'Ent-user-pw-1');
  });
  after(async () => {
    await srv?.close();
  });

  test('the demo region has the seed plan: 16 targets and 15 key tasks with their departments', async () => {
    const plans = await bureau.get('/api/v1/plans');
    assert.equal(plans.status, 200, plans.text);
    assert.equal(plans.json.items.length, 1);
    const plan = plans.json.items[0];
    assert.equal(plan.region_code, '310104');
    assert.equal(plan.period_end, '2025-12-31');
    ids.plan = plan.id;
    const targets = await bureau.get(`/api/v1/plan_targets?plan=${ids.plan}&limit=100&sort=code`);
    assert.equal(targets.json.items.length, 16);
    const byCode = Object.fromEntries(targets.json.items.map((t) => [t.code, t]));
    assert.equal(byCode.T02.target_value, 140);
    assert.equal(byCode.T02.indicator, 'valid_invention_per10k');
    assert.deepEqual(byCode.T11.departments, ['310104-org', '310104-hrss', '310104-ipa']);
    assert.equal(byCode.T16.target_value, null);
    const tasks = await court.get(`/api/v1/plan_tasks?plan=${ids.plan}&code=${enc('三（一）1')}`);
    assert.equal(tasks.status, 200, tasks.text);
    assert.equal(tasks.json.items.length, 1);
    assert.deepEqual(tasks.json.items[0].departments, ['310104-court', '310104-procuratorate', '310104-police', '310104-ipa', '310104-culture']);
    ids.task = tasks.json.items[0].id;
    // enterprises do not see the plan
    problem(assert, await ent.get('/api/v1/plans'), 403, 'auth.forbidden');
    problem(assert, await ent.get(`/api/v1/plans/${ids.plan}/progress`), 403, 'auth.forbidden');
  });

  test('a department writes its report; another department neither sees nor edits it', async () => {
    const r = await court.post('/api/v1/task_reports', {
      task: ids.task,
      period: '2025-q3',
      text: '三季度查办侵犯商业秘密案件 2 件',
      figures: { T01: 2 },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.dept, '310104-court');
    assert.equal(r.json.status, 'draft');
    assert.equal(r.json.period, '2025-Q3');
    ids.report = r.json.id;
    ids.etag = r.headers.etag;
    const url = `/api/v1/task_reports/${ids.report}`;
    problem(assert, await police.get(url), 404, 'record.not_found');
    problem(assert, await police.patch(url, { text: '越权修改' }, { headers: { 'If-Match': ids.etag } }), 404, 'record.not_found');
    problem(assert, await police.patch(url, { status: 'submitted' }, { headers: { 'If-Match': ids.etag } }), 404, 'record.not_found');
    problem(assert, await police.del(url, { headers: { 'If-Match': ids.etag } }), 404, 'record.not_found');
    const pl = await police.get('/api/v1/task_reports?count=true');
    assert.equal(pl.json.total, 0);
    // nor can it report for a task it is not responsible for, or in another's name
    const other = await police.post('/api/v1/task_reports', { task: ids.task, period: '2025-Q3', dept: '310104-court' });
    assert.equal(other.status, 403, other.text);
    const stcTask = (await police.get(`/api/v1/plan_tasks?code=${enc('三（二）2')}`)).json.items[0].id;
    problem(assert, await police.post('/api/v1/task_reports', { task: stcTask, period: '2025-Q3' }), 403, 'plan.not_responsible');
    // the report is unchanged
    const g = await court.get(url);
    assert.equal(g.json.version, 1);
    assert.equal(g.json.text, '三季度查办侵犯商业秘密案件 2 件');
  });

  test('attachments: upload, download, the other department cannot read them', async () => {
    const body = Buffer.from('案件清单\n(2025)沪0104民初100号\n', 'utf8');
    const up = await court.req('POST', `/api/v1/task_reports/${ids.report}/attachments?filename=${enc('案件清单.txt')}`, {
      body,
      headers: { 'If-Match': ids.etag, 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(up.status, 201, up.text);
    assert.equal(up.json.attachments.length, 1);
    const att = up.json.attachments[0];
    assert.equal(att.name, '案件清单.txt');
    assert.equal(att.size, body.length);
    assert.match(att.sha256, /^[0-9a-f]{64}$/);
    ids.sha = att.sha256;
    ids.etag = up.headers.etag;
    const dl = await court.get(`/api/v1/task_reports/${ids.report}/attachments/${att.sha256}`);
    assert.equal(dl.status, 200);
    assert.deepEqual(dl.buf, body);
    assert.match(dl.headers['content-disposition'], /filename\*=UTF-8''%E6%A1%88/);
    problem(assert, await police.get(`/api/v1/task_reports/${ids.report}/attachments/${att.sha256}`), 404, 'record.not_found');
    // writes need the version; the attachment field is not writable directly
    problem(assert, await court.req('POST', `/api/v1/task_reports/${ids.report}/attachments?filename=x.txt`, { body: Buffer.from('x') }), 428, 'precondition.required');
    const direct = await court.patch(`/api/v1/task_reports/${ids.report}`, { attachments: [] }, { headers: { 'If-Match': ids.etag } });
    assert.equal(direct.status, 422, direct.text);
  });

  test('the department submits; only the IP bureau accepts, and then the report is final', async () => {
    const url = `/api/v1/task_reports/${ids.report}`;
    const s = await court.patch(url, { status: 'submitted' }, { headers: { 'If-Match': ids.etag } });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.status, 'submitted');
    assert.equal(s.json.submitted_by, 'court-staff');
    problem(assert, await court.patch(url, { status: 'accepted' }, { headers: { 'If-Match': s.headers.etag } }), 403, 'plan.review_forbidden');
    problem(assert, await court.patch(url, { text: '再改' }, { headers: { 'If-Match': s.headers.etag } }), 409, 'plan.transition');
    const ret = problem(assert, await bureau.patch(url, { status: 'returned' }, { headers: { 'If-Match': s.headers.etag } }), 422, 'validation.failed');
    assert.equal(ret.errors[0].field, 'review_comment');
    const a = await bureau.patch(url, { status: 'accepted', review_comment: '同意 / accepted' }, { headers: { 'If-Match': s.headers.etag } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.status, 'accepted');
    assert.equal(a.json.reviewed_by, 'ipa-staff');
    problem(assert, await court.patch(url, { text: '再改' }, { headers: { 'If-Match': a.headers.etag } }), 409, 'plan.transition');
    problem(assert, await court.del(url, { headers: { 'If-Match': a.headers.etag } }), 409, 'plan.transition');
    // the bureau's own report is reviewed by another colleague, not its author
    const own = await bureau.post('/api/v1/task_reports', { task: ids.task, period: '2025-Q3', status: 'submitted', figures: { T01: 1 } });
    assert.equal(own.status, 201, own.text);
    problem(assert, await bureau.patch(`/api/v1/task_reports/${own.json.id}`, { status: 'accepted' }, { headers: { 'If-Match': own.headers.etag } }), 403, 'plan.review_self');
    const ok = await bureau2.patch(`/api/v1/task_reports/${own.json.id}`, { status: 'accepted' }, { headers: { 'If-Match': own.headers.etag } });
    assert.equal(ok.status, 200, ok.text);
  });

  test('progress counts the accepted figures, as JSON, XLSX and PDF', async () => {
    const p = await police.get(`/api/v1/plans/${ids.plan}/progress?date=2025-10-01`);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.as_of, '2025-10-01');
    assert.equal(p.json.targets.length, 16);
    const t01 = p.json.targets.find((t) => t.code === 'T01');
    assert.equal(t01.current.value, 3); // court 2 + bureau 1
    assert.equal(t01.current.source, 'reports');
    assert.equal(t01.target.value, 15);
    assert.equal(t01.percent, 20);
    assert.ok(['on_track', 'at_risk', 'off_track'].includes(t01.status));
    assert.equal(typeof t01.status_zh, 'string');
    assert.equal(p.json.targets.find((t) => t.code === 'T16').status, 'unquantified');
    const sum = p.json.summary;
    assert.equal(sum.on_track + sum.at_risk + sum.off_track + sum.no_data + sum.unquantified, 16);
    const x = await bureau.get(`/api/v1/plans/${ids.plan}/progress?date=2025-10-01&format=xlsx`);
    assert.equal(x.status, 200);
    assert.match(x.headers['content-type'], /spreadsheetml/);
    assert.equal(x.buf.subarray(0, 2).toString(), 'PK');
    const pdf = await bureau.get(`/api/v1/plans/${ids.plan}/progress?date=2025-10-01&format=pdf`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.buf.subarray(0, 5).toString(), '%PDF-');
    problem(assert, await bureau.get(`/api/v1/plans/${ids.plan}/progress?format=doc`), 400, 'query.format');
    problem(assert, await bureau.get(`/api/v1/plans/${ids.plan}/progress?date=2025-13-01`), 400, 'query.value');
    problem(assert, await bureau.get('/api/v1/plans/999/progress'), 404, 'record.not_found');
  });

  test('overdue: periods that ended without a submitted report; a department sees its own', async () => {
    const o = await bureau.get(`/api/v1/plans/${ids.plan}/overdue?date=2025-10-01&dept=310104-court&limit=1000`);
    assert.equal(o.status, 200, o.text);
    // court: 5 quarterly tasks x 15 quarters (2022-Q1 .. 2025-Q3), one submitted
    assert.equal(o.json.total, 74);
    assert.ok(o.json.items.every((i) => i.dept === '310104-court'));
    assert.ok(!o.json.items.some((i) => i.task === ids.task && i.period === '2025-Q3'));
    assert.ok(o.json.items.some((i) => i.task === ids.task && i.period === '2025-Q2'));
    assert.equal(o.json.items[0].period, '2022-Q1');
    const mine = await police.get(`/api/v1/plans/${ids.plan}/overdue?date=2025-10-01&dept=310104-court`);
    assert.equal(mine.status, 200);
    assert.ok(mine.json.total > 0);
    assert.ok(mine.json.items.every((i) => i.dept === '310104-police'));
    const page = await bureau.get(`/api/v1/plans/${ids.plan}/overdue?date=2025-10-01&limit=5&offset=5`);
    assert.equal(page.json.items.length, 5);
    assert.equal(page.json.offset, 5);
    assert.ok(page.json.total > 74);
  });

  test('annual assessment: ranked score sheets; a department sees its own', async () => {
    const a = await bureau.get(`/api/v1/plans/${ids.plan}/assessment?year=2025`);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.year, 2025);
    assert.equal(a.json.assessed, 16);
    assert.equal(a.json.departments.length, 16);
    assert.equal(a.json.weights.targets, 40);
    const ranks = a.json.departments.map((d) => d.rank).filter((r) => r !== null);
    assert.deepEqual(ranks, [...ranks].sort((x, y) => x - y));
    const c = await court.get(`/api/v1/plans/${ids.plan}/assessment?year=2025`);
    assert.equal(c.json.departments.length, 1);
    assert.equal(c.json.departments[0].dept, '310104-court');
    for (const f of ['xlsx', 'pdf']) {
      const r = await bureau.get(`/api/v1/plans/${ids.plan}/assessment?year=2025&format=${f}`);
      assert.equal(r.status, 200);
      assert.ok(r.buf.length > 1000);
    }
    problem(assert, await bureau.get(`/api/v1/plans/${ids.plan}/assessment`), 400, 'query.value');
    problem(assert, await bureau.get(`/api/v1/plans/${ids.plan}/assessment?year=2031`), 422, 'plan.year');
  });

  test('supervision: the bureau records it, the department answers with its follow-up', async () => {
    const s = await bureau.post('/api/v1/supervisions', {
      plan: ids.plan,
      task: ids.task,
      date: '2025-10-10',
      department: '310104-court',
      findings: '二季度报告未报送',
      requirements: '10 月底前补报',
    });
    assert.equal(s.status, 201, s.text);
    assert.equal(s.json.dept, '310104-court');
    const f = await court.patch(`/api/v1/supervisions/${s.json.id}`, { follow_up: '已补报', follow_up_status: 'rectified' }, { headers: { 'If-Match': s.headers.etag } });
    assert.equal(f.status, 200, f.text);
    problem(assert, await court.patch(`/api/v1/supervisions/${s.json.id}`, { findings: '改写' }, { headers: { 'If-Match': f.headers.etag } }), 403, 'plan.supervision_fields');
    problem(assert, await police.get(`/api/v1/supervisions/${s.json.id}`), 404, 'record.not_found');
    problem(assert, await court.post('/api/v1/supervisions', { date: '2025-10-10', department: '310104-court', findings: 'x' }), 403, 'plan.supervision_forbidden');
  });

  test('plan documents: exported, loaded for another plan, refused to departments', async () => {
    const d = await bureau.get(`/api/v1/plans/${ids.plan}/document`);
    assert.equal(d.status, 200);
    assert.equal(d.json.targets.length, 16);
    assert.equal(d.json.tasks.length, 15);
    const again = await bureau.post('/api/v1/plans/load', d.json);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.plan_id, ids.plan);
    assert.equal(again.json.created, 0);
    assert.equal(again.json.updated, 0);
    const doc = { ...d.json, plan: { ...d.json.plan, name: '徐汇区知识产权工作方案（2026—2030年）', period_start: '2026-01-01', period_end: '2030-12-31' } };
    doc.targets = doc.targets.map((t) => ({ ...t, target_date: '2030-12-31' }));
    const created = await bureau.post('/api/v1/plans/load', doc);
    assert.equal(created.status, 200, created.text);
    assert.notEqual(created.json.plan_id, ids.plan);
    assert.equal(created.json.created, 1 + 16 + 15 + 1);
    problem(assert, await court.post('/api/v1/plans/load', doc), 403, 'auth.forbidden');
    const bad = await bureau.post('/api/v1/plans/load', { plan: { name: 'x' } });
    assert.equal(bad.status, 422, bad.text);
  });

  test('the server stops cleanly (no sanitizer report after the PDF and XLSX work)', async () => {
    await expectCleanExit(srv);
  });
});
