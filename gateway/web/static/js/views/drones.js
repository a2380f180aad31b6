// Drones: for pilots, one card per drone of the user's sites: its state,
// link, mode, arming, battery and the patrol's progress (waypoint n/N), the
// site's plan with the drone moving live (`drone` events, 2 Hz), a route
// picker, "Check" (the pre-flight, check by check), "Launch" (enabled once
// every check passed for the route picked) and, while it flies, "Abort" in
// red at the top of the card. Once a patrol ended, "Recording" opens its
// video with the drone moving on the plan (patrolplayer.js).

import {h, clear, button, toast} from '../dom.js';
import {get, post, del, esc} from '../api.js';
import {drawPlan} from '../plan.js';
import {patrolPlayer} from './patrolplayer.js';

const ENDED = ['completed', 'aborted', 'refused', 'failed'];

/** mount shows the drones. */
export function mount(root, ctx) {
  const grid = h('div', {class: 'drones', 'data-testid': 'drones-grid'});
  const empty = h('p', {class: 'muted', 'data-testid': 'drones-empty', hidden: true}, 'No drone at your sites.');
  root.append(h('section', {class: 'drones-view', 'data-testid': 'drones-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Drones')), empty, grid));
  const cards = new Map(); // drone id → card

  // load (re)builds every card; one at a time, or cards would be doubled.
  let loading = null;
  const load = () => {
    loading ||= build().finally(() => { loading = null; });
    return loading;
  };
  const build = async () => {
    try {
      const r = await get('/api/drones');
      clear(grid);
      cards.clear();
      for (const d of r.items || []) {
        const detail = await get(`/api/drones/${esc(d.id)}`);
        const c = card(detail, ctx);
        cards.set(d.id, c);
        grid.append(c.el);
      }
      empty.hidden = cards.size > 0;
    } catch (e) {
      toast(`Drones: ${e.message}`, 'error');
    }
  };

  const offs = [
    ctx.events.on('drone', (d) => {
      const c = cards.get(d.id);
      if (c) c.update(d);
      else load(); // a drone first heard of
    }),
    ctx.events.on('patrol', (p) => { const c = cards.get(p.drone); if (c) c.progress(p); }),
    ctx.events.on('dispatch', (d) => {
      if (d.patrol) toast(`${d.drone} sent to look at the ${d.kind} on ${d.camera} (by ${d.by})`);
      else toast(`No drone sent to the ${d.kind} on ${d.camera}: ${d.error}`, 'error');
    }),
    ctx.events.on('resync', load),
  ];
  load();
  return () => offs.forEach((off) => off());
}

