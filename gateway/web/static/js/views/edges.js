// Edges: every edge the caller's sites use (GET /api/edges), its health
// (online or offline, when last seen), the cameras it owns against the
// capacity it declares (a bar; "unknown" without a fleet), its CPU load,
// memory and anomalies queued for the broker, and version; with a fleet, the cameras its assignment lists and whether
// it is drained, with Drain/Undrain for an admin of every site
// (POST/DELETE /api/edges/{edge}/drain). Edge events reload the list, so a
// failover shows at once.

import {h, clear, ago, debounce, fmtTime, toast} from '../dom.js';
import {get, post, del, esc} from '../api.js';

/** mount shows the edges. */
export function mount(root, ctx) {
  const body = h('tbody', {'data-testid': 'edges-rows'});
  const summary = h('span', {class: 'muted', 'data-testid': 'edges-summary'});
  root.append(h('section', {class: 'edges-view', 'data-testid': 'edges-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Edges'), summary),
    h('table', {class: 'table'},
      h('thead', {}, h('tr', {}, ['Edge', 'Health', 'Last seen', 'Cameras vs capacity', 'CPU load', 'Memory · queue', 'Version', 'Fleet'].map((t) => h('th', {}, t)))),
      body)));

  const load = async () => {
    try {
      const items = (await get('/api/edges', {brief: 1})).items || [];
      const admin = ctx.can('admin') && (ctx.me.sites || []).includes('*');
      clear(body).append(...items.map((e) => row(e, admin ? drainButton(e, load) : null)));
      if (!items.length) body.append(h('tr', {}, h('td', {colspan: 8, class: 'muted'}, 'No edge has reported yet.')));
      const online = items.filter((e) => e.state === 'online').length;
      const owned = items.reduce((n, e) => n + (e.cameras_owned || 0), 0);
      summary.textContent = `${online} of ${items.length} online · ${owned} cameras owned`;
    } catch (e) { toast(`Edges: ${e.message}`, 'error'); }
  };
  const reload = debounce(load, 300);
  const offs = [ctx.events.on('edge', reload), ctx.events.on('resync', load)];
  load();
  return () => offs.forEach((off) => off());
}

// drainButton drains or undrains the edge, then reloads the list.
function drainButton(e, reload) {
  if (!e.fleet) return null;
  const drained = e.fleet.drained;
  return h('button', {type: 'button', 'data-testid': 'edge-drain', 'data-edge': e.edge, onclick: async () => {
    try {
      const path = `/api/edges/${esc(e.edge)}/drain`;
      await (drained ? del(path) : post(path));
      toast(drained ? `${e.edge} takes cameras again` : `${e.edge} drained: its cameras move`, 'info');
      reload();
    } catch (err) { toast(`Drain ${e.edge}: ${err.message}`, 'error'); }
  }}, drained ? 'Undrain' : 'Drain');
}

// fleetCell is what the assigner gave the edge and whether it is drained.
function fleetCell(e, button) {
  if (!e.fleet) return h('td', {class: 'muted', 'data-testid': 'edge-fleet'}, '');
  const f = e.fleet;
  const marks = [f.drained ? 'drained' : '', f.draining ? 'draining' : '', f.live ? '' : 'no heartbeat'].filter(Boolean);
  return h('td', {'data-testid': 'edge-fleet', 'data-assigned': f.assigned, 'data-drained': f.drained ? 'true' : 'false'},
    `${f.assigned} assigned${marks.length ? ' · ' + marks.join(', ') : ''} `, button || '');
}

// row is one edge: a meter of cameras owned over capacity, marked high from 90 %.
function row(e, button) {
  const owned = e.cameras_owned || 0;
  const known = typeof e.capacity === 'number' && e.capacity > 0;
  const pct = known ? Math.round((100 * owned) / e.capacity) : 0;
  const bar = known
    // a <meter>, not a styled bar: the console's CSP allows no inline style
    ? h('meter', {class: 'bar', min: 0, max: e.capacity, high: 0.9 * e.capacity, optimum: 0, value: Math.min(owned, e.capacity),
      title: `${owned} of ${e.capacity} (${pct} %)`, 'data-testid': 'edge-bar', 'data-percent': pct})
    : h('span', {class: 'muted', 'data-testid': 'edge-bar', 'data-percent': ''}, 'capacity unknown');
  return h('tr', {class: `edge-row state-${e.state}`, 'data-testid': 'edge-row', 'data-edge': e.edge, 'data-state': e.state},
    h('td', {}, e.edge),
    h('td', {}, h('span', {class: `state st-${e.state}`, 'data-testid': 'edge-health'}, e.state)),
    h('td', {title: fmtTime(e.last_seen)}, e.last_seen ? ago(e.last_seen) : ''),
    h('td', {class: 'capacity'}, bar, h('span', {'data-testid': 'edge-cameras'}, known ? ` ${owned} / ${e.capacity}` : ` ${owned}`)),
    h('td', {}, typeof e.load === 'number' ? e.load.toFixed(2) : ''),
    resources(e),
    h('td', {}, e.version || ''),
    fleetCell(e, button));
}

// resources is the edge's resident memory and its anomalies waiting for
// the broker (a backlog means the link to the command center is slow or
// was down); empty for an edge that does not report them.
function resources(e) {
  const parts = [];
  if (e.memory_bytes > 0) parts.push(`${Math.round(e.memory_bytes / (1 << 20))} MiB`);
  if (typeof e.queue_depth === 'number' && e.state === 'online') parts.push(`${e.queue_depth} queued`);
  return h('td', {'data-testid': 'edge-resources', 'data-queue': e.queue_depth ?? ''}, parts.join(' · '));
}
