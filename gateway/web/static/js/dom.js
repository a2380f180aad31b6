// Small DOM helpers shared by the views: element building without
// innerHTML (so server text is never parsed as markup), time formatting
// and the toast line.

/**
 * h builds an element. attrs: class, text, dataset-free `data-*`/aria
 * attributes, `on<event>` handlers, boolean props (hidden, disabled, ...).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in PROPS) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Properties set as properties rather than attributes.
const PROPS = {value: 1, checked: 1, disabled: 1, hidden: 1, muted: 1, autoplay: 1, playsInline: 1, selected: 1};

/** clear removes every child of el and returns it. */
export function clear(el) {
  el.replaceChildren();
  return el;
}

/** fmtTime shows an RFC 3339 time as local "YYYY-MM-DD HH:MM:SS"; empty for none. */
export function fmtTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** ago says how long ago an RFC 3339 time was, coarsely. */
export function ago(s) {
  const ms = Date.now() - new Date(s).getTime();
  if (!(ms >= 0)) return '';
  if (ms < 60e3) return `${Math.round(ms / 1e3)} s ago`;
  if (ms < 3600e3) return `${Math.round(ms / 60e3)} min ago`;
  return `${Math.round(ms / 3600e3)} h ago`;
}

let toastTimer = 0;

/** toast shows a short message at the bottom; kind "error" colours it. */
export function toast(msg, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, kind === 'error' ? 8000 : 4000);
}

/** debounce calls fn once calls stop for ms. */
export function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** select builds a <select> from [value, label] pairs. */
export function select(attrs, options, value = '') {
  return h('select', attrs, options.map(([v, l]) => h('option', {value: v, selected: v === value}, l)));
}

/** button builds a <button type=button>. */
export function button(label, attrs = {}) {
  return h('button', {type: 'button', ...attrs}, label);
}
