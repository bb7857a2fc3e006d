// Admin views: models (with their reports), tokens, sites and the audit log.
// Every value from the server is rendered as text.
import * as api from './api.js';
import {h, replace, toast, button, confirmButton, field, formatTime, jsonText, table, scrollBox, externalLink} from './dom.js';
import {t, formatNumber, formatPercent} from './i18n.js';

function head(title, ...extra) {
  return h('div', {class: 'view-head'}, h('h1', {}, title), h('span', {class: 'spacer'}), ...extra);
}

function unavailable(box, what, e) {
  replace(box, h('p', {class: e.status === 404 ? 'notice' : 'error', role: 'alert'},
    e.status === 404 ? t('admin.unavailable', {what})
      : e.status === 403 ? t('admin.forbidden', {what, detail: e.detail}) : t('admin.failed', {what, detail: e.detail})));
}

// ---------------------------------------------------------------- Models

export class ModelsView {
  constructor(root) {
    this.root = root;
  }

  async mount() {
    this.box = h('div', {id: 'models'});
    replace(this.root, h('section', {class: 'admin-view'}, head(t('nav.models')), this.box));
    let r;
    try {
      r = await api.get('/v1/admin/models');
    } catch (e) {
      unavailable(this.box, t('models.what'), e);
      return;
    }
    const models = Array.isArray(r) ? r : (r.models || []);
    if (!models.length) {
      replace(this.box, h('p', {class: 'muted'}, t('models.none')));
      return;
    }
    replace(this.box, h('ol', {class: 'model-list'}, models.map((m) => this.renderModel(m))));
  }

  renderModel(m) {
    const scalar = Object.entries(m).filter(([k, v]) => k !== 'report' && (v === null || typeof v !== 'object'));
    const report = m.report;
    return h('li', {class: `model${m.active ? ' active' : ''}`},
      h('div', {class: 'vhead'}, h('strong', {}, String(m.version ?? m.id ?? '')),
        m.active ? h('span', {class: 'tag active'}, t('common.active')) : null),
      h('dl', {class: 'kv'}, scalar.map(([k, v]) => [h('dt', {}, k), h('dd', {}, k.endsWith('_at') ? formatTime(v) : jsonText(v))])),
      report ? this.renderReport(report) : null);
  }

  renderReport(report) {
    if (typeof report !== 'object' || report === null) return h('pre', {class: 'report'}, jsonText(report));
    // Per-label metrics as a table when the report has that shape; the rest as JSON text.
    const perLabel = report.labels || report.per_label;
    const parts = [];
    if (perLabel && typeof perLabel === 'object' && !Array.isArray(perLabel)) {
      const metrics = [...new Set(Object.values(perLabel).flatMap((v) => (v && typeof v === 'object') ? Object.keys(v) : []))]
        .filter((k) => Object.values(perLabel).every((v) => v == null || typeof v[k] !== 'object'));
      parts.push(table([t('models.label'), ...metrics], Object.entries(perLabel).map(([label, v]) =>
        [label, ...metrics.map((k) => fmt(v && v[k]))]), {class: 'grid compact'}));
    }
    const rest = Object.fromEntries(Object.entries(report).filter(([k]) => k !== 'labels' && k !== 'per_label'));
    parts.push(h('details', {}, h('summary', {}, t('models.full_report')), h('pre', {class: 'report', dir: 'ltr'}, JSON.stringify(rest, null, 2))));
    return h('div', {class: 'report-box'}, h('h3', {}, t('models.report')), parts);
  }

  handleKey() {
    return false;
  }
}

function fmt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? formatNumber(v) : formatNumber(v, 4);
  return jsonText(v);
}

// ---------------------------------------------------------------- Tokens

export class TokensView {
  constructor(root) {
    this.root = root;
  }

