// plan.js - the work plan's performance management: every target with its
// current value, progress, projection and status (GET /api/v1/plans/{id}/
// progress), one target's trend against the planned path, the overdue
// reports (/plans/{id}/overdue), key tasks with their progress reports, and
// the report workflow (draft -> submitted -> accepted | returned).
// Feature-detected through /api/v1/openapi.json.
import { h, clear, uid, download, toCsv } from '../dom.js';
import { t, tl, today, parseDate, fmtDate, fmtNum, fmtUnit, fmtUnitParts, lang } from '../i18n.js';
import { request, get, qs, apiPaths, ApiError } from '../api.js';
import { state, canRead, canWrite, role, homeRegion, typeByPath } from '../state.js';
import { pageHead, notice, errorBox, notAvailable, toast, fieldValue } from '../ui.js';
import { chartPanel, COLORS } from '../charts.js';
import { indLabel } from './indicators.js';

export async function planFeatures() {
  const paths = await apiPaths();
  return {
    plans: !!paths['/api/v1/plans'] && canRead('plans'),
    progress: !!paths['/api/v1/plans/{id}/progress'],
    overdue: !!paths['/api/v1/plans/{id}/overdue'],
    assessment: !!paths['/api/v1/plans/{id}/assessment'],
    attachments: !!(paths['/api/v1/task_reports/{id}/attachments'] && paths['/api/v1/task_reports/{id}/attachments'].post),
    paths,
  };
}

/* The plans of a region, the active one first. */
export async function plansOf(region) {
  const r = await get(`/api/v1/plans${qs({ region_code: region, limit: 50 })}`);
  const items = r.items || [];
  items.sort((a, b) => (a.status === 'active' ? -1 : 0) - (b.status === 'active' ? -1 : 0) || (b.period_end || '').localeCompare(a.period_end || ''));
  return items;
}

export const fetchProgress = (id, date) => get(`/api/v1/plans/${id}/progress${qs({ date })}`);
export const fetchOverdue = (id, date) => get(`/api/v1/plans/${id}/overdue${qs({ date })}`);

export const STATUS_LABEL = {
  on_track: ['进度正常', 'On track'],
  at_risk: ['存在风险', 'At risk'],
  off_track: ['进度滞后', 'Off track'],
  no_data: ['暂无数据', 'No data'],
  unquantified: ['定性目标', 'Not quantified'],
};
export function statusBadge(s, zh, en) {
  const l = STATUS_LABEL[s] || [zh || s, en || s];
  return h(`span.status.status-${s}`, h('span.dot', { 'aria-hidden': 'true' }), t(zh || l[0], en || l[1]));
}

const val = (tg, v) => (v == null ? '' : fmtUnit(v, tg.unit_zh, tg.unit_en));
/* A value with its unit set smaller (table cells). */
function valCell(tg, v) {
  if (v == null) return '—';
  const { num, unit } = fmtUnitParts(v, tg.unit_zh, tg.unit_en);
  return unit ? [num, h('span.unit', ` ${unit}`)] : num;
}
const deptNames = (tg) => (tg.departments || []).map((d) => tl({ zh: d.name_zh || d.code, en: d.name_en || d.name_zh || d.code })).join(t('、', ', '));
/* The first responsible departments and how many more (the full list as a tooltip). */
function deptShort(tg) {
  const names = (tg.departments || []).map((d) => tl({ zh: d.name_zh || d.code, en: d.name_en || d.name_zh || d.code }));
  const n = lang() === 'en' ? 1 : 2;
  if (names.length <= n + 1) return h('span', names.join(t('、', ', ')));
  return h('span', { title: names.join(t('、', ', ')) }, names.slice(0, n).join(t('、', ', ')), h('span.muted', t(`等 ${names.length} 个单位`, ` +${names.length - n} more`)));
}

export function progressBar(tg) {
  if (tg.percent == null) return h('span.muted', '—');
  const pct = Math.max(0, Math.min(100, tg.percent));
  const exp = tg.expected_percent == null ? null : Math.max(0, Math.min(100, tg.expected_percent));
  return h(
    'div.pbar-wrap',
    h(
      `div.pbar.pbar-${tg.status}`,
      { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct), 'aria-label': t('完成进度', 'Progress') },
      h('span.pbar-fill', { style: `width:${pct}%` }),
      exp != null ? h('span.pbar-expected', { style: `left:${exp}%`, title: t(`计划进度 ${fmtNum(exp, 1)}%`, `planned ${fmtNum(exp, 1)}%`) }) : null,
    ),
    h('span.pbar-text', `${fmtNum(tg.percent, 1)}%`, exp != null ? h('span.muted', t(`（计划 ${fmtNum(exp, 0)}%）`, ` (plan ${fmtNum(exp, 0)}%)`)) : null),
  );
}

/* Links to the server's progress report (XLSX, PDF). */
export function progressExports(planId, date) {
  const link = (fmt, label) => h('a.btn.btn-small', { href: `/api/v1/plans/${planId}/progress${qs({ date, format: fmt, lang: lang() })}`, download: '' }, label);
  return [link('xlsx', t('导出 XLSX', 'Export XLSX')), link('pdf', t('导出 PDF', 'Export PDF'))];
}

/* The table of every target of a progress answer, with its CSV export.
 * compact (the cockpit): no baseline column, the deadline under the target
 * value, the reason as a tooltip. */
