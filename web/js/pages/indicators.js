// indicators.js - the official IP indicators (GET /api/v1/indicators?region=…
// &date=…), one indicator's trend (/indicators/{id}/series) and the records
// behind a figure (/indicators/{id}/records): drill-down from a number to
// the patents, trademarks or pledges it counts.  Feature-detected: until the
// indicator engine is on the server these pages say so.
import { h, clear, uid } from '../dom.js';
import { t, tl, today, parseDate, fmtDate, fmtNum, fmtUnit, fmtUnitParts, lang } from '../i18n.js';
import { get, qs, apiPaths } from '../api.js';
import { homeRegion } from '../state.js';
import { pageHead, notice, errorBox, notAvailable } from '../ui.js';
import { chartPanel, seriesOption } from '../charts.js';

/* Labels and units when the server's answer carries none (ids from
 * src/domain/indicators.h). */
export const IND_LABELS = {
  valid_invention: ['有效发明专利拥有量', 'Valid invention patents', '件', 'patents'],
  valid_invention_per10k: ['每万人口发明专利拥有量', 'Valid invention patents per 10k residents', '件/万人', 'per 10k'],
  high_value_invention: ['高价值发明专利拥有量', 'High-value invention patents', '件', 'patents'],
  high_value_invention_per10k: ['每万人口高价值发明专利拥有量', 'High-value invention patents per 10k residents', '件/万人', 'per 10k'],
  pct_applications: ['PCT 国际专利申请量', 'PCT international applications', '件', 'applications'],
  trademarks_registered: ['商标注册量', 'Trademark registrations', '件', 'marks'],
  trademarks_in_force: ['有效注册商标量', 'Registered trademarks in force', '件', 'marks'],
  madrid_filings: ['马德里商标国际注册申请量', 'Madrid international filings', '件', 'filings'],
  hague_filings: ['海牙外观设计国际申请量', 'Hague international design filings', '件', 'filings'],
  pledge_amount: ['专利商标质押融资登记金额', 'Patent and trademark pledge financing', '元', 'CNY'],
  pledge_count: ['专利商标质押融资项数', 'Pledge financing items', '项', 'items'],
};
/* The main ones, shown as trend charts on the cockpit. */
export const MAIN_INDICATORS = ['valid_invention_per10k', 'high_value_invention_per10k', 'pct_applications', 'pledge_amount'];

export const CRITERIA = {
  c1: ['属于战略性新兴产业', 'In a strategic emerging industry'],
  c2: ['在海外有同族专利权', 'Granted overseas family member'],
  c3: ['维持年限超过 10 年', 'Maintained for more than 10 years'],
  c4: ['实现较高质押融资金额', 'High pledge-financing amount'],
  c5: ['获国家科学技术奖或中国专利奖', 'National S&T Award or China Patent Award'],
};

export function indLabel(item) {
  const d = IND_LABELS[item.id] || [];
  return t(item.zh || item.name_zh || item.label_zh || d[0] || item.id, item.en || item.name_en || item.label_en || d[1] || item.id);
}
export function indUnit(item) {
  const d = IND_LABELS[item.id] || [];
  return [item.unit_zh ?? d[2] ?? '', item.unit_en ?? d[3] ?? ''];
}
export function indValue(item) {
  if (!item || item.has_value === false || item.value == null) return null;
  const [uz, ue] = indUnit(item);
  return fmtUnit(item.value, uz, ue);
}
/* The value with a smaller unit (big numbers). */
export function indValueNode(item) {
  if (!item || item.has_value === false || item.value == null) return null;
  const [uz, ue] = indUnit(item);
  const { num, unit } = fmtUnitParts(item.value, uz, ue);
  return unit ? h('span', num, h('span.unit-inline', ` ${unit}`)) : h('span', num);
}

export async function indicatorsAvailable() {
  const paths = await apiPaths();
  const any = (suffix) => !!(paths[`/api/v1/indicators/{indicator}${suffix}`] || paths[`/api/v1/indicators/{id}${suffix}`]);
  return { list: !!paths['/api/v1/indicators'], series: any('/series'), records: any('/records'), paths };
}

export async function fetchIndicators(region, date) {
  return get(`/api/v1/indicators${qs({ region, date })}`);
}

