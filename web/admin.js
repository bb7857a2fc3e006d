// Admin views: models (with their reports), tokens, sites and the audit log.
// Every value from the server is rendered as text.
import * as api from './api.js';
import {h, replace, toast, button, confirmButton, field, formatTime, jsonText, table, externalLink} from './dom.js';

function head(title, ...extra) {
  return h('div', {class: 'view-head'}, h('h1', {}, title), h('span', {class: 'spacer'}), ...extra);
}

function unavailable(box, what, e) {
  replace(box, h('p', {class: e.status === 404 ? 'notice' : 'error', role: 'alert'},
    e.status === 404 ? `${what} is not available on this server (the endpoint answered 404).`
      : e.status === 403 ? `${what} needs an admin token: ${e.detail}` : `${what}: ${e.detail}`));
}

// ---------------------------------------------------------------- Models

export class ModelsView {
  constructor(root) {
    this.root = root;
  }

  async mount() {
    this.box = h('div', {id: 'models'});
    replace(this.root, h('section', {class: 'admin-view'}, head('Models'), this.box));
    let r;
    try {
      r = await api.get('/v1/admin/models');
    } catch (e) {
      unavailable(this.box, 'Model management', e);
      return;
    }
    const models = Array.isArray(r) ? r : (r.models || []);
    if (!models.length) {
      replace(this.box, h('p', {class: 'muted'}, 'No models are stored yet; the daemon uses its built-in model.'));
      return;
    }
    replace(this.box, h('ol', {class: 'model-list'}, models.map((m) => this.renderModel(m))));
  }

  renderModel(m) {
    const scalar = Object.entries(m).filter(([k, v]) => k !== 'report' && (v === null || typeof v !== 'object'));
    const report = m.report;
    return h('li', {class: `model${m.active ? ' active' : ''}`},
      h('div', {class: 'vhead'}, h('strong', {}, String(m.version ?? m.id ?? 'model')),
        m.active ? h('span', {class: 'tag active'}, 'active') : null),
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
      parts.push(table(['label', ...metrics], Object.entries(perLabel).map(([label, v]) =>
        [label, ...metrics.map((k) => fmt(v && v[k]))]), {class: 'grid compact'}));
    }
    const rest = Object.fromEntries(Object.entries(report).filter(([k]) => k !== 'labels' && k !== 'per_label'));
    parts.push(h('details', {}, h('summary', {}, 'Full report'), h('pre', {class: 'report'}, JSON.stringify(rest, null, 2))));
    return h('div', {class: 'report-box'}, h('h3', {}, 'Report'), parts);
  }

  handleKey() {
    return false;
  }
}

