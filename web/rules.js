// Rules editor: the active rule file in a textarea with line numbers, Save
// (PUT /v1/admin/rules) with inline LINE:COL errors, a backtest preview of
// the edited text, and the version list with rollback.
import * as api from './api.js';
import {h, replace, toast, button, confirmButton, field, formatTime, table} from './dom.js';
import {t, formatNumber} from './i18n.js';

export class RulesView {
  constructor(root) {
    this.root = root;
    this.errorLines = new Set();
    this.savedText = '';
  }

  async mount() {
    this.textarea = h('textarea', {id: 'rules-text', class: 'code', spellcheck: 'false', wrap: 'off',
      autocomplete: 'off', dir: 'ltr', aria: {label: t('rules.text_label'), describedby: 'rules-errors'}});
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
    this.comment = h('input', {id: 'rules-comment', type: 'text', autocomplete: 'off', placeholder: t('rules.note_placeholder')});
    this.status = h('p', {id: 'rules-status', class: 'status-line', role: 'status'});
    this.errors = h('div', {id: 'rules-errors', class: 'rule-errors', role: 'alert'});
    this.backtestBox = h('div', {id: 'backtest', class: 'backtest'});
    this.versionsBox = h('div', {id: 'versions', class: 'versions'});
    replace(this.root, h('section', {class: 'rules-view', aria: {labelledby: 'rules-title'}},
      h('div', {class: 'view-head'}, h('h1', {id: 'rules-title'}, t('nav.rules')),
        h('span', {class: 'spacer'}), this.engineInfo = h('span', {class: 'muted', id: 'rules-engine'})),
      h('div', {class: 'rules-layout'},
        h('div', {class: 'rules-edit'},
          h('div', {class: 'editor'}, this.gutter, h('div', {class: 'editor-body'}, this.backdrop, this.textarea)),
          this.errors,
          h('div', {class: 'editor-actions'},
            field(t('rules.note'), this.comment).wrap,
            button(t('common.save'), () => this.save(), {class: 'primary', id: 'rules-save', aria: {keyshortcuts: 'Control+S'}}),
            button(t('rules.backtest'), () => this.backtest(), {id: 'rules-backtest'}),
            button(t('rules.revert'), () => this.revert(), {class: 'ghost', id: 'rules-revert'})),
          this.status, this.backtestBox),
        h('aside', {class: 'rules-side', aria: {label: t('rules.versions')}}, h('h2', {}, t('rules.versions')), this.versionsBox))));
    await Promise.all([this.loadActive(), this.loadVersions()]);
  }

  async loadActive() {
    let r;
    try {
      r = await api.get('/v1/admin/rules');
    } catch (e) {
      this.textarea.disabled = true;
      this.status.textContent = e.status === 404 ? t('rules.unavailable') : t('rules.load_failed', {detail: e.detail});
      this.status.className = 'status-line error';
      return;
    }
    this.setText(r.text || '');
    this.describe(r.version, r.engine);
  }

