// The district inventory's forms, for users with the inventory permission:
// import a CSV or YAML file (dry run first, every problem shown with its
// line) and register one camera. Credentials are never typed here: only
// the names of the variables that hold them on the edges.

import {h, clear, button, select} from './dom.js';
import {request, post} from './api.js';

/** problemList shows an ApiError's problems, one "line N: field: message" each. */
export function problemList(list, err, testid = 'import-problem') {
  clear(list);
  for (const p of err.problems || []) {
    const where = [p.line ? `line ${p.line}` : '', p.field].filter(Boolean).join(': ');
    list.append(h('li', {'data-testid': testid, 'data-line': p.line || 0, 'data-field': p.field || ''},
      where ? `${where}: ${p.message}` : p.message));
  }
  if (err.omitted) list.append(h('li', {class: 'muted'}, `and ${err.omitted} more problems`));
}

/** importPanel is the file picker, the dry-run switch and the answer. */
export function importPanel(done) {
  const file = h('input', {type: 'file', accept: '.csv,.yaml,.yml,.json,text/csv,application/yaml', 'data-testid': 'import-file', 'aria-label': 'Camera file'});
  const dry = h('input', {type: 'checkbox', checked: true, 'data-testid': 'import-dry-run'});
  const go = button('Import', {'data-testid': 'import-submit'});
  const result = h('span', {class: 'result', 'data-testid': 'import-result'});
  const problems = h('ul', {class: 'problems', 'data-testid': 'import-problems'});
  go.addEventListener('click', async () => {
    const f = file.files[0];
    clear(problems);
    result.className = 'result';
    if (!f) { result.textContent = 'Choose a CSV or YAML file first.'; return; }
    const type = /\.csv$/i.test(f.name) ? 'text/csv' : 'application/yaml';
    go.disabled = true;
    result.textContent = 'Checking…';
    try {
      const r = await request('POST', '/api/cameras/import', {body: await f.text(), type, query: {dry_run: dry.checked ? '1' : ''}});
      result.textContent = `${r.dry_run ? 'Dry run, nothing written: would create' : 'Created'} ${r.created}, ` +
        `${r.dry_run ? 'update' : 'updated'} ${r.updated}, unchanged ${r.unchanged}.`;
      if (!r.dry_run) done();
    } catch (e) {
      result.className = 'result error';
      result.textContent = e.message;
      problemList(problems, e);
    } finally {
      go.disabled = false;
    }
  });
  return h('details', {class: 'inventory-form', 'data-testid': 'import-panel'},
    h('summary', {}, 'Import cameras (CSV or YAML)'),
    h('p', {class: 'muted'}, 'CSV header: id,site,name,main,sub,transport,username,username_env,password_env,lat,lon,alt,pin,weight,disabled. ' +
      'All or nothing: any problem and no camera is registered.'),
    h('div', {class: 'toolbar'}, file, h('label', {}, dry, ' dry run'), go, result),
    problems);
}

// FIELDS of the add form: key, placeholder, whether required.
const FIELDS = [
  ['id', 'id (a-z 0-9 _ -)', true], ['site', 'site', true], ['name', 'name'], ['main', 'rtsp://host/main', true],
  ['sub', 'rtsp://host/sub (optional)'], ['username', 'user name (not secret)'], ['password_env', 'password variable, e.g. CAM_PASSWORD'],
  ['lat', 'lat'], ['lon', 'lon'], ['pin', 'pin to edge (optional)'],
];

/** cameraForm registers one camera (POST /api/cameras). */
export function cameraForm(sites, done) {
  const inputs = Object.fromEntries(FIELDS.map(([k, ph, req]) =>
    [k, h('input', {placeholder: ph, required: !!req, 'data-testid': `add-${k}`, 'aria-label': k, class: ['lat', 'lon'].includes(k) ? 'num' : ''})]));
  if (sites.length === 1 && sites[0] !== '*') inputs.site.value = sites[0];
  const transport = select({'data-testid': 'add-transport', 'aria-label': 'transport'}, [['tcp', 'tcp'], ['udp', 'udp'], ['auto', 'auto']]);
  const err = h('span', {class: 'error', 'data-testid': 'add-error'});
  const problems = h('ul', {class: 'problems', 'data-testid': 'add-problems'});
  const form = h('form', {class: 'toolbar', 'data-testid': 'add-form'}, Object.values(inputs), transport,
    h('button', {type: 'submit', 'data-testid': 'add-submit'}, 'Add camera'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    clear(problems);
    const cam = {transport: transport.value};
    for (const [k, el] of Object.entries(inputs)) if (el.value.trim() && k !== 'lat' && k !== 'lon') cam[k] = el.value.trim();
    if (inputs.lat.value.trim() || inputs.lon.value.trim()) cam.location = {lat: Number(inputs.lat.value), lon: Number(inputs.lon.value)};
    try {
      await post('/api/cameras', cam);
      form.reset();
      done(cam.id);
    } catch (ex) {
      err.textContent = ex.message;
      problemList(problems, ex, 'add-problem');
    }
  });
  return h('details', {class: 'inventory-form', 'data-testid': 'add-panel'}, h('summary', {}, 'Add a camera'), form, problems);
}
