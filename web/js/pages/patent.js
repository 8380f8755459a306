// patent.js - one patent: its fields, its legal status on a chosen date and
// the timeline of its legal events (GET /api/v1/patents/{id}/status), and the
// high-value criteria it meets when the indicator engine offers them.
import { h, clear, uid } from '../dom.js';
import { t, tl, today, parseDate, fmtDate } from '../i18n.js';
import { request, get, qs, apiPaths } from '../api.js';
import { typeByPath, canWrite, canRead, homeRegion } from '../state.js';
import { pageHead, notice, errorBox, fieldValue, jsonBlock, notAvailable } from '../ui.js';
import { highValueCriteria } from './indicators.js';

const STATE_CLASS = { in_force: 'ok', pending: 'info', granted: 'ok' };

export async function render(ctx) {
  const { main, params, query } = ctx;
  const ty = typeByPath('patents');
  let res;
  try {
    res = await request('GET', `/api/v1/patents/${encodeURIComponent(params.id)}`);
  } catch (e) {
    if (!ctx.alive()) return;
    clear(main, pageHead(t('专利', 'Patent')), e.status === 404 ? notice('error', t('专利不存在，或您无权查看。', 'The patent does not exist, or you may not see it.')) : errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  const p = res.data;
  ctx.setTitle(p.title || p.appno);
  const f = (name) => (ty ? ty.fields.find((x) => x.name === name) : { name, type: 'text', zh: name, en: name });
  const val = (name) => (f(name) ? fieldValue(f(name), p[name]) : p[name]);

  const actions = [];
  if (canWrite('patents')) actions.push(h('a.btn', { href: `#/records/patents/${p.id}/edit` }, t('编辑', 'Edit')));
  if (canWrite('patent_events')) actions.push(h('a.btn', { href: `#/records/patent_events/new?patent=${p.id}` }, t('登记法律事件', 'Record a legal event')));
  actions.push(h('a.btn', { href: `#/records/patents/${p.id}` }, t('全部字段', 'All fields')));

  const summary = h(
    'dl.fields.compact',
    ['appno', 'kind', 'filing_date', 'pub_no', 'pub_date', 'grant_no', 'grant_date', 'term_end', 'ipc_main', 'first_applicant', 'region_code', 'pct_app_no', 'source']
      .filter((n) => f(n) && p[n] != null && p[n] !== '')
      .flatMap((n) => [h('dt', tl(f(n))), h('dd', val(n))]),
  );
  const parties = h(
    'div.parties',
    ['applicants', 'patentees', 'inventors', 'ipc', 'family', 'awards', 'priorities']
      .filter((n) => f(n) && p[n] != null && (!Array.isArray(p[n]) || p[n].length))
      .map((n) => h('div.party', h('h3', tl(f(n))), jsonBlock(p[n]))),
  );

  // legal status on a date
  const dateId = uid();
  const dateInput = h('input', { id: dateId, value: query.date || today(), placeholder: 'YYYY-MM-DD', inputmode: 'numeric', size: 11 });
  const statusBox = h('div.status-box', { 'aria-live': 'polite' });
  const timeline = h('div.timeline-wrap');
  const statusForm = h(
    'form.inline-form',
    h('label', { for: dateId }, t('法律状态日期', 'Status on')),
    dateInput,
    h('button.btn', { type: 'submit' }, t('查询', 'Show')),
  );
  statusForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = parseDate(dateInput.value);
    if (!d) {
      clear(statusBox, notice('error', t('日期格式应为 YYYY-MM-DD', 'Dates are YYYY-MM-DD')));
      dateInput.focus();
      return;
    }
    ctx.go(`patents/${p.id}`, { date: d });
  });
  const hv = h('section.card', h('h2', t('高价值发明专利认定', 'High-value invention patent criteria')));

  clear(
    main,
    pageHead(p.title || p.appno, actions),
    h('p.muted', `${val('kind')} · ${p.appno}`, p.synthetic ? h('span.badge.badge-muted', t('合成数据', 'synthetic')) : null),
    h('div.two-col', h('section.card', h('h2', t('著录项目', 'Bibliographic data')), summary), h('section.card', h('h2', t('法律状态', 'Legal status')), statusForm, statusBox)),
    p.abstract ? h('section.card', h('h2', tl(f('abstract'))), h('p.pre', p.abstract)) : null,
    h('section.card', h('h2', t('法律状态时间线', 'Legal status timeline')), timeline),
    hv,
    h('section.card', h('h2', t('当事人与分类', 'Parties and classification')), parties),
  );

  const date = parseDate(query.date || '') || today();
  let st = null;
  try {
    st = await get(`/api/v1/patents/${p.id}/status${qs({ date })}`);
    if (!ctx.alive()) return;
    clear(
      statusBox,
      h('p.state', h(`span.state-badge.state-${st.in_force ? 'ok' : STATE_CLASS[st.state] || 'off'}`, t(st.state_zh, st.state_en))),
      h(
        'dl.fields.compact',
        h('dt', t('查询日期', 'As of')),
        h('dd', fmtDate(st.date)),
        h('dt', t('是否有效', 'In force')),
        h('dd', st.in_force ? t('有效', 'Yes') : t('无效', 'No')),
        st.since ? [h('dt', t('状态起始日', 'Since')), h('dd', fmtDate(st.since))] : null,
        st.term_end ? [h('dt', t('保护期届满日', 'End of term')), h('dd', fmtDate(st.term_end))] : null,
      ),
    );
    clear(timeline, renderTimeline(p, st, date));
  } catch (e) {
    if (ctx.alive()) clear(statusBox, errorBox(e));
  }

  // high-value criteria (indicator engine; feature-detected)
  const paths = await apiPaths();
  if (!ctx.alive()) return;
  const hvNode = await highValueCriteria(p, paths, { date, status: st });
  if (!ctx.alive()) return;
  hv.append(hvNode || notAvailable('高价值专利认定（指标引擎）', 'High-value criteria (the indicator engine)'));
}

