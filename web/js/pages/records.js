// records.js - the generic record pages, driven entirely by GET
// /api/v1/meta/types: list (filters, sorting, cursor paging, export),
// detail, create and edit forms (server validation errors beside each field,
// optimistic concurrency with If-Match), soft delete.  A new record type
// gets these pages without new front-end code.
import { h, clear, uid } from '../dom.js';
import { t, tl, parseDate, fmtDate, lang } from '../i18n.js';
import { request, get, qs, ApiError } from '../api.js';
import { state, typeByPath, canWrite, role } from '../state.js';
import { pageHead, notice, errorBox, fieldValue, jsonBlock, confirmDialog, toast } from '../ui.js';

const STD = [
  { name: 'id', type: 'int', zh: '编号', en: 'ID' },
  { name: 'version', type: 'int', zh: '版本', en: 'Version' },
  { name: 'dept', type: 'text', zh: '所属部门', en: 'Department' },
  { name: 'created_at', type: 'datetime', zh: '创建时间', en: 'Created at' },
  { name: 'created_by', type: 'text', zh: '创建人', en: 'Created by' },
  { name: 'updated_at', type: 'datetime', zh: '修改时间', en: 'Updated at' },
  { name: 'updated_by', type: 'text', zh: '修改人', en: 'Updated by' },
];

function typeOr404(ctx) {
  const ty = typeByPath(ctx.params.type);
  if (!ty) {
    clear(ctx.main, pageHead(t('无法访问', 'Not accessible')), notice('error', t('没有这种记录类型，或您无权查看。', 'There is no such record type, or you may not see it.')));
    return null;
  }
  return ty;
}

function recordTitle(ty, row) {
  const v = row && ty.title_field ? row[ty.title_field] : null;
  const f = ty.fields.find((x) => x.name === ty.title_field);
  return v != null && v !== '' ? (f ? fieldValue(f, v) : String(v)) : `#${row ? row.id : ''}`;
}

/* Cursor stacks per list query, so "previous page" works with cursor paging. */
const pageStacks = new Map();

/* ---- list ---- */

const LIMIT = 50;

function filterDefs(ty) {
  const fs = ty.fields.filter((f) => f.filter && !f.writeonly);
  const rank = (f) => (f.type === 'enum' ? 0 : f.type === 'bool' ? 1 : f.type === 'date' || f.type === 'datetime' ? 3 : 2);
  return fs.sort((a, b) => rank(a) - rank(b));
}

/* The query keys a field's filter controls use. */
function filterKeys(f) {
  if (f.type === 'date' || f.type === 'datetime') return [`${f.name}.gte`, `${f.name}.lte`];
  if (f.type === 'text') return [`${f.name}.like`];
  return [f.name];
}

function filterControl(f, query) {
  const label = tl(f);
  if (f.type === 'date' || f.type === 'datetime') {
    const a = uid(), b = uid();
    return h(
      'div.field.filter-date',
      h('span.label', label),
      h('div.range',
        h('label.sr-only', { for: a }, `${label} ${t('起', 'from')}`),
        h('input', { id: a, name: `${f.name}.gte`, value: query[`${f.name}.gte`] || '', placeholder: t('起 YYYY-MM-DD', 'from YYYY-MM-DD'), inputmode: 'numeric', size: 11 }),
        h('span', '–'),
        h('label.sr-only', { for: b }, `${label} ${t('止', 'to')}`),
        h('input', { id: b, name: `${f.name}.lte`, value: query[`${f.name}.lte`] || '', placeholder: t('止 YYYY-MM-DD', 'to YYYY-MM-DD'), inputmode: 'numeric', size: 11 }),
      ),
    );
  }
  const id = uid();
  let input;
  if (f.type === 'enum')
    input = h('select', { id, name: f.name }, h('option', { value: '' }, t('全部', 'All')), (f.options || []).map((o) => h('option', { value: o.value, selected: query[f.name] === o.value }, tl(o))));
  else if (f.type === 'bool')
    input = h('select', { id, name: f.name }, h('option', { value: '' }, t('全部', 'All')), h('option', { value: 'true', selected: query[f.name] === 'true' }, t('是', 'Yes')), h('option', { value: 'false', selected: query[f.name] === 'false' }, t('否', 'No')));
  else if (f.type === 'text') input = h('input', { id, name: `${f.name}.like`, value: query[`${f.name}.like`] || '', placeholder: t('包含…', 'contains…') });
  else input = h('input', { id, name: f.name, value: query[f.name] || '', inputmode: 'numeric' });
  return h('div.field', h('label', { for: id }, label), input);
}

