// app.js - the console shell: session (login/logout), the menu that follows
// the role and the readable record types, the language switch, and a hash
// router (#/cockpit, #/search?q=…, #/records/TYPE/ID…) that renders pages.
import { h, clear } from './dom.js';
import { t, tl, setLang, lang, onLang } from './i18n.js';
import { request, setCsrf, csrfCookie, setOnUnauthorized, ApiError, apiPaths } from './api.js';
import { state, loadTypes, loadDept, isStaff, canWrite } from './state.js';
import { errorBox, loading } from './ui.js';
import * as cockpit from './pages/cockpit.js';
import * as search from './pages/search.js';
import * as records from './pages/records.js';
import * as patent from './pages/patent.js';
import * as imports from './pages/imports.js';
import * as indicators from './pages/indicators.js';
import * as plan from './pages/plan.js';

const $ = (s) => document.querySelector(s);
const main = $('#main');

/* ---- routes ---- */

const routes = [
  ['cockpit', cockpit.render],
  ['search', search.render],
  ['patents/:id', patent.render],
  ['imports', imports.render],
  ['imports/:id', imports.render],
  ['indicators', indicators.renderList],
  ['indicators/:id', indicators.renderOne],
  ['plan', plan.renderPlan],
  ['plan/targets/:id', plan.renderTarget],
  ['plan/tasks/:id', plan.renderTask],
  ['plan/reports/:id', plan.renderReport],
  ['records/:type', records.renderList],
  ['records/:type/new', records.renderForm],
  ['records/:type/:id', records.renderDetail],
  ['records/:type/:id/edit', records.renderForm],
];

export function parseHash(hash = location.hash) {
  const s = hash.replace(/^#\/?/, '');
  const [p, q = ''] = s.split('?');
  return { path: p.replace(/\/+$/, ''), query: Object.fromEntries(new URLSearchParams(q)) };
}

function match(path) {
  const segs = path.split('/').filter(Boolean);
  for (const [pat, fn] of routes) {
    const ps = pat.split('/');
    if (ps.length !== segs.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < ps.length; i++) {
      if (ps[i].startsWith(':')) params[ps[i].slice(1)] = decodeURIComponent(segs[i]);
      else if (ps[i] !== segs[i]) ok = false;
    }
    if (ok) return { fn, params, pattern: pat };
  }
  return null;
}

/* Navigates (adds a history entry). */
export function go(path, query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v != null && v !== '')).toString() : '';
  const target = `#/${path}${q ? `?${q}` : ''}`;
  if (location.hash === target) route();
  else location.hash = target;
}

let renderSeq = 0;
let cleanups = [];

async function route() {
  if (!state.user) return;
  const { path, query } = parseHash();
  if (!path) {
    location.replace(`#/${defaultPage()}`);
    return;
  }
  const m = match(path);
  const seq = ++renderSeq;
  for (const f of cleanups.splice(0)) {
    try {
      f();
    } catch {}
  }
  markMenu(path);
  clear(main, loading());
  const ctx = {
    main,
    params: m ? m.params : {},
    query,
    path,
    alive: () => seq === renderSeq,
    go,
    setTitle: (s) => (document.title = `${s} · ${t('知识产权强市建设试点管理平台', 'IP-strong City Pilot Platform')}`),
    onCleanup: (f) => cleanups.push(f),
  };
  if (!m) {
    clear(main, h('h1', t('找不到页面', 'Page not found')), h('p', h('a', { href: `#/${defaultPage()}` }, t('返回首页', 'Back to the start page'))));
    return;
  }
  try {
    await m.fn(ctx);
  } catch (e) {
    if (!ctx.alive()) return;
    if (!(e instanceof ApiError)) console.warn(e); // a bug in a page: keep it visible to developers
    clear(main, errorBox(e instanceof ApiError ? e : { message: t('页面出错：', 'The page failed: ') + (e && e.message) }));
  }
  if (ctx.alive() && document.activeElement === document.body) main.focus({ preventScroll: true });
}

function defaultPage() {
  return isStaff() ? 'cockpit' : 'search';
}