  async mount() {
    this.box = h('div', {id: 'tokens'});
    this.created = h('div', {id: 'token-created', aria: {live: 'polite'}});
    const name = h('input', {id: 'token-name', type: 'text', autocomplete: 'off', required: true, placeholder: t('tokens.name_placeholder')});
    const role = h('select', {id: 'token-role'}, ['moderator', 'site', 'admin'].map((r) => h('option', {value: r}, t(`role.${r}`))));
    const sites = h('input', {id: 'token-sites', type: 'text', autocomplete: 'off', placeholder: 'news.example, blog.example'});
    const form = h('form', {class: 'inline-form', id: 'token-form', aria: {label: t('tokens.create_label')}},
      field(t('tokens.name'), name).wrap, field(t('tokens.role'), role).wrap,
      field(t('tokens.sites'), sites, t('tokens.sites_hint')).wrap,
      h('button', {type: 'submit', class: 'primary'}, t('tokens.create')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {name: name.value.trim(), role: role.value,
        sites: sites.value.split(',').map((s) => s.trim()).filter(Boolean)};
      try {
        const r = await api.post('/v1/admin/tokens', body);
        this.showCreated(r);
        name.value = '';
        sites.value = '';
        this.load();
      } catch (err) {
        replace(this.created, h('p', {class: 'error', role: 'alert'}, t('tokens.not_created', {detail: err.detail}),
          err.errors.length ? h('ul', {}, err.errors.map((x) => h('li', {}, `${x.pointer}: ${x.detail}`))) : null));
      }
    });
    replace(this.root, h('section', {class: 'admin-view'}, head(t('nav.tokens')),
      h('h2', {}, t('tokens.new')), form, this.created, h('h2', {}, t('tokens.all')), this.box));
    await this.load();
  }

  showCreated(r) {
    const value = h('input', {type: 'text', readonly: true, id: 'new-token', class: 'code', value: r.token || ''});
    replace(this.created, h('div', {class: 'secret', role: 'alert'},
      h('p', {}, h('strong', {}, t('tokens.created_for', {name: r.name ?? '', role: t(`role.${r.role}`)})), ' ', t('tokens.copy_now')),
      h('div', {class: 'row'}, value, button(t('tokens.copy'), async () => {
        value.select();
        try {
          await navigator.clipboard.writeText(value.value);
          toast(t('tokens.copied'));
        } catch {
          toast(t('tokens.copy_failed'), 'error');
        }
      }), button(t('tokens.done'), () => this.created.replaceChildren(), {class: 'ghost'}))));
    value.select();
  }

  async load() {
    let r;
    try {
      r = await api.get('/v1/admin/tokens');
    } catch (e) {
      unavailable(this.box, t('tokens.what'), e);
      return;
    }
    const tokens = r.tokens || [];
    replace(this.box, table(['tokens.id', 'tokens.name', 'tokens.role', 'tokens.sites', 'tokens.prefix', 'tokens.created',
      'tokens.created_by', 'tokens.last_used', 'tokens.state', 'tokens.actions'].map((k) => t(k)),
    tokens.map((x) => [formatNumber(x.id), h('bdi', {}, x.name ?? ''), t(`role.${x.role}`), (x.sites || []).join(', ') || (x.role === 'site' ? '' : t('tokens.all_sites')),
      h('code', {}, x.prefix ?? ''), formatTime(x.created_at), h('bdi', {}, x.created_by ?? ''),
      x.last_used_at ? h('span', {class: 'last-used', data: {at: x.last_used_at}}, formatTime(x.last_used_at)) : h('span', {class: 'last-used muted'}, t('tokens.never')),
      x.revoked_at ? h('span', {class: 'tag bad'}, t('tokens.revoked', {at: formatTime(x.revoked_at)})) : h('span', {class: 'tag ok'}, t('common.active')),
      x.revoked_at ? '' : confirmButton(t('tokens.revoke'), t('tokens.revoke_confirm'), () => this.revoke(x.id), {class: 'small reject'})]),
    {id: 'token-table', aria: {label: t('tokens.all')}}));
  }

  async revoke(id) {
    try {
      await api.del(`/v1/admin/tokens/${encodeURIComponent(id)}`);
      toast(t('tokens.revoked_toast', {id}));
    } catch (e) {
      toast(t('tokens.revoke_failed', {detail: e.detail}), 'error');
    }
    this.load();
  }

  handleKey() {
    return false;
  }
}

// ---------------------------------------------------------------- Sites

