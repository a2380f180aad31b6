// The wall: live tiles of the incident wall (GET /api/wall, kept current by
// `wall` events) followed by the cameras this user pinned in this browser.
// Tiles that stay on the wall keep playing while the list changes. A site
// outage is one banner above the tiles (open outage incidents, kept
// current by `incident` events), not a tile per camera; it opens Incidents.

import {h, clear, button, toast} from '../dom.js';
import {get, del, esc} from '../api.js';
import {Tile, severityBadge} from '../tile.js';
import {pins} from '../pins.js';

/** mount shows the wall. */
export function mount(root, ctx) {
  const grid = h('div', {class: 'grid wall-grid', id: 'wall-grid', 'data-testid': 'wall-grid'});
  const empty = h('p', {class: 'muted', 'data-testid': 'wall-empty', hidden: true}, 'Nothing on the wall: no open incident and no pinned camera.');
  const banners = h('div', {class: 'outage-banners', 'data-testid': 'wall-outages'});
  root.append(h('section', {class: 'wall-view', 'data-testid': 'wall-view'}, banners, empty, grid));
  const outages = new Map(); // incident id → an open site outage
  const tiles = new Map(); // camera → {tile, entry}
  let wall = [];

  const render = () => {
    if (!ctx.me) return; // signed out while a load was under way: the view is gone
    const want = new Map();
    for (const w of wall) want.set(w.camera, w);
    for (const cam of pins.list(ctx.me.name)) if (!want.has(cam)) want.set(cam, {camera: cam, pinned: true});
    for (const [cam, t] of tiles) {
      if (!want.has(cam)) {
        t.tile.stop();
        t.tile.el.remove();
        tiles.delete(cam);
      }
    }
    for (const [cam, entry] of want) {
      let t = tiles.get(cam);
      if (!t) {
        t = {tile: new Tile({key: `wall:${cam}`, camera: cam, site: entry.site || ''})};
        tiles.set(cam, t);
        loadStatus(t.tile);
      }
      t.entry = entry;
      decorate(t.tile, entry);
      grid.append(t.tile.el); // re-appending keeps the wall's order
    }
    empty.hidden = want.size > 0;
    // Wall mode fills the screen: a near-square grid of 16:9 tiles (CSS reads these).
    const cols = Math.max(1, Math.ceil(Math.sqrt(want.size)));
    grid.style.setProperty('--cols', cols);
    grid.style.setProperty('--rows', Math.max(1, Math.ceil(want.size / cols)));
  };

  // decorate shows why the camera is on the wall and the buttons that apply.
  const decorate = (tile, entry) => {
    tile.el.classList.toggle('incident', !entry.pinned);
    tile.el.dataset.severity = entry.severity || '';
    tile.badge(entry.pinned ? h('span', {class: 'badge pinned'}, 'pinned') : severityBadge(entry.kind, entry.severity));
    const actions = tile.el.querySelector('.tile-actions');
    clear(actions);
    if (entry.pinned) {
      actions.append(button('Unpin', {class: 'small ghost', 'data-testid': 'tile-unpin', onclick: () => { pins.remove(ctx.me.name, entry.camera); render(); }}));
    } else if (ctx.can('handle')) {
      actions.append(button('Dismiss', {class: 'small', 'data-testid': 'tile-dismiss', onclick: () => dismiss(entry.camera)}));
    }
    if (entry.reason) tile.el.title = entry.reason;
  };

  const dismiss = async (cam) => {
    try {
      await del(`/api/wall/${esc(cam)}`);
      wall = wall.filter((w) => w.camera !== cam);
      render();
    } catch (e) {
      toast(`Dismiss ${cam}: ${e.message}`, 'error');
    }
  };

  const loadStatus = async (tile) => {
    try {
      tile.status(await get(`/api/cameras/${esc(tile.camera)}`));
    } catch (e) {
      tile.status({state: e.status === 404 ? 'unknown' : 'error', reason: e.message});
    }
  };

  const load = async () => {
    try {
      wall = (await get('/api/wall')).items || [];
    } catch (e) {
      toast(`Wall: ${e.message}`, 'error');
    }
    render();
    try {
      outages.clear();
      for (const i of (await get('/api/incidents', {kind: 'camera_offline', limit: 100})).items || []) outage(i, false);
    } catch (e) {
      toast(`Outages: ${e.message}`, 'error');
    }
    drawBanners();
  };

  // outage keeps an open site outage for the banners, forgets a closed one.
  const outage = (i, draw = true) => {
    if (i.rule !== 'outage') return;
    if (i.state === 'resolved' || i.merged) outages.delete(i.id); else outages.set(i.id, i);
    if (draw) drawBanners();
  };

  const drawBanners = () => {
    clear(banners);
    for (const i of outages.values()) {
      banners.append(h('a', {class: `outage-banner sev-${i.severity || 'info'}`, href: '#/incidents', 'data-testid': 'wall-outage', 'data-id': i.id},
        h('strong', {}, i.title), i.owner ? ` — ${i.owner}` : ''));
    }
  };

  const offs = [
    ctx.events.on('wall', (d) => { wall = d.items || d || []; render(); }),
    ctx.events.on('camera', (s) => { const t = tiles.get(s.camera); if (t) t.tile.status(s); }),
    pins.onChange(render),
    ctx.events.on('resync', load),
    ctx.events.on('incident', (i) => outage(i)),
  ];
  load();
  return () => {
    offs.forEach((off) => off());
    for (const t of tiles.values()) t.tile.stop();
  };
}
