// cockpit.js - 驾驶舱: where the region stands against its plan.  Every target
// with its current value, progress, status colour and projection (plan
// module); trend charts of the main indicators (indicator engine); what
// needs attention (overdue reports, pending address reviews, rejected
// imports); and an overview of the registry.  Parts whose endpoints the
// server does not offer yet say so.
import { h, clear, uid, escapeHtml } from '../dom.js';
import { t, tl, today, parseDate, fmtDate, fmtNum } from '../i18n.js';
import { get, qs } from '../api.js';
import { canRead, homeRegion, role } from '../state.js';
import { pageHead, errorBox, notAvailable, notice } from '../ui.js';
import { chartPanel, seriesOption, COLORS } from '../charts.js';
import { planFeatures, plansOf, fetchProgress, fetchOverdue, targetsTable, summaryChips, progressExports } from './plan.js';
import { indicatorsAvailable, fetchIndicators, fetchSeries, seriesPanel, indLabel, indValueNode, MAIN_INDICATORS } from './indicators.js';

export async function render(ctx) {
  const { main, query } = ctx;
  ctx.setTitle(t('驾驶舱', 'Cockpit'));
  const region = query.region || homeRegion();
  const date = parseDate(query.date || '') || today();

  const did = uid();
  const dateIn = h('input', { id: did, value: date, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', size: 11 });
  const dateErr = h('span.field-error', { role: 'alert' });
  const form = h('form.inline-form', h('label', { for: did }, t('评估日期', 'As of')), dateIn, h('button.btn', { type: 'submit' }, t('刷新', 'Refresh')), dateErr);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = parseDate(dateIn.value);
    if (!d) {
      dateErr.textContent = t('日期格式应为 YYYY-MM-DD', 'Dates are YYYY-MM-DD');
      dateIn.focus();
      return;
    }
    ctx.go('cockpit', { ...query, date: d });
  });

  const attention = h('section.attention', { 'aria-label': t('需关注事项', 'Needs attention') });
  const planBox = h('section.card.plan-box', h('div.card-head', h('h2', t('方案目标进展', 'Progress against the plan'))));
  const indBox = h('section.ind-box', { 'aria-label': t('主要指标', 'Main indicators') });
  const registryBox = h('div.registry-box');
  clear(main, pageHead(t('驾驶舱', 'Cockpit'), form), h('p.muted.region-line', t(`区域 ${region} · 评估日期 ${date}`, `Region ${region} · as of ${date}`)), attention, planBox, indBox, registryBox);

  const [pf, av] = await Promise.all([planFeatures(), indicatorsAvailable()]);
  if (!ctx.alive()) return;

  // the plan of the region
  let plan = null;
  if (pf.plans) {
    try {
      const plans = await plansOf(region);
      plan = plans.find((p) => String(p.id) === String(query.plan)) || plans[0] || null;
    } catch {
      plan = null;
    }
  }
  if (!ctx.alive()) return;

  await Promise.all([
    attentionCards(ctx, attention, { plan, pf, date }),
    planSection(ctx, planBox, { plan, pf, date }),
    indicatorSection(ctx, indBox, { av, region, date }),
    registryOverview(ctx, registryBox, { date }),
  ]);
}

/* ---- needs attention ---- */

function card(label, value, href, cls, note) {
  const inner = [h('span.att-value', value), h('span.att-label', label), note ? h('span.att-note', note) : null];
  return h(`div.att.att-${cls}`, href ? h('a', { href }, inner) : inner);
}

