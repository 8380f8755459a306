// state.js - what the console knows about the signed-in user: the user, the
// record types they may read (GET /api/v1/meta/types) and their department.
import { get, qs } from './api.js';

export const state = {
  user: null,
  types: [],
  dept: null, // the user's department row, when readable
};

export function typeByPath(path) {
  return state.types.find((x) => x.path === path) || null;
}
export const canRead = (path) => !!typeByPath(path);
export function canWrite(path) {
  const ty = typeByPath(path);
  return !!ty && ty.access && ty.access.write && ty.access.write !== 'none';
}
export const role = () => (state.user ? state.user.role : 'public');
/* Roles that run the plan: the bureau, the administrators, the departments. */
export const isStaff = () => ['admin', 'bureau', 'dept'].includes(role());

export async function loadTypes() {
  state.types = (await get('/api/v1/meta/types')).types || [];
}

/* The region the user works for: their department's region, else the demo
 * district. */
export function homeRegion() {
  return (state.dept && state.dept.region_code) || localStorage.getItem('ipcity.region') || '310104';
}

export async function loadDept() {
  state.dept = null;
  if (!state.user || !state.user.dept || !canRead('departments')) return;
  try {
    const r = await get(`/api/v1/departments${qs({ code: state.user.dept, limit: 1 })}`);
    state.dept = (r.items && r.items[0]) || null;
  } catch {
    state.dept = null;
  }
}