export async function renderList(ctx) {
  const ty = typeOr404(ctx);
  if (!ty) return;
  const { main, query } = ctx;
  ctx.setTitle(tl(ty));
  const filters = filterDefs(ty);
  const listCols = ty.fields.filter((f) => f.list && !f.writeonly).slice(0, 9);
  const titleCol = listCols.find((f) => f.name === ty.title_field) || null;

  // the list query from the hash: filters, q, sort, cursor
  const params = {};
  for (const [k, v] of Object.entries(query)) if (!['cursor', 'page'].includes(k) && v !== '') params[k] = v;
  const baseKey = `${ty.path}?${new URLSearchParams(params).toString()}`;
  const page = Number(query.page || 0);
  let stack = pageStacks.get(baseKey);
  if (!stack || page === 0) pageStacks.set(baseKey, (stack = [null]));
  if (page > 0 && stack[page] === undefined) {
    // a reloaded later page: cursors are not kept across reloads
    ctx.go(`records/${ty.path}`, params);
    return;
  }

  // filter form
  const primary = filters.slice(0, 4);
  const more = filters.slice(4);
  const qid = uid();
  const form = h(
    'form.filters',
    { role: 'search', 'aria-label': t('筛选', 'Filters') },
    h('div.field', h('label', { for: qid }, t('关键词', 'Keywords')), h('input', { id: qid, name: 'q', value: query.q || '', type: 'search', placeholder: t('在文本字段中查找', 'find in text fields') })),
    primary.map((f) => filterControl(f, query)),
    more.length
      ? h('details.more-filters', { open: more.some((f) => filterKeys(f).some((k) => query[k])) || null }, h('summary', t(`更多筛选（${more.length}）`, `More filters (${more.length})`)), h('div.filter-grid', more.map((f) => filterControl(f, query))))
      : null,
    h('div.filter-actions', h('button.btn.btn-primary', { type: 'submit' }, t('查询', 'Apply')), h('button.btn', { type: 'reset' }, t('清除', 'Clear'))),
  );
  let formError = h('p.field-error', { role: 'alert' });
  form.append(formError);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = {};
    if (query.sort) next.sort = query.sort;
    for (const el of form.elements) {
      if (!el.name || !el.value.trim()) continue;
      let v = el.value.trim();
      if (/\.(gte|lte)$/.test(el.name) && ty.fields.some((f) => (f.type === 'date' || f.type === 'datetime') && el.name.startsWith(`${f.name}.`))) {
        const d = parseDate(v);
        if (!d) {
          formError.textContent = t(`日期格式应为 YYYY-MM-DD：${v}`, `Dates are YYYY-MM-DD: ${v}`);
          el.focus();
          return;
        }
        v = d;
      }
      next[el.name] = v;
    }
    ctx.go(`records/${ty.path}`, next);
  });
  form.addEventListener('reset', (ev) => {
    ev.preventDefault();
    ctx.go(`records/${ty.path}`, query.sort ? { sort: query.sort } : {});
  });

  const exportQs = (fmt) => qs({ ...params, format: fmt, lang: lang() });
  const actions = [];
  if (canWrite(ty.path)) actions.push(h('a.btn.btn-primary', { href: `#/records/${ty.path}/new` }, t('新建', 'New')));
  actions.push(h('a.btn', { href: `/api/v1/${ty.path}/export${exportQs('xlsx')}`, download: '' }, t('导出 XLSX', 'Export XLSX')));
  actions.push(h('a.btn', { href: `/api/v1/${ty.path}/export${exportQs('csv')}`, download: '' }, t('导出 CSV', 'Export CSV')));
  if (canWrite(ty.path) && ['admin', 'bureau', 'dept'].includes(role())) {
    actions.push(h('a.btn', { href: `/api/v1/${ty.path}/template?format=xlsx&lang=${lang()}`, download: '' }, t('导入模板', 'Import template')));
    actions.push(h('a.btn', { href: `#/imports?type=${ty.path}` }, t('导入', 'Import')));
  }

  const status = h('p.list-status', { role: 'status' }, t('正在加载…', 'Loading…'));
  const tableWrap = h('div.table-wrap');
  const pager = h('div.pager');
  clear(main, pageHead(tl(ty), actions), form, status, tableWrap, pager);

  const cursor = stack[page] || null;
  let data;
  try {
    data = await get(`/api/v1/${ty.path}${qs({ ...params, limit: LIMIT, cursor, count: page === 0 ? 'true' : null })}`);
  } catch (e) {
    if (!ctx.alive()) return;
    status.replaceWith(errorBox(e));
    return;
  }
  if (!ctx.alive()) return;
  if (data.total != null) stack.total = data.total;
  if (data.next_cursor) stack[page + 1] = data.next_cursor;

  const sort = query.sort || '';
  const sortHead = (f) => {
    const label = tl(f);
    if (!(f.sort || f.name === 'id')) return h('th', { scope: 'col' }, label);
    const cur = sort === f.name ? 'ascending' : sort === `-${f.name}` ? 'descending' : null;
    const nextSort = cur === 'ascending' ? `-${f.name}` : f.name;
    const b = h('button.sort', { type: 'button', title: t('点击排序', 'Sort'), onclick: () => ctx.go(`records/${ty.path}`, { ...params, sort: nextSort }) }, label, h('span.sort-mark', { 'aria-hidden': 'true' }, cur === 'ascending' ? ' ▲' : cur === 'descending' ? ' ▼' : ' ↕'));
    return h('th', { scope: 'col', 'aria-sort': cur || 'none' }, b);
  };
  const idf = STD[0];
  const table = h(
    'table.data',
    h('caption.sr-only', tl(ty)),
    h('thead', h('tr', sortHead({ ...idf, sort: true }), listCols.map(sortHead))),
    h(
      'tbody',
      data.items.map((row) =>
        h(
          'tr',
          h('td.num', titleCol ? String(row.id) : h('a', { href: `#/records/${ty.path}/${row.id}` }, String(row.id))),
          listCols.map((f) => {
            const v = fieldValue(f, row[f.name]);
            if (f === titleCol) return h('td', h('a', { href: `#/records/${ty.path}/${row.id}` }, v || `#${row.id}`));
            if (f.type === 'ref' && row[f.name] != null) return h('td', h('a', { href: `#/records/${f.ref}/${row[f.name]}` }, `#${row[f.name]}`));
            return h(`td${['int', 'number'].includes(f.type) ? '.num' : f.type === 'date' || f.type === 'datetime' ? '.date' : ''}`, v);
          }),
        ),
      ),
    ),
  );
  const total = stack.total;
  status.textContent = data.items.length
    ? t(`共 ${total ?? '?'} 条，第 ${page + 1} 页（每页 ${LIMIT} 条）`, `${total ?? '?'} records, page ${page + 1} (${LIMIT} per page)`)
    : t('没有符合条件的记录', 'No records match');
  clear(tableWrap, data.items.length ? table : null);
  const prev = h('button.btn', { type: 'button', disabled: page === 0 || null, onclick: () => ctx.go(`records/${ty.path}`, { ...params, page: page - 1 || null }) }, t('上一页', 'Previous'));
  const next = h('button.btn', { type: 'button', disabled: !data.next_cursor || null, onclick: () => ctx.go(`records/${ty.path}`, { ...params, page: page + 1 }) }, t('下一页', 'Next'));
  clear(pager, prev, next);
}

