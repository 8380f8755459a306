// api.js - talking to /api/v1: JSON in and out, the CSRF header on writes,
// problem+json errors turned into ApiError with both languages kept, and
// feature detection from the OpenAPI document.
import { acceptLanguage, t } from './i18n.js';

let csrf = null;
export const setCsrf = (c) => (csrf = c);

/* The readable double-submit cookie (not HttpOnly): tells whether a session
 * may exist before asking the server (so a logged-out page load makes no
 * failing request). */
export function csrfCookie() {
  const m = document.cookie.match(/(?:^|;\s*)ipcity_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem ? problem.message_zh || problem.title || String(status) : String(status));
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || `http.${status}`;
  }
  /* The message in the current language. */
  get text() {
    const p = this.problem;
    if (p.message_zh || p.message_en) return t(p.message_zh || p.message_en, p.message_en || p.message_zh);
    if (this.status === 0) return t('无法连接服务器，请检查网络后重试', 'Cannot reach the server; check the network and retry');
    return t(`请求失败（HTTP ${this.status}）`, `Request failed (HTTP ${this.status})`);
  }
  /* errors[] items: {field, row, column, code, message_zh, message_en}. */
  get items() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/* Called with the error when a request answers 401 (the session ended). */
let onUnauthorized = null;
export const setOnUnauthorized = (f) => (onUnauthorized = f);

/* request(method, path, {body, raw, headers, etag}) -> {status, data, etag, headers} */
export async function request(method, path, opts = {}) {
  const headers = { 'Accept-Language': acceptLanguage(), Accept: 'application/json', ...(opts.headers || {}) };
  let body;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const c = csrf || csrfCookie();
    if (c) headers['X-CSRF-Token'] = c;
  }
  if (opts.etag) headers['If-Match'] = opts.etag;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null);
  }
  const ct = res.headers.get('Content-Type') || '';
  let data = null;
  if (res.status !== 204 && res.status !== 304) {
    if (/json/.test(ct)) {
      try {
        data = await res.json();
      } catch {
        data = null;
      }
    } else data = await res.text();
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data && typeof data === 'object' ? data : null);
    if (res.status === 401 && onUnauthorized && !opts.noAuthRedirect) onUnauthorized(err);
    throw err;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}

export const get = async (path, opts) => (await request('GET', path, opts)).data;
export const post = async (path, body, opts = {}) => (await request('POST', path, { ...opts, body })).data;

/* A query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') u.append(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/* ---- feature detection ---- */

let openapi = null;
let openapiAt = 0;
/* The set of paths of /api/v1/openapi.json (cached for a minute, so
 * endpoints that appear while the console is open are found). */
export async function apiPaths(force = false) {
  if (!openapi || force || Date.now() - openapiAt > 60000) {
    try {
      const doc = await get('/api/v1/openapi.json');
      openapi = doc && doc.paths ? doc.paths : {};
    } catch {
      openapi = openapi || {};
    }
    openapiAt = Date.now();
  }
  return openapi;
}
/* Whether the server has a path (exact OpenAPI pattern) with a method. */
export async function hasPath(p, method = 'get') {
  const paths = await apiPaths();
  return !!(paths[p] && paths[p][method]);
}