function fmt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4);
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
    const name = h('input', {id: 'token-name', type: 'text', autocomplete: 'off', required: true, placeholder: 'e.g. alice'});
    const role = h('select', {id: 'token-role'}, ['moderator', 'site', 'admin'].map((r) => h('option', {value: r}, r)));
    const sites = h('input', {id: 'token-sites', type: 'text', autocomplete: 'off', placeholder: 'news.example, blog.example'});
    const form = h('form', {class: 'inline-form', id: 'token-form', aria: {label: 'Create a token'}},
      field('Name', name).wrap, field('Role', role).wrap,
      field('Sites', sites, 'comma-separated; required for site tokens, empty = all sites for moderators').wrap,
      h('button', {type: 'submit', class: 'primary'}, 'Create token'));
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
        replace(this.created, h('p', {class: 'error', role: 'alert'}, `Not created: ${err.detail}`,
          err.errors.length ? h('ul', {}, err.errors.map((x) => h('li', {}, `${x.pointer}: ${x.detail}`))) : null));
      }
    });
    replace(this.root, h('section', {class: 'admin-view'}, head('Tokens'),
      h('h2', {}, 'New token'), form, this.created, h('h2', {}, 'All tokens'), this.box));
    await this.load();
  }

  showCreated(r) {
    const value = h('input', {type: 'text', readonly: true, id: 'new-token', class: 'code', value: r.token || ''});
    replace(this.created, h('div', {class: 'secret', role: 'alert'},
      h('p', {}, h('strong', {}, `Token for ${r.name ?? ''} (${r.role ?? ''})`), ' — copy it now: it is shown only once.'),
      h('div', {class: 'row'}, value, button('Copy', async () => {
        value.select();
        try {
          await navigator.clipboard.writeText(value.value);
          toast('Copied');
        } catch {
          toast('Select the text and copy it', 'error');
        }
      }), button('Done', () => this.created.replaceChildren(), {class: 'ghost'}))));
    value.select();
  }

  async load() {
    let r;
    try {
      r = await api.get('/v1/admin/tokens');
    } catch (e) {
      unavailable(this.box, 'Token management', e);
      return;
    }
    const tokens = r.tokens || [];
    replace(this.box, table(['ID', 'Name', 'Role', 'Sites', 'Prefix', 'Created', 'Created by', 'Last used', 'State', ''],
      tokens.map((t) => [String(t.id), h('bdi', {}, t.name ?? ''), t.role ?? '', (t.sites || []).join(', ') || (t.role === 'site' ? '' : 'all'),
        h('code', {}, t.prefix ?? ''), formatTime(t.created_at), h('bdi', {}, t.created_by ?? ''), formatTime(t.last_used_at) || 'never',
        t.revoked_at ? h('span', {class: 'tag bad'}, `revoked ${formatTime(t.revoked_at)}`) : h('span', {class: 'tag ok'}, 'active'),
        t.revoked_at ? '' : confirmButton('Revoke', 'Confirm revoke', () => this.revoke(t.id), {class: 'small reject'})]),
      {id: 'token-table'}));
  }

  async revoke(id) {
    try {
      await api.del(`/v1/admin/tokens/${encodeURIComponent(id)}`);
      toast(`Token ${id} revoked`);
    } catch (e) {
      toast(`Revoke failed: ${e.detail}`, 'error');
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
    replace(this.root, h('section', {class: 'admin-view'}, head('Sites',
      button('New site', () => this.edit(null), {class: 'primary'})), this.editor, this.box));
    await this.load();
  }

  async load() {
    let r;
    try {
      r = await api.get('/v1/admin/sites');
    } catch (e) {
      unavailable(this.box, 'The site registry', e);
      return;
    }
    const sites = Array.isArray(r) ? r : (r.sites || []);
    if (!sites.length) {
      replace(this.box, h('p', {class: 'muted'}, 'No sites registered; thresholds come from the rule file.'));
      return;
    }
    replace(this.box, table(['Site', 'Hold at', 'Reject at', 'Languages', 'Sensitivity', 'Spot checks', 'Webhook', 'Secret', 'Retention', ''],
      sites.map((s) => [h('bdi', {}, s.name ?? ''), fmt(s.hold_at), fmt(s.reject_at), (s.languages || []).join(', ') || 'any',
        s.sensitivity ?? h('span', {class: 'muted'}, 'rule file'),
        s.spot_check === null || s.spot_check === undefined ? h('span', {class: 'muted'}, 'rule file')
          : `${Math.round(s.spot_check * 1000) / 10} %`,
        s.webhook_url ? externalLink(s.webhook_url) : h('span', {class: 'muted'}, 'none'),
        s.webhook_secret_set ? 'set' : h('span', {class: 'muted'}, 'not set'),
        s.retention_days ? `${s.retention_days} days` : 'forever',
        h('span', {class: 'row'}, button('Edit', () => this.edit(s), {class: 'small ghost'}),
          confirmButton('Delete', 'Confirm delete', () => this.remove(s.name), {class: 'small reject'}))]),
      {id: 'site-table'}));
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
      [['', 'rule file'], ['low', 'low'], ['normal', 'normal'], ['high', 'high']].map(([v, t]) => h('option', {value: v}, t)));
    sensitivity.value = s.sensitivity ?? '';
    const spotCheck = input('site-spot-check', s.spot_check, {type: 'number', min: '0', max: '1', step: '0.01', placeholder: 'rule file'});
    const url = input('site-webhook', s.webhook_url, {type: 'url', placeholder: 'https://…'});
    const secret = input('site-secret', '', {type: 'password', placeholder: s.webhook_secret_set ? 'unchanged' : 'none'});
    const retention = input('site-retention', s.retention_days ?? 0, {type: 'number', min: '0', step: '1'});
    const errors = h('div', {role: 'alert'});
    const form = h('form', {class: 'card-form', id: 'site-form'},
      h('h2', {}, site ? `Edit ${s.name}` : 'New site'),
      h('div', {class: 'grid-form'},
        field('Name', name).wrap, field('Hold at (score)', hold).wrap, field('Reject at (score)', reject).wrap,
        field('Languages', langs, 'comma-separated codes; empty = any').wrap,
        field('Sensitivity', sensitivity, 'which calibrated level of the classifier holds comments').wrap,
        field('Spot checks (share)', spotCheck, 'share of accepted comments sampled for review, 0 to 1; empty = the rule file’s').wrap,
        field('Webhook URL', url).wrap, field('Webhook secret', secret, 'leave empty to keep the current one').wrap,
        field('Retention (days, 0 = forever)', retention).wrap),
      errors,
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Save'),
        button('Cancel', () => this.editor.replaceChildren(), {class: 'ghost'})));
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
        toast(`Site ${name.value.trim()} saved`);
        this.editor.replaceChildren();
        this.load();
      } catch (err) {
        replace(errors, h('p', {class: 'error'}, `Not saved: ${err.detail}`),
          err.errors.length ? h('ul', {class: 'error'}, err.errors.map((x) => h('li', {}, `${x.pointer}: ${x.detail}`))) : null);
      }
    });
    replace(this.editor, form);
    (site ? hold : name).focus();
  }

  async remove(name) {
    try {
      await api.del(`/v1/admin/sites/${encodeURIComponent(name)}`);
      toast(`Site ${name} deleted`);
    } catch (e) {
      toast(`Delete failed: ${e.detail}`, 'error');
    }
    this.load();
  }

  handleKey() {
    return false;
  }
}

