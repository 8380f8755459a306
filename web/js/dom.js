// dom.js - building DOM without innerHTML: h('tag.class', {attrs}, ...children).
// Text always goes in as text nodes; the only markup ever taken from the
// server is <mark> in search highlights, via highlighted().

export function h(spec, attrs, ...children) {
  const m = spec.match(/^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i);
  const el = document.createElement((m && m[1]) || 'div');
  if (m && m[2])
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/* Server text with <mark>…</mark> highlights: everything is text except
 * exactly "<mark>" and "</mark>", which become <mark> elements.  No other
 * tag, attribute or entity is interpreted. */
export function highlighted(s, tag = 'span') {
  const out = document.createElement(tag);
  const parts = String(s ?? '').split(/(<mark>|<\/mark>)/);
  let cur = out;
  for (const p of parts) {
    if (p === '<mark>') {
      if (cur === out) {
        cur = document.createElement('mark');
        out.append(cur);
      }
    } else if (p === '</mark>') cur = out;
    else if (p) cur.append(document.createTextNode(p));
  }
  return out;
}

/* Text for places that take HTML (ECharts tooltips): every character that
 * means something in HTML escaped. */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/* A unique id for label/for pairs. */
let seq = 0;
export const uid = (p = 'f') => `${p}-${++seq}`;

/* Triggers a download of text or a Blob under a file name. */
export function download(name, data, type = 'text/csv;charset=utf-8') {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/* rows (arrays) as CSV with a UTF-8 BOM, so Excel opens Chinese text. */
export function toCsv(header, rows) {
  const cell = (v) => {
    const s = v == null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\uFEFF' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