/* ---- detail ---- */

export async function renderDetail(ctx) {
  const ty = typeOr404(ctx);
  if (!ty) return;
  const { main, params } = ctx;
  let res;
  try {
    res = await request('GET', `/api/v1/${ty.path}/${encodeURIComponent(params.id)}`);
  } catch (e) {
    if (!ctx.alive()) return;
    clear(
      main,
      pageHead(tl(ty)),
      e instanceof ApiError && e.status === 404 ? notice('error', t('记录不存在，或您无权查看。', 'The record does not exist, or you may not see it.')) : errorBox(e),
      h('p', h('a', { href: `#/records/${ty.path}` }, t('返回列表', 'Back to the list'))),
    );
    return;
  }
  if (!ctx.alive()) return;
  const row = res.data;
  const etag = res.etag || `"v${row.version}"`;
  const title = recordTitle(ty, row);
  ctx.setTitle(`${tl(ty)} · ${title}`);
  const actions = [h('a.btn', { href: `#/records/${ty.path}` }, t('返回列表', 'Back to the list'))];
  if (ty.path === 'patents') actions.unshift(h('a.btn', { href: `#/patents/${row.id}` }, t('法律状态与详情', 'Legal status and details')));
  if (ty.path === 'import_jobs') actions.unshift(h('a.btn', { href: `#/imports/${row.id}` }, t('导入结果', 'Import result')));
  if (canWrite(ty.path)) {
    actions.unshift(
      h('a.btn.btn-primary', { href: `#/records/${ty.path}/${row.id}/edit` }, t('编辑', 'Edit')),
      h('button.btn.btn-danger', { type: 'button', onclick: () => deleteRecord(ctx, ty, row, etag) }, t('删除', 'Delete')),
    );
  }
  const dl = h('dl.fields');
  for (const f of ty.fields) {
    if (f.writeonly) continue;
    const v = row[f.name];
    let dd;
    if (v == null || v === '') dd = h('dd.muted', '—');
    else if (f.type === 'json') dd = h('dd', jsonBlock(v));
    else if (f.type === 'ref') {
      const a = h('a', { href: `#/records/${f.ref}/${v}` }, `${refLabel(f)} #${v}`);
      dd = h('dd', a);
      refTitle(f, v).then((title) => title && a.append(` ${title}`));
    }
    else if (f.multiline) dd = h('dd.pre', String(v));
    else dd = h('dd', fieldValue(f, v));
    dl.append(h('dt', tl(f)), dd);
  }
  const meta = h('dl.fields.meta');
  for (const f of STD) meta.append(h('dt', tl(f)), h('dd', fieldValue(f, row[f.name]) || '—'));
  clear(main, pageHead(title, actions), h('p.muted', `${tl(ty)} #${row.id}`), dl, h('h2', t('记录信息', 'Record information')), meta);
}

