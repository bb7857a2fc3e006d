// The daemon's HTTP API as the console uses it (docs/api.md, docs/console.md).
// The token lives in sessionStorage: one browser tab, gone when it closes or
// on sign-out. It is sent only to this origin.

const TOKEN_KEY = 'moderated.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// A failed request: `status` (0 for a network error), `detail` from the
// problem+json body, `errors` (its field errors) and the whole `body`.
export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
    this.errors = (body && Array.isArray(body.errors)) ? body.errors : [];
  }
}

// Listeners for 401s (the console returns to the sign-in form).
const unauthorizedListeners = [];
export function onUnauthorized(fn) {
  unauthorizedListeners.push(fn);
}

export async function request(method, path, body, {token = getToken(), quiet401 = false} = {}) {
  const headers = {Accept: 'application/json, application/problem+json'};
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = {method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, `network error: ${e.message}`, null);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const detail = (data && typeof data.detail === 'string') ? data.detail
      : `${res.status} ${res.statusText}`;
    const err = new ApiError(res.status, detail, data);
    if (res.status === 401 && !quiet401) unauthorizedListeners.forEach((fn) => fn(err));
    throw err;
  }
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body ?? {}, opts);
export const put = (path, body, opts) => request('PUT', path, body ?? {}, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

// "?a=1&b=x" from an object, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
