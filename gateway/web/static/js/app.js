// The Argus console: boot, sign-in, the views a user's permissions allow
// (GET /api/me), the live feed and the live panel.
//
// Stable hooks for browser tests (ids and data-testid attributes):
//   view                      the main area; data-view on <body> names the shown view
//   nav-wall, nav-incidents, nav-alerts, nav-cameras, nav-edges, nav-drones, nav-rules, nav-admin   navigation links (only those permitted)
//   whoami, logout, wall-mode, live-status ("live" once /api/events is open), toast
//   Login:   login-view, login-form, login-user, login-password, login-submit, login-error
//   Wall:    wall-view, wall-grid, wall-empty; each tile: tile (data-camera, data-player = player
//            key, data-play = player state, data-severity), tile-camera, tile-site, tile-state,
//            tile-kind, tile-message, tile-video, tile-dismiss, tile-unpin; wall-outages, wall-outage
//            (data-id: an open site outage's banner, opening Incidents)
//   Alerts:  alerts-view, alerts-list, alerts-status, alerts-more, alerts-empty; each alert: alert
//            (data-id, data-camera, data-kind, data-status), alert-severity, alert-kind,
//            alert-camera, alert-site, alert-time, alert-status, alert-snapshot, alert-note,
//            alert-ack, alert-resolve, alert-acked, alert-resolved, alert-note-text, alert-verify
//            ("Send a drone": fire or smoke with a location, verify permission), alert-dispatch
//   Incidents: incidents-view, incidents-list, incidents-state, incidents-more, incidents-empty;
//            each: incident (data-id, data-rule, data-state, data-count), incident-count,
//            incident-severity, incident-title, incident-state, incident-owner, incident-cause,
//            incident-note-text, incident-note, incident-add-note, incident-ack, incident-take,
//            incident-resolve, incident-detail (open on a click), incident-timeline,
//            incident-line (data-what), incident-member (data-camera: opens it live)
//   Live:    live-panel (a tile with player key "live:<camera>"), live-close
//   Cameras: cameras-view, cameras-search, cameras-site, cameras-state, cameras-total,
//            cameras-rows, camera-row (data-camera, data-state), camera-state, camera-watch,
//            camera-pin, camera-to-wall, camera-owner, camera-delete, cameras-prev, cameras-next,
//            cameras-source (reported | registered), edges, edge (data-edge)
//   Inventory (in Cameras, with the inventory permission): import-panel, import-file,
//            import-dry-run, import-submit, import-result, import-problems, import-problem
//            (data-line, data-field), add-panel, add-form, add-<field> (id, site, name, main,
//            sub, username, password_env, lat, lon, pin, transport), add-submit, add-error,
//            add-problems, add-problem
//   Edges:   edges-view, edges-summary, edges-rows, edge-row (data-edge, data-state),
//            edge-health, edge-bar (data-percent, empty when the capacity is unknown), edge-cameras,
//            edge-fleet (data-assigned, data-drained), edge-drain (data-edge; admins of every site)
//   Rules:   rules-view, rules-site, rules-summary, rules-live, rules-shadow-version (data-version),
//            rules-versions, rules-version (data-version, data-stage), rules-load, rules-rollback,
//            rules-text, rules-gutter, rules-notes, rules-inline-problem (data-line),
//            rules-problems, rules-problem (data-line), rules-result, rules-validate, rules-bump,
//            rules-shadow, rules-retire, rules-promote, rules-period, rules-compare,
//            rules-compare-result, rules-compare-row (data-kind)
//   Drones:  drones-view, drones-grid, drones-empty; each drone: drone-card (data-drone, data-state),
//            drone-state, drone-link, drone-mode, drone-armed, drone-battery, drone-progress
//            (data-state), drone-plan (svg: plan-geofence, plan-nofly (data-zone), plan-route
//            (data-route), plan-camera (data-camera), plan-home, drone-arrow (data-lat, data-lon,
//            data-heading)), drone-route, drone-check, drone-checks, drone-check-item (data-check,
//            data-ok), drone-launch, drone-abort, drone-progress-log, drone-progress-item (data-state)
//   Admin:   admin-view, users-rows, user-row (data-user), user-delete, user-form, user-name,
//            user-role, user-sites, user-password, user-create, user-error, audit-filter,
//            audit-who, audit-action, audit-site, audit-from, audit-to, audit-rows, audit-row, audit-more
//   Recordings (#/timeline/<camera>) and clips: see views/timeline.js and clip.js
// Video test hooks: window.stats(key) and window.argus.players (see player.js).

import {h, clear, button} from './dom.js';
import {get, token, logout, onUnauthorized, Events} from './api.js';
import {Tile} from './tile.js';
import * as login from './views/login.js';
import * as wall from './views/wall.js';
import * as alerts from './views/alerts.js';
import * as incidents from './views/incidents.js';
import * as cameras from './views/cameras.js';
import * as edges from './views/edges.js';
import * as rules from './views/rules.js';
import * as drones from './views/drones.js';
import * as admin from './views/admin.js';
import * as timeline from './views/timeline.js';

