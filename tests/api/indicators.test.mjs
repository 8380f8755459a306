// indicators.test.mjs - the indicator API (/api/v1/indicators): every
// indicator of a region on a day, one indicator with its parameters, time
// series, the records behind a figure (paged, CSV, XLSX), reported values,
// the populations import (CSV and XLSX) that feeds the per-10k figures,
// the index going stale and being rebuilt, and the problem+json errors.
//
// The registry is built over the API on a fresh database (no demo data).
// Places: X = 310104 徐汇区 (population 2022 from the demo region: 1,098,500),
// P = 310115 浦东新区.  D = 2024-06-30.  Inventions, IPC A47J 27/00 (not in
// the SEI concordance) unless noted:
//   A  app X, filed 2015-03-01, granted 2018-05-01
//   B  app X, filed 2019-01-10, granted on D
//   C  app X, filed 2016-01-01, granted 2019-01-01, lapse on D
//   Dp app X, filed 2017-01-01, granted 2020-03-01, transfer 2023-01-10 to P
//   E  app US (foreign), granted 2020-01-01;   F  app HK, granted 2020-01-01
//   G  app X, IPC G06F 16/13 (criterion 1), filed 2020, granted 2022-01-01
//   H  app X, family US granted (criterion 2), filed 2019, granted 2021-06-01
//   I  app X, filed 2012-05-01, granted 2015-05-01 (criterion 3)
//   J  app X, filed 2018, granted 2020-06-01, pledges 6,000,000 (2023-03-01)
//      and 5,000,000 (2024-01-15): criterion 4 from 2024-01-15
//   K  app X, China Patent Award 2023 (criterion 5), filed 2018, granted 2020-06-01
//   L, M  app X, one holder, granted 2021-03-01, each pledged 3,000,000 to
//      one bank on 2024-03-01: one mixed pledge item of 3,000,000
//   N  app P, pat X, granted 2020-12-31 (placed by the patentee: X)
//   O  app X, pat P, granted 2021-01-01 (placed by the applicant: X)
//   Q  app X, not granted, filed 2024-02-01, PCT/CN2024/000001
// Valid in X on D: A, B, G, H, I, J, K, L, M, N, O = 11 (C lapsed on D, Dp
// moved to P, E and F are not domestic, Q not granted).  High-value: G, H,
// I, J, K = 5, one per criterion.  P: Dp = 1.  The nation: 12.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, problem, expectCleanExit } from './harness.mjs';

let srv, admin, anon;
const D = '2024-06-30';
const ids = {};

function appno(year, serial) {
  const d = `${year}1${String(serial).padStart(7, '0')}`;
  const w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(d[i]) * w[i];
  const c = s % 11;
  return `${d}.${c === 10 ? 'X' : c}`;
}
const X = (name) => ({ name, address: '上海市徐汇区漕宝路100号', country: 'CN' });
const P = (name) => ({ name, address: '上海市浦东新区张江路100号', country: 'CN' });