/* ---- menu ---- */

const GROUPS = [
  { zh: '知识产权登记簿', en: 'IP registry', paths: ['patents', 'patent_events', 'trademarks', 'copyrights', 'geo_indications', 'ic_layouts', 'plant_varieties', 'trade_secrets'] },
  { zh: '主体与机构', en: 'Entities and organisation', paths: ['entities', 'departments', 'users', 'regions'] },
  { zh: '方案与统计数据', en: 'Plan and statistics records', paths: ['plans', 'plan_targets', 'plan_milestones', 'plan_tasks', 'task_reports', 'supervisions', 'assessment_weights', 'indicator_reports', 'populations'] },
  { zh: '数据管理', en: 'Data management', paths: ['import_jobs', 'address_reviews'] },
];

let plansAvailable = false;
let indicatorsAvailable = false;

async function detectFeatures() {
  const paths = await apiPaths(true);
  plansAvailable = !!(paths['/api/v1/plans/{id}/progress'] || paths['/api/v1/plans']);
  indicatorsAvailable = !!paths['/api/v1/indicators'];
}

function buildMenu() {
  const nav = $('#menu');
  const items = [];
  const link = (path, zh, en) => h('li', h('a', { href: `#/${path}`, dataset: { path } }, t(zh, en)));
  const top = [];
  if (isStaff()) top.push(link('cockpit', '驾驶舱', 'Cockpit'));
  if (isStaff() && indicatorsAvailable) top.push(link('indicators', '统计指标', 'Indicators'));
  if (isStaff() && plansAvailable) top.push(link('plan', '方案与任务', 'Plan and tasks'));
  top.push(link('search', '检索', 'Search'));
  if (state.types.some((x) => canWrite(x.path)) && ['admin', 'bureau', 'dept'].includes(state.user.role))
    top.push(link('imports', '数据导入', 'Import data'));
  items.push(h('ul', top));
  const seen = new Set();
  const groups = GROUPS.map((g) => ({ ...g, types: g.paths.map((p) => state.types.find((x) => x.path === p)).filter(Boolean) }));
  for (const g of groups) for (const ty of g.types) seen.add(ty.path);
  const rest = state.types.filter((x) => !seen.has(x.path));
  if (rest.length) groups.push({ zh: '其他记录', en: 'Other records', types: rest });
  for (const g of groups) {
    if (!g.types.length) continue;
    const id = `menu-${g.en.replace(/\W+/g, '-').toLowerCase()}`;
    items.push(h('h2', { id }, t(g.zh, g.en)));
    items.push(h('ul', { 'aria-labelledby': id }, g.types.map((ty) => h('li', h('a', { href: `#/records/${ty.path}`, dataset: { path: `records/${ty.path}` } }, tl(ty))))));
  }
  clear(nav, items);
  nav.setAttribute('aria-label', t('主菜单', 'Main menu'));
  nav.hidden = false;
  markMenu(parseHash().path);
}

function markMenu(path) {
  let best = null;
  for (const a of document.querySelectorAll('#menu a')) {
    a.removeAttribute('aria-current');
    const p = a.dataset.path;
    if (path === p || path.startsWith(`${p}/`)) if (!best || p.length > best.dataset.path.length) best = a;
  }
  if (best) best.setAttribute('aria-current', 'page');
}

/* ---- header and language ---- */

function applyChrome() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  $('#brand-title').textContent = t('知识产权强市建设试点管理平台', 'IP-strong City Pilot Platform');
  $('#skip').textContent = t('跳到主要内容', 'Skip to main content');
  const lb = $('#lang');
  lb.textContent = lang() === 'en' ? '中文' : 'English';
  lb.setAttribute('lang', lang() === 'en' ? 'zh-CN' : 'en');
  lb.setAttribute('aria-label', t('切换到英文界面', 'Switch to Chinese'));
  $('#logout').textContent = t('退出', 'Log out');
  const who = $('#who');
  if (state.user) {
    const dept = state.dept ? tl({ zh: state.dept.name_zh, en: state.dept.name_en || state.dept.name_zh }) : state.user.dept || '';
    const name = state.user.display_name || state.user.name;
    const rl = roleLabel(state.user.role);
    who.textContent = [name === rl || name === state.user.role_label ? state.user.name : name, rl, dept].filter(Boolean).join(' · ');
  } else who.textContent = '';
  document.title = t('知识产权强市建设试点管理平台 · ipcity', 'IP-strong City Pilot Platform · ipcity');
}