export async function fetchSeries(id, region, { from, to, step = 'year' } = {}) {
  return get(`/api/v1/indicators/${encodeURIComponent(id)}/series${qs({ region, from, to, step })}`);
}

/* The trend chart of one indicator's series (points [{date, value, has_value}]). */
export function seriesPanel(ctx, item, series, { title, height } = {}) {
  const pts = (series && series.points) || [];
  const [uz, ue] = indUnit(item);
  const money = uz === '元' || uz === '万元' || uz === '亿元';
  const scale = money ? (lang() === 'en' ? 1e6 : 1e4) : 1;
  const unitShown = money ? t('万元', 'million CNY') : t(uz, ue);
  const vals = pts.map((p) => (p.has_value === false || p.value == null ? null : Math.round((p.value / scale) * 100) / 100));
  return chartPanel({
    ctx,
    title: title || indLabel(item),
    filename: `${item.id}-${series && series.region ? series.region : ''}`,
    height,
    rows: pts.map((p, i) => ({ ...p, shown: vals[i] })),
    columns: [
      { label: t('日期', 'Date'), value: (r) => fmtDate(r.date) },
      { label: `${t('数值', 'Value')}${unitShown ? `（${unitShown}）` : ''}`, value: (r) => (r.shown == null ? '' : r.shown), display: (r) => (r.shown == null ? t(r.note_zh || '无数值', r.note_en || 'no value') : fmtNum(r.shown)), num: true },
    ],
    option: () =>
      seriesOption({
        categories: pts.map((p) => fmtDate(p.date)),
        yName: unitShown,
        series: [{ type: 'line', name: indLabel(item), data: vals, connectNulls: false, showSymbol: pts.length < 40, areaStyle: { opacity: 0.08 } }],
      }),
  });
}

/* ---- #/indicators ---- */

function regionDateForm(ctx, path, query, extra = []) {
  const rid = uid(), did = uid();
  const region = h('input', { id: rid, name: 'region', value: query.region || homeRegion(), inputmode: 'numeric', maxlength: 6, size: 8 });
  const date = h('input', { id: did, name: 'date', value: query.date || today(), placeholder: 'YYYY-MM-DD', inputmode: 'numeric', size: 11 });
  const err = h('span.field-error', { role: 'alert' });
  const form = h('form.inline-form', h('label', { for: rid }, t('区划代码', 'Region code')), region, h('label', { for: did }, t('统计日期', 'As of')), date, extra, h('button.btn', { type: 'submit' }, t('查询', 'Show')), err);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = parseDate(date.value);
    if (!d) {
      err.textContent = t('日期格式应为 YYYY-MM-DD', 'Dates are YYYY-MM-DD');
      date.focus();
      return;
    }
    if (!/^\w{6,12}$/.test(region.value.trim())) {
      err.textContent = t('请输入区划代码，如 310104', 'Enter a region code such as 310104');
      region.focus();
      return;
    }
    const next = { ...query, region: region.value.trim(), date: d };
    delete next.cursor;
    ctx.go(path, next);
  });
  return form;
}