let serial = 0;
async function patent(key, filing, grant, applicants, extra = {}) {
  const body = {
    appno: appno(Number(filing.slice(0, 4)), ++serial),
    kind: 'invention',
    title: `测试专利${key}`,
    filing_date: filing,
    ipc: ['A47J 27/00'],
    applicants,
    ...extra,
  };
  if (grant) body.grant_date = grant;
  const r = await admin.post('/api/v1/patents', body);
  assert.equal(r.status, 201, r.text);
  ids[key] = r.json.id;
  return r.json.id;
}
async function event(key, kind, date, more = {}) {
  const r = await admin.post('/api/v1/patent_events', { patent: ids[key], kind, date, ...more });
  assert.equal(r.status, 201, r.text);
}
const get = (url, client = anon) => client.get(url);
async function value(id, region, date, extra = '') {
  const r = await get(`/api/v1/indicators/${id}?region=${region}&date=${date}${extra}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

before(async () => {
  srv = await startServer();
  admin = srv.tokenFor('admin');
  anon = srv.client();
  await patent('A', '2015-03-01', '2018-05-01', [X('甲公司')]);
  await patent('B', '2019-01-10', D, [X('乙公司')]);
  await patent('C', '2016-01-01', '2019-01-01', [X('丙公司')]);
  await event('C', 'lapse', D);
  await patent('Dp', '2017-01-01', '2020-03-01', [X('丁公司')]);
  await event('Dp', 'transfer', '2023-01-10', { party: '浦东受让公司', party_region: '310115' });
  await patent('E', '2018-01-01', '2020-01-01', [{ name: 'ACME INC', address: '1 Main Street, Boston MA', country: 'US' }]);
  await patent('F', '2018-01-01', '2020-01-01', [{ name: '香港测试公司', address: '香港九龙观塘道1号', country: 'HK' }]);
  await patent('G', '2020-01-01', '2022-01-01', [X('戊公司')], { ipc: ['G06F 16/13'] });
  await patent('H', '2019-01-01', '2021-06-01', [X('己公司')], { family: [{ country: 'US', number: 'US1', granted: true }] });
  await patent('I', '2012-05-01', '2015-05-01', [X('庚公司')]);
  await patent('J', '2018-01-01', '2020-06-01', [X('辛公司')]);
  await event('J', 'pledge', '2023-03-01', { amount: 6000000, party: '某银行（测试）' });
  await event('J', 'pledge', '2024-01-15', { amount: 5000000, party: '某银行（测试）' });
  await patent('K', '2018-01-01', '2020-06-01', [X('壬公司')], { awards: [{ kind: 'china_patent_award', level: '金奖', year: 2023 }] });
  await patent('L', '2019-01-01', '2021-03-01', [X('混合质押公司')]);
  await patent('M', '2019-01-01', '2021-03-01', [X('混合质押公司')]);
  await event('L', 'pledge', '2024-03-01', { amount: 3000000, party: '某银行（测试）' });
  await event('M', 'pledge', '2024-03-01', { amount: 3000000, party: '某银行（测试）' });
  await patent('N', '2018-01-01', '2020-12-31', [P('浦东申请公司')], { patentees: [X('徐汇权利人公司')] });
  await patent('O', '2018-01-01', '2021-01-01', [X('徐汇申请公司')], { patentees: [P('浦东权利人公司')] });
  await patent('Q', '2024-02-01', null, [X('癸公司')], { pct_app_no: 'PCT/CN2024/000001' });
  const tm = await admin.post('/api/v1/trademarks', {
    reg_no: 'T1', mark_text: '测试', applicant: '测试商标公司', region_code: '310104', status: 'registered',
    filing_date: '2024-01-10', reg_date: '2024-03-01', expiry_date: '2034-02-28', madrid: ['US', 'JP'],
  });
  assert.equal(tm.status, 201, tm.text);
});
after(async () => {
  await srv?.close();
});

describe('values', () => {
  test('every indicator of a region on a day, readable without logging in', async () => {
    const r = await get(`/api/v1/indicators?region=310104&date=${D}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.region, '310104');
    assert.equal(r.json.region_name_zh, '徐汇区');
    const by = Object.fromEntries(r.json.items.map((i) => [i.id, i]));
    assert.equal(by.valid_invention.value, 11);
    assert.equal(by.high_value_invention.value, 5);
    assert.deepEqual(by.high_value_invention.criteria, { c1: 1, c2: 1, c3: 1, c4: 1, c5: 1 });
    assert.equal(by.pct_applications.value, 1);
    assert.equal(by.pledge_count.value, 2);
    assert.equal(by.pledge_amount.value, 8000000);
    assert.equal(by.trademarks_registered.value, 1);
    assert.equal(by.trademarks_in_force.value, 1);
    assert.equal(by.madrid_filings.value, 1);
    // 11 / 109.85 = 0.10014 with the 2022 population, said so
    assert.equal(by.valid_invention_per10k.value, 0.1001);
    assert.equal(by.valid_invention_per10k.population_year, 2022);
    assert.match(by.valid_invention_per10k.note_en, /population of 2022 used/);
    // Hague filings are not in the registry: reported, none yet
    assert.equal(by.hague_filings.source, 'reported');
    assert.equal(by.hague_filings.has_value, false);
    assert.equal(by.valid_invention.source, 'computed');
    assert.equal(by.valid_invention.index.stale, false);
  });

  test('the day before, the nation, the other district', async () => {
    // B not yet granted, C not yet lapsed: still 11
    assert.equal((await value('valid_invention', '310104', '2024-06-29')).value, 11);
    assert.equal((await value('valid_invention', '310115', D)).value, 1);
    assert.equal((await value('valid_invention', '310115', '2023-01-09')).value, 0);
    assert.equal((await value('valid_invention', '000000', D)).value, 12);
    assert.equal((await value('valid_invention', '310000', D)).value, 12);
  });

  test('named parameters', async () => {
    // applicant basis: N (applicant in P) moves to P
    const a = await value('valid_invention', '310104', D, '&location_basis=applicant');
    assert.equal(a.value, 10);
    assert.equal(a.params.location_basis, 'applicant');
    assert.equal((await value('valid_invention', '310115', D, '&location_basis=applicant')).value, 2);
    // maintenance from grant: I (granted 2015-05-01) is not 10 years old on D
    const g = await value('high_value_invention', '310104', D, '&maintenance_from=grant');
    assert.equal(g.value, 4);
    assert.equal(g.criteria.c3, 0);
    // a 5,000,000 threshold: J qualifies from 2023-03-01
    assert.equal((await value('high_value_invention', '310104', '2023-12-31')).criteria.c4, 0);
    assert.equal((await value('high_value_invention', '310104', '2023-12-31', '&pledge_threshold_cny=5000000')).criteria.c4, 1);
  });

  test('no population: a value without a number, said in both languages', async () => {
    const v = await value('valid_invention_per10k', '310115', D);
    assert.equal(v.has_value, false);
    assert.equal(v.value, null);
    assert.equal(v.numerator, 1);
    assert.equal(v.note_en, 'no population for 310115 in 2024');
    assert.equal(v.note_zh, '暂无 310115 2024 年人口数据');
  });
});