  describe(version, engine, rules) {
    const parts = [];
    if (version) {
      parts.push(t(version.author ? 'rules.active_by' : 'rules.active',
        {id: version.id, author: version.author || '', at: formatTime(version.created_at)}));
    } else {
      parts.push(t('rules.no_version'));
    }
    if (engine) parts.push(t('rules.engine', {engine}));
    if (Number.isFinite(rules)) parts.push(t('rules.count', {n: rules}));
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
    this.status.textContent = t('rules.reverted');
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
      const where = Number.isInteger(e.line) ? t('rules.where', {line: e.line, column: e.column ?? 1}) : (e.pointer || '');
      const jump = Number.isInteger(e.line)
        ? button(where, () => this.goTo(e.line, e.column), {class: 'linkish where', dir: 'ltr', title: t('rules.go_to', {line: e.line})})
        : h('span', {class: 'where'}, where);
      return h('li', {}, jump, ' ', h('span', {class: 'detail', dir: 'ltr'}, e.detail || ''));
    });
    replace(this.errors, h('h2', {}, t('rules.errors', {n: list.length || 1})),
      h('ul', {}, items.length ? items : h('li', {}, fallback)));
    this.renderLines();
  }

  async save() {
    const text = this.textarea.value;
    this.status.textContent = t('rules.saving');
    this.status.className = 'status-line';
    let r;
    try {
      r = await api.put('/v1/admin/rules', {text, comment: this.comment.value.trim()});
    } catch (e) {
      this.status.textContent = t('common.not_saved', {detail: e.detail});
      this.status.className = 'status-line error';
      this.showErrors(e.errors || [], e.detail);
      return;
    }
    this.setText(text);
    this.comment.value = '';
    this.describe(r.version, r.engine, r.rules);
    this.status.textContent = t('rules.saved', {id: r.version ? r.version.id : '?', n: Number.isFinite(r.rules) ? r.rules : 0});
    this.status.className = 'status-line ok';
    toast(t('rules.saved_toast'));
    this.loadVersions();
  }

  async backtest() {
    replace(this.backtestBox, h('p', {class: 'muted'}, t('rules.backtest_running')));
    let r;
    try {
      r = await api.post('/v1/admin/rules/backtest', {text: this.textarea.value, examples: 20});
    } catch (e) {
      if (e.errors && e.errors.length) this.showErrors(e.errors, e.detail);
      replace(this.backtestBox, h('p', {class: 'error'}, t('rules.backtest_failed', {detail: e.detail})));
      return;
    }
    const transitions = Object.entries(r.transitions || {});
    const hits = Object.entries(r.hits || {});
    const examples = r.examples || [];
    replace(this.backtestBox,
      h('h2', {}, t('rules.backtest_title')),
      h('p', {class: 'bt-summary'}, t('rules.backtest_summary', {n: r.compared ?? 0, changed: r.changed ?? 0}),
        Number.isFinite(r.elapsed_ms) ? h('span', {class: 'muted'}, ' ', t('rules.elapsed', {ms: r.elapsed_ms})) : null),
      transitions.length ? table([t('rules.transition'), t('rules.comments')], transitions.map(([k, n]) => [transition(k), formatNumber(n)]), {class: 'grid compact'})
        : h('p', {class: 'muted'}, t('rules.no_change')),
      hits.length ? [h('h3', {}, t('rules.hits')), table([t('rules.rule'), t('rules.before'), t('rules.after'), t('rules.change')],
        hits.map(([rule, c]) => [h('code', {}, rule), formatNumber(c.before ?? 0), formatNumber(c.after ?? 0),
          h('span', {class: delta(c) > 0 ? 'up' : delta(c) < 0 ? 'down' : 'muted', dir: 'ltr'},
            new Intl.NumberFormat(document.documentElement.lang, {signDisplay: 'exceptZero'}).format(delta(c)))]),
        {class: 'grid compact'})] : null,
      examples.length ? [h('h3', {}, t('rules.examples')), h('ul', {class: 'examples'}, examples.map((ex) => h('li', {},
        h('span', {class: 'cid'}, t('card.id', {id: ex.id})), ' ',
        h('span', {class: 'transition'}, t('rules.transition_value', {before: t(`outcome.${ex.before}`), after: t(`outcome.${ex.after}`)})), ' ',
        h('q', {dir: 'auto', class: 'excerpt'}, ex.excerpt ?? ''), ' ',
        (ex.rules || []).map((rule) => h('code', {class: 'rule'}, rule)))))] : null);
  }

  async loadVersions() {
    let r;
    try {
      r = await api.get('/v1/admin/rules/versions');
    } catch (e) {
      replace(this.versionsBox, h('p', {class: 'muted'}, t('rules.versions_failed', {detail: e.detail})));
      return;
    }
    const versions = r.versions || [];
    if (!versions.length) {
      replace(this.versionsBox, h('p', {class: 'muted'}, t('rules.no_versions')));
      return;
    }
    replace(this.versionsBox, h('ol', {class: 'version-list'}, versions.map((v) => h('li', {class: v.active ? 'active' : '', data: {version: v.id}},
      h('div', {class: 'vhead'}, h('strong', {}, t('card.id', {id: v.id})), v.active ? h('span', {class: 'tag active'}, t('common.active')) : null,
        h('span', {class: 'muted'}, formatTime(v.created_at))),
      h('div', {class: 'vmeta'}, h('bdi', {}, v.author || ''), v.comment ? [' — ', h('q', {dir: 'auto'}, v.comment)] : null),
      h('div', {class: 'vactions'},
        button(t('rules.load'), () => this.loadVersion(v.id), {class: 'ghost small', title: t('rules.load_title')}),
        v.active ? null : confirmButton(t('rules.rollback'), t('rules.rollback_confirm', {id: v.id}), () => this.rollback(v.id),
          {class: 'small', title: t('rules.rollback_title', {id: v.id})}))))));
  }

  async loadVersion(id) {
    try {
      const r = await api.get(`/v1/admin/rules/versions/${encodeURIComponent(id)}`);
      const text = r.text ?? (r.version && r.version.text) ?? '';
      this.textarea.value = text;
      this.errorLines = new Set();
      this.errors.replaceChildren();
      this.renderLines();
      this.status.textContent = t('rules.version_loaded', {id});
      this.status.className = 'status-line';
    } catch (e) {
      toast(t('rules.version_failed', {id, detail: e.detail}), 'error');
    }
  }

  async rollback(id) {
    let r;
    try {
      r = await api.post('/v1/admin/rules/rollback', {version: id});
    } catch (e) {
      this.status.textContent = t('rules.rollback_failed', {detail: e.detail});
      this.status.className = 'status-line error';
      return;
    }
    this.describe(r.version, r.engine, r.rules);
    this.status.textContent = t('rules.rolled_back', {id: r.version ? r.version.id : id});
    this.status.className = 'status-line ok';
    toast(t('rules.rolled_back_toast'));
    await Promise.all([this.loadActive(), this.loadVersions()]);
    this.status.textContent = t('rules.rolled_back', {id: this.activeVersion ?? id});
    this.status.className = 'status-line ok';
  }

  handleKey() {
    return false;
  }
}

// "hold->reject" in words.
function transition(k) {
  const [before, after] = k.split('->');
  return t('rules.transition_value', {before: t(`outcome.${before}`), after: t(`outcome.${after}`)});
}

function delta(c) {
  return (c.after ?? 0) - (c.before ?? 0);
}
