// The console's only way to the gateway: the JSON API of
// gateway/api/API.md and its server-sent events. The session token from
// login is kept in sessionStorage (this tab only) because WHEP needs it as
// a bearer token; the HttpOnly cookie the API also sets carries the
// session for <img> snapshots and EventSource, which cannot send headers.

const TOKEN_KEY = 'argus.token';

/** ApiError is a refused call: its HTTP status, the API's message and any rule problems. */
export class ApiError extends Error {
  constructor(status, message, body = {}) {
    super(message);
    this.status = status;
    this.problems = body.problems || [];
    this.omitted = body.omitted || 0;
    this.retryAfter = body.retry_after;
    this.checks = body.checks || []; // a refused drone launch's pre-flight checks
  }
}

let unauthorized = () => {};

/** onUnauthorized sets what happens when a call answers 401 (the session ended). */
export function onUnauthorized(fn) { unauthorized = fn; }

/** token is the session token, empty when signed out. */
export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

/** setToken keeps (or, with '', forgets) the session token. */
export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * request calls the API. opts: json (a body sent as JSON), yaml (a body sent
 * as application/yaml), body with type (any other body, e.g. a CSV file),
 * query (an object; empty values dropped). It returns
 * the decoded JSON (or null for an empty body) and throws ApiError.
 */
export async function request(method, path, opts = {}) {
  const headers = {Accept: 'application/json'};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.yaml !== undefined) {
    headers['Content-Type'] = 'application/yaml';
    body = opts.yaml;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.type;
    body = opts.body;
  }
  let resp;
  try {
    resp = await fetch(path + query(opts.query), {method, headers, body, credentials: 'same-origin'});
  } catch (e) {
    throw new ApiError(0, `gateway unreachable (${e.message})`);
  }
  const data = await decode(resp);
  if (!resp.ok) {
    const msg = (data && data.error) || `${resp.status} ${resp.statusText}`;
    if (resp.status === 401 && !opts.noRedirect) unauthorized(msg);
    throw new ApiError(resp.status, msg, data || {});
  }
  return data;
}

// decode reads a JSON body, tolerating an empty or non-JSON one.
async function decode(resp) {
  const text = await resp.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return {error: text.trim()}; }
}

// query encodes an object as a query string, leaving out empty values.
function query(q) {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** get is request('GET', path, {query: q}). */
export const get = (path, q) => request('GET', path, {query: q});
/** post is request('POST', path, {json}). */
export const post = (path, json = {}) => request('POST', path, {json});
/** put is request('PUT', path, {json}). */
export const put = (path, json = {}) => request('PUT', path, {json});
/** del is request('DELETE', path). */
export const del = (path) => request('DELETE', path);
/** esc encodes one path segment. */
export const esc = encodeURIComponent;

/** login signs in and keeps the token; it throws ApiError with the API's message. */
export async function login(user, password) {
  const r = await request('POST', '/api/login', {json: {user, password}, noRedirect: true});
  setToken(r.token);
  return r;
}

/** logout ends the session on the server (best effort) and forgets the token. */
export async function logout() {
  try { await request('POST', '/api/logout', {noRedirect: true}); } catch { /* signed out anyway */ }
  setToken('');
}

/** Events is the live feed: one EventSource on /api/events, dispatched as DOM events of the same names. */
export class Events extends EventTarget {
  constructor() {
    super();
    this.source = null;
  }

  /**
   * open connects. EventSource reconnects by itself after a drop; events
   * sent meanwhile are lost (the gateway also drops a client that lags), so
   * a reconnection dispatches `resync` for the views to reload what they show.
   */
  open() {
    this.close();
    const src = new EventSource('/api/events');
    this.source = src;
    let dropped = false;
    src.onopen = () => {
      this.dispatchEvent(new CustomEvent('status', {detail: 'live'}));
      if (dropped) this.dispatchEvent(new CustomEvent('resync'));
      dropped = false;
    };
    src.onerror = () => {
      dropped = true;
      this.dispatchEvent(new CustomEvent('status', {detail: src.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting'}));
    };
    for (const name of ['hello', 'anomaly', 'wall', 'camera', 'edge', 'drone', 'patrol', 'dispatch', 'incident']) {
      src.addEventListener(name, (e) => {
        let detail;
        try { detail = JSON.parse(e.data); } catch { return; }
        this.dispatchEvent(new CustomEvent(name, {detail}));
      });
    }
  }

  /** close disconnects. */
  close() {
    if (this.source) this.source.close();
    this.source = null;
  }

  /** on subscribes fn(detail) to an event and returns the unsubscribe function. */
  on(name, fn) {
    const l = (e) => fn(e.detail);
    this.addEventListener(name, l);
    return () => this.removeEventListener(name, l);
  }
}