/* The title of a referenced record (when readable), or null. */
async function refTitle(f, id) {
  const rt = typeByPath(f.ref);
  if (!rt) return null;
  try {
    const row = await get(`/api/v1/${f.ref}/${id}`);
    const v = rt.title_field ? row[rt.title_field] : null;
    return v == null || v === '' ? null : `（${String(v).slice(0, 80)}）`;
  } catch {
    return null;
  }
}

function refLabel(f) {
  const rt = typeByPath(f.ref);
  return rt ? tl(rt) : f.ref;
}

async function deleteRecord(ctx, ty, row, etag) {
  const ok = await confirmDialog(t(`确定删除“${recordTitle(ty, row)}”吗？删除后可由管理员在数据库中恢复。`, `Delete "${recordTitle(ty, row)}"? An administrator can restore it from the database.`), t('删除', 'Delete'));
  if (!ok) return;
  try {
    await request('DELETE', `/api/v1/${ty.path}/${row.id}`, { etag });
    toast(t('已删除', 'Deleted'));
    ctx.go(`records/${ty.path}`);
  } catch (e) {
    const box = e.status === 412 ? notice('error', t('此记录已被他人修改，请刷新页面后再删除。', 'Someone else changed this record; reload the page before deleting.')) : errorBox(e);
    ctx.main.querySelector('.page-head').after(box);
  }
}