// VIEWS in navigation order, each with the permission it needs.
const VIEWS = [
  {name: 'wall', label: 'Wall', perm: 'view', mod: wall},
  {name: 'incidents', label: 'Incidents', perm: 'view', mod: incidents},
  {name: 'alerts', label: 'Alerts', perm: 'view', mod: alerts},
  {name: 'cameras', label: 'Cameras', perm: 'view', mod: cameras},
  {name: 'edges', label: 'Edges', perm: 'view', mod: edges},
  {name: 'drones', label: 'Drones', perm: 'view', mod: drones},
  {name: 'timeline', label: 'Recordings', perm: 'view', mod: timeline},
  {name: 'rules', label: 'Rules', perm: 'rules.read', mod: rules},
  {name: 'admin', label: 'Admin', perm: 'admin', mod: admin},
];

const $ = (id) => document.getElementById(id);
const events = new Events();
let me = null;
let unmount = () => {};
let live = null; // the live panel's tile

// ctx is what every view gets: who is signed in, what they may do, the live feed.
const ctx = {
  get me() { return me; },
  can: (perm) => !!me && (me.permissions || []).includes(perm),
  events,
  openLive,
};

/** boot restores a session (the token of this tab) or shows the login. */
async function boot() {
  onUnauthorized(() => signedOut('Your session ended: sign in again.'));
  setupChrome();
  if (!token()) return showLogin();
  try {
    me = await get('/api/me');
  } catch {
    return showLogin();
  }
  signedIn();
}

function setupChrome() {
  const body = document.body;
  const applyWall = (on) => {
    body.classList.toggle('wall-mode', on);
    $('wall-mode').setAttribute('aria-pressed', String(on));
    localStorage.setItem('argus.wallMode', on ? '1' : '');
  };
  applyWall(localStorage.getItem('argus.wallMode') === '1');
  $('wall-mode').addEventListener('click', () => applyWall(!body.classList.contains('wall-mode')));
  $('logout').addEventListener('click', async () => {
    await logout();
    signedOut('');
  });
  events.on('status', (s) => {
    $('live-status').textContent = s;
    $('live-status').className = `live-status ${s}`;
    if (s === 'offline') reopenEvents();
  });
  events.on('camera', (s) => { if (live && live.camera === s.camera) live.status(s); });
  window.addEventListener('hashchange', route);
}

let reopenTimer = 0;

// reopenEvents retries a feed the browser gave up on (the server answered
// other than 200): a 401 from /api/me signs out; otherwise retry in 5 s.
function reopenEvents() {
  clearTimeout(reopenTimer);
  reopenTimer = setTimeout(async () => {
    if (!me) return;
    try {
      await get('/api/me');
    } catch (e) {
      if (e.status === 401) return; // onUnauthorized has signed out
    }
    if (me) events.open();
  }, 5000);
}

function showLogin(message = '') {
  unmount();
  closeLive();
  $('topbar').hidden = true;
  document.body.dataset.view = 'login';
  const root = clear($('view'));
  unmount = login.mount(root, {done: async () => {
    try {
      me = await get('/api/me');
    } catch (e) {
      return showLogin(e.message);
    }
    signedIn();
  }});
  if (message) {
    const err = root.querySelector('[data-testid="login-error"]');
    err.textContent = message;
    err.hidden = false;
  }
}

function signedIn() {
  $('topbar').hidden = false;
  $('whoami').textContent = `${me.name} · ${me.role} · ${(me.sites || []).join(', ')}`;
  clear($('nav')).append(...allowed().map((v) =>
    h('a', {href: `#/${v.name}`, id: `nav-${v.name}`, 'data-testid': `nav-${v.name}`}, v.label)));
  events.open();
  route();
}

function signedOut(message) {
  events.close();
  me = null;
  showLogin(message);
}

const allowed = () => VIEWS.filter((v) => ctx.can(v.perm));

/** route shows the view named in the URL hash, or the first allowed one. */
function route() {
  if (!me) return;
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const views = allowed();
  const v = views.find((x) => x.name === name) || views[0];
  if (!v) {
    clear($('view')).append(h('p', {class: 'error'}, 'Your role has no view in this console.'));
    return;
  }
  unmount();
  document.body.dataset.view = v.name;
  for (const a of $('nav').children) a.classList.toggle('active', a.id === `nav-${v.name}`);
  unmount = v.mod.mount(clear($('view')), ctx) || (() => {});
}

/** openLive plays one camera in the live panel. */
function openLive(camera, site = '') {
  closeLive();
  const panel = $('live-panel');
  live = new Tile({key: `live:${camera}`, camera, site,
    actions: [button('Close', {class: 'small', 'data-testid': 'live-close', onclick: closeLive})]});
  get(`/api/cameras/${encodeURIComponent(camera)}`).then((s) => live && live.camera === camera && live.status(s), () => {});
  clear(panel).append(live.el);
  panel.hidden = false;
}

function closeLive() {
  if (live) live.stop();
  live = null;
  const panel = $('live-panel');
  clear(panel);
  panel.hidden = true;
}

document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeLive(); });
boot();