async function attentionCards(ctx, box, { plan, pf, date }) {
  const cards = [];
  const jobs = [];
  // overdue task reports (plan module)
  const odLabel = t('逾期未报送的进展报告', 'Overdue progress reports');
  if (plan && pf.overdue) {
    const href = `#/plan?plan=${plan.id}&date=${date}`;
    const c = card(odLabel, '…', href, 'muted');
    cards.push(c);
    jobs.push(
      fetchOverdue(plan.id, date).then(
        (o) => {
          const n = o.total ?? (o.items || []).length;
          c.replaceWith(card(odLabel, fmtNum(n, 0), href, n > 0 ? 'warn' : 'ok'));
        },
        () => c.replaceWith(card(odLabel, '—', null, 'muted', t('无法获取', 'unavailable'))),
      ),
    );
  } else cards.push(card(odLabel, '—', null, 'muted', pf.overdue ? t('本区域还没有工作方案', 'no work plan for this region') : t('方案模块尚未开放', 'plan module not available yet')));
  // pending address reviews
  if (canRead('address_reviews')) {
    const c = card(t('待核对的地址', 'Addresses to review'), '…', '#/records/address_reviews?status=pending', 'muted');
    cards.push(c);
    jobs.push(
      get('/api/v1/address_reviews?status=pending&count=true&limit=1').then(
        (r) => c.replaceWith(card(t('待核对的地址', 'Addresses to review'), fmtNum(r.total ?? 0, 0), '#/records/address_reviews?status=pending', (r.total ?? 0) > 0 ? 'warn' : 'ok')),
        () => c.replaceWith(card(t('待核对的地址', 'Addresses to review'), '—', null, 'muted')),
      ),
    );
  }
  // rejected imports
  if (canRead('import_jobs')) {
    const c = card(t('未通过的导入', 'Rejected imports'), '…', '#/records/import_jobs?status=rejected&sort=-id', 'muted');
    cards.push(c);
    jobs.push(
      get('/api/v1/import_jobs?status=rejected&count=true&limit=1').then(
        (r) => c.replaceWith(card(t('未通过的导入', 'Rejected imports'), fmtNum(r.total ?? 0, 0), '#/records/import_jobs?status=rejected&sort=-id', (r.total ?? 0) > 0 ? 'warn' : 'ok')),
        () => c.replaceWith(card(t('未通过的导入', 'Rejected imports'), '—', null, 'muted')),
      ),
    );
  }
  clear(box, h('h2.sr-only', t('需关注事项', 'Needs attention')), h('div.att-row', cards));
  await Promise.all(jobs);
}

/* ---- the plan's targets ---- */

async function planSection(ctx, box, { plan, pf, date }) {
  if (!pf.plans || !pf.progress) {
    box.append(notAvailable('工作方案与目标进展（方案模块）', 'The work plan and target progress (the plan module)'));
    return;
  }
  if (!plan) {
    box.append(notice('info', t('本区域还没有工作方案。', 'This region has no work plan yet.')));
    return;
  }
  box.querySelector('h2').textContent = t(`方案目标进展：${plan.name}`, `Progress against the plan: ${plan.name}`);
  box.append(h('p.loading', t('正在计算…', 'Computing…')));
  try {
    const p = await fetchProgress(plan.id, date);
    if (!ctx.alive()) return;
    box.querySelector('.loading').remove();
    const { table, exportBtn } = targetsTable(p, date, { compact: true });
    box.querySelector('.card-head').append(h('div.toolbar', exportBtn, progressExports(plan.id, date), h('a.btn.btn-small', { href: `#/plan?plan=${plan.id}&date=${date}` }, t('方案与任务', 'Plan and tasks'))));
    box.append(summaryChips(p), table, h('p.muted.small', t(`评估日期 ${fmtDate(p.as_of || date)}；点击目标查看趋势、计划路径与预测。`, `As of ${fmtDate(p.as_of || date)}; click a target for its trend, planned path and projection.`)));
    // a chart of progress per target (with its table view and export)
    const quantified = (p.targets || []).filter((x) => x.percent != null);
    if (quantified.length)
      box.after(
        chartPanel({
          ctx,
          title: t('各目标完成进度（%）', 'Progress of each target (%)'),
          filename: `plan-${plan.id}-progress-${date}`,
          height: Math.max(220, quantified.length * 26 + 60),
          rows: quantified,
          columns: [
            { label: t('目标', 'Target'), value: (r) => `${r.code || ''} ${tl(r, 'name')}` },
            { label: t('完成进度（%）', 'Progress (%)'), value: (r) => r.percent, num: true },
            { label: t('计划进度（%）', 'Planned (%)'), value: (r) => r.expected_percent ?? '', num: true },
            { label: t('状态', 'Status'), value: (r) => t(r.status_zh || r.status, r.status_en || r.status) },
          ],
          option: (rows) => ({
            tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => { const r = rows[ps[0].dataIndex]; return `${escapeHtml(`${r.code || ''} ${tl(r, 'name')}`)}<br>${ps.map((x) => `${x.marker}${escapeHtml(x.seriesName)}: ${x.value == null ? '—' : `${escapeHtml(x.value)}%`}`).join('<br>')}`; } },
            legend: { top: 0 },
            grid: { left: 56, right: 40, top: 30, bottom: 24 },
            xAxis: { type: 'value', max: (v) => Math.max(100, Math.ceil(v.max / 10) * 10), axisLabel: { formatter: '{value}%' } },
            yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.code || String(r.id)) },
            series: [
              { type: 'bar', name: t('完成进度', 'Progress'), data: rows.map((r) => ({ value: Math.round(r.percent * 10) / 10, itemStyle: { color: COLORS[r.status] || COLORS.no_data } })) },
              { type: 'scatter', name: t('计划进度', 'Planned'), symbol: 'diamond', symbolSize: 10, itemStyle: { color: '#1f2933' }, data: rows.map((r) => (r.expected_percent == null ? null : Math.round(r.expected_percent * 10) / 10)) },
            ],
          }),
        }),
      );
  } catch (e) {
    if (ctx.alive()) {
      const l = box.querySelector('.loading');
      if (l) l.remove();
      box.append(errorBox(e));
    }
  }
}

