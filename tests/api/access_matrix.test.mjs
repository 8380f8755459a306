// access_matrix.test.mjs - the access-control matrix in access_matrix.json,
// run against a real server: every endpoint of GET /api/v1/openapi.json ×
// every role (admin, bureau, dept, enterprise, agency, anonymous public) ×
// rows of the caller's own department and of another one.  Users of every
// role exist in two departments (A and B) and every record type has rows in
// both; writes are made by the users of A, reads by the users of A and B.
//
// The matrix must cover exactly what openapi.json documents: a new endpoint
// (or a new record type) without a rule fails the build until its rule and,
// for a record type, its fixture are added to access_matrix.json.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, expectCleanExit, sleep } from './harness.mjs';

const M = JSON.parse(fs.readFileSync(new URL('./access_matrix.json', import.meta.url), 'utf8'));
const ROLES = M.roles;
const DEPTS = ['mx-dept-a', 'mx-dept-b'];
const PW = (role, d) => `Matrix-${role}-${d}-pw`;
const other = (d) => (d === DEPTS[0] ? DEPTS[1] : DEPTS[0]);

/* The endpoints openapi.json documents, as "METHOD /path". */
function documented(openapi) {
  const out = [];
  for (const [p, item] of Object.entries(openapi.paths))
    for (const m of Object.keys(item))
      if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(m)) out.push(`${m.toUpperCase()} ${p}`);
  return out;
}

/* The expectation of role on side ("own"/"other"). */
function expected(rule, role, side) {
  const e = rule[role];
  if (e === undefined) return undefined;
  return typeof e === 'string' ? e : e[side];
}

