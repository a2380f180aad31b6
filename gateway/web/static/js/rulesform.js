// A form for the fields operators change most (severity, min_score,
// min_duration of each rule), over the YAML text rather than beside it:
// it reads the rules written one per line as flow mappings
// (`- {name: fire, kind: fire, min_score: 0.5, ...}`, the style of
// configs/rules) and rewrites only the edited key on that line, so comments
// and layout survive. Rules written otherwise are left to the text editor.

import {h, clear, select} from './dom.js';

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const RULE_LINE = /^(\s*-\s*\{)(.*)(\}\s*(#.*)?)$/;

/** rulesIn finds the one-line rules of a document: [{line, fields: Map}]. */
export function rulesIn(yaml) {
  const out = [];
  yaml.split('\n').forEach((text, i) => {
    const m = RULE_LINE.exec(text);
    if (!m) return;
    const fields = new Map();
    for (const part of splitTop(m[2])) {
      const at = part.indexOf(':');
      if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
    if (fields.has('kind')) out.push({line: i, fields});
  });
  return out;
}

/** setField rewrites key on line (0-based) of yaml to value, adding it if absent. */
export function setField(yaml, line, key, value) {
  const lines = yaml.split('\n');
  const m = RULE_LINE.exec(lines[line] || '');
  if (!m) return yaml;
  const parts = splitTop(m[2]);
  const i = parts.findIndex((p) => p.slice(0, p.indexOf(':')).trim() === key);
  const kv = `${key}: ${value}`;
  if (value === '') {
    if (i >= 0) parts.splice(i, 1);
  } else if (i >= 0) parts[i] = kv;
  else parts.push(kv);
  lines[line] = m[1] + parts.join(', ') + m[3];
  return lines.join('\n');
}

// splitTop splits a flow mapping's inside at the commas not nested in [] or {}.
function splitTop(s) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** RulesForm shows the one-line rules of an Editor's text as a table of inputs. */
export class RulesForm {
  constructor(editor, readOnly) {
    this.editor = editor;
    this.readOnly = readOnly;
    this.body = h('tbody', {'data-testid': 'rules-form-rows'});
    this.el = h('details', {class: 'rules-form', 'data-testid': 'rules-form'},
      h('summary', {}, 'Common fields'),
      h('table', {class: 'table'}, h('thead', {}, h('tr', {}, ['Line', 'Rule', 'Kind', 'Severity', 'Min score', 'Min duration'].map((t) => h('th', {}, t)))), this.body));
    editor.text.addEventListener('input', () => this.render());
    this.render();
  }

  /** render rebuilds the table from the text. */
  render() {
    const rules = rulesIn(this.editor.value);
    clear(this.body).append(...rules.map((r) => this.row(r)));
    if (!rules.length) this.body.append(h('tr', {}, h('td', {colspan: 6, class: 'muted'}, 'No one-line rule to edit here: use the text.')));
  }

  row({line, fields}) {
    const edit = (key) => (e) => {
      this.editor.text.value = setField(this.editor.value, line, key, e.target.value.trim());
      this.editor.render();
    };
    const dis = this.readOnly;
    return h('tr', {'data-testid': 'rules-form-row', 'data-line': line + 1},
      h('td', {}, line + 1), h('td', {}, fields.get('name') || ''), h('td', {}, fields.get('kind')),
      h('td', {}, select({'data-testid': 'rules-form-severity', disabled: dis, onchange: edit('severity')},
        [['', '—'], ...SEVERITIES.map((s) => [s, s])], fields.get('severity') || '')),
      h('td', {}, h('input', {class: 'num', value: fields.get('min_score') || '', disabled: dis, 'data-testid': 'rules-form-min-score', onchange: edit('min_score')})),
      h('td', {}, h('input', {class: 'num', value: fields.get('min_duration') || '', disabled: dis, 'data-testid': 'rules-form-min-duration', onchange: edit('min_duration')})));
  }
}
