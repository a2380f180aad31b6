// Replay panel of the Rules view (operators, rules.write): run a
// candidate rule set version — a stored one, the shadow, or the editor's
// draft — over the edges' recordings of a time range, faster than real
// time, and show what it would have alerted beside what the live version
// did alert, anomaly by anomaly, with clips (gateway/api/API.md, "Rule
// replay"). While the edges replay, a progress bar with the rate (× real
// time) and, when an edge yields to its live cameras, its message.

import {h, clear, button, fmtTime, select} from '../dom.js';
import {get, post, del, esc} from '../api.js';

const RANGES = [['600', 'last 10 minutes'], ['3600', 'last hour'], ['21600', 'last 6 hours'], ['86400', 'last 24 hours']];
const SIDES = {both: 'both', only_candidate: 'would add', only_live: 'would miss'};
const FINAL = new Set(['done', 'failed', 'cancelled']);

/**
 * replayPanel builds the panel. site() is the chosen site, versions() the
 * site's stored versions ({version, stage}), draft() the editor's text.
 */
export function replayPanel(site, versions, draft) {
  const version = select({'data-testid': 'replay-version', 'aria-label': 'Candidate version'}, []);
  const range = select({'data-testid': 'replay-range', 'aria-label': 'Range'}, RANGES, '3600');
  const cameras = h('input', {type: 'text', placeholder: 'cameras (empty: all of the site)', 'data-testid': 'replay-cameras', 'aria-label': 'Cameras'});
  const bar = h('progress', {max: 1, value: 0, 'data-testid': 'replay-progress', hidden: true});
  const status = h('p', {class: 'result', role: 'status', 'data-testid': 'replay-status'});
  const out = h('div', {'data-testid': 'replay-result'});
  const cancel = button('Cancel', {class: 'small ghost', 'data-testid': 'replay-cancel', hidden: true, onclick: () => stop()});
  let current = '';
  let timer = 0;

  const refreshVersions = () => {
    const prev = version.value;
    clear(version).append(h('option', {value: 'draft'}, 'the editor’s draft'),
      ...versions().map((v) => h('option', {value: String(v.version)}, `v${v.version} (${v.stage})`)));
    if ([...version.options].some((o) => o.value === prev)) version.value = prev;
    else {
      const shadow = versions().find((v) => v.stage === 'shadow'); // the usual candidate
      if (shadow) version.value = String(shadow.version);
    }
  };

  const start = async () => {
    const to = new Date();
    const body = {from: new Date(to.getTime() - Number(range.value) * 1000).toISOString(), to: to.toISOString(),
      cameras: cameras.value.split(/[\s,]+/).filter(Boolean)};
    if (version.value === 'draft') body.document = draft();
    else body.version = Number(version.value);
    clear(out);
    try {
      const v = await post(`/api/sites/${esc(site())}/replays`, body);
      current = v.id;
      show(v);
      poll();
    } catch (e) {
      say(e.message, 'error');
    }
  };

  const poll = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!current) return;
      try {
        const v = await get(`/api/replays/${esc(current)}`);
        show(v);
        if (!FINAL.has(v.state)) poll();
      } catch (e) { say(e.message, 'error'); }
    }, 1000);
  };

  const stop = async () => {
    if (!current) return;
    try { show(await del(`/api/replays/${esc(current)}`)); } catch (e) { say(e.message, 'error'); }
  };

  const say = (msg, kind = 'ok') => { status.textContent = msg; status.className = `result ${kind}`; };

  const show = (v) => {
    bar.hidden = false;
    bar.value = v.fraction || 0;
    bar.dataset.state = v.state;
    cancel.hidden = FINAL.has(v.state);
    const pct = Math.round((v.fraction || 0) * 100);
    const rate = v.rate ? ` · ${v.rate.toFixed(0)}× real time` : '';
    const msg = v.message ? ` · ${v.message}` : '';
    say(`v${v.version}: ${v.state} ${pct}% of ${Math.round(v.total_s || 0)} s recorded${rate}${msg}`,
      v.state === 'failed' ? 'error' : v.state === 'paused' ? 'warn' : 'ok');
    if (v.state === 'done') table(v);
  };

  const table = (v) => {
    const s = v.summary || {};
    const rows = v.rows || [];
    clear(out).append(
      h('p', {'data-testid': 'replay-summary'}, `both ${s.both || 0} · would add ${s.only_candidate || 0} · would miss ${s.only_live || 0}`),
      h('table', {class: 'table compare'},
        h('thead', {}, h('tr', {}, ['', 'Camera', 'Kind', `Candidate v${v.version}`, 'Live', 'Clip'].map((t) => h('th', {}, t)))),
        h('tbody', {}, rows.length ? rows.map(row) : h('tr', {}, h('td', {colspan: 6, class: 'muted'}, 'Neither alerted in this range.')))));
  };

  const cell = (a) => (a ? `${fmtTime(a.start)} (${a.score.toFixed(2)})${a.open ? ' …' : ''}` : '–');
  const row = (r) => h('tr', {'data-testid': 'replay-row', 'data-side': r.side, 'data-kind': r.kind, class: r.side === 'both' ? '' : 'diff'},
    h('td', {}, SIDES[r.side] || r.side), h('td', {}, r.camera), h('td', {}, r.kind),
    h('td', {}, cell(r.candidate)), h('td', {}, cell(r.live)),
    h('td', {}, h('a', {href: r.clip, target: '_blank', rel: 'noopener', 'data-testid': 'replay-clip'}, r.live ? 'clip' : 'recording')));

  const el = h('div', {class: 'replay', 'data-testid': 'replay-panel'},
    h('div', {class: 'toolbar'}, version, range, button('Replay', {'data-testid': 'replay-start', onclick: () => start()}), cancel),
    cameras, bar, status, out);
  return {el, refreshVersions, close: () => { clearTimeout(timer); current = ''; }};
}