export function roleLabel(r) {
  const L = {
    admin: ['系统管理员', 'Administrator'],
    bureau: ['知识产权局', 'IP bureau'],
    dept: ['部门用户', 'Department user'],
    enterprise: ['企业用户', 'Enterprise user'],
    agency: ['服务机构', 'Service agency'],
    public: ['公众', 'Public'],
  }[r] || [r, r];
  return t(L[0], L[1]);
}

$('#skip').addEventListener('click', (ev) => {
  // the hash is the router's: move the focus without touching it
  ev.preventDefault();
  main.focus();
});

$('#lang').addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
onLang(() => {
  document.getElementById('toast').classList.remove('show');
  applyChrome();
  if (state.user) {
    buildMenu();
    route();
  } else showLogin();
});

/* ---- session ---- */

function showLogin(message) {
  state.user = null;
  $('#menu').hidden = true;
  $('#logout').hidden = true;
  applyChrome();
  const err = h('p.field-error', { id: 'login-error', role: 'alert' }, message || '');
  const name = h('input', { id: 'login-name', name: 'name', required: true, autocomplete: 'username' });
  const pw = h('input', { id: 'login-password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const btn = h('button.btn.btn-primary', { type: 'submit' }, t('登录', 'Log in'));
  const form = h(
    'form.login#login',
    { novalidate: true },
    h('h1', t('登录', 'Log in')),
    h('p.muted', t('知识产权强市建设试点管理平台', 'IP-strong City Pilot Platform')),
    h('div.field', h('label', { for: 'login-name' }, t('用户名', 'User name')), name),
    h('div.field', h('label', { for: 'login-password' }, t('密码', 'Password')), pw),
    err,
    btn,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!name.value.trim() || !pw.value) {
      err.textContent = t('请输入用户名和密码', 'Enter the user name and the password');
      return;
    }
    btn.disabled = true;
    err.textContent = '';
    try {
      const r = await request('POST', '/api/v1/session', { body: { name: name.value.trim(), password: pw.value }, noAuthRedirect: true });
      setCsrf(r.data.csrf_token);
      await enter(r.data.user);
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.text : String(e);
      btn.disabled = false;
      pw.select();
    }
  });
  clear(main, form);
  name.focus();
}

async function enter(user) {
  state.user = user;
  clear(main, loading());
  await Promise.all([loadTypes(), detectFeatures()]);
  await loadDept();
  $('#logout').hidden = false;
  applyChrome();
  buildMenu();
  await route();
}

$('#logout').addEventListener('click', async () => {
  try {
    await request('DELETE', '/api/v1/session', { noAuthRedirect: true });
  } catch {
    /* already gone */
  }
  setCsrf(null);
  state.user = null;
  history.replaceState(null, '', location.pathname);
  showLogin();
});

setOnUnauthorized(() => {
  if (state.user) showLogin(t('会话已过期，请重新登录', 'The session has expired; log in again'));
});

window.addEventListener('hashchange', route);

/* Refresh the feature flags now and then: the indicator engine and the plan
 * module may appear while the console is open. */
setInterval(async () => {
  if (!state.user) return;
  const before = `${plansAvailable}${indicatorsAvailable}`;
  await detectFeatures();
  if (before !== `${plansAvailable}${indicatorsAvailable}`) buildMenu();
}, 120000);

async function boot() {
  applyChrome();
  if (!csrfCookie()) return showLogin();
  try {
    const r = await request('GET', '/api/v1/session', { noAuthRedirect: true });
    setCsrf(r.data.csrf_token || csrfCookie());
    await enter(r.data.user);
  } catch (e) {
    showLogin(e instanceof ApiError && e.status === 401 ? '' : e.text);
  }
}
boot();