// card is one drone: {el, update(drone), progress(event)}.
function card(d, ctx) {
  const f = (id) => h('span', {'data-testid': id});
  const state = f('drone-state');
  const link = f('drone-link');
  const mode = f('drone-mode');
  const armed = f('drone-armed');
  const battery = f('drone-battery');
  const prog = h('div', {class: 'drone-progress', 'data-testid': 'drone-progress'});
  const log = h('ol', {class: 'drone-log', 'data-testid': 'drone-progress-log'});
  const checks = h('ul', {class: 'checks', 'data-testid': 'drone-checks'});
  const plan = drawPlan(d.airspace, d.id, d.home);
  const canFly = ctx.can('fly');
  const routes = h('select', {'data-testid': 'drone-route', 'aria-label': 'Route'},
    (d.routes || []).map((r) => h('option', {value: r}, r)));
  const check = button('Check', {'data-testid': 'drone-check', disabled: !(d.routes || []).length});
  const launch = button('Launch', {class: 'primary', 'data-testid': 'drone-launch', disabled: true});
  const abort = button('Abort', {class: 'danger', 'data-testid': 'drone-abort', hidden: true});
  const recording = button('Recording', {'data-testid': 'drone-recording', hidden: true});
  const replay = h('div', {class: 'drone-replay'});
  let player = null;
  let cur = d;
  let passed = ''; // the route whose checks all passed, until something changes

  const el = h('article', {class: 'drone card', 'data-testid': 'drone-card', 'data-drone': d.id},
    h('div', {class: 'drone-head'},
      h('strong', {}, d.id), h('span', {class: 'muted'}, d.site), abort),
    h('div', {class: 'drone-facts'},
      h('span', {}, 'state ', state), h('span', {}, 'link ', link), h('span', {}, 'mode ', mode),
      h('span', {}, armed), h('span', {}, 'battery ', battery)),
    prog, plan.svg,
    h('div', {class: 'drone-controls'}, routes, check, canFly ? launch : null, recording),
    checks, log, replay);
  if (!d.airspace.configured) checks.append(h('li', {class: 'bad'}, `no airspace configured for site ${d.site}`));

  const reset = () => {
    passed = '';
    launch.disabled = true;
  };
  const flying = (x) => ['patrolling', 'returning', 'flying'].includes(x.state) || (x.patrol && !ENDED.includes(x.patrol.state));

  const update = (x) => {
    const was = cur;
    cur = {...cur, ...x};
    state.textContent = cur.state;
    el.dataset.state = cur.state;
    link.textContent = cur.link;
    link.className = cur.link === 'up' ? 'ok' : 'bad';
    mode.textContent = cur.mode || '—';
    armed.textContent = cur.armed ? 'armed' : 'disarmed';
    battery.textContent = cur.battery >= 0 ? `${cur.battery}%` : '?';
    showPatrol(cur.patrol);
    abort.hidden = !(flying(cur) && (ctx.can('fly') || ctx.can('verify')));
    if (cur.position) plan.move(cur.position);
    if (was.state !== cur.state || was.link !== cur.link || was.gps_fix !== cur.gps_fix) reset();
  };

  const showPatrol = (p) => {
    if (!p) {
      prog.textContent = 'no patrol yet';
      return;
    }
    const where = p.state === 'waypoint' ? `waypoint ${p.waypoint}/${p.of}` : p.state + (p.of ? ` · waypoint ${p.waypoint}/${p.of}` : '');
    prog.textContent = `patrol ${p.route} (${p.id}): ${where}`;
    prog.dataset.state = p.state;
    recording.hidden = !ENDED.includes(p.state) || p.state === 'refused';
    recording.dataset.patrol = p.id;
  };

  const progress = (p) => {
    cur.patrol = {id: p.id, route: p.route || (cur.patrol && cur.patrol.route), state: p.state,
      waypoint: p.of ? p.waypoint : (cur.patrol && cur.patrol.waypoint) || 0,
      of: p.of || (cur.patrol && cur.patrol.of) || 0};
    showPatrol(cur.patrol);
    abort.hidden = !(flying(cur) && (ctx.can('fly') || ctx.can('verify')));
    const text = p.state === 'waypoint' ? `waypoint ${p.waypoint}/${p.of}` : p.state + (p.reason ? `: ${p.reason}` : '');
    log.append(h('li', {'data-testid': 'drone-progress-item', 'data-state': p.state}, text));
    while (log.children.length > 30) log.firstChild.remove();
    if (ENDED.includes(p.state)) reset();
  };

  const showChecks = (list) => {
    clear(checks).append(...(list || []).map((c) => h('li', {class: c.ok ? 'ok' : 'bad', 'data-testid': 'drone-check-item',
      'data-check': c.name, 'data-ok': String(c.ok)}, `${c.ok ? '✓' : '✗'} ${c.name}${c.reason ? `: ${c.reason}` : ''}`)));
  };

  check.addEventListener('click', async () => {
    reset();
    try {
      const r = await post(`/api/drones/${esc(d.id)}/preflight`, {route: routes.value});
      showChecks(r.checks);
      if ((r.checks || []).every((c) => c.ok)) {
        passed = routes.value;
        launch.disabled = false;
      }
    } catch (e) {
      showChecks(e.checks.length ? e.checks : [{name: 'error', ok: false, reason: e.message}]);
    }
  });
  routes.addEventListener('change', () => {
    reset();
    clear(checks);
    plan.highlight(routes.value);
  });
  launch.addEventListener('click', async () => {
    if (passed !== routes.value) return;
    launch.disabled = true;
    clear(log); // now: the patrol's first progress may come before the answer
    try {
      const r = await post(`/api/drones/${esc(d.id)}/patrols`, {route: routes.value});
      showChecks(r.checks);
      toast(`${d.id}: patrol ${r.patrol} on ${r.route} launched`);
      abort.hidden = false;
    } catch (e) {
      showChecks(e.checks);
      toast(`Launch ${d.id}: ${e.message}`, 'error');
    }
    passed = '';
  });
  abort.addEventListener('click', async () => {
    try {
      await del(`/api/drones/${esc(d.id)}/patrols/current`);
      toast(`${d.id}: abort sent, returning home`);
    } catch (e) {
      toast(`Abort ${d.id}: ${e.message}`, 'error');
    }
  });

  recording.addEventListener('click', () => {
    if (player) player.close();
    player = player && player.el.dataset.patrol === recording.dataset.patrol ? null : patrolPlayer(d, recording.dataset.patrol);
    if (player) replay.append(player.el);
  });

  plan.highlight(routes.value);
  update(d);
  return {el, update, progress};
}