// ---------------------------------------------------------------- Audit log

export class AuditView {
  constructor(root) {
    this.root = root;
    this.filters = {action: '', actor: '', target: '', since: '', until: ''};
    this.cursor = null;
  }

  async mount() {
    const f = (id, label, attrs = {}) => field(label, h('input', {id: `audit-${id}`, name: id, type: 'text', autocomplete: 'off', ...attrs})).wrap;
    this.form = h('form', {class: 'inline-form', id: 'audit-form', role: 'search'},
      f('action', 'Action', {placeholder: 'comment.decide'}), f('actor', 'Actor'), f('target', 'Target'),
      f('since', 'Since', {type: 'datetime-local'}), f('until', 'Until', {type: 'datetime-local'}),
      h('button', {type: 'submit', class: 'primary'}, 'Filter'));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      for (const el of this.form.elements) if (el.name in this.filters) this.filters[el.name] = el.value.trim();
      this.load(true);
    });
    this.body = h('tbody');
    this.more = button('Older entries', () => this.load(false), {class: 'ghost load-more', hidden: true});
    this.message = h('div');
    replace(this.root, h('section', {class: 'admin-view'}, head('Audit log'), this.form, this.message,
      h('table', {class: 'grid', id: 'audit-table'},
        h('thead', {}, h('tr', {}, ['When', 'Actor', 'Action', 'Target', 'Before', 'After'].map((t) => h('th', {scope: 'col'}, t)))),
        this.body), this.more));
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
      unavailable(this.message, 'The audit log', e);
      return;
    }
    this.message.replaceChildren();
    if (reset) this.body.replaceChildren();
    const entries = r.entries || [];
    for (const e of entries) {
      this.body.append(h('tr', {},
        h('td', {}, formatTime(e.at)), h('td', {}, h('bdi', {}, e.actor ?? '')), h('td', {}, h('code', {}, e.action ?? '')),
        h('td', {}, h('bdi', {}, jsonText(e.target))),
        h('td', {}, h('code', {class: 'json', dir: 'auto'}, jsonText(e.before))),
        h('td', {}, h('code', {class: 'json', dir: 'auto'}, jsonText(e.after)))));
    }
    if (reset && !entries.length) this.body.append(h('tr', {}, h('td', {colspan: '6', class: 'muted'}, 'No entries.')));
    this.cursor = r.next_cursor || null;
    this.more.hidden = !this.cursor;
  }

  handleKey() {
    return false;
  }
}