/* ---- forms ---- */

/* Builds the input for one field; returns {wrap, input, read(), set(v), showError(msg), note(el)}. */
export function fieldInput(f, value, { editing = false } = {}) {
  const id = uid('in');
  const helpId = `${id}-help`, errId = `${id}-err`;
  const disabled = f.readonly || (editing && f.immutable);
  let input;
  const common = { id, name: f.name, 'aria-describedby': `${helpId} ${errId}`, disabled: disabled || null, 'aria-required': f.required && !disabled ? 'true' : null };
  const str = (v) => (v == null ? '' : String(v));
  if (f.type === 'enum') {
    input = h('select', common, h('option', { value: '' }, f.required ? t('请选择', 'Choose') : t('（未填）', '(none)')), (f.options || []).map((o) => h('option', { value: o.value }, tl(o))));
    input.value = str(value);
  } else if (f.type === 'bool') {
    input = h('select', common, h('option', { value: '' }, t('（未填）', '(none)')), h('option', { value: 'true' }, t('是', 'Yes')), h('option', { value: 'false' }, t('否', 'No')));
    input.value = value == null ? '' : value ? 'true' : 'false';
  } else if (f.type === 'json') {
    input = h('textarea.code', { ...common, rows: 4, spellcheck: 'false' });
    input.value = value == null ? '' : JSON.stringify(value, null, 1);
  } else if (f.multiline) {
    input = h('textarea', { ...common, rows: 4, maxlength: f.max_len || null });
    input.value = str(value);
  } else if (f.type === 'date') {
    input = h('input', { ...common, value: str(value), placeholder: 'YYYY-MM-DD', inputmode: 'numeric', maxlength: 12, size: 12 });
  } else if (f.type === 'int' || f.type === 'number' || f.type === 'ref') {
    input = h('input', { ...common, value: str(value), inputmode: f.type === 'number' ? 'decimal' : 'numeric', size: 16 });
  } else if (f.writeonly) {
    input = h('input', { ...common, type: 'password', autocomplete: 'new-password', placeholder: editing ? t('留空则不修改', 'leave empty to keep') : '' });
  } else {
    input = h('input', { ...common, value: str(value), maxlength: f.max_len || null });
  }
  const help = tl(f, 'help');
  const err = h('span.field-error', { id: errId });
  const note = h('div.field-note', { hidden: true });
  const wrap = h(
    `div.field${f.type === 'json' || f.multiline ? '.wide' : ''}`,
    { dataset: { field: f.name } },
    h('label', { for: id }, tl(f), f.required && !disabled ? h('span.req', { title: t('必填', 'required') }, ' *') : null, disabled ? h('span.muted.small', f.readonly ? t('（自动生成）', ' (derived)') : t('（不可修改）', ' (cannot change)')) : null),
    input,
    h('span.help', { id: helpId }, help || ''),
    note,
    err,
  );
  return {
    f,
    wrap,
    input,
    disabled,
    /* -> {ok, value, present} ; value undefined = empty */
    read() {
      const raw = input.value.trim();
      if (raw === '') return { ok: true, value: null, empty: true };
      switch (f.type) {
        case 'int': {
          if (!/^-?\d+$/.test(raw)) return { ok: false, msg: t('应为整数', 'Must be a whole number') };
          return { ok: true, value: Number(raw) };
        }
        case 'ref': {
          if (!/^\d+$/.test(raw)) return { ok: false, msg: t('应为记录编号（整数）', 'Must be a record id (a whole number)') };
          return { ok: true, value: Number(raw) };
        }
        case 'number': {
          const n = Number(raw.replace(/,/g, ''));
          if (!Number.isFinite(n)) return { ok: false, msg: t('应为数字', 'Must be a number') };
          return { ok: true, value: n };
        }
        case 'date': {
          const d = parseDate(raw);
          if (!d) return { ok: false, msg: t('日期格式应为 YYYY-MM-DD', 'Dates are YYYY-MM-DD') };
          return { ok: true, value: d };
        }
        case 'bool':
          return { ok: true, value: raw === 'true' };
        case 'json':
          try {
            return { ok: true, value: JSON.parse(raw) };
          } catch {
            return { ok: false, msg: t('不是有效的 JSON（请参照下方说明的格式）', 'Not valid JSON (see the format described below)') };
          }
        default:
          return { ok: true, value: f.multiline ? input.value : raw };
      }
    },
    set(v) {
      if (f.type === 'bool') input.value = v == null ? '' : v ? 'true' : 'false';
      else if (f.type === 'json') input.value = v == null ? '' : JSON.stringify(v, null, 1);
      else if (!f.writeonly) input.value = v == null ? '' : String(v);
    },
    showError(msg) {
      err.textContent = msg || '';
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    showNote(children) {
      clear(note, children);
      note.hidden = !children;
    },
  };
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export async function renderForm(ctx) {
  const ty = typeOr404(ctx);
  if (!ty) return;
  const { main, params } = ctx;
  const editing = !!params.id;
  let original = {};
  let etag = null;
  if (editing) {
    try {
      const res = await request('GET', `/api/v1/${ty.path}/${encodeURIComponent(params.id)}`);
      original = res.data;
      etag = res.etag || `"v${original.version}"`;
    } catch (e) {
      if (!ctx.alive()) return;
      clear(main, pageHead(tl(ty)), e.status === 404 ? notice('error', t('记录不存在，或您无权查看。', 'The record does not exist, or you may not see it.')) : errorBox(e));
      return;
    }
    if (!ctx.alive()) return;
  }
  const title = editing ? t(`编辑${ty.zh}`, `Edit ${ty.en.toLowerCase()}`) : t(`新建${ty.zh}`, `New ${ty.en.toLowerCase()}`);
  ctx.setTitle(title);
  if (!canWrite(ty.path)) {
    clear(main, pageHead(title), notice('error', t('您无权修改此类记录。', 'You may not change records of this type.')));
    return;
  }
  // a new record may be prefilled from the address: #/records/patent_events/new?patent=12
  const initial = editing ? original : Object.fromEntries(ty.fields.filter((f) => ctx.query[f.name] != null).map((f) => [f.name, ['int', 'ref', 'number'].includes(f.type) ? Number(ctx.query[f.name]) : ctx.query[f.name]]));
  const inputs = ty.fields.filter((f) => !(f.readonly && !editing)).map((f) => fieldInput(f, initial[f.name], { editing }));
  // the owning department: administrators and the bureau may choose it
  let deptSel = null;
  if (!editing && ['admin', 'bureau'].includes(role()) && typeByPath('departments')) {
    try {
      const ds = await get('/api/v1/departments?limit=200&sort=code');
      const id = uid();
      deptSel = h('select', { id, name: 'dept' }, ds.items.map((d) => h('option', { value: d.code, selected: d.code === state.user.dept || null }, `${tl({ zh: d.name_zh, en: d.name_en || d.name_zh })}（${d.code}）`)));
      deptSel = { wrap: h('div.field', { dataset: { field: 'dept' } }, h('label', { for: id }, t('所属部门', 'Department')), deptSel, h('span.help', t('决定哪些部门可以查看此记录', 'decides which departments can see this record'))), input: deptSel };
    } catch {
      deptSel = null;
    }
  }
  const banner = h('div.form-banner', { 'aria-live': 'assertive' });
  const save = h('button.btn.btn-primary', { type: 'submit' }, t('保存', 'Save'));
  const cancel = h('a.btn', { href: editing ? `#/records/${ty.path}/${params.id}` : `#/records/${ty.path}` }, t('取消', 'Cancel'));
  const form = h('form.record-form', { novalidate: true }, banner, h('div.form-grid', deptSel ? deptSel.wrap : null, inputs.map((x) => x.wrap)), h('div.form-actions', save, cancel));
  clear(main, pageHead(title), editing ? h('p.muted', `${tl(ty)} #${original.id} · ${t('版本', 'version')} ${original.version}`) : null, form);
  const firstEnabled = inputs.find((x) => !x.disabled);
  if (firstEnabled) firstEnabled.input.focus();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(banner);
    const body = {};
    let bad = null;
    for (const x of inputs) {
      x.showError('');
      if (x.disabled) continue;
      const r = x.read();
      if (!r.ok) {
        x.showError(r.msg);
        bad = bad || x;
        continue;
      }
      if (x.f.writeonly && r.empty) continue;
      if (editing) {
        if (!same(r.value, original[x.f.name] ?? null)) body[x.f.name] = r.value;
      } else if (!r.empty) body[x.f.name] = r.value;
    }
    if (bad) {
      banner.append(notice('error', t('请更正标出的字段。', 'Please correct the marked fields.')));
      bad.input.focus();
      return;
    }
    if (deptSel && deptSel.input.value) body.dept = deptSel.input.value;
    if (editing && !Object.keys(body).length) {
      toast(t('没有修改', 'Nothing changed'));
      ctx.go(`records/${ty.path}/${params.id}`);
      return;
    }
    save.disabled = true;
    try {
      const res = editing
        ? await request('PATCH', `/api/v1/${ty.path}/${params.id}`, { body, etag })
        : await request('POST', `/api/v1/${ty.path}`, { body });
      toast(editing ? t('已保存', 'Saved') : t('已创建', 'Created'));
      ctx.go(`records/${ty.path}/${res.data.id}`);
    } catch (e) {
      save.disabled = false;
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 412 || e.status === 409) {
        const reload = h('button.btn', { type: 'button' }, t('载入最新版本（保留我的输入）', 'Load the latest version (keep my input)'));
        banner.append(
          notice(
            'warn',
            h('strong', t('此记录已被他人修改，请重新载入。', 'This record was changed by someone else; reload it.')),
            h('p', t('您的输入没有丢失。载入最新版本后，各字段旁会显示他人修改后的值；确认后再次保存即可。', 'Your input is kept. After loading the latest version, each field shows what the other person changed; check and save again.')),
            reload,
          ),
        );
        reload.addEventListener('click', async () => {
          try {
            const res = await request('GET', `/api/v1/${ty.path}/${params.id}`);
            const latest = res.data;
            etag = res.etag || `"v${latest.version}"`;
            for (const x of inputs) {
              const was = original[x.f.name], now = latest[x.f.name];
              if (same(was, now)) {
                x.showNote(null);
                continue;
              }
              const mine = x.read();
              const untouched = x.disabled || (mine.ok && same(mine.empty ? null : mine.value, was ?? null));
              const shown = x.f.type === 'json' ? JSON.stringify(now) : fieldValue(x.f, now, { empty: t('（空）', '(empty)') });
              if (untouched) {
                // the user did not change this field: take the other person's value
                x.set(now);
                x.showNote([h('strong', t('已更新为他人修改后的值：', 'Updated to the other person’s value: ')), shown]);
              } else x.showNote([h('strong', t('他人已改为：', 'Changed by someone else to: ')), shown, t('（保留了您的输入）', ' (your input is kept)')]);
            }
            original = latest;
            clear(banner, notice('info', t(`已载入最新版本（版本 ${latest.version}）。请检查后保存。`, `Loaded the latest version (version ${latest.version}). Check and save.`)));
          } catch (e2) {
            clear(banner, errorBox(e2));
          }
        });
        return;
      }
      const items = e.items;
      let first = null;
      const unplaced = [];
      for (const it of items) {
        const x = inputs.find((i) => i.f.name === it.field);
        const msg = t(it.message_zh || it.message_en || it.message, it.message_en || it.message_zh || it.message);
        if (x) {
          x.showError(msg);
          first = first || x;
        } else unplaced.push(it);
      }
      banner.append(errorBox(new ApiError(e.status, { ...e.problem, errors: unplaced })));
      if (first) first.input.focus();
    }
  });
}

export { recordTitle, STD };