export function targetsTable(progress, date, { compact = false } = {}) {
  const targets = progress.targets || [];
  const header = [t('编号', 'Code'), t('目标', 'Target'), t('责任单位', 'Responsible'), t('基期值', 'Baseline'), t('当前值', 'Current'), t('目标值', 'Target'), t('期限', 'Deadline'), t('进度', 'Progress'), t('预测到期值', 'Projection'), t('状态', 'Status')];
  const csvRows = targets.map((tg) => [
    tg.code,
    tl(tg, 'name'),
    deptNames(tg),
    tg.baseline ? val(tg, tg.baseline.value) : '',
    tg.current ? val(tg, tg.current.value) : '',
    tg.target && tg.target.value != null ? val(tg, tg.target.value) : t('定性', 'qualitative'),
    tg.target ? fmtDate(tg.target.date) : '',
    tg.percent == null ? '' : `${fmtNum(tg.percent, 1)}%`,
    tg.projection && tg.projection.value != null ? val(tg, tg.projection.value) : '',
    t(tg.status_zh || (STATUS_LABEL[tg.status] || [])[0], tg.status_en || (STATUS_LABEL[tg.status] || [])[1]),
  ]);
  const exportBtn = h('button.btn.btn-small', { type: 'button', onclick: () => download(`plan-${progress.plan ? progress.plan.id : ''}-targets-${progress.as_of || date}.csv`, toCsv(header, csvRows)) }, t('导出 CSV', 'Export CSV'));
  const shown = compact ? header.filter((_, i) => i !== 3 && i !== 6) : header;
  const reason = (tg) => (tg.reason_zh && ['on_track', 'at_risk', 'off_track'].includes(tg.status) ? t(tg.reason_zh, tg.reason_en || tg.reason_zh) : '');
  const table = h(
    `table.data.targets${compact ? '.compact' : ''}`,
    h('caption.sr-only', t('方案目标进展', 'Progress of the plan targets')),
    h('thead', h('tr', shown.map((x) => h('th', { scope: 'col' }, x)))),
    h(
      'tbody',
      targets.map((tg) =>
        h(
          `tr.row-${tg.status}`,
          h('td', tg.code || ''),
          h('th', { scope: 'row' }, h('a', { href: `#/plan/targets/${tg.id}?${new URLSearchParams({ plan: progress.plan ? progress.plan.id : '', date })}` }, tl(tg, 'name'))),
          h('td.small', deptShort(tg)),
          compact ? null : h('td.num', tg.baseline ? valCell(tg, tg.baseline.value) : '—'),
          h('td.num', tg.current ? [valCell(tg, tg.current.value), tg.current.partial ? h('span.muted', t('（部分）', ' (partial)')) : null] : '—'),
          h('td.num', tg.target && tg.target.value != null ? valCell(tg, tg.target.value) : h('span.muted', t('定性', 'qualitative')), compact && tg.target ? h('span.unit', t(`期限 ${fmtDate(tg.target.date)}`, `by ${fmtDate(tg.target.date)}`)) : null),
          compact ? null : h('td.date', tg.target ? fmtDate(tg.target.date) : ''),
          h('td.progress-cell', progressBar(tg)),
          h('td.num', tg.projection && tg.projection.value != null ? valCell(tg, tg.projection.value) : '—'),
          h('td', { title: reason(tg) || null }, statusBadge(tg.status, tg.status_zh, tg.status_en), !compact && reason(tg) ? h('div.muted.small', reason(tg)) : null),
        ),
      ),
    ),
  );
  return { table: h('div.table-wrap', table), exportBtn };
}

export function summaryChips(progress) {
  const s = progress.summary || {};
  return h(
    'ul.chips',
    ['on_track', 'at_risk', 'off_track', 'no_data', 'unquantified'].filter((k) => s[k] != null).map((k) => h(`li.chip.chip-${k}`, statusBadge(k), h('strong', String(s[k])))),
  );
}

function planPicker(ctx, plans, planId, date, path) {
  const pid = uid(), did = uid();
  const sel = h('select', { id: pid }, plans.map((p) => h('option', { value: p.id, selected: String(p.id) === String(planId) || null }, `${p.name}（${fmtDate(p.period_start)} — ${fmtDate(p.period_end)}）`)));
  const d = h('input', { id: did, value: date, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', size: 11 });
  const err = h('span.field-error', { role: 'alert' });
  const form = h('form.inline-form', h('label', { for: pid }, t('工作方案', 'Work plan')), sel, h('label', { for: did }, t('评估日期', 'As of')), d, h('button.btn', { type: 'submit' }, t('查询', 'Show')), err);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const dd = parseDate(d.value);
    if (!dd) {
      err.textContent = t('日期格式应为 YYYY-MM-DD', 'Dates are YYYY-MM-DD');
      d.focus();
      return;
    }
    ctx.go(path, { plan: sel.value, date: dd });
  });
  return form;
}

/* ---- #/plan ---- */