function renderTimeline(p, st, date) {
  const evType = typeByPath('patent_events');
  const kindField = evType && evType.fields.find((x) => x.name === 'kind');
  const amountField = evType && evType.fields.find((x) => x.name === 'amount');
  const items = [];
  if (p.filing_date) items.push({ date: p.filing_date, label: t('申请', 'Filed'), cls: 'info' });
  if (p.pub_date) items.push({ date: p.pub_date, label: t('公开', 'Published'), detail: p.pub_no, cls: 'info' });
  if (p.grant_date) items.push({ date: p.grant_date, label: t('授权公告', 'Granted'), detail: p.grant_no, cls: 'ok' });
  for (const ev of st.events || []) {
    items.push({
      date: ev.date,
      label: kindField ? fieldValue(kindField, ev.kind) : ev.kind,
      detail: [ev.party, ev.amount != null && amountField ? fieldValue(amountField, ev.amount) : null, ev.note].filter(Boolean).join(' · '),
      cls: /lapse|invalid|surrender|expir/.test(ev.kind) ? 'off' : /restor|grant|release/.test(ev.kind) ? 'ok' : 'event',
      cause: st.cause_event === ev.id,
      href: canRead('patent_events') ? `#/records/patent_events/${ev.id}` : null,
    });
  }
  if (st.term_end) items.push({ date: st.term_end, label: t('保护期届满', 'End of term'), cls: 'muted' });
  items.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  if (!items.length) return h('p.muted', t('暂无法律事件', 'No legal events'));
  return h(
    'ol.timeline',
    items.map((it) =>
      h(
        `li.tl-${it.cls}${it.date > date ? '.tl-future' : ''}${it.cause ? '.tl-cause' : ''}`,
        h('time', { datetime: it.date }, fmtDate(it.date)),
        h('span.tl-label', it.href ? h('a', { href: it.href }, it.label) : it.label),
        it.detail ? h('span.tl-detail', it.detail) : null,
        it.cause ? h('span.badge', t('决定当前状态', 'decides the status')) : null,
        it.date > date ? h('span.muted.small', t('（查询日之后）', ' (after the date)')) : null,
      ),
    ),
  );
}
