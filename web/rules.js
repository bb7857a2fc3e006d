// Rules editor: the active rule file in a textarea with line numbers, Save
// (PUT /v1/admin/rules) with inline LINE:COL errors, a backtest preview of
// the edited text, and the version list with rollback.
import * as api from './api.js';
import {h, replace, toast, button, confirmButton, field, formatTime, table} from './dom.js';

export class RulesView {
  constructor(root) {
    this.root = root;
    this.errorLines = new Set();
    this.savedText = '';
  }

  async mount() {
    this.textarea = h('textarea', {id: 'rules-text', class: 'code', spellcheck: 'false', wrap: 'off',
      autocomplete: 'off', aria: {label: 'Rule file (YAML)', describedby: 'rules-errors'}});
    this.gutter = h('div', {class: 'gutter', aria: {hidden: 'true'}});
    this.backdrop = h('div', {class: 'backdrop', aria: {hidden: 'true'}});
    this.textarea.addEventListener('input', () => this.renderLines());
    this.textarea.addEventListener('scroll', () => this.syncScroll());
    this.textarea.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') {
        e.preventDefault();
        this.save();
      } else if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey) {
        // YAML is indented with spaces; Tab inserts two (Esc then Tab leaves).
        e.preventDefault();
        this.textarea.setRangeText('  ', this.textarea.selectionStart, this.textarea.selectionEnd, 'end');
        this.renderLines();
      }
    });
    this.comment = h('input', {id: 'rules-comment', type: 'text', autocomplete: 'off', placeholder: 'what changed and why'});
    this.status = h('p', {id: 'rules-status', class: 'status-line', role: 'status'});
    this.errors = h('div', {id: 'rules-errors', class: 'rule-errors', role: 'alert'});
    this.backtestBox = h('div', {id: 'backtest', class: 'backtest'});
    this.versionsBox = h('div', {id: 'versions', class: 'versions'});
    replace(this.root, h('section', {class: 'rules-view', aria: {labelledby: 'rules-title'}},
      h('div', {class: 'view-head'}, h('h1', {id: 'rules-title'}, 'Rules'),
        h('span', {class: 'spacer'}), this.engineInfo = h('span', {class: 'muted', id: 'rules-engine'})),
      h('div', {class: 'rules-layout'},
        h('div', {class: 'rules-edit'},
          h('div', {class: 'editor'}, this.gutter, h('div', {class: 'editor-body'}, this.backdrop, this.textarea)),
          this.errors,
          h('div', {class: 'editor-actions'},
            field('Change note', this.comment).wrap,
            button('Save', () => this.save(), {class: 'primary', id: 'rules-save', aria: {keyshortcuts: 'Control+S'}}),
            button('Backtest', () => this.backtest(), {id: 'rules-backtest'}),
            button('Revert edits', () => this.revert(), {class: 'ghost', id: 'rules-revert'})),
          this.status, this.backtestBox),
        h('aside', {class: 'rules-side'}, h('h2', {}, 'Versions'), this.versionsBox))));
    await Promise.all([this.loadActive(), this.loadVersions()]);
  }

  async loadActive() {
    let r;
    try {
      r = await api.get('/v1/admin/rules');
    } catch (e) {
      this.textarea.disabled = true;
      this.status.textContent = e.status === 404
        ? 'The rules API is not available on this server (GET /v1/admin/rules answered 404).'
        : `Could not load the rules: ${e.detail}`;
      this.status.className = 'status-line error';
      return;
    }
    this.setText(r.text || '');
    this.describe(r.version, r.engine);
  }

  describe(version, engine, rules) {
    const parts = [];
    if (version) parts.push(`active version #${version.id}${version.author ? ` by ${version.author}` : ''}` +
      `${version.created_at ? `, ${formatTime(version.created_at)}` : ''}`);
    else parts.push('no stored version (rules from the daemon\'s file or built-in set)');
    if (engine) parts.push(`engine ${engine}`);
    if (Number.isFinite(rules)) parts.push(`${rules} rules`);
    this.engineInfo.textContent = parts.join(' · ');
    this.activeVersion = version ? version.id : null;
  }

  setText(text) {
    this.textarea.value = text;
    this.savedText = text;
    this.errorLines = new Set();
    this.errors.replaceChildren();
    this.renderLines();
  }

  revert() {
    this.setText(this.savedText);
    this.status.textContent = 'Edits reverted.';
    this.status.className = 'status-line';
  }

  // Line numbers in the gutter and error marks behind the text.
  renderLines() {
    const n = this.textarea.value.split('\n').length;
    const nums = [];
    const bands = [];
    for (let i = 1; i <= n; i++) {
      const bad = this.errorLines.has(i);
      nums.push(h('div', {class: bad ? 'ln err' : 'ln', data: {line: i}}, String(i)));
      bands.push(h('div', {class: bad ? 'band err' : 'band'}, '\u200b'));
    }
    this.gutter.replaceChildren(...nums);
    this.backdrop.replaceChildren(...bands);
    this.syncScroll();
  }

  syncScroll() {
    this.gutter.scrollTop = this.textarea.scrollTop;
    this.backdrop.scrollTop = this.textarea.scrollTop;
    this.backdrop.scrollLeft = this.textarea.scrollLeft;
  }

  // Puts the caret at LINE:COL (1-based; columns count code points).
  goTo(line, column) {
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
    const target = lines[line - 1] || '';
    offset += [...target].slice(0, Math.max(0, (column || 1) - 1)).join('').length;
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lh = parseFloat(getComputedStyle(this.textarea).lineHeight) || 20;
    this.textarea.scrollTop = Math.max(0, (line - 3) * lh);
    this.syncScroll();
  }

  showErrors(list, fallback) {
    this.errorLines = new Set(list.map((e) => e.line).filter((l) => Number.isInteger(l) && l > 0));
    const items = list.map((e) => {
      const where = Number.isInteger(e.line) ? `${e.line}:${e.column ?? 1}` : (e.pointer || '');
      const jump = Number.isInteger(e.line)
        ? button(where, () => this.goTo(e.line, e.column), {class: 'linkish where', title: `Go to line ${e.line}`})
        : h('span', {class: 'where'}, where);
      return h('li', {}, jump, ' ', h('span', {class: 'detail'}, e.detail || ''));
    });
    replace(this.errors, h('h2', {}, `${list.length || 1} error${list.length > 1 ? 's' : ''}`),
      h('ul', {}, items.length ? items : h('li', {}, fallback)));
    this.renderLines();
  }

  async save() {
    const text = this.textarea.value;
    this.status.textContent = 'Saving…';
    this.status.className = 'status-line';
    let r;
    try {
      r = await api.put('/v1/admin/rules', {text, comment: this.comment.value.trim()});
    } catch (e) {
      this.status.textContent = `Not saved: ${e.detail}`;
      this.status.className = 'status-line error';
      this.showErrors(e.errors || [], e.detail);
      return;
    }
    this.setText(text);
    this.comment.value = '';
    this.describe(r.version, r.engine, r.rules);
    this.status.textContent = `Saved as version #${r.version ? r.version.id : '?'}` +
      `${Number.isFinite(r.rules) ? ` (${r.rules} rules)` : ''}; the daemon uses it now.`;
    this.status.className = 'status-line ok';
    toast('Rules saved');
    this.loadVersions();
  }

  async backtest() {
    replace(this.backtestBox, h('p', {class: 'muted'}, 'Running the backtest…'));
    let r;
    try {
      r = await api.post('/v1/admin/rules/backtest', {text: this.textarea.value, examples: 20});
    } catch (e) {
      if (e.errors && e.errors.length) this.showErrors(e.errors, e.detail);
      replace(this.backtestBox, h('p', {class: 'error'}, `Backtest failed: ${e.detail}`));
      return;
    }
    const transitions = Object.entries(r.transitions || {});
    const hits = Object.entries(r.hits || {});
    const examples = r.examples || [];
    replace(this.backtestBox,
      h('h2', {}, 'Backtest preview'),
      h('p', {class: 'bt-summary'}, `${r.compared ?? 0} stored comments compared, ${r.changed ?? 0} would change`,
        Number.isFinite(r.elapsed_ms) ? h('span', {class: 'muted'}, ` (${r.elapsed_ms} ms)`) : null),
      transitions.length ? table(['Transition', 'Comments'], transitions.map(([k, n]) => [k.replace('->', ' → '), String(n)]), {class: 'grid compact'})
        : h('p', {class: 'muted'}, 'No verdict would change.'),
      hits.length ? [h('h3', {}, 'Rule hits'), table(['Rule', 'Before', 'After', 'Change'],
        hits.map(([rule, c]) => [h('code', {}, rule), String(c.before ?? 0), String(c.after ?? 0),
          h('span', {class: delta(c) > 0 ? 'up' : delta(c) < 0 ? 'down' : 'muted'}, `${delta(c) > 0 ? '+' : ''}${delta(c)}`)]),
        {class: 'grid compact'})] : null,
      examples.length ? [h('h3', {}, 'Examples'), h('ul', {class: 'examples'}, examples.map((ex) => h('li', {},
        h('span', {class: 'cid'}, `#${ex.id}`), ' ',
        h('span', {class: 'transition'}, `${ex.before} → ${ex.after}`), ' ',
        h('q', {dir: 'auto', class: 'excerpt'}, ex.excerpt ?? ''), ' ',
        (ex.rules || []).map((rule) => h('code', {class: 'rule'}, rule)))))] : null);
  }

  async loadVersions() {
    let r;
    try {
      r = await api.get('/v1/admin/rules/versions');
    } catch (e) {
      replace(this.versionsBox, h('p', {class: 'muted'}, `Versions unavailable: ${e.detail}`));
      return;
    }
    const versions = r.versions || [];
    if (!versions.length) {
      replace(this.versionsBox, h('p', {class: 'muted'}, 'No stored versions yet. Saving creates the first.'));
      return;
    }
    replace(this.versionsBox, h('ol', {class: 'version-list'}, versions.map((v) => h('li', {class: v.active ? 'active' : '', data: {version: v.id}},
      h('div', {class: 'vhead'}, h('strong', {}, `#${v.id}`), v.active ? h('span', {class: 'tag active'}, 'active') : null,
        h('span', {class: 'muted'}, ` ${formatTime(v.created_at)}`)),
      h('div', {class: 'vmeta'}, h('bdi', {}, v.author || ''), v.comment ? [' — ', h('q', {dir: 'auto'}, v.comment)] : null),
      h('div', {class: 'vactions'},
        button('Load', () => this.loadVersion(v.id), {class: 'ghost small', title: 'Load this version into the editor'}),
        v.active ? null : confirmButton('Roll back', `Confirm: make #${v.id} active`, () => this.rollback(v.id),
          {class: 'small', title: `Make version #${v.id} active`}))))));
  }

  async loadVersion(id) {
    try {
      const r = await api.get(`/v1/admin/rules/versions/${encodeURIComponent(id)}`);
      const text = r.text ?? (r.version && r.version.text) ?? '';
      this.textarea.value = text;
      this.errorLines = new Set();
      this.errors.replaceChildren();
      this.renderLines();
      this.status.textContent = `Version #${id} loaded into the editor (not active until saved or rolled back).`;
      this.status.className = 'status-line';
    } catch (e) {
      toast(`Version #${id}: ${e.detail}`, 'error');
    }
  }

  async rollback(id) {
    let r;
    try {
      r = await api.post('/v1/admin/rules/rollback', {version: id});
    } catch (e) {
      this.status.textContent = `Rollback failed: ${e.detail}`;
      this.status.className = 'status-line error';
      return;
    }
    this.describe(r.version, r.engine, r.rules);
    this.status.textContent = `Rolled back: version #${r.version ? r.version.id : id} is active.`;
    this.status.className = 'status-line ok';
    toast('Rolled back');
    await Promise.all([this.loadActive(), this.loadVersions()]);
    this.status.textContent = `Rolled back: version #${this.activeVersion ?? id} is active.`;
    this.status.className = 'status-line ok';
  }

  handleKey() {
    return false;
  }
}

function delta(c) {
  return (c.after ?? 0) - (c.before ?? 0);
}