export async function renderList(ctx) {
  const { main, query } = ctx;
  ctx.setTitle(t('统计指标', 'Indicators'));
  const av = await indicatorsAvailable();
  if (!ctx.alive()) return;
  if (!av.list) {
    clear(main, pageHead(t('统计指标', 'Indicators')), notAvailable('统计指标（指标引擎）', 'The indicators (indicator engine)'));
    return;
  }
  const region = query.region || homeRegion();
  const date = parseDate(query.date || '') || today();
  const body = h('div', h('p.loading', t('正在计算…', 'Computing…')));
  clear(main, pageHead(t('统计指标', 'Indicators')), regionDateForm(ctx, 'indicators', query), body);
  let data;
  try {
    data = await fetchIndicators(region, date);
  } catch (e) {
    if (ctx.alive()) clear(body, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const items = data.items || [];
  const rows = items.map((it) =>
    h(
      'tr',
      h('th', { scope: 'row' }, h('a', { href: `#/indicators/${encodeURIComponent(it.id)}?${new URLSearchParams({ region, date })}` }, indLabel(it))),
      h('td.num', indValue(it) ?? h('span.muted', t(it.note_zh || '无数值', it.note_en || 'no value'))),
      h('td', it.source === 'reported' || it.reported ? t('填报', 'reported') : t('计算', 'computed')),
      h('td.small', it.numerator != null ? `${fmtNum(it.numerator)} / ${fmtNum(it.denominator)}` : ''),
    ),
  );
  clear(
    body,
    h('p.muted', `${data.region_name_zh ? t(data.region_name_zh, data.region_name_en || data.region_name_zh) : region} · ${fmtDate(data.date || date)}`, data.index && data.index.stale ? h('span.badge.badge-warn', t('索引待更新', 'index being refreshed')) : null),
    h('div.table-wrap', h('table.data', h('thead', h('tr', [t('指标', 'Indicator'), t('数值', 'Value'), t('来源', 'Source'), t('分子 / 分母', 'Numerator / denominator')].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', rows))),
    h('p.muted.small', t('点击指标名称可查看趋势及其统计的每一条记录。', 'Click an indicator to see its trend and every record it counts.')),
  );
}

/* ---- #/indicators/:id ---- */

export async function renderOne(ctx) {
  const { main, params, query } = ctx;
  const id = params.id;
  const av = await indicatorsAvailable();
  if (!ctx.alive()) return;
  const label = indLabel({ id });
  ctx.setTitle(label);
  if (!av.list) {
    clear(main, pageHead(label), notAvailable('统计指标（指标引擎）', 'The indicators (indicator engine)'));
    return;
  }
  const region = query.region || homeRegion();
  const date = parseDate(query.date || '') || today();
  const valueBox = h('section.card', h('p.loading', t('正在计算…', 'Computing…')));
  const trend = h('div');
  const recs = h('section.card', h('h2', t('统计的记录', 'Records behind the figure')));
  clear(main, pageHead(label, h('a.btn', { href: `#/indicators?${new URLSearchParams({ region, date })}` }, t('全部指标', 'All indicators'))), regionDateForm(ctx, `indicators/${encodeURIComponent(id)}`, query), valueBox, trend, recs);

  // the value
  let item = { id };
  try {
    const all = await fetchIndicators(region, date);
    item = (all.items || []).find((x) => x.id === id) || item;
    if (!ctx.alive()) return;
    const v = indValue(item);
    clear(
      valueBox,
      h('h2', indLabel(item)),
      h('p.big-number', v == null ? h('span.muted', t(item.note_zh || '无数值', item.note_en || 'no value')) : indValueNode(item)),
      h('p.muted', `${all.region_name_zh ? t(all.region_name_zh, all.region_name_en || all.region_name_zh) : region} · ${fmtDate(all.date || date)}`),
      item.how_zh ? h('p.small', t(item.how_zh, item.how_en || item.how_zh)) : null,
      item.numerator != null ? h('p', t(`分子 ${fmtNum(item.numerator)}，分母 ${fmtNum(item.denominator)}`, `numerator ${fmtNum(item.numerator)}, denominator ${fmtNum(item.denominator)}`)) : null,
      item.criteria ? criteriaCounts(item.criteria) : null,
      item.reported && typeof item.reported === 'object' ? h('p.muted', t(`填报值，来源：${item.reported.source || '—'}（${fmtDate(item.reported.date)}）`, `Reported value, source: ${item.reported.source || '—'} (${fmtDate(item.reported.date)})`)) : null,
    );
  } catch (e) {
    if (ctx.alive()) clear(valueBox, errorBox(e));
  }
  if (!ctx.alive()) return;

  // the trend: year ends over ten years
  if (av.series) {
    try {
      const y = Number(date.slice(0, 4));
      const s = await fetchSeries(id, region, { from: `${y - 9}-01-01`, to: date, step: 'year' });
      if (ctx.alive()) clear(trend, seriesPanel(ctx, item, s, { title: t(`${indLabel(item)}（年末值）`, `${indLabel(item)} (year ends)`) }));
    } catch (e) {
      if (ctx.alive()) clear(trend, errorBox(e));
    }
  }
  if (!ctx.alive()) return;

  // drill-down: the records
  if (!av.records) {
    recs.append(notAvailable('指标明细', 'The records behind the figures'));
    return;
  }
  await recordsTable(ctx, recs, id, region, date, query.cursor || null);
}

function criteriaCounts(c) {
  return h('ul.criteria-counts', Object.keys(CRITERIA).filter((k) => c[k] != null).map((k) => h('li', `${t(CRITERIA[k][0], CRITERIA[k][1])}：${fmtNum(c[k], 0)}`)));
}

/* Columns of the drill-down by kind of record (as ind_records answers). */
const RECORD_COLS = {
  patents: [
    ['appno', '申请号', 'Application no.'],
    ['title', '名称', 'Title'],
    ['holders', '权利人', 'Holders'],
    ['filing_date', '申请日', 'Filed'],
    ['grant_date', '授权公告日', 'Granted'],
    ['region', '区划', 'Region'],
    ['counted_from', '计入起始日', 'Counted from'],
  ],
  pct: [
    ['appno', '申请号', 'Application no.'],
    ['title', '名称', 'Title'],
    ['pct_app_no', 'PCT 申请号', 'PCT application no.'],
    ['filing_date', '申请日', 'Filed'],
    ['first_applicant', '第一申请人', 'First applicant'],
    ['region', '区划', 'Region'],
  ],
  trademarks: [
    ['reg_no', '注册号', 'Reg. no.'],
    ['mark_text', '商标', 'Mark'],
    ['applicant', '注册人', 'Holder'],
    ['reg_date', '注册日', 'Registered'],
    ['expiry_date', '专用权期限截止日', 'Expiry'],
    ['region', '区划', 'Region'],
  ],
  pledges: [
    ['date', '登记日', 'Registered'],
    ['pledgee', '质权人', 'Pledgee'],
    ['pledgor', '出质人', 'Pledgor'],
    ['amount_cny', '金额', 'Amount'],
    ['patents', '专利申请号', 'Patents'],
    ['region', '区划', 'Region'],
  ],
  reports: [
    ['date', '统计截止日', 'As of'],
    ['value', '数值', 'Value'],
    ['unit', '单位', 'Unit'],
    ['source', '来源文件', 'Source'],
    ['reported_by', '填报单位/人', 'Reported by'],
  ],
};

async function recordsTable(ctx, box, id, region, date, cursor) {
  const list = h('div', h('p.loading', t('正在加载…', 'Loading…')));
  const href = (fmt) => `/api/v1/indicators/${encodeURIComponent(id)}/records${qs({ region, date, format: fmt, lang: lang() })}`;
  box.append(h('div.toolbar', h('a.btn.btn-small', { href: href('xlsx'), download: '' }, t('导出全部 XLSX', 'Export all (XLSX)')), h('a.btn.btn-small', { href: href('csv'), download: '' }, t('导出全部 CSV', 'Export all (CSV)'))), list);
  let data;
  try {
    data = await get(`/api/v1/indicators/${encodeURIComponent(id)}/records${qs({ region, date, cursor, limit: 50 })}`);
  } catch (e) {
    if (ctx.alive()) clear(list, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const items = data.items || [];
  const kind = data.kind || 'patents';
  const cols = RECORD_COLS[kind === 'patents' && items.some((x) => 'pct_app_no' in x) ? 'pct' : kind] || Object.keys(items[0] || {}).filter((k) => typeof items[0][k] !== 'object').slice(0, 7).map((k) => [k, k, k]);
  const hasCriteria = items.some((x) => x.criteria || x.met);
  const head = [...cols.map((c) => t(c[1], c[2])), hasCriteria ? t('满足的高价值条件', 'High-value criteria met') : null].filter(Boolean);
  const cell = (it, c) => {
    const v = it[c[0]];
    if (c[0] === 'amount_cny' && v != null) return fmtUnit(v, '元', 'CNY');
    if (/date|counted_from/.test(c[0])) return fmtDate(v);
    if (c[0] === 'title' && it.patent_id) return h('a', { href: `#/patents/${it.patent_id}` }, v || '—');
    if (c[0] === 'mark_text' && it.trademark_id) return h('a', { href: `#/records/trademarks/${it.trademark_id}` }, v || '—');
    if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? x.appno || x.number || JSON.stringify(x) : String(x))).join(t('；', '; '));
    if (typeof v === 'boolean') return v ? t('是', 'Yes') : t('否', 'No');
    return v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  clear(
    list,
    items.length
      ? h(
          'div.table-wrap',
          h(
            'table.data',
            h('caption.sr-only', t('指标所依据的记录', 'The records behind the figure')),
            h('thead', h('tr', head.map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', items.map((it) => h('tr', cols.map((c) => h(/date|counted_from/.test(c[0]) ? 'td.date' : c[0] === 'amount_cny' ? 'td.num' : 'td', cell(it, c))), hasCriteria ? h('td', metList(it)) : null))),
          ),
        )
      : notice('info', t('没有记录', 'No records')),
    h(
      'div.pager',
      cursor ? h('button.btn', { type: 'button', onclick: () => history.back() }, t('上一页', 'Previous')) : null,
      data.next_cursor ? h('button.btn', { type: 'button', onclick: () => ctx.go(`indicators/${encodeURIComponent(id)}`, { region, date, cursor: data.next_cursor }) }, t('下一页', 'Next')) : null,
    ),
  );
}

function metList(it) {
  const met = it.met || Object.keys(it.criteria || {}).filter((k) => it.criteria[k]);
  return met.map((k) => h('span.badge', { title: k === 'c1' && it.c1_codes ? it.c1_codes.map((c) => `${c.code} → ${(c.industries || []).map((x) => `${x.code} ${x.name}`).join('、')}`).join('\n') : null }, CRITERIA[k] ? t(CRITERIA[k][0], CRITERIA[k][1]) : k));
}

/* ---- the patent page's high-value section ---- */

/* Which high-value criteria (INDICATORS.md §2) the patent meets on a date,
 * from the indicator engine: the records behind high_value_invention for the
 * patent's region (ordered by patent id, scanned page by page until the
 * patent or a higher id).  Returns a node, or null when the server has no
 * indicator engine. */
export async function highValueCriteria(p, paths, { date, status }) {
  const any = (suffix) => paths[`/api/v1/indicators/{indicator}${suffix}`] || paths[`/api/v1/indicators/{id}${suffix}`];
  if (!any('/records')) return null;
  const head = (ok, text) => h('p', h(`span.state-badge.state-${ok ? 'ok' : 'muted'}`, text));
  const list = (met) => h('ul.criteria', Object.keys(CRITERIA).map((k) => h(`li.${met.includes(k) ? 'met' : 'unmet'}`, h('span.mark', { 'aria-hidden': 'true' }, met.includes(k) ? '✓' : '–'), ` ${t(CRITERIA[k][0], CRITERIA[k][1])}`, h('span.sr-only', met.includes(k) ? t('（满足）', ' (met)') : t('（不满足）', ' (not met)')))));
  const asOf = h('p.muted.small', t(`统计日期：${fmtDate(date)}；口径见《统计指标》中的“每万人口高价值发明专利拥有量”。`, `As of ${fmtDate(date)}; definitions as for "high-value invention patents per 10k residents".`));
  if (p.kind !== 'invention') return h('div', head(false, t('仅发明专利参与高价值认定', 'Only invention patents can be high-value')), asOf);
  if (status && status.in_force === false) return h('div', head(false, t('该日不是有效发明专利，不计入', 'Not a valid invention patent on the date: not counted')), asOf);
  if (!p.region_code) return h('div', head(false, t('专利没有所在区划，无法计入地区指标', 'The patent has no region, so no regional figure counts it')), asOf);
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    let r;
    try {
      r = await get(`/api/v1/indicators/high_value_invention/records${qs({ region: p.region_code, date, cursor, limit: 1000 })}`);
    } catch (e) {
      return errorBox(e);
    }
    const items = r.items || [];
    const it = items.find((x) => x.patent_id === p.id);
    if (it) {
      const met = it.met || Object.keys(it.criteria || {}).filter((k) => it.criteria[k]);
      const industries = (it.c1_codes || []).map((c) => `${c.code}（${(c.industries || []).map((x) => x.name).join('、')}）`);
      return h('div', head(true, t('符合高价值发明专利条件', 'Counts as a high-value invention patent')), list(met), industries.length ? h('p.small', t('战略性新兴产业：', 'Strategic emerging industries: '), industries.join(t('；', '; '))) : null, asOf);
    }
    if (!r.next_cursor || items.some((x) => x.patent_id > p.id)) break;
    cursor = r.next_cursor;
  }
  return h('div', head(false, t('不满足任何高价值条件（或未计入本地区）', 'Meets none of the criteria (or is not counted for its region)')), list([]), asOf);
}
