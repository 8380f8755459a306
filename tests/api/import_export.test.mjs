// import_export.test.mjs - templates, CSV/XLSX export, and all-or-nothing
// CSV/XLSX import (UTF-8 and GB18030), with row/column/field error reports.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectCleanExit, problem, gb18030, usccN } from './harness.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = srv.tokenFor('admin');
});
after(async () => {
  await srv?.close();
});

const BOM = '\ufeff';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function csvCell(v) {
  const s = v == null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function csv(rows) {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
/* A minimal RFC 4180 parser for the exports. */
function parseCsv(text) {
  if (text.startsWith(BOM)) text = text.slice(1);
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

async function entityCount(client = admin) {
  return (await client.get('/api/v1/entities?count=true&limit=1')).json.total;
}
async function importFile(name, body, client = admin) {
  return client.post(`/api/v1/entities/import?filename=${encodeURIComponent(name)}`, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
}
/* The documented fields of an import report (it may carry more). */
const REPORT = ['file', 'rows', 'created', 'updated', 'unchanged', 'encoding'];
function report(r) {
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(REPORT.map((k) => [k, r.json[k]]));
}

/* The import files below use these columns (a subset of the template's). */
const HEADER_ZH = ['名称', '英文名称', '统一社会信用代码', '主体类型', '地址', '所在区划', '法定代表人', '成立日期', '联系电话', '备注', '所属部门'];

/* Template and export columns follow the type's description: the settable
 * fields' labels (+ 所属部门) for templates; 编号, the visible fields,
 * 所属部门, 更新时间 for exports. */
async function columns(lang) {
  const meta = (await admin.get('/api/v1/meta/types/entities')).json;
  const label = (f) => (lang === 'en' ? f.en : f.zh);
  const template = [...meta.fields.filter((f) => !f.readonly).map(label), lang === 'en' ? 'Department' : '所属部门'];
  const exp = [lang === 'en' ? 'ID' : '编号', ...meta.fields.filter((f) => !f.writeonly).map(label), ...(lang === 'en' ? ['Department', 'Updated at'] : ['所属部门', '更新时间'])];
  return { template, export: exp };
}

describe('templates', () => {
  test('the CSV template is a UTF-8 BOM and the Chinese (or English) header', async () => {
    const r = await admin.get('/api/v1/entities/template');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(r.headers['content-disposition'], 'attachment; filename="entities-template.csv"');
    const zh = await columns('zh');
    assert.equal(r.text, BOM + zh.template.join(',') + '\r\n');
    for (const h of HEADER_ZH) assert.ok(zh.template.includes(h), h);
    const en = await admin.get('/api/v1/entities/template?format=csv', { headers: { 'Accept-Language': 'en' } });
    const enCols = await columns('en');
    assert.equal(en.text, BOM + enCols.template.join(',') + '\r\n');
    for (const h of ['Name', 'Unified social credit code', 'Kind', 'Department']) assert.ok(enCols.template.includes(h), h);
  });

  test('the XLSX template is a ZIP file', async () => {
    const r = await admin.get('/api/v1/entities/template?format=xlsx');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], XLSX_TYPE);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="entities-template.xlsx"');
    assert.deepEqual([...r.buf.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
    problem(assert, await admin.get('/api/v1/entities/template?format=ods'), 400, 'query.format');
  });
});

describe('import', () => {
  const good = [
    HEADER_ZH,
    ['徐汇导入一号有限公司', 'Xuhui Import One Ltd.', usccN(1), '企业', '徐汇区漕宝路 1 号', '310104', '赵一', '2021/6/1', '021-1', '含逗号, 和 "引号"', ''],
    ['徐汇导入大学', '', usccN(2), 'university', '', '', '', '2019-09-10', '', '第一行\n第二行', ''],
    ['徐汇导入研究所', '', usccN(3), 'Research institute', '', '110108', '', '', '', '', '310104-ipa'],
  ];

  test('a valid CSV lands whole: report, values converted from labels', async () => {
    const before = await entityCount();
    const r = await importFile('导入-good.csv', csv(good));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(report(r), { file: '导入-good.csv', rows: 3, created: 3, updated: 0, unchanged: 0, encoding: 'UTF-8' });
    assert.equal(await entityCount(), before + 3);
    const one = (await admin.get(`/api/v1/entities?uscc=${usccN(1)}`)).json.items[0];
    assert.deepEqual(
      [one.name, one.name_en, one.kind, one.address, one.region_code, one.legal_rep, one.established, one.phone, one.note, one.dept, one.created_by],
      ['徐汇导入一号有限公司', 'Xuhui Import One Ltd.', 'enterprise', '徐汇区漕宝路 1 号', '310104', '赵一', '2021-06-01', '021-1', '含逗号, 和 "引号"', '310104-ipa', 'admin'],
    );
    const two = (await admin.get(`/api/v1/entities?uscc=${usccN(2)}`)).json.items[0];
    assert.deepEqual([two.kind, two.name_en, two.address, two.established, two.note], ['university', null, null, '2019-09-10', '第一行\n第二行']);
    const three = (await admin.get(`/api/v1/entities?uscc=${usccN(3)}`)).json.items[0];
    assert.equal(three.kind, 'institute');
    const audit = await admin.get('/api/v1/audit?type=entity&limit=1');
    assert.equal(audit.json.items[0].action, 'import');
    const after = audit.json.items[0].after;
    assert.deepEqual([after.file, after.rows, after.created, after.updated, after.unchanged], ['导入-good.csv', 3, 3, 0, 0]);
  });

  test('importing again matches rows by key: unchanged, then one updated', async () => {
    const again = await importFile('good-again.csv', csv(good));
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(report(again), { file: 'good-again.csv', rows: 3, created: 0, updated: 0, unchanged: 3, encoding: 'UTF-8' });
    const changed = good.map((r) => [...r]);
    changed[2][4] = '徐汇区华山路 1954 号';
    const up = await importFile('good-changed.csv', csv(changed));
    assert.deepEqual(report(up), { file: 'good-changed.csv', rows: 3, created: 0, updated: 1, unchanged: 2, encoding: 'UTF-8' });
    const two = (await admin.get(`/api/v1/entities?uscc=${usccN(2)}`)).json.items[0];
    assert.equal(two.address, '徐汇区华山路 1954 号');
    assert.equal(two.version, 2);
  });

  test('one bad row rejects the whole file, reporting row, column and field; nothing changes', async () => {
    const before = await entityCount();
    const rows = [
      HEADER_ZH,
      ['坏文件好行一', '', usccN(11), '企业', '', '', '', '', '', '', ''],
      ['坏文件好行二', '', usccN(12), '高校', '', '', '', '', '', '', ''],
      ['坏文件坏行', '', '91110000802100433C', '企业', '', '', '', '', '', '', ''],
      ['坏文件好行三', '', usccN(13), '企业', '', '', '', '', '', '', ''],
    ];
    const r = await importFile('uploads/bad.csv', csv(rows));
    const p = problem(assert, r, 422, 'import.rejected');
    assert.equal(p.file, 'bad.csv');
    assert.equal(p.message_zh, '文件“bad.csv”未导入：发现 1 处错误，数据库未作任何修改');
    assert.equal(p.message_en, 'File "bad.csv" was not imported: 1 problems found; nothing was changed');
    assert.equal(p.errors.length, 1, JSON.stringify(p.errors));
    const e = p.errors[0];
    assert.deepEqual([e.row, e.column, e.field, e.code], [4, 3, 'uscc', 'validation.uscc_check']);
    assert.match(e.message_zh, /^第 4 行/);
    assert.ok(e.message_zh.endsWith('字段“统一社会信用代码”：统一社会信用代码校验位错误：应为 B，实际为 C'), e.message_zh);
    assert.match(e.message_en, /^Row 4\b/);
    assert.equal(await entityCount(), before);
    for (const n of [11, 12, 13]) assert.equal((await admin.get(`/api/v1/entities?uscc=${usccN(n)}&count=true`)).json.total, 0);
    const audit = await admin.get('/api/v1/audit?limit=1');
    assert.notEqual(audit.json.items[0].after?.file, 'bad.csv');
  });

  test('every problem of every row is reported; a failing update rolls back too', async () => {
    const before = await entityCount();
    const rows = [
      HEADER_ZH,
      ['', '', usccN(21), '公司', '', '99', '', '2021-02-30', '', '', ''],
      ['更新会被撤销', '', usccN(1), '企业', '新地址（应被撤销）', '', '', '', '', '', ''],
      ['新建会被撤销', '', usccN(22), '企业', '', '', '', '', '', '', ''],
      ['电话太长', '', usccN(23), '企业', '', '', '', '', '1'.repeat(41), '', ''],
    ];
    const p = problem(assert, await importFile('many.csv', csv(rows)), 422, 'import.rejected');
    const byPlace = (a, b) => a[0] - b[0] || a[1] - b[1];
    assert.deepEqual(
      p.errors.map((e) => [e.row, e.column ?? null, e.field ?? null, e.code]).sort(byPlace),
      [
        [2, 1, 'name', 'validation.required'],
        [2, 4, 'kind', 'validation.enum'],
        [2, 6, 'region_code', 'validation.region_code'],
        [2, 8, 'established', 'validation.date'],
        [5, 9, 'phone', 'validation.too_long'],
      ],
    );
    assert.equal(p.message_en, 'File "many.csv" was not imported: 5 problems found; nothing was changed');
    assert.equal(await entityCount(), before);
    assert.equal((await admin.get(`/api/v1/entities?uscc=${usccN(22)}&count=true`)).json.total, 0, 'the create of row 4 was rolled back');
    const one = (await admin.get(`/api/v1/entities?uscc=${usccN(1)}`)).json.items[0];
    assert.equal(one.address, '徐汇区漕宝路 1 号', 'the update of row 3 was rolled back');
    assert.equal(one.version, 1);
  });

  test('an error in the 所属部门 (department) column carries its row, column and field', async () => {
    const before = await entityCount();
    const p = problem(
      assert,
      await importFile('dept.csv', `名称,主体类型,统一社会信用代码,所属部门\r\n部门不存在,企业,${usccN(24)},no-such-dept\r\n`),
      422,
      'import.rejected',
    );
    assert.deepEqual(
      p.errors.map((e) => [e.row, e.column ?? null, e.field ?? null, e.code]),
      [[2, 4, 'dept', 'validation.reference']],
    );
    assert.equal(await entityCount(), before);
  });

  test('unknown and missing columns are reported on row 1', async () => {
    const p = problem(assert, await importFile('cols.csv', '名称,颜色,Phone\r\n某企业,红,021\r\n'), 422, 'import.rejected');
    assert.deepEqual(
      p.errors.map((e) => [e.row, e.column ?? null, e.field ?? null, e.code]),
      [
        [1, 2, null, 'import.unknown_column'],
        [1, null, 'kind', 'import.missing_column'],
      ],
    );
    assert.equal(p.errors[0].message_zh, '第 1 行第 2 列：无法识别的列名“颜色”');
    assert.equal(p.errors[1].message_en, 'Missing required column "Kind"');
    // headers may be field names or English labels, any case
    const r = await importFile('names.csv', `name,KIND,uscc\r\n英文表头企业,enterprise,${usccN(31)}\r\n`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.created, 1);
  });

  test('a CSV syntax error is reported with its row and column', async () => {
    const before = await entityCount();
    const p = problem(assert, await importFile('syntax.csv', `名称,主体类型\r\n好行,企业\r\n"没有闭合的引号,企业\r\n`), 422, 'import.rejected');
    assert.equal(p.errors.length, 1);
    assert.equal(p.errors[0].code, 'import.csv_syntax');
    assert.equal(p.errors[0].row, 3);
    assert.equal(p.errors[0].column, 1, JSON.stringify(p.errors[0]));
    assert.equal(await entityCount(), before);
  });

  test('empty files and files with only a header', async () => {
    const p = problem(assert, await importFile('empty.csv', ''), 422, 'import.empty');
    assert.equal(p.message_zh, '文件“empty.csv”没有表头行');
    const h = await importFile('header.csv', BOM + (await columns('zh')).template.join(',') + '\r\n\r\n,,,\r\n');
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(report(h), { file: 'header.csv', rows: 0, created: 0, updated: 0, unchanged: 0, encoding: 'UTF-8' });
  });

  test('a GB18030-encoded CSV (as Excel saves it on Chinese Windows) is decoded', async () => {
    const rows = [
      ['名称', '主体类型', '统一社会信用代码', '地址', '备注'],
      ['国标编码测试企业', '企业', usccN(41), '上海市徐汇区龙华中路 596 号', '𠮷野家（四字节字符）'],
      ['国标编码测试高校', '高校', usccN(42), '徐汇区华山路', '繁體字：臺灣'],
    ];
    const bytes = gb18030(csv(rows));
    assert.notDeepEqual(bytes, Buffer.from(csv(rows), 'utf8'), 'really re-encoded');
    const r = await importFile('gbk.csv', bytes);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(report(r), { file: 'gbk.csv', rows: 2, created: 2, updated: 0, unchanged: 0, encoding: 'GB18030' });
    const a = (await admin.get(`/api/v1/entities?uscc=${usccN(41)}`)).json.items[0];
    assert.deepEqual([a.name, a.kind, a.address, a.note], ['国标编码测试企业', 'enterprise', '上海市徐汇区龙华中路 596 号', '𠮷野家（四字节字符）']);
    const b = (await admin.get(`/api/v1/entities?uscc=${usccN(42)}`)).json.items[0];
    assert.deepEqual([b.name, b.kind, b.note], ['国标编码测试高校', 'university', '繁體字：臺灣']);
  });

  test('a department user imports into its own department only', async () => {
    srv.addUser('imp-dept', 'dept', '310104-stc', 'imp-dept-pw-1');
    const d = srv.tokenFor('imp-dept');
    const ok = await importFile('own.csv', `名称,主体类型,统一社会信用代码\r\n科委导入,高校,${usccN(51)}\r\n`, d);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await d.get(`/api/v1/entities?uscc=${usccN(51)}`)).json.items[0].dept, '310104-stc');
    const before = await entityCount();
    const p = problem(
      assert,
      await importFile('other.csv', `名称,主体类型,统一社会信用代码,所属部门\r\n本部门,高校,${usccN(52)},310104-stc\r\n越权,高校,${usccN(53)},310104-court\r\n`, d),
      422,
      'import.rejected',
    );
    assert.deepEqual(p.errors.map((e) => [e.row, e.code]), [[3, 'auth.forbidden_dept']]);
    assert.equal(await entityCount(), before);
  });
});

describe('export', () => {
  test('CSV export: BOM, Chinese header, labels for values, every visible row', async () => {
    const r = await admin.get('/api/v1/entities/export');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(r.headers['content-disposition'], 'attachment; filename="entities.csv"');
    assert.ok(r.text.startsWith(BOM));
    const rows = parseCsv(r.text);
    const header = (await columns('zh')).export;
    assert.deepEqual(rows[0], header);
    for (const h of ['编号', ...HEADER_ZH, '更新时间']) assert.ok(header.includes(h), h);
    const all = await admin.listAll('/api/v1/entities', 100);
    assert.equal(rows.length - 1, all.items.length);
    assert.deepEqual(rows.slice(1).map((x) => Number(x[0])), all.items.map((x) => x.id));
    const one = all.items.find((x) => x.uscc === usccN(1));
    const col = (name) => header.indexOf(name);
    const line = rows.find((x) => x[col('统一社会信用代码')] === usccN(1));
    assert.deepEqual(
      ['编号', ...HEADER_ZH, '更新时间'].map((h) => line[col(h)]),
      [
        String(one.id),
        '徐汇导入一号有限公司',
        'Xuhui Import One Ltd.',
        usccN(1),
        '企业',
        '徐汇区漕宝路 1 号',
        '310104',
        '赵一',
        '2021-06-01',
        '021-1',
        '含逗号, 和 "引号"',
        '310104-ipa',
        one.updated_at,
      ],
    );
    assert.equal(rows.find((x) => x[col('统一社会信用代码')] === usccN(2))[col('备注')], '第一行\n第二行');
  });

  test('export honours filters and sort, and English labels', async () => {
    const r = await admin.get('/api/v1/entities/export?kind=university&sort=-name', { headers: { 'Accept-Language': 'en' } });
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], (await columns('en')).export);
    const want = (await admin.get('/api/v1/entities?kind=university&sort=-name&limit=1000')).json.items;
    assert.ok(want.length >= 3);
    assert.deepEqual(rows.slice(1).map((x) => Number(x[0])), want.map((x) => x.id));
    assert.ok(rows.slice(1).every((x) => x[rows[0].indexOf('Kind')] === 'University'));
    problem(assert, await admin.get('/api/v1/entities/export?format=pdf'), 400, 'query.format');
    problem(assert, await admin.get('/api/v1/entities/export?colour=red'), 400, 'query.unknown_parameter');
  });

  test('an exported CSV imports back unchanged', async () => {
    const n = await entityCount();
    const r = await admin.get('/api/v1/entities/export');
    const back = await importFile('roundtrip.csv', r.buf);
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(report(back), { file: 'roundtrip.csv', rows: n, created: 0, updated: 0, unchanged: n, encoding: 'UTF-8' });
  });

  test('XLSX export starts with the ZIP magic and imports back unchanged', async () => {
    const n = await entityCount();
    const r = await admin.get('/api/v1/entities/export?format=xlsx');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], XLSX_TYPE);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="entities.xlsx"');
    assert.deepEqual([...r.buf.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
    assert.ok(r.buf.includes(Buffer.from('xl/worksheets/sheet1.xml')));
    const back = await importFile('roundtrip.xlsx', r.buf);
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(report(back), { file: 'roundtrip.xlsx', rows: n, created: 0, updated: 0, unchanged: n, encoding: 'XLSX' });
  });

  test('departments and regions export too', async () => {
    const d = parseCsv((await admin.get('/api/v1/departments/export')).text);
    assert.deepEqual(d[0].slice(0, 5), ['编号', '部门代码', '部门名称', '英文名称', '类别']);
    assert.equal(d.length - 1, 16);
    assert.deepEqual(d[1].slice(1, 5), ['310104-ipa', '区知识产权局', 'District IP Administration', '政府部门']);
    const rg = await srv.request('GET', '/api/v1/regions/export?code.in=310000,310100,310104');
    assert.equal(rg.status, 200, 'the public may export what it may read');
    assert.deepEqual(parseCsv(rg.text).slice(1).map((x) => x[1]), ['310000', '310100', '310104']);
    // users: no password column
    const u = parseCsv((await admin.get('/api/v1/users/export')).text);
    assert.ok(!u[0].includes('密码') && !u[0].includes('密码散列'), u[0].join(','));
  });
});

test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
  await expectCleanExit(srv);
});