export async function renderPlan(ctx) {
  const { main, query } = ctx;
  ctx.setTitle(t('方案与任务', 'Plan and tasks'));
  const f = await planFeatures();
  if (!ctx.alive()) return;
  if (!f.plans) {
    clear(main, pageHead(t('方案与任务', 'Plan and tasks')), notAvailable('工作方案与绩效管理模块', 'The work plan and performance management module'));
    return;
  }
  const date = parseDate(query.date || '') || today();
  const plans = await plansOf(query.region || homeRegion()).catch(() => []);
  const all = plans.length ? plans : (await get('/api/v1/plans?limit=50')).items || [];
  if (!ctx.alive()) return;
  if (!all.length) {
    clear(main, pageHead(t('方案与任务', 'Plan and tasks')), notice('info', t('还没有工作方案。', 'There is no work plan yet.')), canWrite('plans') ? h('a.btn', { href: '#/records/plans/new' }, t('新建方案', 'New plan')) : null);
    return;
  }
  const plan = all.find((p) => String(p.id) === String(query.plan)) || all[0];
  const progressBox = h('section.card', h('h2', t('目标进展', 'Targets')));
  const overdueBox = h('section.card', h('h2', t('逾期未报送', 'Overdue reports')));
  const reviewBox = h('section.card', h('h2', ['admin', 'bureau'].includes(role()) ? t('待审核的进展报告', 'Reports awaiting review') : t('本部门的进展报告', "My department's reports")));
  const tasksBox = h('section.card', h('h2', t('重点任务', 'Key tasks')));
  const assessBox = f.assessment ? h('section.card', h('h2', t('年度考核', 'Annual assessment'))) : null;
  clear(main, pageHead(plan.name, h('a.btn', { href: `#/records/plans/${plan.id}` }, t('方案信息', 'Plan record'))), planPicker(ctx, all, plan.id, date, 'plan'), progressBox, h('div.two-col', overdueBox, reviewBox), tasksBox, assessBox);

  const jobs = [];
  if (f.progress)
    jobs.push(
      fetchProgress(plan.id, date).then(
        (p) => {
          if (!ctx.alive()) return;
          const { table, exportBtn } = targetsTable(p, date);
          progressBox.append(h('div.toolbar', summaryChips(p), exportBtn, progressExports(plan.id, date)), table, p.rule_zh ? h('details.rule', h('summary', t('状态判定规则', 'How the status is decided')), h('p.small', t(p.rule_zh, p.rule_en || p.rule_zh))) : null);
        },
        (e) => ctx.alive() && progressBox.append(errorBox(e)),
      ),
    );
  else progressBox.append(notAvailable('目标进展计算', 'Target progress'));
  if (f.overdue) jobs.push(fetchOverdue(plan.id, date).then((o) => ctx.alive() && overdueBox.append(overdueTable(o)), (e) => ctx.alive() && overdueBox.append(errorBox(e))));
  else overdueBox.append(notAvailable('逾期统计', 'The overdue list'));
  jobs.push(reportsList(ctx, reviewBox, plan));
  jobs.push(tasksList(ctx, tasksBox, plan));
  if (assessBox) jobs.push(assessment(ctx, assessBox, plan, date));
  await Promise.all(jobs);
}

function overdueTable(o) {
  const items = o.items || [];
  if (!items.length) return notice('ok', t('没有逾期未报送的进展报告。', 'No progress report is overdue.'));
  return h(
    'div',
    h('p', t(`共 ${o.total ?? items.length} 项逾期`, `${o.total ?? items.length} overdue`)),
    h(
      'div.table-wrap.scroll-y',
      h(
        'table.data',
        h('thead', h('tr', [t('任务', 'Task'), t('单位', 'Department'), t('报告期', 'Period'), t('逾期天数', 'Days overdue'), t('报告', 'Report')].map((x) => h('th', { scope: 'col' }, x)))),
        h(
          'tbody',
          items.slice(0, 200).map((it) =>
            h(
              'tr',
              h('td', h('a', { href: `#/plan/tasks/${it.task}` }, `${it.task_code || ''} ${it.task_title || ''}`)),
              h('td', t(it.dept_name_zh || it.dept, it.dept_name_en || it.dept_name_zh || it.dept)),
              h('td', it.period),
              h('td.num', String(it.days_overdue ?? '')),
              h('td', it.report ? h('a', { href: `#/plan/reports/${it.report.id}` }, reportStatus(it.report.status)) : h('span.muted', t('未填报', 'none'))),
            ),
          ),
        ),
      ),
    ),
  );
}

const REPORT_STATUS = { draft: ['草稿', 'Draft', 'muted'], submitted: ['已报送', 'Submitted', 'info'], returned: ['退回修改', 'Returned', 'off'], accepted: ['审核通过', 'Accepted', 'ok'] };
function reportStatus(s) {
  const x = REPORT_STATUS[s] || [s, s, 'muted'];
  return h(`span.state-badge.state-${x[2]}`, t(x[0], x[1]));
}

async function reportsList(ctx, box, plan) {
  if (!canRead('task_reports')) return;
  const reviewer = ['admin', 'bureau'].includes(role());
  try {
    const r = await get(`/api/v1/task_reports${qs(reviewer ? { status: 'submitted', limit: 100, sort: 'submitted_at' } : { dept: state.user.dept, limit: 100, sort: '-period' })}`);
    const names = await deptNameMap();
    if (!ctx.alive()) return;
    const items = r.items || [];
    box.append(
      items.length
        ? h(
            'div.table-wrap.scroll-y',
            h(
              'table.data',
              h('thead', h('tr', [t('报告', 'Report'), t('任务', 'Task'), t('报告期', 'Period'), t('单位', 'Department'), t('状态', 'Status')].map((x) => h('th', { scope: 'col' }, x)))),
              h('tbody', items.map((it) => h('tr', h('td', h('a', { href: `#/plan/reports/${it.id}` }, `#${it.id}`)), h('td', h('a', { href: `#/plan/tasks/${it.task}` }, `#${it.task}`)), h('td', it.period), h('td', names(it.dept)), h('td', reportStatus(it.status))))),
            ),
          )
        : h('p.muted', reviewer ? t('没有待审核的报告。', 'No report is waiting for review.') : t('本部门还没有进展报告。', 'Your department has no reports yet.')),
    );
  } catch (e) {
    if (ctx.alive()) box.append(errorBox(e));
  }
}

