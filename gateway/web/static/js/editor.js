// A YAML editor without a library: a <textarea> (no wrapping, so one text
// line is one screen line) between a line-number gutter and a notes column
// that shows each problem beside its line. The three scroll together.

import {h, clear} from './dom.js';

/** Editor is the rule-set text box with line numbers and inline problems. */
export class Editor {
  constructor() {
    this.gutter = h('div', {class: 'gutter', 'aria-hidden': 'true', 'data-testid': 'rules-gutter'});
    this.notes = h('div', {class: 'notes', 'data-testid': 'rules-notes'});
    this.text = h('textarea', {class: 'code', wrap: 'off', spellcheck: false, autocapitalize: 'off',
      'aria-label': 'Rule set (YAML)', id: 'rules-text', 'data-testid': 'rules-text'});
    this.list = h('ul', {class: 'problems', 'data-testid': 'rules-problems', hidden: true});
    this.el = h('div', {class: 'editor-wrap'}, h('div', {class: 'editor'}, this.gutter, this.text, this.notes), this.list);
    this.problems = [];
    this.text.addEventListener('input', () => this.render());
    this.text.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.text.scrollTop;
      this.notes.scrollTop = this.text.scrollTop;
    });
    this.render();
  }

  /** value is the text. */
  get value() { return this.text.value; }

  set value(v) {
    this.text.value = v;
    this.show([]);
    this.text.dispatchEvent(new Event('input')); // listeners (the rules form) follow the new text
  }

  /** show marks problems [{line, field, message}] beside their lines and lists them below. */
  show(problems) {
    this.problems = problems || [];
    clear(this.list);
    for (const p of this.problems) {
      const where = p.line ? `line ${p.line}` : 'document';
      this.list.append(h('li', {'data-testid': 'rules-problem', 'data-line': p.line || 0, onclick: () => this.goto(p.line)},
        h('strong', {}, where), p.field ? ` ${p.field}: ` : ': ', p.message));
    }
    this.list.hidden = this.problems.length === 0;
    this.render();
  }

  // render redraws the gutter and notes for the current text and problems.
  render() {
    const lines = this.text.value.split('\n').length;
    const byLine = new Map();
    for (const p of this.problems) if (p.line) byLine.set(p.line, [...(byLine.get(p.line) || []), p]);
    clear(this.gutter);
    clear(this.notes);
    for (let i = 1; i <= Math.max(lines, 1); i++) {
      const ps = byLine.get(i);
      this.gutter.append(h('div', {class: ps ? 'ln bad' : 'ln', 'data-line': i}, String(i)));
      const msg = ps ? ps.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ') : '';
      this.notes.append(h('div', {class: ps ? 'note bad' : 'note', title: msg, 'data-testid': ps ? 'rules-inline-problem' : null, 'data-line': ps ? i : null}, msg));
    }
    // Lines past the end (a problem on a line since deleted) still show in the list.
    this.gutter.scrollTop = this.text.scrollTop;
    this.notes.scrollTop = this.text.scrollTop;
  }

  /** goto puts the caret at the start of a line. */
  goto(line) {
    if (!line) return;
    const lines = this.text.value.split('\n');
    const at = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    this.text.focus();
    this.text.setSelectionRange(at, at + (lines[line - 1] || '').length);
  }
}

/** versionOf reads the top-level `version: N` of a YAML rule set, 0 if none. */
export function versionOf(yaml) {
  const m = /^version:\s*(\d+)\s*(#.*)?$/m.exec(yaml);
  return m ? Number(m[1]) : 0;
}

/** withVersion rewrites (or adds) the top-level `version:` line. */
export function withVersion(yaml, v) {
  if (/^version:.*$/m.test(yaml)) return yaml.replace(/^version:.*$/m, `version: ${v}`);
  return `version: ${v}\n${yaml}`;
}