export class SitesView {
  constructor(root) {
    this.root = root;
  }

  async mount() {
    this.box = h('div', {id: 'sites'});
    this.editor = h('div', {id: 'site-editor'});
    replace(this.root, h('section', {class: 'admin-view'}, head(t('nav.sites'),
      button(t('sites.new'), () => this.edit(null), {class: 'primary'})), this.editor, this.box));
    await this.load();
  }

  async load() {
    let r;
    try {
      r = await api.get('/v1/admin/sites');
    } catch (e) {
      unavailable(this.box, t('sites.what'), e);
      return;
    }
    const sites = Array.isArray(r) ? r : (r.sites || []);
    if (!sites.length) {
      replace(this.box, h('p', {class: 'muted'}, t('sites.none')));
      return;
    }
    const fromFile = () => h('span', {class: 'muted'}, t('sites.rule_file'));
    replace(this.box, table(['sites.name', 'sites.hold_at', 'sites.reject_at', 'sites.languages', 'sites.sensitivity', 'sites.spot_checks',
      'sites.webhook', 'sites.secret', 'sites.retention', 'tokens.actions'].map((k) => t(k)),
    sites.map((s) => [h('bdi', {}, s.name ?? ''), s.hold_at == null ? fromFile() : fmt(s.hold_at), s.reject_at == null ? fromFile() : fmt(s.reject_at), (s.languages || []).join(', ') || t('sites.any_language'),
      s.sensitivity ? t(`sensitivity.${s.sensitivity}`) : fromFile(),
      s.spot_check === null || s.spot_check === undefined ? fromFile() : formatPercent(s.spot_check),
      s.webhook_url ? externalLink(s.webhook_url) : h('span', {class: 'muted'}, t('sites.no_webhook')),
      s.webhook_secret_set ? t('sites.secret_set') : h('span', {class: 'muted'}, t('sites.secret_not_set')),
      s.retention_days ? t('sites.days', {n: s.retention_days}) : t('sites.forever'),
      h('span', {class: 'row'}, button(t('sites.edit'), () => this.edit(s), {class: 'small ghost'}),
        confirmButton(t('sites.delete'), t('sites.delete_confirm'), () => this.remove(s.name), {class: 'small reject'}))]),
    {id: 'site-table', aria: {label: t('nav.sites')}}));
  }

