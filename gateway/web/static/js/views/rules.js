// Rules (rules.read; changes need rules.write): per site, the live and
// shadow rule sets and every stored version; the YAML editor with
// Validate (problems beside their lines), Run in shadow, Promote, Roll
// back, and Compare: what live and shadow alerted, per kind, over a period.

import {h, clear, button, fmtTime, select, toast} from '../dom.js';
import {request, get, post, del, esc} from '../api.js';
import {Editor, versionOf, withVersion} from '../editor.js';
import {RulesForm} from '../rulesform.js';
import {replayPanel} from './replay.js';

const PERIODS = [['3600', 'last hour'], ['21600', 'last 6 hours'], ['86400', 'last 24 hours'], ['604800', 'last 7 days']];

/** mount shows the rules of one site at a time. */
export function mount(root, ctx) {
  const write = ctx.can('rules.write');
  const site = select({'data-testid': 'rules-site', 'aria-label': 'Site'}, []);
  const summary = h('div', {class: 'rules-summary', 'data-testid': 'rules-summary'});
  const versions = h('tbody', {'data-testid': 'rules-versions'});
  const editor = new Editor();
  editor.text.readOnly = !write;
  const form = new RulesForm(editor, !write);
  const result = h('p', {class: 'result', role: 'status', 'data-testid': 'rules-result'});
  const period = select({'data-testid': 'rules-period', 'aria-label': 'Period'}, PERIODS, '86400');
  const compareOut = h('div', {'data-testid': 'rules-compare-result'});
  const replay = write ? replayPanel(() => site.value, () => state.versions, () => editor.value) : null;
  const btn = (label, id, fn, show = write) => (show ? button(label, {'data-testid': id, onclick: fn}) : null);

  root.append(h('section', {class: 'rules-view', 'data-testid': 'rules-view'},
    h('div', {class: 'toolbar'}, h('h2', {}, 'Rules'), site),
    summary,
    h('div', {class: 'rules-cols'},
      h('div', {class: 'rules-edit'},
        h('div', {class: 'toolbar'},
          btn('Validate', 'rules-validate', () => validate(), true),
          btn('Next version', 'rules-bump', () => bump()),
          btn('Run in shadow', 'rules-shadow', () => shadow()),
          btn('Retire shadow', 'rules-retire', () => retire()),
          btn('Promote shadow', 'rules-promote', () => promote())),
        editor.el, result, form.el),
      h('div', {class: 'rules-side'},
        h('h3', {}, 'Versions'),
        h('table', {class: 'table'}, h('thead', {}, h('tr', {}, ['Version', 'Stage', 'Author', 'Created', ''].map((t) => h('th', {}, t)))), versions),
        h('h3', {}, 'Compare live and shadow'),
        h('div', {class: 'toolbar'}, period, button('Compare', {'data-testid': 'rules-compare', onclick: () => compare()})),
        compareOut,
        replay && [h('h3', {}, 'Replay on recordings'), replay.el]))));

  let state = {live: null, shadow: null, versions: []};
  const path = (p = '') => `/api/sites/${esc(site.value)}/rules${p}`;
  const say = (msg, kind = 'ok') => { result.textContent = msg; result.className = `result ${kind}`; };

  const load = async (fillEditor = true) => {
    try {
      state = await get(path());
    } catch (e) {
      say(e.message, 'error');
      return;
    }
    state.versions = state.versions || [];
    clear(summary).append(
      stage('Live', state.live, 'rules-live'),
      stage('Shadow', state.shadow, 'rules-shadow-version'));
    clear(versions).append(...state.versions.map(versionRow));
    if (replay) replay.refreshVersions();
    if (fillEditor) editor.value = (state.shadow || state.live || {document: ''}).document;
  };

  const stage = (label, rs, id) => h('div', {class: 'stage', 'data-testid': id, 'data-version': rs ? rs.version : ''},
    h('span', {class: 'muted'}, label), ' ',
    rs ? [h('strong', {}, `v${rs.version}`), ` by ${rs.author} at ${fmtTime(rs.created)}`] : h('span', {class: 'muted'}, 'none'));

  const versionRow = (rs) => h('tr', {'data-testid': 'rules-version', 'data-version': rs.version, 'data-stage': rs.stage},
    h('td', {}, `v${rs.version}`), h('td', {}, rs.stage), h('td', {}, rs.author), h('td', {}, fmtTime(rs.created)),
    h('td', {class: 'row-actions'},
      button('Load', {class: 'small ghost', 'data-testid': 'rules-load', onclick: () => { editor.value = rs.document; say(`v${rs.version} loaded into the editor`); }}),
      write && state.live && rs.version !== state.live.version
        ? button('Roll back', {class: 'small', 'data-testid': 'rules-rollback', onclick: () => rollback(rs.version)}) : null));

  // call runs one rules action, showing problems inline on a 422.
  const call = async (what, fn) => {
    editor.show([]);
    try {
      const r = await fn();
      return r || {};
    } catch (e) {
      if (e.problems.length) editor.show(e.problems);
      say(`${what}: ${e.message}`, 'error');
      return null;
    }
  };

  const validate = async () => {
    const r = await call('Validate', () => request('POST', path('/validate'), {yaml: editor.value}));
    if (r) say(`Valid: version ${r.version ?? versionOf(editor.value)}`);
  };
  const bump = () => {
    const top = Math.max(versionOf(editor.value), ...state.versions.map((v) => v.version), 0);
    editor.text.value = withVersion(editor.value, top + 1);
    editor.render();
    say(`version set to ${top + 1}`);
  };
  const shadow = async () => {
    const r = await call('Run in shadow', () => request('PUT', path('/shadow'), {yaml: editor.value}));
    if (r) { say(`Running v${r.version ?? versionOf(editor.value)} in shadow`); load(false); }
  };
  const retire = async () => {
    if (await call('Retire shadow', () => del(path('/shadow')))) { say('Shadow retired'); load(false); }
  };
  const promote = async () => {
    if (!state.shadow && !confirm('No shadow set: promote anyway?')) return;
    const r = await call('Promote', () => post(path('/promote'), state.shadow ? {version: state.shadow.version} : {}));
    if (r) { say(`Promoted v${r.version ?? (state.shadow && state.shadow.version)} to live`); load(false); }
  };
  const rollback = async (version) => {
    const r = await call('Roll back', () => post(path('/rollback'), {version}));
    if (r) { say(`Rolled back to v${version}${r.version ? ` (now live as v${r.version})` : ''}`); load(false); }
  };
  const compare = async () => {
    const to = new Date();
    const from = new Date(to.getTime() - Number(period.value) * 1000);
    try {
      showCompare(await get(path('/compare'), {from: from.toISOString(), to: to.toISOString()}));
    } catch (e) { clear(compareOut).append(h('p', {class: 'error'}, e.message)); }
  };
  const showCompare = (c) => {
    const kinds = new Map();
    for (const x of c.live || []) kinds.set(x.kind, {live: x.count, shadow: 0});
    for (const x of c.shadow || []) kinds.set(x.kind, {live: 0, ...kinds.get(x.kind), shadow: x.count});
    clear(compareOut).append(h('table', {class: 'table compare'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Kind'), h('th', {}, `Live v${c.live_version || '–'}`), h('th', {}, `Shadow v${c.shadow_version || '–'}`))),
      h('tbody', {}, kinds.size ? [...kinds].sort().map(([k, n]) => h('tr', {'data-testid': 'rules-compare-row', 'data-kind': k},
        h('td', {}, k), h('td', {}, n.live), h('td', {class: n.shadow !== n.live ? 'diff' : ''}, n.shadow)))
        : h('tr', {}, h('td', {colspan: 3, class: 'muted'}, 'Nothing alerted in this period.')))));
  };

  const loadSites = async () => {
    try {
      const items = (await get('/api/sites')).items || [];
      for (const s of items) site.append(h('option', {value: s.site}, s.site));
      if (items.length) load();
      else say('No site in your scope.', 'error');
    } catch (e) { say(e.message, 'error'); }
  };
  site.addEventListener('change', () => load());
  loadSites();
  return () => { if (replay) replay.close(); };
}
