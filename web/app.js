// ipcity web console (foundation version): login, the record types the
// user may read (from /api/v1/meta/types) and a generic list of each, with
// CSV/XLSX export. Labels come from the server's record descriptions.
let lang = localStorage.getItem('ipcity.lang') || 'zh';
let csrf = null;
let types = [];

const $ = (s) => document.querySelector(s);
const t = (zh, en) => (lang === 'en' ? en : zh);

function applyLang() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-zh]')) el.textContent = t(el.dataset.zh, el.dataset.en);
  $('#lang').textContent = lang === 'en' ? '中文' : 'English';
}

async function api(method, path, body) {
  const headers = { 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw Object.assign(new Error(data && data.detail), { data, status: res.status });
  return data;
}

async function showWorkspace(user) {
  $('#login').hidden = true;
  $('#workspace').hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = `${user.display_name || user.name}（${user.dept || ''}）`;
  types = (await api('GET', '/api/v1/meta/types')).types;
  const ul = $('#types');
  ul.replaceChildren();
  for (const ty of types) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = t(ty.zh, ty.en);
    b.addEventListener('click', () => showList(ty, b));
    li.append(b);
    ul.append(li);
  }
}

async function showList(ty, button) {
  for (const b of document.querySelectorAll('aside button')) b.removeAttribute('aria-current');
  if (button) button.setAttribute('aria-current', 'true');
  const view = $('#view');
  view.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = t(ty.zh, ty.en);
  view.append(h);
  for (const fmt of ['csv', 'xlsx']) {
    const a = document.createElement('a');
    a.href = `/api/v1/${ty.path}/export?format=${fmt}&lang=${lang}`;
    a.textContent = `${t('导出', 'Export')} ${fmt.toUpperCase()}`;
    a.style.marginRight = '1rem';
    view.append(a);
  }
  try {
    const data = await api('GET', `/api/v1/${ty.path}?limit=100`);
    const cols = ty.fields.filter((f) => f.list);
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const c of [{ zh: '编号', en: 'ID' }, ...cols]) {
      const th = document.createElement('th');
      th.textContent = t(c.zh, c.en);
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of data.items) {
      const tr = body.insertRow();
      tr.insertCell().textContent = row.id;
      for (const c of cols) {
        let v = row[c.name];
        if (c.options) {
          const o = c.options.find((x) => x.value === v);
          if (o) v = t(o.zh, o.en);
        }
        if (typeof v === 'boolean') v = v ? t('是', 'yes') : t('否', 'no');
        tr.insertCell().textContent = v ?? '';
      }
    }
    view.append(table);
  } catch (e) {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = e.message;
    view.append(p);
  }
}

$('#login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const s = await api('POST', '/api/v1/session', { name: f.get('name'), password: f.get('password') });
    csrf = s.csrf_token;
    $('#login-error').textContent = '';
    await showWorkspace(s.user);
  } catch (e) {
    $('#login-error').textContent = e.message;
  }
});

$('#logout').addEventListener('click', async () => {
  try { await api('DELETE', '/api/v1/session'); } catch (e) { /* already gone */ }
  csrf = null;
  location.reload();
});

$('#lang').addEventListener('click', () => {
  lang = lang === 'en' ? 'zh' : 'en';
  localStorage.setItem('ipcity.lang', lang);
  applyLang();
});

applyLang();
api('GET', '/api/v1/session').then((s) => { csrf = s.csrf_token; return showWorkspace(s.user); }).catch(() => {});