  edit(site) {
    const s = site || {};
    const input = (id, value, attrs = {}) => {
      const el = h('input', {id, type: 'text', autocomplete: 'off', ...attrs});
      el.value = value ?? '';
      return el;
    };
    const name = input('site-name', s.name, {readonly: !!site, required: true});
    const hold = input('site-hold', s.hold_at, {type: 'number', step: '0.1'});
    const reject = input('site-reject', s.reject_at, {type: 'number', step: '0.1'});
    const langs = input('site-languages', (s.languages || []).join(', '), {placeholder: 'ar, ru, en'});
    const sensitivity = h('select', {id: 'site-sensitivity'},
      [['', 'sites.rule_file'], ['low', 'sensitivity.low'], ['normal', 'sensitivity.normal'], ['high', 'sensitivity.high']].map(([v, k]) => h('option', {value: v}, t(k))));
    sensitivity.value = s.sensitivity ?? '';
    const spotCheck = input('site-spot-check', s.spot_check, {type: 'number', min: '0', max: '1', step: '0.01', placeholder: t('sites.rule_file')});
    const url = input('site-webhook', s.webhook_url, {type: 'url', placeholder: 'https://…'});
    const secret = input('site-secret', '', {type: 'password', placeholder: t(s.webhook_secret_set ? 'sites.unchanged' : 'sites.secret_not_set')});
    const retention = input('site-retention', s.retention_days ?? 0, {type: 'number', min: '0', step: '1'});
    const errors = h('div', {role: 'alert'});
    const form = h('form', {class: 'card-form', id: 'site-form'},
      h('h2', {}, site ? t('sites.edit_title', {name: s.name}) : t('sites.new')),
      h('div', {class: 'grid-form'},
        field(t('sites.name'), name).wrap, field(t('sites.hold_label'), hold).wrap, field(t('sites.reject_label'), reject).wrap,
        field(t('sites.languages'), langs, t('sites.languages_hint')).wrap,
        field(t('sites.sensitivity'), sensitivity, t('sites.sensitivity_hint')).wrap,
        field(t('sites.spot_label'), spotCheck, t('sites.spot_hint')).wrap,
        field(t('sites.webhook_label'), url).wrap, field(t('sites.secret_label'), secret, t('sites.secret_hint')).wrap,
        field(t('sites.retention_label'), retention).wrap),
      errors,
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, t('common.save')),
        button(t('common.cancel'), () => this.editor.replaceChildren(), {class: 'ghost'})));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {languages: langs.value.split(',').map((x) => x.trim()).filter(Boolean),
        webhook_url: url.value.trim(), retention_days: Number(retention.value || 0)};
      if (hold.value !== '') body.hold_at = Number(hold.value);
      if (reject.value !== '') body.reject_at = Number(reject.value);
      if (sensitivity.value !== '') body.sensitivity = sensitivity.value;
      if (spotCheck.value !== '') body.spot_check = Number(spotCheck.value);
      if (secret.value !== '') body.webhook_secret = secret.value;
      try {
        await api.put(`/v1/admin/sites/${encodeURIComponent(name.value.trim())}`, body);
        toast(t('sites.saved', {name: name.value.trim()}));
        this.editor.replaceChildren();
        this.load();
      } catch (err) {
        replace(errors, h('p', {class: 'error'}, t('common.not_saved', {detail: err.detail})),
          err.errors.length ? h('ul', {class: 'error'}, err.errors.map((x) => h('li', {}, `${x.pointer}: ${x.detail}`))) : null);
      }
    });
    replace(this.editor, form);
    (site ? hold : name).focus();
  }

  async remove(name) {
    try {
      await api.del(`/v1/admin/sites/${encodeURIComponent(name)}`);
      toast(t('sites.deleted', {name}));
    } catch (e) {
      toast(t('sites.delete_failed', {detail: e.detail}), 'error');
    }
    this.load();
  }

  handleKey() {
    return false;
  }
}

// ---------------------------------------------------------------- Audit log

// The differences between two JSON values as rows {path, kind, before,
// after}: kind is 'added', 'removed' or 'changed'. Objects are compared
// key by key (paths like "thresholds.hold_at"); arrays and scalars whole.
export function diffRows(before, after, path = '') {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffRows(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const empty = (v) => v === undefined || v === null || v === '';
  if (empty(before) && empty(after)) return [];
  if (before === null && isObj(after)) return diffRows({}, after, path);
  if (isObj(before) && after === null) return diffRows(before, {}, path);
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObj(after) && before === undefined) return diffRows({}, after, path).map((r) => ({...r, kind: 'added'}));
  if (isObj(before) && after === undefined) return diffRows(before, {}, path).map((r) => ({...r, kind: 'removed'}));
  const kind = before === undefined || before === null ? 'added' : after === undefined || after === null ? 'removed' : 'changed';
  return [{path, kind, before, after}];
}

// Lines of `a` missing from `b` and lines of `b` missing from `a`, in
// order (a short text such as a rule file's edit).
function lineChanges(a, b) {
  const A = a.split('\n');
  const B = b.split('\n');
  const inA = new Set(A);
  const inB = new Set(B);
  return [...A.filter((l) => !inB.has(l)).map((l) => ['removed', l]), ...B.filter((l) => !inA.has(l)).map((l) => ['added', l])];
}

