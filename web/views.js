// Saved views: the "Views" control of the queue and the search pages. A
// moderator saves the page's current filters under a name, picks one to
// apply it, or deletes it; the views are theirs alone, kept by the server
// (GET/POST /v1/views, DELETE /v1/views/{id}) for the token they signed in
// with. The page hands over how to read and apply its filters (an object of
// query parameters, strings; empty ones left out).
import * as api from './api.js';
import {h, button, field, toast} from './dom.js';
import {t} from './i18n.js';

export class SavedViews {
  // kind: "queue" | "search"; current(): the filters now; apply(filter): sets them.
  constructor(kind, {current, apply}) {
    this.kind = kind;
    this.current = current;
    this.apply = apply;
    this.views = [];
    this.select = h('select', {id: `${kind}-views-select`, on: {change: () => this.choose()}});
    this.name = h('input', {id: `${kind}-views-name`, type: 'text', maxlength: '100', autocomplete: 'off',
      placeholder: t('views.name_placeholder')});
    this.el = h('div', {class: 'saved-views', id: `${kind}-views`, role: 'group', aria: {label: t('views.title')}},
      h('div', {class: 'row2'},
        field(t('views.choose'), this.select).wrap,
        field(t('views.name'), this.name).wrap),
      h('div', {class: 'actions'},
        button(t('views.save'), () => this.save(), {class: 'ghost', id: `${kind}-views-save`}),
        button(t('views.delete'), () => this.remove(), {class: 'ghost', id: `${kind}-views-delete`})));
    this.render();
  }

  render(selectedId = '') {
    this.select.replaceChildren(h('option', {value: ''}, t('views.none')),
      ...this.views.map((v) => h('option', {value: String(v.id)}, v.name)));
    this.select.value = String(selectedId);
  }

  async load(selectedId = '') {
    try {
      const r = await api.get(`/v1/views${api.query({kind: this.kind})}`);
      this.views = r.items;
    } catch (e) {
      toast(e.message, 'error');
      return;
    }
    this.render(selectedId);
  }

  chosen() {
    return this.views.find((v) => String(v.id) === this.select.value);
  }

  choose() {
    const v = this.chosen();
    if (!v) return;
    this.name.value = v.name;
    this.apply({...v.filter});
    toast(t('views.applied', {name: v.name}));
  }

  async save() {
    const name = this.name.value.trim();
    if (!name) {
      toast(t('views.name_missing'), 'error');
      this.name.focus();
      return;
    }
    try {
      const before = this.views.some((v) => v.name === name);
      const v = await api.post('/v1/views', {kind: this.kind, name, filter: this.current()});
      await this.load(v.id);
      toast(t(before ? 'views.replaced' : 'views.saved', {name}));
    } catch (e) {
      toast(t('common.not_saved', {detail: e.message}), 'error');
    }
  }

  async remove() {
    const v = this.chosen();
    if (!v) return;
    try {
      await api.del(`/v1/views/${v.id}`);
      this.name.value = '';
      await this.load();
      toast(t('views.deleted', {name: v.name}));
    } catch (e) {
      toast(t('common.not_saved', {detail: e.message}), 'error');
    }
  }
}