async function tasksList(ctx, box, plan) {
  if (!canRead('plan_tasks')) return;
  try {
    const r = await get(`/api/v1/plan_tasks${qs({ plan: plan.id, limit: 500, sort: 'code' })}`);
    if (!ctx.alive()) return;
    let items = r.items || [];
    const mine = role() === 'dept' ? items.filter((x) => (x.departments || []).includes(state.user.dept)) : items;
    if (role() === 'dept') box.append(h('p.muted', t(`本部门负责 ${mine.length} 项（共 ${items.length} 项）`, `Your department is responsible for ${mine.length} of ${items.length}`)));
    items = mine;
    box.append(
      h(
        'div.table-wrap.scroll-y',
        h(
          'table.data',
          h('thead', h('tr', [t('编号', 'No.'), t('任务', 'Task'), t('章节', 'Section'), t('落实单位', 'Departments'), t('报送频次', 'Frequency')].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', items.map((it) => h('tr', h('td', it.code), h('th', { scope: 'row' }, h('a', { href: `#/plan/tasks/${it.id}` }, t(it.title, it.title_en || it.title))), h('td.small', it.section), h('td.small', t(`${(it.departments || []).length} 个`, String((it.departments || []).length))), h('td', fieldOpt('plan_tasks', 'report_frequency', it.report_frequency))))),
        ),
      ),
    );
  } catch (e) {
    if (ctx.alive()) box.append(errorBox(e));
  }
}

function fieldOpt(path, name, v) {
  const ty = typeByPath(path);
  const f = ty && ty.fields.find((x) => x.name === name);
  return f ? fieldValue(f, v) : v ?? '';
}

async function assessment(ctx, box, plan, date) {
  // the assessment year lies within the plan period
  const y0 = Number((plan.period_start || date).slice(0, 4)), y1 = Number((plan.period_end || date).slice(0, 4));
  const year = Math.min(Math.max(Number(date.slice(0, 4)), y0), y1);
  const link = (fmt, label) => h('a.btn.btn-small', { href: `/api/v1/plans/${plan.id}/assessment${qs({ year, format: fmt, lang: lang() })}`, download: '' }, label);
  box.append(h('div.toolbar', link('xlsx', t('导出 XLSX', 'Export XLSX')), link('pdf', t('导出 PDF', 'Export PDF'))));
  try {
    const a = await get(`/api/v1/plans/${plan.id}/assessment${qs({ year })}`);
    if (!ctx.alive()) return;
    const rows = a.departments || a.items || a.sheets || [];
    box.append(
      h('p.muted', t(`${year} 年度`, `Year ${year}`)),
      rows.length
        ? h('div.table-wrap', h('table.data', h('thead', h('tr', [t('排名', 'Rank'), t('单位', 'Department'), t('得分', 'Score')].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', rows.map((r) => h('tr', h('td.num', r.rank == null ? '—' : String(r.rank)), h('td', t(r.name_zh || r.dept, r.name_en || r.name_zh || r.dept)), h('td.num', r.score == null ? '—' : fmtNum(typeof r.score === 'object' ? r.score.value : r.score, 1)))))))
        : h('p.muted', t('暂无考核数据', 'No assessment data')),
    );
  } catch (e) {
    if (ctx.alive()) box.append(errorBox(e));
  }
}

/* ---- #/plan/targets/:id ---- */

export async function renderTarget(ctx) {
  const { main, params, query } = ctx;
  const f = await planFeatures();
  if (!ctx.alive()) return;
  if (!f.progress) {
    clear(main, pageHead(t('方案目标', 'Plan target')), notAvailable('目标进展计算', 'Target progress'));
    return;
  }
  const date = parseDate(query.date || '') || today();
  let planId = query.plan;
  if (!planId) {
    const tg = await get(`/api/v1/plan_targets/${encodeURIComponent(params.id)}`);
    planId = tg.plan;
  }
  const p = await fetchProgress(planId, date);
  if (!ctx.alive()) return;
  const tg = (p.targets || []).find((x) => String(x.id) === String(params.id));
  if (!tg) {
    clear(main, pageHead(t('方案目标', 'Plan target')), notice('error', t('找不到该目标', 'No such target')));
    return;
  }
  ctx.setTitle(tl(tg, 'name'));
  const actions = [h('a.btn', { href: `#/plan?${new URLSearchParams({ plan: planId, date })}` }, t('全部目标', 'All targets'))];
  if (tg.indicator) actions.unshift(h('a.btn.btn-primary', { href: `#/indicators/${encodeURIComponent(tg.indicator)}?${new URLSearchParams({ region: (p.plan && p.plan.region_code) || homeRegion(), date: tg.current ? tg.current.date : date })}` }, t('查看统计明细', 'See the records behind it')));
  actions.push(h('a.btn', { href: `#/records/plan_targets/${tg.id}` }, t('目标记录', 'Target record')));
  clear(
    main,
    pageHead(tl(tg, 'name'), actions),
    h('p', statusBadge(tg.status, tg.status_zh, tg.status_en), ' ', tg.reason_zh ? t(tg.reason_zh, tg.reason_en) : ''),
    h(
      'div.kpis',
      kpi(t('当前值', 'Current'), tg.current ? val(tg, tg.current.value) : '—', tg.current ? fmtDate(tg.current.date) : ''),
      kpi(t('目标值', 'Target'), tg.target && tg.target.value != null ? val(tg, tg.target.value) : t('定性', 'qualitative'), tg.target ? fmtDate(tg.target.date) : ''),
      kpi(t('基期值', 'Baseline'), tg.baseline ? val(tg, tg.baseline.value) : '—', tg.baseline ? fmtDate(tg.baseline.date) : ''),
      kpi(t('预测到期值', 'Projection'), tg.projection && tg.projection.value != null ? val(tg, tg.projection.value) : '—', tg.projection ? t(`方法：${tg.projection.method}`, `method: ${tg.projection.method}`) : ''),
      kpi(t('完成进度', 'Progress'), tg.percent == null ? '—' : `${fmtNum(tg.percent, 1)}%`, tg.expected_percent == null ? '' : t(`计划 ${fmtNum(tg.expected_percent, 1)}%`, `planned ${fmtNum(tg.expected_percent, 1)}%`)),
    ),
    targetChart(ctx, tg),
    h(
      'section.card',
      h('h2', t('目标说明', 'About the target')),
      h(
        'dl.fields.compact',
        h('dt', t('编号', 'Code')),
        h('dd', tg.code || ''),
        h('dt', t('方案章节', 'Section')),
        h('dd', tg.section || ''),
        h('dt', t('责任单位', 'Responsible')),
        h('dd', deptNames(tg) || '—'),
        h('dt', t('统计指标', 'Indicator')),
        h('dd', tg.indicator ? h('a', { href: `#/indicators/${encodeURIComponent(tg.indicator)}?${new URLSearchParams({ region: (p.plan && p.plan.region_code) || homeRegion(), date })}` }, indLabel({ id: tg.indicator, ...(tg.detail || {}) })) : tg.measure || '—'),
        h('dt', t('计算方式', 'Aggregation')),
        h('dd', fieldOpt('plan_targets', 'aggregation', tg.aggregation)),
      ),
      tg.source_text ? h('blockquote', tg.source_text) : null,
      (tg.notes || []).length ? h('ul.notes', tg.notes.map((n) => h('li', n.date ? `${fmtDate(n.date)}：` : '', t(n.note_zh, n.note_en || n.note_zh)))) : null,
    ),
  );
}

function kpi(label, value, sub) {
  return h('div.kpi', h('div.kpi-label', label), h('div.kpi-value', value), sub ? h('div.kpi-sub', sub) : null);
}

/* Actual values, the planned path (baseline, milestones, target) and the projection. */
function targetChart(ctx, tg) {
  const rows = new Map();
  const put = (d, k, v) => {
    if (!d || v == null) return;
    const r = rows.get(d) || { date: d };
    r[k] = v;
    rows.set(d, r);
  };
  for (const pt of tg.series || []) put(pt.date, 'actual', pt.value);
  if (tg.baseline) put(tg.baseline.date, 'plan', tg.baseline.value);
  for (const m of tg.milestones || []) put(`${m.year}-12-31`, 'plan', m.value);
  if (tg.target && tg.target.value != null) put(tg.target.date, 'plan', tg.target.value);
  if (tg.projection && tg.projection.value != null && tg.current) {
    put(tg.current.date, 'proj', tg.current.value);
    put(tg.projection.date, 'proj', tg.projection.value);
  }
  const data = [...rows.values()].sort((a, b) => a.date.localeCompare(b.date));
  const unit = t(tg.unit_zh || '', tg.unit_en || tg.unit_zh || '');
  const pairs = (k) => data.filter((r) => r[k] != null).map((r) => [r.date, r[k]]);
  return chartPanel({
    ctx,
    title: t('实际值、计划路径与预测', 'Actual, planned path and projection'),
    filename: `target-${tg.code || tg.id}`,
    rows: data,
    columns: [
      { label: t('日期', 'Date'), value: (r) => fmtDate(r.date) },
      { label: t('实际值', 'Actual'), value: (r) => r.actual ?? '', display: (r) => (r.actual == null ? '' : val(tg, r.actual)), num: true },
      { label: t('计划值', 'Planned'), value: (r) => r.plan ?? '', display: (r) => (r.plan == null ? '' : val(tg, r.plan)), num: true },
      { label: t('预测', 'Projection'), value: (r) => r.proj ?? '', display: (r) => (r.proj == null ? '' : val(tg, r.proj)), num: true },
    ],
    option: () => ({
      color: [COLORS.series[0], COLORS.no_data, COLORS.series[1]],
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 36, bottom: 32 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: unit },
      series: [
        { type: 'line', name: t('实际值', 'Actual'), data: pairs('actual'), showSymbol: true },
        { type: 'line', name: t('计划路径', 'Planned path'), data: pairs('plan'), lineStyle: { type: 'dashed' } },
        { type: 'line', name: t('预测', 'Projection'), data: pairs('proj'), lineStyle: { type: 'dotted', width: 2 } },
      ],
    }),
  });
}

/* ---- #/plan/tasks/:id ---- */

/* The reporting periods of a frequency from `from` to `to` (the plan's end)
 * that have started by today, latest first. */
export function periodsSince(freq, from, to) {
  const out = [];
  const now = new Date();
  const start = new Date(`${from || `${now.getFullYear()}-01-01`}T00:00:00`);
  const last = to ? Math.min(now.getFullYear(), Number(to.slice(0, 4))) : now.getFullYear();
  for (let y = last; y >= start.getFullYear(); y--) {
    if (freq === 'yearly') out.push({ code: String(y), start: `${y}-01-01` });
    else if (freq === 'half_yearly') for (const hf of [2, 1]) out.push({ code: `${y}-H${hf}`, start: `${y}-${hf === 1 ? '01' : '07'}-01` });
    else for (const q of [4, 3, 2, 1]) out.push({ code: `${y}-Q${q}`, start: `${y}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01` });
  }
  const td = today();
  return out.filter((p) => p.start <= td && p.start >= `${start.getFullYear()}-01-01` && (!to || p.start <= to)).slice(0, 24);
}

export async function renderTask(ctx) {
  const { main, params } = ctx;
  let task;
  try {
    task = await get(`/api/v1/plan_tasks/${encodeURIComponent(params.id)}`);
  } catch (e) {
    if (ctx.alive()) clear(main, pageHead(t('重点任务', 'Key task')), e.status === 404 ? notice('error', t('任务不存在，或您无权查看。', 'No such task, or you may not see it.')) : errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(task.title);
  let plan = null;
  try {
    plan = await get(`/api/v1/plans/${task.plan}`);
  } catch {}
  const reports = await get(`/api/v1/task_reports${qs({ task: task.id, limit: 500, sort: '-period' })}`).then((r) => r.items || [], () => []);
  if (!ctx.alive()) return;
  const depts = task.departments || [];
  const names = await deptNameMap();
  const mineResponsible = role() === 'dept' && depts.includes(state.user.dept);
  const formBox = h('div');
  clear(
    main,
    pageHead(`${task.code || ''} ${t(task.title, task.title_en || task.title)}`, h('a.btn', { href: `#/plan?plan=${task.plan}` }, t('返回方案', 'Back to the plan'))),
    h('p.muted', `${task.section || ''} · ${t('报送频次：', 'Reporting: ')}${fieldOpt('plan_tasks', 'report_frequency', task.report_frequency)}`),
    task.text ? h('section.card', h('h2', t('任务内容', 'The task')), h('p.pre', task.text)) : null,
    h('section.card', h('h2', t('落实单位', 'Responsible departments')), h('p', depts.map((d) => names(d)).join(t('、', ', ')) || '—'), task.dept_note ? h('p.muted', task.dept_note) : null),
    h(
      'section.card',
      h('h2', t('进展报告', 'Progress reports')),
      reports.length
        ? h('div.table-wrap', h('table.data', h('thead', h('tr', [t('报告期', 'Period'), t('单位', 'Department'), t('状态', 'Status'), t('报送时间', 'Submitted'), t('审核人', 'Reviewer')].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', reports.map((r) => h('tr', h('td', h('a', { href: `#/plan/reports/${r.id}` }, r.period)), h('td', names(r.dept)), h('td', reportStatus(r.status)), h('td', fmtDate(r.submitted_at)), h('td', r.reviewed_by || ''))))))
        : h('p.muted', t('还没有进展报告。', 'No progress report yet.')),
    ),
    formBox,
  );
  if (mineResponsible && canWrite('task_reports')) {
    const have = new Set(reports.filter((r) => r.dept === state.user.dept).map((r) => r.period));
    const periods = periodsSince(task.report_frequency || 'quarterly', task.start_date || (plan && plan.period_start), plan && plan.period_end).filter((p) => !have.has(p.code));
    formBox.append(await reportForm(ctx, { task, plan, periods }));
  }
}

/* Figures: target code -> number, for the targets whose value comes from
 * the departments' reports (not computed by the indicator engine) and for
 * which the user's department is responsible. */
async function figuresEditor(planId, figures) {
  let targets = [];
  try {
    targets = (await get(`/api/v1/plan_targets${qs({ plan: planId, limit: 200, sort: 'code' })}`)).items || [];
  } catch {}
  let computed = new Set();
  if ((await apiPaths())['/api/v1/indicators']) {
    try {
      const all = await get(`/api/v1/indicators${qs({ region: homeRegion() })}`);
      computed = new Set((all.items || []).filter((x) => x.source === 'computed').map((x) => x.id));
    } catch {}
  }
  const mine = state.user.dept;
 const isComputed = (ind) => !!ind && ind.split('+').every((id) => computed.has(id.trim()));
  targets = targets.filter((x) => !isComputed(x.indicator) && (role() !== 'dept' || (x.departments || []).includes(mine)) && x.target_value != null);
  const rows = h('div.figures');
  const inputs = [];
  for (const tg of targets) {
    const id = uid();
    const input = h('input', { id, inputmode: 'decimal', size: 10, value: figures && figures[tg.code] != null ? String(figures[tg.code]) : '' });
    inputs.push([tg.code, input]);
    rows.append(h('div.field.figure', h('label', { for: id }, `${tg.code} ${t(tg.name_zh, tg.name_en || tg.name_zh)}${tg.unit_zh ? `（${t(tg.unit_zh, tg.unit_en || tg.unit_zh)}）` : ''}`), input));
  }
  return {
    el: targets.length ? h('fieldset', h('legend', t('数据（按目标填报，累计目标填本期新增数）', 'Figures (per target; for totals the period’s addition)')), rows) : null,
    read() {
      const out = {};
      for (const [code, input] of inputs) {
        const v = input.value.trim();
        if (!v) continue;
        const n = Number(v.replace(/,/g, ''));
        if (!Number.isFinite(n)) return { ok: false, input };
        out[code] = n;
      }
      return { ok: true, value: Object.keys(out).length ? out : null };
    },
  };
}

async function reportForm(ctx, { task, plan, periods, report = null, etag = null }) {
  const editing = !!report;
  const pid = uid(), tid = uid();
  const period = editing ? h('input', { id: pid, value: report.period, disabled: true }) : h('select', { id: pid }, periods.map((p) => h('option', { value: p.code }, p.code)));
  const text = h('textarea', { id: tid, rows: 6 });
  text.value = report ? report.text || '' : '';
  const figs = await figuresEditor(task.plan, report ? report.figures : null);
  const banner = h('div.form-banner', { 'aria-live': 'assertive' });
  const draftBtn = h('button.btn', { type: 'button' }, t('保存草稿', 'Save draft'));
  const submitBtn = h('button.btn.btn-primary', { type: 'button' }, t('报送', 'Submit'));
  if (!editing && !periods.length) return notice('info', t('当前没有需要新建报告的报告期。', 'There is no period to report on now.'));
  const errs = {};
  const fieldWrap = (id, label, input, name) => {
    errs[name] = h('span.field-error');
    return h('div.field.wide', h('label', { for: id }, label), input, errs[name]);
  };
  const form = h(
    'form.card.record-form',
    { novalidate: true },
    h('h2', editing ? t('修改进展报告', 'Edit the report') : t('新建进展报告', 'New progress report')),
    banner,
    h('div.form-grid', fieldWrap(pid, t('报告期', 'Period'), period, 'period'), fieldWrap(tid, t('进展情况', 'Progress'), text, 'text')),
    figs.el,
    h('div.form-actions', draftBtn, submitBtn),
  );
  const send = async (status) => {
    clear(banner);
    for (const k in errs) errs[k].textContent = '';
    const f = figs.read();
    if (!f.ok) {
      banner.append(notice('error', t('数据应为数字', 'Figures must be numbers')));
      f.input.focus();
      return;
    }
    const body = { text: text.value, status };
    if (f.value) body.figures = f.value;
    draftBtn.disabled = submitBtn.disabled = true;
    try {
      let res;
      if (editing) res = await request('PATCH', `/api/v1/task_reports/${report.id}`, { body, etag });
      else res = await request('POST', '/api/v1/task_reports', { body: { ...body, task: task.id, period: period.value, dept: state.user.dept } });
      toast(status === 'submitted' ? t('已报送', 'Submitted') : t('草稿已保存', 'Draft saved'));
      ctx.go(`plan/reports/${res.data.id}`);
    } catch (e) {
      draftBtn.disabled = submitBtn.disabled = false;
      if (e instanceof ApiError && (e.status === 412 || e.status === 409) && e.code === 'conflict.stale') {
        banner.append(notice('warn', h('strong', t('此报告已被他人修改，请重新载入页面。您的输入仍在表单中，可先复制保存。', 'Someone else changed this report; reload the page. Your input is still in the form; copy it first.'))));
        return;
      }
      for (const it of (e && e.items) || []) if (errs[it.field]) errs[it.field].textContent = t(it.message_zh, it.message_en || it.message_zh);
      banner.append(errorBox(e));
    }
  };
  draftBtn.addEventListener('click', () => send(editing ? report.status === 'returned' ? 'returned' : 'draft' : 'draft'));
  submitBtn.addEventListener('click', () => send('submitted'));
  return form;
}

/* code -> department name in the current language (codes when unreadable). */
async function deptNameMap() {
  let rows = [];
  if (canRead('departments')) {
    try {
      rows = (await get('/api/v1/departments?limit=500')).items || [];
    } catch {}
  }
  const m = new Map(rows.map((d) => [d.code, d]));
  return (code) => {
    const d = m.get(code);
    return d ? tl({ zh: d.name_zh, en: d.name_en || d.name_zh }) : code;
  };
}

/* ---- #/plan/reports/:id ---- */

export async function renderReport(ctx) {
  const { main, params } = ctx;
  let res;
  try {
    res = await request('GET', `/api/v1/task_reports/${encodeURIComponent(params.id)}`);
  } catch (e) {
    if (ctx.alive()) clear(main, pageHead(t('进展报告', 'Progress report')), e.status === 404 ? notice('error', t('报告不存在，或您无权查看。', 'No such report, or you may not see it.')) : errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const r = res.data;
  const etag = res.etag || `"v${r.version}"`;
  const task = await get(`/api/v1/plan_tasks/${r.task}`).catch(() => ({ id: r.task, title: `#${r.task}`, plan: null }));
  if (!ctx.alive()) return;
  const f = await planFeatures();
  ctx.setTitle(t(`进展报告 ${r.period}`, `Progress report ${r.period}`));
  const own = r.dept === state.user.dept && role() === 'dept';
  const names = await deptNameMap();
  const reviewer = ['admin', 'bureau'].includes(role());
  const box = h('div');
  clear(
    main,
    pageHead(t(`进展报告 · ${r.period}`, `Progress report · ${r.period}`), h('a.btn', { href: `#/plan/tasks/${r.task}` }, t('返回任务', 'Back to the task'))),
    h('p', reportStatus(r.status), ' ', h('a', { href: `#/plan/tasks/${r.task}` }, `${task.code || ''} ${t(task.title, task.title_en || task.title)}`), ` · ${names(r.dept)}`),
    h(
      'section.card',
      h(
        'dl.fields.compact',
        h('dt', t('进展情况', 'Progress')),
        h('dd.pre', r.text || '—'),
        h('dt', t('数据', 'Figures')),
        h('dd', r.figures ? Object.entries(r.figures).map(([k, v]) => `${k}: ${fmtNum(v)}`).join(t('；', '; ')) : '—'),
        h('dt', t('附件', 'Attachments')),
        h('dd', (r.attachments || []).length ? h('ul', r.attachments.map((a) => h('li', f.paths['/api/v1/task_reports/{id}/attachments/{sha256}'] ? h('a', { href: `/api/v1/task_reports/${r.id}/attachments/${a.sha256}`, download: a.name }, a.name) : a.name, h('span.muted.small', ` ${fmtNum(a.size / 1024, 1)} KB`)))) : '—'),
        h('dt', t('报送', 'Submitted')),
        h('dd', r.submitted_at ? `${fmtDate(r.submitted_at)} ${r.submitted_by || ''}` : '—'),
        h('dt', t('审核', 'Reviewed')),
        h('dd', r.reviewed_at ? `${fmtDate(r.reviewed_at)} ${r.reviewed_by || ''}` : '—'),
        h('dt', t('审核意见', 'Review comment')),
        h('dd.pre', r.review_comment || '—'),
        h('dt', t('退回次数', 'Times returned')),
        h('dd', String(r.return_count ?? 0)),
      ),
    ),
    box,
  );
  if (own && (r.status === 'draft' || r.status === 'returned')) {
    box.append(await reportForm(ctx, { task, plan: null, periods: [], report: r, etag }));
    if (f.attachments) box.append(attachForm(ctx, r, etag));
  } else if (reviewer && r.status === 'submitted') box.append(reviewForm(ctx, r, etag));
}

function attachForm(ctx, r, etag) {
  const id = uid();
  const file = h('input', { id, type: 'file' });
  const banner = h('div.form-banner', { 'aria-live': 'assertive' });
  const btn = h('button.btn', { type: 'submit' }, t('上传附件', 'Upload'));
  const form = h('form.card.inline-form', h('label', { for: id }, t('添加附件', 'Add an attachment')), file, btn, banner);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fl = file.files && file.files[0];
    if (!fl) return;
    btn.disabled = true;
    try {
      await request('POST', `/api/v1/task_reports/${r.id}/attachments${qs({ filename: fl.name, version: r.version })}`, { raw: fl, etag, headers: { 'Content-Type': 'application/octet-stream' } });
      toast(t('附件已上传', 'Attachment uploaded'));
      ctx.go(`plan/reports/${r.id}`);
    } catch (e) {
      btn.disabled = false;
      clear(banner, errorBox(e));
    }
  });
  return form;
}

function reviewForm(ctx, r, etag) {
  const id = uid();
  const comment = h('textarea', { id, rows: 3 });
  const err = h('span.field-error');
  const banner = h('div.form-banner', { 'aria-live': 'assertive' });
  const accept = h('button.btn.btn-primary', { type: 'button' }, t('审核通过', 'Accept'));
  const ret = h('button.btn.btn-danger', { type: 'button' }, t('退回修改', 'Return for revision'));
  const send = async (status) => {
    clear(banner);
    err.textContent = '';
    if (status === 'returned' && !comment.value.trim()) {
      err.textContent = t('退回时请填写审核意见', 'Give a review comment when returning a report');
      comment.focus();
      return;
    }
    accept.disabled = ret.disabled = true;
    try {
      const body = { status };
      if (comment.value.trim()) body.review_comment = comment.value.trim();
      await request('PATCH', `/api/v1/task_reports/${r.id}`, { body, etag });
      toast(status === 'accepted' ? t('已审核通过', 'Accepted') : t('已退回', 'Returned'));
      ctx.go(`plan/reports/${r.id}`);
    } catch (e) {
      accept.disabled = ret.disabled = false;
      if (e instanceof ApiError && e.status === 412) banner.append(notice('warn', t('此报告已被他人修改，请重新载入页面后再审核。您填写的意见仍在输入框中。', 'Someone else changed this report; reload the page before reviewing. Your comment is still in the box.')));
      else {
        for (const it of e.items || []) if (it.field === 'review_comment') err.textContent = t(it.message_zh, it.message_en || it.message_zh);
        banner.append(errorBox(e));
      }
    }
  };
  accept.addEventListener('click', () => send('accepted'));
  ret.addEventListener('click', () => send('returned'));
  return h('form.card.record-form', { novalidate: true }, h('h2', t('审核', 'Review')), banner, h('div.field.wide', h('label', { for: id }, t('审核意见', 'Review comment')), comment, err), h('div.form-actions', accept, ret));
}