function valueNode(v) {
  if (v === undefined || v === null) return h('span', {class: 'muted'}, t('common.none'));
  if (typeof v === 'string') return h('bdi', {}, v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return h('bdi', {}, v.join(', '));
  return h('code', {dir: 'ltr'}, JSON.stringify(v));
}

// One audit entry's before → after as a readable list of changes.
export function renderDiff(before, after) {
  const rows = diffRows(before, after);
  if (!rows.length) return h('span', {class: 'muted'}, t('audit.no_change'));
  return h('ul', {class: 'diff'}, rows.map((r) => withPath(r.path, (() => {
    const label = h('code', {class: 'diff-key', dir: 'ltr'}, r.path || t('audit.value'));
    if (typeof r.before === 'string' && typeof r.after === 'string' && (r.before.includes('\n') || r.after.includes('\n'))) {
      return h('li', {class: 'changed'}, label, h('pre', {class: 'diff-lines', dir: 'auto'},
        lineChanges(r.before, r.after).map(([kind, line]) => h('span', {class: kind}, `${kind === 'added' ? '+' : '−'} ${line}\n`))));
    }
    if (r.kind === 'added') return h('li', {class: 'added'}, label, ' ', h('span', {class: 'sr-only'}, t('audit.added')), h('ins', {}, valueNode(r.after)));
    if (r.kind === 'removed') return h('li', {class: 'removed'}, label, ' ', h('span', {class: 'sr-only'}, t('audit.removed')), h('del', {}, valueNode(r.before)));
    return h('li', {class: 'changed'}, label, ' ', h('del', {}, valueNode(r.before)), h('span', {class: 'arrow'}, ` ${t('audit.arrow')} `), h('ins', {}, valueNode(r.after)));
  })())));
}

function withPath(path, li) {
  li.dataset.path = path;
  return li;
}

export class AuditView {
  constructor(root) {
    this.root = root;
    this.filters = {action: '', actor: '', target: '', since: '', until: ''};
    this.cursor = null;
  }

  async mount() {
    const f = (id, label, attrs = {}) => field(label, h('input', {id: `audit-${id}`, name: id, type: 'text', autocomplete: 'off', ...attrs})).wrap;
    this.form = h('form', {class: 'inline-form', id: 'audit-form', role: 'search'},
      f('action', t('audit.action'), {placeholder: 'comment.decide', dir: 'ltr'}), f('actor', t('audit.actor')), f('target', t('audit.target')),
      f('since', t('audit.since'), {type: 'datetime-local'}), f('until', t('audit.until'), {type: 'datetime-local'}),
      h('button', {type: 'submit', class: 'primary'}, t('audit.filter')));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      for (const el of this.form.elements) if (el.name in this.filters) this.filters[el.name] = el.value.trim();
      this.load(true);
    });
    this.body = h('tbody');
    this.more = button(t('audit.older'), () => this.load(false), {class: 'ghost load-more', hidden: true});
    this.message = h('div');
    replace(this.root, h('section', {class: 'admin-view'}, head(t('nav.audit')), this.form, this.message,
      scrollBox(h('table', {class: 'grid', id: 'audit-table', aria: {label: t('nav.audit')}},
        h('thead', {}, h('tr', {}, ['audit.when', 'audit.actor', 'audit.action', 'audit.target', 'audit.change'].map((k) => h('th', {scope: 'col'}, t(k))))),
        this.body)), this.more));
    await this.load(true);
  }

  async load(reset) {
    const toIso = (v) => (v ? new Date(v).toISOString() : '');
    const params = {action: this.filters.action, actor: this.filters.actor, target: this.filters.target,
      since: toIso(this.filters.since), until: toIso(this.filters.until), limit: 100};
    if (!reset) params.cursor = this.cursor;
    let r;
    try {
      r = await api.get(`/v1/admin/audit${api.query(params)}`);
    } catch (e) {
      unavailable(this.message, t('audit.what'), e);
      return;
    }
    this.message.replaceChildren();
    if (reset) this.body.replaceChildren();
    const entries = r.entries || [];
    for (const e of entries) {
      this.body.append(h('tr', {data: {action: e.action ?? ''}},
        h('td', {}, formatTime(e.at)), h('td', {}, h('bdi', {}, e.actor ?? '')), h('td', {}, h('code', {dir: 'ltr'}, e.action ?? '')),
        h('td', {}, h('bdi', {}, jsonText(e.target))),
        h('td', {class: 'diff-cell'}, renderDiff(e.before, e.after))));
    }
    if (reset && !entries.length) this.body.append(h('tr', {}, h('td', {colspan: '5', class: 'muted'}, t('audit.none'))));
    this.cursor = r.next_cursor || null;
    this.more.hidden = !this.cursor;
  }

  handleKey() {
    return false;
  }
}
