// Alerts: the anomaly feed, newest first: GET /api/anomalies for the first
// page (and "Load more" for the next), then `anomaly` events from the live
// feed inserted or updated in place. Commanders acknowledge and resolve with
// an optional note; clicking an alert opens its camera live. A fire or smoke
// with a location offers "Send a drone" to those who may verify; the
// anomalies of the drone's video while it flies there (`verifies` naming
// the camera's anomaly) are listed under the camera's alert.

import {h, clear, button, fmtTime, ago, select, toast} from '../dom.js';
import {get, post, esc} from '../api.js';
import {clipButton} from '../clip.js';

const STATUSES = [['', 'Any status'], ['open', 'Open'], ['acknowledged', 'Acknowledged'], ['resolved', 'Resolved']];

/** mount shows the feed. */
export function mount(root, ctx) {
  const list = h('ol', {class: 'alerts', id: 'alerts-list', 'data-testid': 'alerts-list'});
  const status = select({'data-testid': 'alerts-status', 'aria-label': 'Status'}, STATUSES);
  const more = button('Load more', {'data-testid': 'alerts-more', hidden: true});
  const empty = h('p', {class: 'muted', 'data-testid': 'alerts-empty', hidden: true}, 'No anomaly.');
  root.append(h('section', {class: 'alerts-view', 'data-testid': 'alerts-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Alerts'), status), empty, list, more));
  const rows = new Map(); // id → li
  const records = new Map(); // id → the anomaly shown, to redraw a row
  const sent = new Map(); // anomaly id → what a dispatch event said (a drone sent to look, or why not)
  const found = new Map(); // camera anomaly id → Map(drone anomaly id → the drone's anomaly verifying it)
  let cursor = '';

  const page = async (reset) => {
    if (reset) {
      clear(list);
      rows.clear();
      cursor = '';
    }
    try {
      const r = await get('/api/anomalies', {status: status.value, limit: 50, cursor});
      for (const a of r.items || []) upsert(a, false);
      cursor = r.next || '';
      more.hidden = !cursor;
    } catch (e) {
      toast(`Alerts: ${e.message}`, 'error');
    }
    empty.hidden = rows.size > 0;
  };

  // upsert replaces an alert's row, or adds it: at the top when live, at the end when paging.
  const upsert = (a, live) => {
    if (a.shadow) return; // shadow anomalies belong to the rules comparison, not the feed
    if (a.verifies && nest(a)) return;
    const wanted = !status.value || a.status === status.value;
    const old = rows.get(a.id);
    if (!wanted) {
      if (old) { old.remove(); rows.delete(a.id); }
      return;
    }
    records.set(a.id, a);
    const li = row(a);
    if (old) old.replaceWith(li);
    else if (live) list.prepend(li);
    else list.append(li);
    rows.set(a.id, li);
    empty.hidden = true;
    for (const d of (found.get(a.id) || new Map()).values()) { // drone anomalies shown on their own until now
      rows.get(d.id)?.remove();
      rows.delete(d.id);
    }
  };

  // nest files a drone's anomaly under the camera alert it verifies and
  // redraws that alert; false when the alert is not shown (the drone's
  // anomaly then has a row of its own, until the alert comes).
  const nest = (d) => {
    if (!found.has(d.verifies)) found.set(d.verifies, new Map());
    found.get(d.verifies).set(d.id, d);
    const own = rows.get(d.id);
    if (!rows.has(d.verifies)) return false;
    if (own) { own.remove(); rows.delete(d.id); }
    redraw(d.verifies);
    return true;
  };

  // redraw replaces a shown alert's row with one drawn from its record now.
  const redraw = (id) => {
    const a = records.get(id);
    if (!a || !rows.has(id)) return;
    const li = row(a);
    rows.get(id).replaceWith(li);
    rows.set(id, li);
  };

  // verified lists the drone's anomalies seen while verifying camera anomaly a.
  const verified = (a) => {
    const seen = [...(found.get(a.id) || new Map()).values()].sort((x, y) => (x.started_at < y.started_at ? -1 : 1));
    if (!seen.length) return [];
    return [h('ul', {class: 'verified', 'data-testid': 'alert-verified'},
      seen.map((d) => h('li', {'data-testid': 'alert-verified-item', 'data-id': d.id, 'data-camera': d.camera},
        `${d.camera} saw ${d.kind} (${Math.round((d.score || 0) * 100)}%) at ${fmtTime(d.started_at)}`
        + (d.geo ? ` at ${d.geo.lat.toFixed(5)}, ${d.geo.lon.toFixed(5)}` : '') + (d.state === 'end' ? ', ended' : ''))))];
  };

  const row = (a) => {
    const note = h('input', {class: 'note', placeholder: 'note (optional)', 'data-testid': 'alert-note', 'aria-label': 'note'});
    const act = (verb) => async (e) => {
      e.stopPropagation();
      try {
        upsert(await post(`/api/anomalies/${esc(a.id)}/${verb}`, {note: note.value}), true);
      } catch (ex) {
        toast(`${verb} ${a.id}: ${ex.message}`, 'error');
      }
    };
    const handled = [];
    if (a.acknowledged_by) handled.push(h('span', {'data-testid': 'alert-acked'}, `acknowledged by ${a.acknowledged_by} at ${fmtTime(a.acknowledged_at)}`));
    if (a.resolved_by) handled.push(h('span', {'data-testid': 'alert-resolved'}, `resolved by ${a.resolved_by} at ${fmtTime(a.resolved_at)}`));
    if (a.note) handled.push(h('q', {'data-testid': 'alert-note-text'}, a.note));
    if (sent.has(a.id)) handled.push(h('span', {class: 'dispatch', 'data-testid': 'alert-dispatch'}, sent.get(a.id)));
    const actions = [clipButton(a.id)];
    if (ctx.can('handle') && a.status !== 'resolved') {
      actions.push(note);
      if (a.status === 'open') actions.push(button('Acknowledge', {class: 'small', 'data-testid': 'alert-ack', onclick: act('ack')}));
      actions.push(button('Resolve', {class: 'small', 'data-testid': 'alert-resolve', onclick: act('resolve')}));
    }
    if (ctx.can('verify') && (a.kind === 'fire' || a.kind === 'smoke') && a.geo) {
      actions.push(button('Send a drone', {class: 'small', 'data-testid': 'alert-verify', onclick: verify(a)}));
    }
    const thumb = a.has_snapshot
      ? h('img', {class: 'thumb', alt: `snapshot of ${a.kind} on ${a.camera}`, loading: 'lazy', 'data-testid': 'alert-snapshot', src: `/api/anomalies/${esc(a.id)}/snapshot`})
      : h('div', {class: 'thumb none'}, 'no snapshot');
    const li = h('li', {class: `alert sev-${a.severity || 'info'} status-${a.status}`, 'data-testid': 'alert', 'data-id': a.id,
      'data-camera': a.camera, 'data-kind': a.kind, 'data-status': a.status, tabindex: 0, title: 'Open the camera live'},
    thumb,
    h('div', {class: 'alert-main'},
      h('div', {class: 'alert-line'},
        h('span', {class: `badge sev-${a.severity || 'info'}`, 'data-testid': 'alert-severity'}, a.severity || 'info'),
        h('strong', {class: 'kind', 'data-testid': 'alert-kind'}, a.kind),
        h('span', {class: 'cam', 'data-testid': 'alert-camera'}, a.camera),
        h('span', {class: 'site', 'data-testid': 'alert-site'}, a.site),
        h('span', {class: 'state'}, a.state === 'end' ? 'ended' : 'ongoing'),
        h('time', {datetime: a.started_at, title: ago(a.started_at), 'data-testid': 'alert-time'}, fmtTime(a.started_at)),
        h('span', {class: `status ${a.status}`, 'data-testid': 'alert-status'}, a.status)),
      h('div', {class: 'alert-handled'}, handled), ...verified(a)),
    h('div', {class: 'alert-actions', onclick: (e) => e.stopPropagation()}, actions));
    const open = () => ctx.openLive(a.camera, a.site);
    li.addEventListener('click', open);
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === li) open(); });
    return li;
  };

  // verify sends the nearest able drone to look (POST /api/anomalies/{id}/verify).
  const verify = (a) => async (e) => {
    e.stopPropagation();
    try {
      const r = await post(`/api/anomalies/${esc(a.id)}/verify`);
      toast(`${r.drone} is flying ${r.route} (patrol ${r.patrol}) to look at the ${a.kind} on ${a.camera}`);
    } catch (ex) {
      const why = ex.checks.filter((c) => !c.ok).map((c) => c.reason).join('; ');
      toast(`No drone sent: ${why || ex.message}`, 'error');
    }
  };

  status.addEventListener('change', () => page(true));
  more.addEventListener('click', () => page(false));
  // dispatched notes on the alert's row what became of "Send a drone" or auto_dispatch.
  const dispatched = (d) => {
    sent.set(d.anomaly, d.patrol ? `${d.drone} sent to look by ${d.by} (patrol ${d.patrol})` : `no drone sent by ${d.by}: ${d.error}`);
    redraw(d.anomaly);
  };
  const offs = [ctx.events.on('anomaly', (a) => upsert(a, true)), ctx.events.on('resync', () => page(true)),
    ctx.events.on('dispatch', dispatched)];
  page(true);
  return () => offs.forEach((off) => off());
}
