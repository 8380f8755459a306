// ui.js - small shared pieces: page headings, notices, the error box, the
// "not available yet" state, a confirmation dialog, a toast, field values.
import { h, clear } from './dom.js';
import { t, tl, fmtDate, fmtNum, fmtYuan, isYuanField } from './i18n.js';

export function pageHead(title, ...actions) {
  return h('div.page-head', h('h1', title), actions.length ? h('div.actions', actions) : null);
}

export function notice(kind, ...children) {
  return h(`div.notice.notice-${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, children);
}

export function errorBox(e) {
  const text = e && e.text ? e.text : e && e.message ? e.message : t('出错了', 'Something went wrong');
  const box = notice('error', h('strong', text));
  const items = e && e.items ? e.items : [];
  if (items.length)
    box.append(h('ul', items.map((it) => h('li', t(it.message_zh || it.message_en, it.message_en || it.message_zh)))));
  if (e && e.problem && e.problem.request_id)
    box.append(h('div.muted.small', t('请求编号：', 'Request id: '), e.problem.request_id));
  return box;
}

export function notAvailable(whatZh, whatEn) {
  return h(
    'div.unavailable',
    { role: 'status' },
    h('strong', t('尚未开放', 'Not available yet')),
    h('p', t(`${whatZh}正在建设中，服务器尚未提供相应接口；上线后此处将自动显示。`, `${whatEn} is being built; the server does not offer it yet. It will show here automatically once it does.`)),
  );
}

export const loading = () => h('p.loading', { role: 'status' }, t('正在加载…', 'Loading…'));

let toastTimer = null;
export function toast(msg) {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

/* A modal confirmation (native <dialog>: focus is trapped, Esc cancels). */
export function confirmDialog(message, okLabel) {
  return new Promise((resolve) => {
    const ok = h('button.btn.btn-danger', { type: 'submit', value: 'ok' }, okLabel || t('确定', 'OK'));
    const cancel = h('button.btn', { type: 'submit', value: 'cancel' }, t('取消', 'Cancel'));
    const form = h('form', { method: 'dialog' }, h('p', message), h('div.actions', cancel, ok));
    const dlg = h('dialog.dialog', form);
    document.body.append(dlg);
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    dlg.showModal();
    cancel.focus();
  });
}

/* The display of one field's value (field metadata from /meta/types). */
export function fieldValue(f, v, opts = {}) {
  if (v == null || v === '') return opts.empty ?? '';
  switch (f.type) {
    case 'enum': {
      const o = (f.options || []).find((x) => x.value === v);
      return o ? tl(o) : String(v);
    }
    case 'bool':
      return v ? t('是', 'Yes') : t('否', 'No');
    case 'date':
    case 'datetime':
      return fmtDate(v);
    case 'number':
      return isYuanField(f) ? fmtYuan(v) : fmtNum(v);
    case 'int':
      return /year/.test(f.name) ? String(v) : fmtNum(v, 0);
    case 'json':
      return jsonText(v);
    default:
      return String(v);
  }
}

/* A JSON value as one line of text: lists joined by "；", parties by name. */
export function jsonText(v) {
  if (v == null) return '';
  if (Array.isArray(v))
    return v
      .map((x) => (x && typeof x === 'object' ? x.name || x.number || x.kind || Object.values(x).filter((y) => y != null).join(' ') : String(x)))
      .join(t('；', '; '));
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(t('；', '; '));
  return String(v);
}

/* Labels of the keys inside structured (JSON) fields. */
const JSON_KEYS = {
  name: ['名称', 'Name'],
  address: ['地址', 'Address'],
  country: ['国别', 'Country'],
  number: ['号码', 'Number'],
  granted: ['已授权', 'Granted'],
  kind: ['类别', 'Kind'],
  level: ['级别', 'Level'],
  year: ['年度', 'Year'],
  date: ['日期', 'Date'],
  size: ['大小（字节）', 'Size (bytes)'],
  sha256: ['SHA-256', 'SHA-256'],
};
const keyLabel = (k) => (JSON_KEYS[k] ? t(JSON_KEYS[k][0], JSON_KEYS[k][1]) : k);

/* A JSON value as a block: arrays of objects as a small table. */
export function jsonBlock(v) {
  if (Array.isArray(v) && v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
    const keys = [...new Set(v.flatMap((x) => Object.keys(x)))];
    return h(
      'table.mini',
      h('thead', h('tr', keys.map((k) => h('th', { scope: 'col' }, keyLabel(k))))),
      h('tbody', v.map((x) => h('tr', keys.map((k) => h('td', x[k] == null ? '' : typeof x[k] === 'boolean' ? (x[k] ? t('是', 'Yes') : t('否', 'No')) : typeof x[k] === 'object' ? JSON.stringify(x[k]) : String(x[k])))))),
    );
  }
  if (Array.isArray(v)) return h('span', v.map(String).join(t('；', '; ')));
  if (v && typeof v === 'object') return h('code', JSON.stringify(v));
  return h('span', v == null ? '' : String(v));
}

export function setBusy(el, busy) {
  el.setAttribute('aria-busy', busy ? 'true' : 'false');
}

export { clear };
