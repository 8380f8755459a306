// search.js - registry search (GET /api/v1/search): patents or trademarks,
// filters, facets by patent type (count=true per kind), highlighted results
// rendered safely (only <mark> survives), paging by offset.
import { h, clear, uid, highlighted } from '../dom.js';
import { t, parseDate, fmtDate, fmtNum } from '../i18n.js';
import { get, qs } from '../api.js';
import { pageHead, errorBox, notice } from '../ui.js';

const KINDS = [
  { value: 'invention', zh: '发明', en: 'Invention' },
  { value: 'utility', zh: '实用新型', en: 'Utility model' },
  { value: 'design', zh: '外观设计', en: 'Design' },
];
const FILTERS = ['scope', 'kind', 'ipc', 'region', 'holder', 'filed_from', 'filed_to', 'in_force_on'];
const LIMIT = 20;

export async function render(ctx) {
  const { main, query } = ctx;
  ctx.setTitle(t('检索', 'Search'));
  const scope = query.scope === 'trademarks' ? 'trademarks' : 'patents';
  const ids = Object.fromEntries(['q', ...FILTERS].map((k) => [k, uid('s')]));
  const input = (k, attrs = {}) => h('input', { id: ids[k], name: k, value: query[k] || '', ...attrs });
  const lab = (k, zh, en) => h('label', { for: ids[k] }, t(zh, en));
  const patentOnly = scope === 'patents';
  const form = h(
    'form.search-form',
    { role: 'search' },
    h(
      'div.search-main',
      h('label.sr-only', { for: ids.q }, t('检索词', 'Search text')),
      input('q', { type: 'search', placeholder: t('输入检索词，如：芯片、人工智能', 'Search text, e.g. 芯片 (chip)'), autocomplete: 'off', class: 'q' }),
      h('label.sr-only', { for: ids.scope }, t('检索范围', 'Scope')),
      h('select', { id: ids.scope, name: 'scope' }, h('option', { value: 'patents', selected: scope === 'patents' || null }, t('专利', 'Patents')), h('option', { value: 'trademarks', selected: scope === 'trademarks' || null }, t('商标', 'Trademarks'))),
      h('button.btn.btn-primary', { type: 'submit' }, t('检索', 'Search')),
    ),
    h(
      'details.more-filters',
      { open: FILTERS.slice(1).some((k) => query[k]) || null },
      h('summary', t('筛选条件', 'Filters')),
      h(
        'div.filter-grid',
        patentOnly ? h('div.field', lab('kind', '专利类型', 'Patent type'), h('select', { id: ids.kind, name: 'kind' }, h('option', { value: '' }, t('全部', 'All')), KINDS.map((k) => h('option', { value: k.value, selected: query.kind === k.value || null }, t(k.zh, k.en))))) : null,
        patentOnly ? h('div.field', lab('ipc', 'IPC 分类号（前缀）', 'IPC (prefix)'), input('ipc', { placeholder: 'H01L' })) : null,
        h('div.field', lab('region', '区划代码', 'Region code'), input('region', { placeholder: '310104', inputmode: 'numeric', maxlength: 6 })),
        h('div.field', lab('holder', '权利人', 'Holder'), input('holder')),
        h('div.field', lab('filed_from', '申请日起', 'Filed from'), input('filed_from', { placeholder: 'YYYY-MM-DD', inputmode: 'numeric' })),
        h('div.field', lab('filed_to', '申请日止', 'Filed to'), input('filed_to', { placeholder: 'YYYY-MM-DD', inputmode: 'numeric' })),
        patentOnly ? h('div.field', lab('in_force_on', '在某日有效', 'In force on'), input('in_force_on', { placeholder: 'YYYY-MM-DD', inputmode: 'numeric' })) : null,
      ),
    ),
  );
  const formErr = h('p.field-error', { role: 'alert' });
  form.append(formErr);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = {};
    for (const el of form.elements) {
      if (!el.name || !el.value.trim()) continue;
      let v = el.value.trim();
      if (/_from$|_to$|_on$/.test(el.name)) {
        const d = parseDate(v);
        if (!d) {
          formErr.textContent = t(`日期格式应为 YYYY-MM-DD：${v}`, `Dates are YYYY-MM-DD: ${v}`);
          el.focus();
          return;
        }
        v = d;
      }
      if (el.name === 'region' && !/^\d{6}$/.test(v)) {
        formErr.textContent = t('区划代码应为 6 位数字', 'A region code has 6 digits');
        el.focus();
        return;
      }
      next[el.name] = v;
    }
    if (next.scope === 'patents') delete next.scope;
    if (next.scope === 'trademarks') for (const k of ['kind', 'ipc', 'in_force_on']) delete next[k];
    ctx.go('search', next);
  });
  form.elements.scope.addEventListener('change', () => form.requestSubmit());

  const facets = h('aside.facets', { 'aria-label': t('分类统计', 'Facets') });
  const results = h('section.results', { 'aria-label': t('检索结果', 'Results') });
  clear(main, pageHead(t('知识产权检索', 'IP search')), form, h('div.search-body', facets, results));
  if (!query.q) {
    results.append(h('p.muted', t('在专利名称、摘要、权利人中检索（商标：商标文字、权利人、商品服务）。一两个汉字也可以检索。', 'Searches patent titles, abstracts and holders (trademarks: mark text, holder, goods). One or two Chinese characters work.')));
    form.elements.q.focus();
    return;
  }
  const params = { q: query.q };
  for (const k of FILTERS) if (query[k]) params[k] = query[k];
  const offset = Number(query.offset || 0);
  results.append(h('p.loading', { role: 'status' }, t('正在检索…', 'Searching…')));
  let data;
  try {
    data = await get(`/api/v1/search${qs({ ...params, limit: LIMIT, offset: offset || null, count: 'true' })}`);
  } catch (e) {
    if (!ctx.alive()) return;
    clear(results, errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  clear(
    results,
    h('p.list-status', { role: 'status' }, data.total != null ? t(`找到 ${fmtNum(data.total, 0)} 条结果`, `${fmtNum(data.total, 0)} results`) : '', data.order === 'newest' ? h('span.muted', t('（结果较多，按新到旧排列）', ' (many results: newest first)')) : null),
    data.items.length ? h('ol.hits', { start: offset + 1 }, data.items.map((it) => hit(it))) : notice('info', t('没有找到结果。可以换一个词，或减少筛选条件。', 'Nothing found. Try another word or fewer filters.')),
    h(
      'div.pager',
      h('button.btn', { type: 'button', disabled: offset === 0 || null, onclick: () => ctx.go('search', { ...params, offset: Math.max(0, offset - LIMIT) || null }) }, t('上一页', 'Previous')),
      h('button.btn', { type: 'button', disabled: data.next_offset == null || null, onclick: () => ctx.go('search', { ...params, offset: data.next_offset }) }, t('下一页', 'Next')),
    ),
  );
  // facets: counts by patent type (one count query per kind)
  if (scope === 'patents') {
    const base = { ...params };
    delete base.kind;
    const counts = await Promise.all(
      KINDS.map((k) => get(`/api/v1/search${qs({ ...base, kind: k.value, limit: 1, count: 'true' })}`).then((r) => r.total ?? 0, () => null)),
    );
    if (!ctx.alive()) return;
    const totalAll = counts.reduce((a, b) => a + (b || 0), 0);
    const link = (label, kind, n, active) =>
      h('li', h('a', { href: `#/search?${new URLSearchParams({ ...base, ...(kind ? { kind } : {}) })}`, 'aria-current': active ? 'true' : null }, h('span', label), h('span.count', n == null ? '–' : fmtNum(n, 0))));
    clear(
      facets,
      h('h2', t('专利类型', 'Patent type')),
      h('ul.facet-list', link(t('全部', 'All'), null, totalAll, !query.kind), KINDS.map((k, i) => link(t(k.zh, k.en), k.value, counts[i], query.kind === k.value))),
    );
  } else {
    clear(facets, h('h2', t('商标', 'Trademarks')), h('p.muted', t(`共 ${fmtNum(data.total ?? 0, 0)} 件`, `${fmtNum(data.total ?? 0, 0)} marks`)));
  }
}

function hit(it) {
  if (it.type === 'trademark') {
    return h(
      'li.hit',
      h('h3', h('a', { href: `#/records/trademarks/${it.id}` }, highlighted(it.title_hl || it.mark_text || `#${it.id}`))),
      h('div.hit-meta', h('span.badge', t('商标', 'Trademark')), ` ${t('注册号', 'Reg. no.')} ${it.reg_no || '—'} · ${t('申请日', 'Filed')} ${fmtDate(it.filing_date) || '—'} · ${t('注册日', 'Registered')} ${fmtDate(it.reg_date) || '—'}`, it.synthetic ? h('span.badge.badge-muted', t('合成数据', 'synthetic')) : null),
      h('div.hit-holders', t('权利人：', 'Holder: '), highlighted(it.holders_hl || it.applicant || '')),
      it.goods_hl ? h('p.hit-abstract', highlighted(it.goods_hl)) : null,
    );
  }
  return h(
    'li.hit',
    h('h3', h('a', { href: `#/patents/${it.id}` }, highlighted(it.title_hl || it.title || `#${it.id}`))),
    h(
      'div.hit-meta',
      h('span.badge', t(it.kind_zh || it.kind, it.kind_en || it.kind)),
      ` ${t('申请号', 'App. no.')} ${it.appno || '—'} · ${t('申请日', 'Filed')} ${fmtDate(it.filing_date) || '—'}`,
      it.grant_date ? ` · ${t('授权', 'Granted')} ${fmtDate(it.grant_date)}` : '',
      it.ipc_main ? ` · IPC ${it.ipc_main}` : '',
      it.region_code ? ` · ${t('区划', 'Region')} ${it.region_code}` : '',
      it.synthetic ? h('span.badge.badge-muted', t('合成数据', 'synthetic')) : null,
    ),
    h('div.hit-holders', t('权利人：', 'Holders: '), highlighted(it.holders_hl || it.first_applicant || '')),
    it.abstract_hl ? h('p.hit-abstract', highlighted(it.abstract_hl)) : null,
  );
}