/* ---- the main indicators ---- */

async function indicatorSection(ctx, box, { av, region, date }) {
  box.append(h('h2.section-title', t('主要指标', 'Main indicators')));
  if (!av.list) {
    box.append(h('div.card', notAvailable('统计指标与趋势（指标引擎）', 'Indicators and their trends (the indicator engine)')));
    return;
  }
  let all;
  try {
    all = await fetchIndicators(region, date);
  } catch (e) {
    if (ctx.alive()) box.append(errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const items = all.items || [];
  const main = MAIN_INDICATORS.map((id) => items.find((x) => x.id === id)).filter(Boolean);
  const shown = main.length ? main : items.slice(0, 4);
  box.append(
    h(
      'div.kpis',
      shown.map((it) =>
        h(
          'a.kpi.kpi-link',
          { href: `#/indicators/${encodeURIComponent(it.id)}?${new URLSearchParams({ region, date })}`, title: t('查看统计明细', 'See the records behind it') },
          h('div.kpi-label', indLabel(it)),
          h('div.kpi-value', indValueNode(it) ?? h('span.muted.small', t(it.note_zh || '无数值', it.note_en || 'no value'))),
          h('div.kpi-sub', t('点击查看明细', 'click for the records')),
        ),
      ),
    ),
  );
  if (!av.series) return;
  const grid = h('div.chart-grid');
  box.append(grid);
  const y = Number(date.slice(0, 4));
  await Promise.all(
    shown.map(async (it) => {
      const slot = h('div');
      grid.append(slot);
      try {
        const s = await fetchSeries(it.id, region, { from: `${y - 6}-01-01`, to: date, step: 'year' });
        if (ctx.alive()) slot.replaceWith(seriesPanel(ctx, it, s, { height: 240 }));
      } catch (e) {
        if (ctx.alive()) slot.replaceWith(h('section.card', h('h2', indLabel(it)), errorBox(e)));
      }
    }),
  );
}

/* ---- the registry at a glance (available today, from the record lists) ---- */

const KINDS = [
  ['invention', '发明', 'Invention'],
  ['utility', '实用新型', 'Utility model'],
  ['design', '外观设计', 'Design'],
];

async function pool(tasks, n = 6) {
  const out = new Array(tasks.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (i < tasks.length) {
        const k = i++;
        out[k] = await tasks[k]();
      }
    }),
  );
  return out;
}

async function registryOverview(ctx, box, { date }) {
  if (!canRead('patents')) return;
  const y = Number(date.slice(0, 4));
  const years = Array.from({ length: 10 }, (_, i) => y - 9 + i);
  const tasks = [];
  for (const yr of years)
    for (const [k] of KINDS)
      tasks.push(() => get(`/api/v1/patents${qs({ kind: k, 'filing_date.gte': `${yr}-01-01`, 'filing_date.lte': `${yr}-12-31`, count: 'true', limit: 1 })}`).then((r) => r.total ?? 0, () => null));
  const counts = await pool(tasks, 6);
  if (!ctx.alive()) return;
  const rows = years.map((yr, i) => ({ year: yr, ...Object.fromEntries(KINDS.map(([k], j) => [k, counts[i * 3 + j]])) }));
  box.append(
    chartPanel({
      ctx,
      title: t('专利申请量（按申请年份与类型，登记簿数据）', 'Patent filings by year and type (registry)'),
      note: t('数据来自本平台登记簿（含演示用合成数据）；统计口径的指标见“主要指标”。', 'From the registry of this platform (including synthetic demo data); the official indicators are under "Main indicators".'),
      filename: `patent-filings-${years[0]}-${y}`,
      rows,
      columns: [{ label: t('年份', 'Year'), value: (r) => String(r.year) }, ...KINDS.map(([k, zh, en]) => ({ label: t(zh, en), value: (r) => r[k] ?? '', num: true }))],
      option: (rs) =>
        seriesOption({
          categories: rs.map((r) => String(r.year)),
          yName: t('件', 'filings'),
          series: KINDS.map(([k, zh, en]) => ({ type: 'bar', stack: 'all', name: t(zh, en), data: rs.map((r) => r[k]) })),
        }),
    }),
  );
}
