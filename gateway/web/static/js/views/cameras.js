// Cameras: server-side search and paging (GET /api/cameras with q, site,
// state, limit and cursor), so 41,000 cameras are never loaded at once.
// Offline cameras and cameras of an offline edge are marked, and each
// shows the edge that owns it. A camera can be watched, pinned to this
// user's wall, or (handle) put on the shared wall. The "Registered" source
// lists the district inventory instead (GET /api/inventory), cameras no
// edge has reported yet included; with the inventory permission, cameras
// are imported, added and deleted there.

import {h, clear, button, debounce, fmtTime, select, toast} from '../dom.js';
import {get, post, del, esc} from '../api.js';
import {pins} from '../pins.js';
import {importPanel, cameraForm} from '../inventory.js';

const PAGE = 50;
const STATES = [['', 'Any state'], ['online', 'Online'], ['offline', 'Offline'], ['connecting', 'Connecting']];

/** mount shows the camera list. */
export function mount(root, ctx) {
  const q = h('input', {type: 'search', placeholder: 'Search camera id…', 'data-testid': 'cameras-search', 'aria-label': 'Search cameras'});
  const site = select({'data-testid': 'cameras-site', 'aria-label': 'Site'}, [['', 'All sites']]);
  const state = select({'data-testid': 'cameras-state', 'aria-label': 'State'}, STATES);
  const source = select({'data-testid': 'cameras-source', 'aria-label': 'Source'},
    [['reported', 'Reported by edges'], ['registered', 'Registered (inventory)']]);
  const registered = () => source.value === 'registered';
  const body = h('tbody', {'data-testid': 'cameras-rows'});
  const total = h('span', {class: 'muted', 'data-testid': 'cameras-total'});
  const prev = button('‹ Previous', {'data-testid': 'cameras-prev', disabled: true});
  const next = button('Next ›', {'data-testid': 'cameras-next', disabled: true});
  const edgesBox = h('div', {class: 'edges', 'data-testid': 'edges'});
  const forms = ctx.can('inventory') ? [
    importPanel(() => { source.value = 'registered'; restart(); }),
    cameraForm(ctx.me.sites || [], (id) => { source.value = 'registered'; q.value = id; restart(); }),
  ] : [];
  root.append(h('section', {class: 'cameras-view', 'data-testid': 'cameras-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Cameras'), source, q, site, state, total),
    edgesBox, forms,
    h('table', {class: 'table'},
      h('thead', {}, h('tr', {}, ['Camera', 'Site', 'Owner edge', 'State', 'Video', 'Analysis', 'Last frame', ''].map((t) => h('th', {}, t)))),
      body),
    h('div', {class: 'pager'}, prev, next)));

  let edges = new Map(); // edge id → status
  let shown = new Map(); // camera id → the row's status, for live updates
  const cursors = ['']; // cursors[i] fetches page i
  let pageNo = 0;
  let seq = 0; // answers to superseded searches are dropped

  const load = async () => {
    const mine = ++seq;
    try {
      const reg = registered();
      state.hidden = reg;
      const r = reg
        ? await get('/api/inventory', {q: q.value.trim(), site: site.value, limit: PAGE, cursor: cursors[pageNo]})
        : await get('/api/cameras', {q: q.value.trim(), site: site.value, state: state.value, limit: PAGE, cursor: cursors[pageNo]});
      if (mine !== seq) return;
      // an inventory item names its camera id; its state comes from the directory
      if (reg) r.items = (r.items || []).map((c) => ({...c, camera: c.id, edge: c.owner_edge, registered: true}));
      shown = new Map((r.items || []).map((c) => [c.camera, c]));
      clear(body).append(...(r.items || []).map(row));
      if (!(r.items || []).length) body.append(h('tr', {}, h('td', {colspan: 8, class: 'muted'}, 'No camera matches.')));
      cursors[pageNo + 1] = r.next || '';
      cursors.length = pageNo + 2;
      total.textContent = r.total !== undefined ? `${r.total} cameras · page ${pageNo + 1}` : `page ${pageNo + 1}`;
      prev.disabled = pageNo === 0;
      next.disabled = !r.next;
    } catch (e) {
      if (mine === seq) toast(`Cameras: ${e.message}`, 'error');
    }
  };
  const restart = () => { pageNo = 0; cursors.length = 1; load(); };

  const row = (c) => {
    const owner = c.owner_edge || c.edge || '';
    const edge = edges.get(owner);
    const edgeDown = edge && edge.state !== 'online';
    const actions = [button('Watch', {class: 'small', 'data-testid': 'camera-watch', onclick: () => ctx.openLive(c.camera, c.site)})];
    const pinned = pins.has(ctx.me.name, c.camera);
    actions.push(button(pinned ? 'Unpin' : 'Pin', {class: 'small ghost', 'data-testid': 'camera-pin', onclick: (e) => {
      if (pins.has(ctx.me.name, c.camera)) pins.remove(ctx.me.name, c.camera);
      else pins.add(ctx.me.name, c.camera);
      e.target.textContent = pins.has(ctx.me.name, c.camera) ? 'Unpin' : 'Pin';
    }}));
    if (ctx.can('handle') && !c.on_wall) {
      actions.push(button('To wall', {class: 'small ghost', 'data-testid': 'camera-to-wall', onclick: async (e) => {
        try {
          await post('/api/wall', {camera: c.camera});
          e.target.disabled = true;
          toast(`${c.camera} is on the wall`);
        } catch (ex) { toast(`To wall ${c.camera}: ${ex.message}`, 'error'); }
      }}));
    }
    if (c.registered && ctx.can('inventory')) {
      actions.push(button('Delete', {class: 'small danger', 'data-testid': 'camera-delete', onclick: async () => {
        if (!confirm(`Remove ${c.camera} from the inventory?`)) return;
        try { await del(`/api/cameras/${esc(c.camera)}`); load(); } catch (ex) { toast(`Delete ${c.camera}: ${ex.message}`, 'error'); }
      }}));
    }
    const video = c.codec ? `${c.codec} ${c.width || '?'}×${c.height || '?'} ${c.fps ? `${Math.round(c.fps)} fps` : ''}` : '';
    return h('tr', {class: `cam-row state-${c.state}${edgeDown ? ' edge-down' : ''}`, 'data-testid': 'camera-row', 'data-camera': c.camera, 'data-state': c.state},
      h('td', {class: 'cam'}, c.camera, c.on_wall ? h('span', {class: 'badge', title: 'on the wall'}, 'wall') : ''),
      h('td', {}, c.site),
      h('td', {class: edgeDown ? 'offline' : '', title: edgeDown ? `edge ${edge.state}` : '', 'data-testid': 'camera-owner'}, owner || '—', edgeDown ? ` (${edge.state})` : ''),
      h('td', {}, h('span', {class: `state st-${c.state}`, title: c.reason || '', 'data-testid': 'camera-state'}, c.state)),
      h('td', {}, video),
      analysis(c),
      h('td', {}, fmtTime(c.last_frame || c.last_seen)),
      h('td', {class: 'row-actions'}, actions));
  };

  // analysis is the edge's analysis of the camera: its mode, the frames it
  // analyses per second, and how far behind the frames it runs; a camera
  // whose edge sheds frames under overload is marked.
  const analysis = (c) => {
    if (!c.mode) return h('td', {'data-testid': 'camera-analysis'}, '');
    const lag = c.lag_seconds || 0;
    const behind = lag >= 1 || c.shed_frames > 0;
    const title = `analysed ${(c.analysis_fps || 0).toFixed(1)} frames/s, ${lag.toFixed(1)} s behind` +
      (c.shed_frames ? `, ${c.shed_frames} frames shed under overload` : '');
    return h('td', {class: behind ? 'overloaded' : '', title, 'data-testid': 'camera-analysis',
      'data-lag': String(lag), 'data-analysis-fps': String(c.analysis_fps || 0)},
    `${c.mode} ${(c.analysis_fps || 0).toFixed(1)}/s`, lag >= 1 ? ` · ${lag.toFixed(1)} s behind` : '');
  };

  const loadSites = async () => {
    try {
      for (const s of (await get('/api/sites')).items || []) {
        site.append(h('option', {value: s.site}, `${s.site} (${s.online}/${s.cameras} online)`));
      }
    } catch (e) { toast(`Sites: ${e.message}`, 'error'); }
  };
  const showEdges = () => {
    clear(edgesBox).append(...[...edges.values()].map((e) =>
      h('span', {class: `edge-chip st-${e.state}`, 'data-testid': 'edge', 'data-edge': e.edge, title: `version ${e.version || '?'}`},
        `${e.edge}: ${e.state}`)));
  };
  const loadEdges = async () => {
    try {
      edges = new Map(((await get('/api/edges')).items || []).map((e) => [e.edge, e]));
      showEdges();
    } catch (e) { toast(`Edges: ${e.message}`, 'error'); }
  };

  q.addEventListener('input', debounce(restart, 250));
  site.addEventListener('change', restart);
  state.addEventListener('change', restart);
  source.addEventListener('change', restart);
  prev.addEventListener('click', () => { pageNo--; load(); });
  next.addEventListener('click', () => { pageNo++; load(); });
  const offs = [
    ctx.events.on('edge', (e) => { edges.set(e.edge, e); showEdges(); }),
    ctx.events.on('camera', (c) => {
      const old = shown.get(c.camera);
      if (!old) return;
      const now = {...old, ...c, owner_edge: c.edge}; // a status event lacks the API's on_wall and relayed
      shown.set(c.camera, now);
      body.querySelector(`tr[data-camera="${CSS.escape(c.camera)}"]`)?.replaceWith(row(now));
    }),
  ];
  offs.push(ctx.events.on('resync', () => loadEdges().then(load)));
  Promise.all([loadSites(), loadEdges()]).then(load);
  return () => offs.forEach((off) => off());
}
