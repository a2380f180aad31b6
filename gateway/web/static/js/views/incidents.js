// Incidents: one card per real event (gateway/incidents groups the
// anomalies), open ones first, then by severity and newest: GET
// /api/incidents for the first page, then `incident` events from the live
// feed updating cards in place. A card opens to its timeline and members
// (GET /api/incidents/{id}); a member opens its camera live. Commanders
// acknowledge, resolve, note and take an incident. A site outage is one
// banner-like card. The anomaly feed stays under Alerts.

import {h, clear, button, fmtTime, ago, select, toast} from '../dom.js';
import {clipButton} from '../clip.js';
import {get, post, esc} from '../api.js';

const STATES = [['', 'Open and acknowledged'], ['open', 'Open'], ['acknowledged', 'Acknowledged'], ['resolved', 'Resolved']];
const RANK = {info: 0, low: 1, medium: 2, high: 3, critical: 4};
const STATE_RANK = {open: 0, acknowledged: 1, resolved: 2};

/** mount shows the incidents. */
export function mount(root, ctx) {
  const list = h('ol', {class: 'alerts incidents', 'data-testid': 'incidents-list'});
  const state = select({'data-testid': 'incidents-state', 'aria-label': 'State'}, STATES);
  const more = button('Load more', {'data-testid': 'incidents-more', hidden: true});
  const empty = h('p', {class: 'muted', 'data-testid': 'incidents-empty', hidden: true}, 'No incident.');
  root.append(h('section', {class: 'incidents-view', 'data-testid': 'incidents-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Incidents'), state), empty, list, more));
  const shown = new Map(); // id → incident
  const open = new Set(); // ids whose details are expanded
  let cursor = '';

  const wanted = (i) => (state.value ? i.state === state.value : i.state !== 'resolved' && !i.merged);

  const page = async (reset) => {
    if (reset) { shown.clear(); cursor = ''; }
    try {
      const r = await get('/api/incidents', {state: state.value, limit: 50, cursor});
      for (const i of r.items || []) if (wanted(i)) shown.set(i.id, i);
      cursor = r.next || '';
      more.hidden = !cursor;
    } catch (e) {
      toast(`Incidents: ${e.message}`, 'error');
    }
    draw();
  };

  // order: open first, then the most severe, then the latest.
  const order = (a, b) => (STATE_RANK[a.state] - STATE_RANK[b.state]) || (RANK[b.severity] - RANK[a.severity])
    || (a.last < b.last ? 1 : a.last > b.last ? -1 : 0);

  const draw = () => {
    clear(list);
    for (const i of [...shown.values()].sort(order)) list.append(card(i));
    empty.hidden = shown.size > 0;
  };

  const upsert = (i) => {
    if (wanted(i)) shown.set(i.id, i); else shown.delete(i.id);
    draw();
  };

  const act = (i, verb, body) => async (e) => {
    e.stopPropagation();
    try {
      upsert(await post(`/api/incidents/${esc(i.id)}/${verb}`, body()));
    } catch (ex) {
      toast(`${verb} ${i.id}: ${ex.message}`, 'error');
    }
  };

  const card = (i) => {
    const note = h('input', {class: 'note', placeholder: 'note', 'data-testid': 'incident-note', 'aria-label': 'note'});
    const actions = [];
    if (ctx.can('handle') && i.state !== 'resolved') {
      actions.push(note, button('Add note', {class: 'small', 'data-testid': 'incident-add-note', onclick: act(i, 'notes', () => ({text: note.value}))}));
      if (i.state === 'open') actions.push(button('Acknowledge', {class: 'small', 'data-testid': 'incident-ack', onclick: act(i, 'ack', () => ({note: note.value}))}));
      if (i.owner !== ctx.me.name) actions.push(button('Take', {class: 'small', 'data-testid': 'incident-take', onclick: act(i, 'assign', () => ({owner: ctx.me.name}))}));
      actions.push(button('Resolve', {class: 'small', 'data-testid': 'incident-resolve', onclick: act(i, 'resolve', () => ({note: note.value}))}));
    }
    const detail = h('div', {class: 'incident-detail', 'data-testid': 'incident-detail', hidden: !open.has(i.id)});
    if (open.has(i.id)) load(i, detail);
    const li = h('li', {class: `alert incident rule-${i.rule} sev-${i.severity || 'info'} status-${i.state}`, 'data-testid': 'incident',
      'data-id': i.id, 'data-rule': i.rule, 'data-state': i.state, 'data-count': i.count, tabindex: 0, title: 'Show the timeline'},
    h('div', {class: 'incident-count', 'data-testid': 'incident-count', title: 'anomalies'}, `×${i.count}`),
    h('div', {class: 'alert-main'},
      h('div', {class: 'alert-line'},
        h('span', {class: `badge sev-${i.severity || 'info'}`, 'data-testid': 'incident-severity'}, i.severity || 'info'),
        h('strong', {class: 'kind', 'data-testid': 'incident-title'}, i.title),
        h('span', {class: 'site'}, (i.sites || [i.site]).join(', ')),
        h('time', {datetime: i.last, title: `since ${fmtTime(i.first)}`}, ago(i.last)),
        h('span', {class: `status ${i.state}`, 'data-testid': 'incident-state'}, i.state)),
      h('div', {class: 'alert-handled'},
        i.owner ? h('span', {'data-testid': 'incident-owner'}, `owner ${i.owner}`) : '',
        i.cause ? h('span', {'data-testid': 'incident-cause'}, i.cause) : '',
        ...(i.notes || []).slice(-2).map((n) => h('q', {'data-testid': 'incident-note-text'}, `${n.by}: ${n.text}`))),
      detail),
    h('div', {class: 'alert-actions', onclick: (e) => e.stopPropagation()}, actions));
    const toggle = () => {
      if (open.has(i.id)) open.delete(i.id); else open.add(i.id);
      draw();
    };
    li.addEventListener('click', toggle);
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === li) toggle(); });
    return li;
  };

  // member is one member anomaly: a button opening its camera live, and
  // beside it the member's clip (js/clip.js) in [data-testid="incident-member-clip"],
  // which carries the anomaly id, camera and site.
  const member = (m) => h('li', {class: 'member', 'data-testid': 'incident-member-row', 'data-anomaly': m.anomaly},
    button(`${m.camera} (${m.kind})`, {class: 'small', 'data-testid': 'incident-member', 'data-camera': m.camera,
      onclick: (e) => { e.stopPropagation(); ctx.openLive(m.camera, m.site); }}),
    h('div', {class: 'member-clip', 'data-testid': 'incident-member-clip', 'data-anomaly': m.anomaly, 'data-camera': m.camera, 'data-site': m.site},
      clipButton(m.anomaly, '▶ clip')));

  // load fills a card's details: its timeline and its members (each opens its camera live).
  const load = async (i, el) => {
    try {
      const d = await get(`/api/incidents/${esc(i.id)}`);
      el.append(
        h('ol', {class: 'timeline', 'data-testid': 'incident-timeline'}, (d.timeline || []).map((t) =>
          h('li', {'data-testid': 'incident-line', 'data-what': t.what},
            `${fmtTime(t.at)} ${t.what}${t.camera ? ' ' + t.camera : ''}${t.by ? ' by ' + t.by : ''}${t.text ? ': ' + t.text : ''}`))),
        h('ul', {class: 'members'}, (d.members || []).slice(0, 100).map(member)));
    } catch (ex) {
      el.append(h('p', {class: 'muted'}, `timeline: ${ex.message}`));
    }
  };

  state.addEventListener('change', () => page(true));
  more.addEventListener('click', () => page(false));
  const offs = [ctx.events.on('incident', upsert), ctx.events.on('resync', () => page(true))];
  page(true);
  return () => offs.forEach((off) => off());
}