describe('access control matrix (access_matrix.json)', () => {
  let srv, root, openapi, types;
  const actor = {}; /* dept -> role -> Client (public: an anonymous client) */
  let n = 0;
  const next = () => ++n;
  const rowCache = new Map(); /* `${type} ${dept} ${purpose}` -> id */
  const jobs = {}; /* dept -> import job id */
  const refs = {}; /* name -> id of the rows of access_matrix.json refs */
  const files = {}; /* dept -> sha256 of a file attached to that department's 'read' task report */
  let patentRef, planDoc;

  /* Fills the placeholders of a fixture value (see access_matrix.json). */
  const uses = { year: 0, date: 0, quarter: 0 };
  const QUARTERS = Array.from({ length: 64 }, (_, i) => `${2010 + (i >> 2)}-Q${(i & 3) + 1}`);
  function fill(v, k, dept) {
    if (typeof v === 'string') {
      if (v === '$year') return 1990 + (uses.year++ % 110);
      if (v === '$date') return new Date(Date.UTC(2000, 0, 1 + uses.date++)).toISOString().slice(0, 10);
      if (v === '$quarter') return QUARTERS[uses.quarter++ % QUARTERS.length];
      if (v === '$patent') return patentRef;
      if (/^\$[a-z]+$/.test(v)) {
        const id = refs[v.slice(1)];
        if (!id) throw new Error(`no ref "${v}" (access_matrix.json refs)`);
        return id;
      }
      return v.replaceAll('{n}', String(k)).replaceAll('{dept}', dept).replaceAll('{dept_a}', DEPTS[0]).replaceAll('{dept_b}', DEPTS[1]);
    }
    if (Array.isArray(v)) return v.map((x) => fill(x, k, dept));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([a, b]) => [a, fill(b, k, dept)]));
    return v;
  }
  function fixture(type) {
    const f = M.fixtures[type];
    if (!f) throw new Error(`access_matrix.json has no fixture for record type "${type}"`);
    return f;
  }
  function createBody(type, dept) {
    return { ...fill(fixture(type).create, next(), dept), dept };
  }
  function importCsv(type, dept) {
    const f = fixture(type);
    const k = next();
    if (f.import) return fill(f.import, k, dept);
    const body = fill(f.create, k, dept);
    const cols = Object.keys(body);
    const cell = (x) => {
      const t = x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x);
      return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
    };
    return `dept,${cols.join(',')}\r\n${[dept, ...cols.map((c) => body[c])].map(cell).join(',')}\r\n`;
  }

  /* A live row of type owned by dept, made by that department's admin. */
  async function row(type, dept, purpose) {
    const key = `${type} ${dept} ${purpose}`;
    if (rowCache.has(key)) return rowCache.get(key);
    let id;
    if (type === 'departments' && purpose !== 'delete') {
      const r = await root.get(`/api/v1/departments?code=${dept}`);
      id = r.json.items[0].id;
    } else {
      const r = await actor[dept].admin.post(`/api/v1/${type}`, createBody(type, dept));
      if (r.status !== 201) throw new Error(`fixture ${type} in ${dept}: ${r.status} ${r.text}`);
      id = r.json.id;
    }
    rowCache.set(key, id);
    return id;
  }
  /* The current ETag of a row, read by its department's admin. */
  async function etag(type, dept, id) {
    const g = await actor[dept].admin.get(`/api/v1/${type}/${id}`);
    if (g.status !== 200) throw new Error(`etag ${type}/${id}: ${g.status} ${g.text}`);
    return g.headers.etag;
  }

  /* Attaches a new file to a task report as its department's admin; returns its sha256. */
  async function attach(dept, id) {
    const k = next();
    const r = await actor[dept].admin.post(`/api/v1/task_reports/${id}/attachments?filename=f${k}.txt`, `文件 ${k}`, {
      headers: { 'If-Match': await etag('task_reports', dept, id), 'Content-Type': 'text/plain' },
    });
    if (r.status !== 201) throw new Error(`attach to report ${id}: ${r.status} ${r.text}`);
    return r.json.attachments.at(-1).sha256;
  }

  /* How to exercise an endpoint: returns { rows, reads, run(role, dept, side) -> { res, listed } }.
   * rows: the answer depends on the row's department (run for own and other);
   * reads: safe to run for the users of both departments. */
  function plan(key) {
    const [method, path] = key.split(' ');
    const fixed = {
      'GET /api/v1/health': { run: (c) => c.get('/api/v1/health') },
      'GET /api/v1/openapi.json': { run: (c) => c.get('/api/v1/openapi.json') },
      'POST /api/v1/session': {
        run: (c, role, dept) =>
          role === 'public'
            ? c.post('/api/v1/session', { name: 'mx-nobody', password: 'not-the-password' })
            : srv.client().post('/api/v1/session', { name: `mx-${role}-${dept.slice(-1)}`, password: PW(role, dept) }),
      },
      'GET /api/v1/session': { run: (c) => c.get('/api/v1/session') },
      'DELETE /api/v1/session': { run: (c) => c.del('/api/v1/session') },
      'POST /api/v1/tokens': { run: (c) => c.post('/api/v1/tokens', { label: 'matrix' }) },
      'GET /api/v1/meta/types': { run: (c) => c.get('/api/v1/meta/types') },
      'GET /api/v1/meta/types/{type}': { run: (c) => c.get('/api/v1/meta/types/entities') },
      'GET /api/v1/audit': { run: (c) => c.get('/api/v1/audit?limit=5') },
      'GET /api/v1/audit/verify': { run: (c) => c.get('/api/v1/audit/verify') },
      'GET /api/v1/search': { run: (c) => c.get(`/api/v1/search?q=${encodeURIComponent('测试')}`) },
      'GET /api/v1/patents/{id}/status': {
        rows: true,
        reads: true,
        run: async (c, role, dept) => c.get(`/api/v1/patents/${await row('patents', dept, 'read')}/status`),
      },
      'POST /api/v1/imports': {
        run: (c) => c.post(`/api/v1/imports?filename=m${next()}.csv`, `名称,主体类型\r\n导入主体${next()},企业\r\n`),
      },
      'GET /api/v1/imports/{id}': { rows: true, reads: true, run: (c, role, dept) => c.get(`/api/v1/imports/${jobs[dept]}`) },
      'GET /api/v1/imports/{id}/errors': {
        rows: true,
        reads: true,
        run: (c, role, dept) => c.get(`/api/v1/imports/${jobs[dept]}/errors`),
      },
      // the work plan (src/http/api_plan.c)
      'GET /api/v1/plans/{id}/progress': { run: (c) => c.get(`/api/v1/plans/${refs.plan}/progress`) },
      'GET /api/v1/plans/{id}/assessment': { run: (c) => c.get(`/api/v1/plans/${refs.plan}/assessment?year=2024`) },
      'GET /api/v1/plans/{id}/overdue': { run: (c) => c.get(`/api/v1/plans/${refs.plan}/overdue`) },
      'GET /api/v1/plans/{id}/document': { run: (c) => c.get(`/api/v1/plans/${refs.plan}/document`) },
      'POST /api/v1/plans/load': { run: (c) => c.post('/api/v1/plans/load', planDoc) },
      'POST /api/v1/task_reports/{id}/attachments': {
        rows: true,
        run: async (c, role, dept) => {
          const id = await row('task_reports', dept, 'attach');
          const k = next();
          return c.post(`/api/v1/task_reports/${id}/attachments?filename=a${k}.txt`, `附件内容 ${k}`, {
            headers: { 'If-Match': await etag('task_reports', dept, id), 'Content-Type': 'text/plain' },
          });
        },
      },
      'GET /api/v1/task_reports/{id}/attachments/{sha256}': {
        rows: true,
        reads: true,
        run: async (c, role, dept) => c.get(`/api/v1/task_reports/${await row('task_reports', dept, 'read')}/attachments/${files[dept]}`),
      },
      'DELETE /api/v1/task_reports/{id}/attachments/{sha256}': {
        rows: true,
        run: async (c, role, dept) => {
          const id = await row('task_reports', dept, 'detach');
          const sha = await attach(dept, id);
          return c.del(`/api/v1/task_reports/${id}/attachments/${sha}`, { headers: { 'If-Match': await etag('task_reports', dept, id) } });
        },
      },
      // indicators (src/http/api_stats.c)
      'GET /api/v1/indicators': { run: (c) => c.get('/api/v1/indicators?region=310104') },
      'GET /api/v1/indicators/index': { run: (c) => c.get('/api/v1/indicators/index') },
      'POST /api/v1/indicators/index': { run: (c) => c.post('/api/v1/indicators/index', {}) },
      'GET /api/v1/indicators/{indicator}': { run: (c) => c.get('/api/v1/indicators/typical_cases?region=310104') },
      'GET /api/v1/indicators/{indicator}/series': { run: (c) => c.get('/api/v1/indicators/typical_cases/series?region=310104') },
      'GET /api/v1/indicators/{indicator}/records': { run: (c) => c.get('/api/v1/indicators/typical_cases/records?region=310104') },
    };
    if (fixed[key]) return fixed[key];
    const m = path.match(/^\/api\/v1\/([a-z_]+)(\/\{id\}|\/export|\/template|\/import)?$/);
    if (!m) return null;
    const [, type, rest = ''] = m;
    const op = `${method} ${rest}`;
    switch (op) {
      case 'GET ':
        return {
          rows: true,
          reads: true,
          run: async (c, role, dept) => {
            const id = await row(type, dept, 'read');
            const res = await c.get(`/api/v1/${type}?dept=${dept}&limit=1000`);
            return { res, listed: res.status === 200 ? res.json.items.some((x) => x.id === id) : undefined };
          },
        };
      case 'GET /export':
        return {
          rows: true,
          reads: true,
          run: async (c, role, dept) => {
            const id = await row(type, dept, 'read');
            const res = await c.get(`/api/v1/${type}/export?dept=${dept}`);
            return { res, listed: res.status === 200 ? res.text.split('\r\n').some((l) => l.startsWith(`${id},`)) : undefined };
          },
        };
      case 'GET /{id}':
        return { rows: true, reads: true, run: async (c, role, dept) => c.get(`/api/v1/${type}/${await row(type, dept, 'read')}`) };
      case 'POST ':
        return { rows: true, run: (c, role, dept) => c.post(`/api/v1/${type}`, createBody(type, dept)) };
      case 'PATCH /{id}':
        return {
          rows: true,
          run: async (c, role, dept) => {
            const id = await row(type, dept, 'patch');
            const tag = await etag(type, dept, id);
            return c.patch(`/api/v1/${type}/${id}`, fill(fixture(type).patch, next(), dept), { headers: { 'If-Match': tag } });
          },
        };
      case 'DELETE /{id}':
        return {
          rows: true,
          run: async (c, role, dept) => {
            const id = await row(type, dept, 'delete');
            const tag = await etag(type, dept, id);
            const res = await c.del(`/api/v1/${type}/${id}`, { headers: { 'If-Match': tag } });
            if (res.status === 204) rowCache.delete(`${type} ${dept} delete`);
            return res;
          },
        };
      case 'GET /template':
        return { run: (c) => c.get(`/api/v1/${type}/template`) };
      case 'POST /import':
        return {
          rows: true,
          run: (c, role, dept) => c.post(`/api/v1/${type}/import?filename=m.csv`, importCsv(type, dept), { headers: { 'Content-Type': 'text/csv' } }),
        };
    }
    return null;
  }

  /* Compares one answer with the expected class; returns a complaint or null. */
  function judge(exp, res, listed) {
    const got = `${res.status}${listed === false ? ' (row not listed)' : ''}`;
    const body = res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text;
    if (exp === '2xx') {
      if (res.status >= 200 && res.status < 300 && listed !== false) return null;
    } else if (exp === 'hidden') {
      if (res.status === 200 && listed === false) return null;
    } else if (/^\d{3}$/.test(exp)) {
      if (res.status === Number(exp)) {
        const ok = /^application\/problem\+json/.test(res.headers['content-type'] || '') && res.json?.status === res.status && typeof res.json?.code === 'string';
        return ok ? null : `expected ${exp} as problem+json, got ${res.headers['content-type']}: ${body}`;
      }
    } else return `unknown class "${exp}" in access_matrix.json`;
    return `expected ${exp}, got ${got}: ${body}`;
  }

  before(async () => {
    srv = await startServer();
    root = srv.tokenFor('admin');
    for (const d of DEPTS) {
      const r = await root.post('/api/v1/departments', { code: d, name_zh: `矩阵测试部门${d.slice(-1)}`, kind: 'government', region_code: '310104' });
      assert.equal(r.status, 201, r.text);
    }
    // a user of every role in each department, each with an API token
    await Promise.all(
      DEPTS.flatMap((d) =>
        ROLES.filter((r) => r !== 'public').map(async (role) => {
          const name = `mx-${role}-${d.slice(-1)}`;
          const u = await root.post('/api/v1/users', { name, display_name: name, role, dept: d, password: PW(role, d) });
          assert.equal(u.status, 201, u.text);
          const c = await srv.login(name, PW(role, d));
          const t = await c.post('/api/v1/tokens', { label: 'matrix' });
          assert.equal(t.status, 201, t.text);
          (actor[d] ||= {})[role] = srv.bearer(t.json.token);
        }),
      ),
    );
    for (const d of DEPTS) actor[d].public = srv.client();
    openapi = (await root.get('/api/v1/openapi.json')).json;
    types = (await root.get('/api/v1/meta/types')).json.types.map((t) => t.path);
    // the rows fixtures refer to, for the record types this server has
    for (const [name, ref] of Object.entries(M.refs || {})) {
      if (!types.includes(ref.type)) continue;
      const r = await root.post(`/api/v1/${ref.type}`, fill(ref.body, next(), DEPTS[0]));
      assert.equal(r.status, 201, `ref ${name}: ${r.text}`);
      refs[name] = r.json.id;
    }
    if (refs.plan) {
      const d = await root.get(`/api/v1/plans/${refs.plan}/document`);
      assert.equal(d.status, 200, d.text);
      planDoc = d.json;
    }
    if (types.includes('task_reports'))
      for (const d of DEPTS) files[d] = await attach(d, await row('task_reports', d, 'read'));
    const p = await actor[DEPTS[0]].admin.post('/api/v1/patents', createBody('patents', DEPTS[0]));
    assert.equal(p.status, 201, p.text);
    patentRef = p.json.id;
    // an import job in each department (rejected: an unknown column)
    for (const d of DEPTS) {
      const j = await actor[d].admin.post('/api/v1/imports?filename=bad.csv', '不存在的列\r\nx\r\n');
      assert.equal(j.status, 202, j.text);
      jobs[d] = j.json.id;
    }
    for (const d of DEPTS)
      for (let i = 0; i < 200; i++) {
        const g = await actor[d].admin.get(`/api/v1/imports/${jobs[d]}`);
        if (g.json.status !== 'running') break;
        await sleep(25);
      }
  });
  after(async () => {
    await srv?.close();
  });

  test('the matrix covers exactly the endpoints openapi.json documents', () => {
    const doc = documented(openapi);
    const rules = Object.keys(M.endpoints);
    const missing = doc.filter((k) => !rules.includes(k));
    const stale = rules.filter((k) => !doc.includes(k));
    assert.deepEqual(missing, [], `endpoints without a rule in tests/api/access_matrix.json:\n  ${missing.join('\n  ')}`);
    assert.deepEqual(stale, [], `rules in access_matrix.json for endpoints openapi.json does not list:\n  ${stale.join('\n  ')}`);
    for (const [k, rule] of Object.entries(M.endpoints))
      assert.deepEqual(Object.keys(rule).sort(), [...ROLES].sort(), `${k}: one rule per role`);
    for (const t of types) assert.ok(M.fixtures[t] && M.scopes[t], `record type ${t} needs scopes and a fixture in access_matrix.json`);
  });

  test("the matrix's scopes are what GET /api/v1/meta/types declares for each role", async () => {
    const wrong = [];
    for (const role of ROLES) {
      const r = await actor[DEPTS[0]][role].get('/api/v1/meta/types');
      assert.equal(r.status, 200);
      const seen = new Map(r.json.types.map((t) => [t.path, t.access]));
      const i = ROLES.indexOf(role);
      for (const [t, s] of Object.entries(M.scopes)) {
        const got = seen.get(t) || { read: 'none' };
        if (got.read !== s.read[i] || (seen.has(t) && got.write !== s.write[i]))
          wrong.push(`${role} ${t}: matrix read ${s.read[i]}/write ${s.write[i]}, server ${got.read}/${got.write}`);
        // the form metadata of one type answers exactly when the role may read it
        const one = await actor[DEPTS[0]][role].get(`/api/v1/meta/types/${t}`);
        if (one.status !== (s.read[i] === 'none' ? 404 : 200)) wrong.push(`${role} GET /api/v1/meta/types/${t}: ${one.status}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  for (const key of Object.keys(M.endpoints)) {
    test(key, async () => {
      const p = plan(key);
      assert.ok(p, `no way to exercise ${key}: teach plan() in access_matrix.test.mjs`);
      const rule = M.endpoints[key];
      const complaints = [];
      const deptsOfActors = p.reads ? DEPTS : [DEPTS[0]];
      for (const d of deptsOfActors) {
        // reads in parallel per role; writes one by one (they share rows)
        const jobsOfRole = ROLES.map((role) => async () => {
          for (const side of p.rows ? ['own', 'other'] : ['own']) {
            const exp = expected(rule, role, side);
            const rowDept = side === 'own' ? d : other(d);
            let out;
            try {
              out = await p.run(actor[d][role], role, rowDept, side);
            } catch (e) {
              complaints.push(`${role}@${d.slice(-1)} ${side}: ${e.message}`);
              continue;
            }
            const res = out.res || out;
            const why = judge(exp, res, out.listed);
            if (why) complaints.push(`${role}@${d.slice(-1)} ${side}: ${why}`);
            assert.ok(res.status < 500, `${key} ${role} ${side}: ${res.status} ${res.text}`);
          }
        });
        if (p.reads) await Promise.all(jobsOfRole.map((f) => f()));
        else for (const f of jobsOfRole) await f();
      }
      assert.deepEqual(complaints, [], `${key}:\n  ${complaints.join('\n  ')}`);
    });
  }

  test('the server shuts down cleanly (exit 0, no sanitizer report)', async () => {
    await expectCleanExit(srv);
  });
});
