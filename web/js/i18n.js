// i18n.js - the console's language (Chinese by default, English on request)
// and the formatting rules shared by every page: dates YYYY-MM-DD, amounts
// in 万元/亿元 with the unit shown, numbers with grouping.
//
// Every text is written where it is used as t('中文', 'English'), so both
// languages sit side by side and none can be forgotten.

const KEY = 'ipcity.lang';
let current = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
const listeners = new Set();

export const lang = () => current;
export const t = (zh, en) => (current === 'en' ? en : zh);
/* A {zh, en} (or {*_zh, *_en}) object in the current language. */
export function tl(o, base = '') {
  if (!o) return '';
  const zh = o[base ? `${base}_zh` : 'zh'];
  const en = o[base ? `${base}_en` : 'en'];
  return t(zh ?? en ?? '', en ?? zh ?? '');
}

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
  for (const f of listeners) f(current);
}
export function onLang(f) {
  listeners.add(f);
}
export const acceptLanguage = () => (current === 'en' ? 'en' : 'zh-CN');

/* ---- dates ---- */

const pad = (n) => String(n).padStart(2, '0');
/* A Date as YYYY-MM-DD in local time. */
export function ymd(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
export const today = () => ymd(new Date());
/* "2026-11-26" stays; "2026-11-26T13:51:43.932Z" becomes local
 * "2026-11-26 21:51". */
export function fmtDate(v) {
  if (v == null || v === '') return '';
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return `${ymd(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/* Accepts YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, YYYYMMDD; returns
 * YYYY-MM-DD or null. */
export function parseDate(s) {
  s = String(s || '').trim();
  let m = s.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/) || s.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(y, mo - 1, d);
  if (dt.getFullYear() !== y || dt.getMonth() !== mo - 1 || dt.getDate() !== d) return null;
  return `${y}-${pad(mo)}-${pad(d)}`;
}

/* ---- numbers and amounts ---- */

export function fmtNum(v, digits = null) {
  if (v == null || v === '' || Number.isNaN(Number(v))) return '';
  const n = Number(v);
  const opts = digits == null ? { maximumFractionDigits: Math.abs(n) < 100 ? 2 : 0 } : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return n.toLocaleString(current === 'en' ? 'en-US' : 'zh-CN', opts);
}

/* An amount in yuan, shown in 万元 or 亿元 (Chinese) or million/billion
 * CNY (English), always with its unit. */
export function fmtYuan(v) {
  if (v == null || v === '' || Number.isNaN(Number(v))) return '';
  const n = Number(v);
  const a = Math.abs(n);
  if (current === 'en') {
    if (a >= 1e9) return `CNY ${fmtNum(n / 1e9, 2)} billion`;
    if (a >= 1e6) return `CNY ${fmtNum(n / 1e6, 2)} million`;
    return `CNY ${fmtNum(n, 0)}`;
  }
  if (a >= 1e8) return `${fmtNum(n / 1e8, 2)} 亿元`;
  if (a >= 1e4) return `${fmtNum(n / 1e4, 2)} 万元`;
  return `${fmtNum(n, 0)} 元`;
}

/* A value with a unit given as {unit_zh, unit_en}.  Money units (元, 万元,
 * 亿元, CNY) are normalised through fmtYuan so the unit always shows. */
export function fmtUnit(v, unitZh, unitEn) {
  if (v == null || v === '') return '';
  const u = unitZh || '';
  if (u === '元' || u === '万元' || u === '亿元') {
    const mul = u === '亿元' ? 1e8 : u === '万元' ? 1e4 : 1;
    return fmtYuan(Number(v) * mul);
  }
  if (u === '%' || unitEn === '%') return `${fmtNum(v, 1)}%`;
  const unit = t(unitZh || '', unitEn || unitZh || '');
  return unit ? `${fmtNum(v)} ${unit}` : fmtNum(v);
}

/* The same as parts {num, unit}, so a page can show the unit smaller. */
export function fmtUnitParts(v, unitZh, unitEn) {
  if (v == null || v === '') return { num: '', unit: '' };
  const u = unitZh || '';
  if (u === '元' || u === '万元' || u === '亿元' || u === '%' || unitEn === '%') return { num: fmtUnit(v, unitZh, unitEn), unit: '' };
  return { num: fmtNum(v), unit: t(unitZh || '', unitEn || unitZh || '') };
}

/* Is a field (from /meta/types) an amount in yuan? */
export function isYuanField(f) {
  return f.type === 'number' && (/（元）|\(元\)|万元|亿元/.test(f.zh || '') || /\bCNY\b/.test(f.en || ''));
}