describe('series and records', () => {
  test('monthly series', async () => {
    const r = await get('/api/v1/indicators/valid_invention/series?region=310104&from=2024-04-01&to=2024-06-30&step=month');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.points.map((p) => p.date), ['2024-04-30', '2024-05-31', '2024-06-30']);
    assert.deepEqual(r.json.points.map((p) => p.value), [11, 11, 11]);
    const y = await get('/api/v1/indicators/pledge_amount/series?region=310104&from=2023-01-01&to=2024-06-30&step=year');
    assert.deepEqual(y.json.points.map((p) => [p.date, p.value]), [['2023-12-31', 6000000], ['2024-06-30', 8000000]]);
  });

  test('high-value records, paged, with the criteria each met', async () => {
    const seen = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const r = await get(`/api/v1/indicators/high_value_invention/records?region=310104&date=${D}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.kind, 'patents');
      seen.push(...r.json.items);
      if (!r.json.next_cursor) break;
      cursor = r.json.next_cursor;
    }
    assert.deepEqual(seen.map((x) => x.patent_id), ['G', 'H', 'I', 'J', 'K'].map((k) => ids[k]));
    assert.deepEqual(seen.map((x) => x.met), [['c1'], ['c2'], ['c3'], ['c4'], ['c5']]);
    assert.equal(seen[0].c1_codes[0].how, 'exact');
    assert.equal(seen[3].pledged_cny, 11000000);
  });

  test('the mixed pledge is one record', async () => {
    const r = await get(`/api/v1/indicators/pledge_count/records?region=310104&date=${D}`);
    assert.equal(r.json.items.length, 2);
    const mixed = r.json.items.find((i) => i.mixed);
    assert.deepEqual(mixed.patents.map((p) => p.patent_id).sort(), [ids.L, ids.M].sort());
    assert.equal(mixed.amount_cny, 3000000);
  });

  test('CSV and XLSX exports', async () => {
    const c = await get(`/api/v1/indicators/valid_invention/records?region=310104&date=${D}&format=csv`);
    assert.equal(c.status, 200);
    assert.match(c.headers['content-type'], /^text\/csv/);
    assert.match(c.headers['content-disposition'], /valid_invention-310104-2024-06-30\.csv/);
    const lines = c.text.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines.length, 1 + 11);
    assert.match(lines[0], /^专利ID,申请号/);
    const en = await anon.get(`/api/v1/indicators/valid_invention/records?region=310104&date=${D}&format=csv`, {
      headers: { 'Accept-Language': 'en' },
    });
    assert.match(en.text, /Patent id,Application no\./);
    const x = await get(`/api/v1/indicators/high_value_invention/records?region=310104&date=${D}&format=xlsx`);
    assert.equal(x.status, 200);
    assert.equal(x.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(x.buf.subarray(0, 2).toString(), 'PK');
  });
});

describe('reported values and populations', () => {
  test('a reported figure, marked as reported, written by staff only', async () => {
    const body = {
      indicator: 'hague_filings', region_code: '310104', date: '2024-06-30', value: 2, unit: '件',
      source: '2024年上半年工作报告（测试）', reported_by: '区知识产权局',
    };
    problem(assert, await anon.post('/api/v1/indicator_reports', body), 401, 'auth.required');
    const r = await admin.post('/api/v1/indicator_reports', body);
    assert.equal(r.status, 201, r.text);
    const v = await value('hague_filings', '310104', D);
    assert.equal(v.value, 2);
    assert.equal(v.source, 'reported');
    assert.equal(v.reported.source, '2024年上半年工作报告（测试）');
    assert.equal(v.reported.by, '区知识产权局');
    // audited like any record
    const audit = await admin.get('/api/v1/audit?type=indicator_report');
    assert.ok(audit.json.items.some((a) => a.action === 'create'), audit.text);
    // computed indicators cannot be reported
    const bad = await admin.post('/api/v1/indicator_reports', { ...body, indicator: 'valid_invention' });
    assert.equal(bad.status, 422, bad.text);
  });

  test('populations import from CSV and XLSX feed the per-10k figures', async () => {
    const csv = '\ufeff区划代码,年份,年末常住人口（人）,数据来源\r\n310115,2024,5800000,浦东新区统计公报（测试）\r\n';
    const r = await admin.post('/api/v1/populations/import?filename=pop.csv', Buffer.from(csv, 'utf8'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.created, 1);
    // 1 / 580 = 0.001724 -> 0.0017
    const v = await value('valid_invention_per10k', '310115', D);
    assert.equal(v.value, 0.0017);
    assert.equal(v.population_year, 2024);
    // XLSX: export the populations and import them into a second server
    const x = await admin.get('/api/v1/populations/export?format=xlsx');
    assert.equal(x.status, 200);
    const other = await startServer();
    try {
      const a2 = other.tokenFor('admin');
      const imp = await a2.post('/api/v1/populations/import?filename=pop.xlsx', x.buf);
      assert.equal(imp.status, 200, imp.text);
      const list = await a2.get('/api/v1/populations?region_code=310115');
      assert.equal(list.json.items.length, 1);
      assert.equal(list.json.items[0].population, 5800000);
    } finally {
      await other.close();
    }
  });
});

describe('the index', () => {
  test('a change makes the index stale; the next figure rebuilds it', async () => {
    let s = await get('/api/v1/indicators/index');
    assert.equal(s.json.stale, false);
    await patent('R', '2019-05-05', '2021-05-05', [X('新公司')]);
    s = await get('/api/v1/indicators/index');
    assert.equal(s.json.stale, true);
    assert.equal((await value('valid_invention', '310104', D)).value, 12);
    s = await get('/api/v1/indicators/index');
    assert.equal(s.json.stale, false);
  });

  test('rebuilding on request is for administrators', async () => {
    problem(assert, await anon.post('/api/v1/indicators/index'), 401, 'auth.required');
    const r = await admin.post('/api/v1/indicators/index');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.built, true);
    assert.ok(r.json.spans >= 12);
  });
});

describe('errors', () => {
  test('problem+json in both languages', async () => {
    const p = problem(assert, await get(`/api/v1/indicators/no_such?region=310104&date=${D}`), 404, 'indicator.not_found');
    assert.match(p.message_zh, /没有指标/);
    assert.match(p.message_en, /No indicator/);
    problem(assert, await get('/api/v1/indicators/valid_invention'), 400, 'query.required');
    problem(assert, await get('/api/v1/indicators?date=2024-06-30'), 400, 'query.required');
    problem(assert, await get('/api/v1/indicators/valid_invention?region=999999'), 404, 'region.not_found');
    problem(assert, await get('/api/v1/indicators/valid_invention?region=310104&date=2024-13-01'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention?region=310104&location_basis=x'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention?region=310104&pledge_threshold_cny=-5'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention/series?region=310104&step=week'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention/series?region=310104&from=2024-01-01&to=2023-01-01'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention/records?region=310104&cursor=abc'), 400, 'query.cursor');
    problem(assert, await get('/api/v1/indicators/valid_invention/records?region=310104&limit=0'), 400, 'query.value');
    problem(assert, await get('/api/v1/indicators/valid_invention/records?region=310104&format=pdf'), 400, 'query.value');
    const m = problem(assert, await anon.req('DELETE', '/api/v1/indicators/valid_invention'), 405, 'method_not_allowed');
    assert.ok(m);
  });

  test('the OpenAPI document lists the routes', async () => {
    const r = await get('/api/v1/openapi.json');
    for (const p of ['/api/v1/indicators', '/api/v1/indicators/{indicator}', '/api/v1/indicators/{indicator}/series',
      '/api/v1/indicators/{indicator}/records', '/api/v1/indicators/index', '/api/v1/indicator_reports'])
      assert.ok(r.json.paths[p], p);
  });
});

describe('shutdown', () => {
  test('the server stops cleanly (no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});
