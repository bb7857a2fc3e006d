// The search view (#/search): every stored comment, whatever its status,
// through GET /v1/comments/search — how a moderator finds a comment the
// daemon accepted or rejected on its own and decides it again (rescue).
// Comment text is always shown as text (h() sets textContent).
import * as api from './api.js';
import {h, replace, button, field, timeAgo, toast} from './dom.js';
import {t} from './i18n.js';
import {explain} from './queue.js';

const STATUSES = ['', 'approved', 'pending', 'rejected'];
const PAGE = 50;

export class SearchView {
  constructor(root) {
    this.root = root;
    this.cursor = null;
    this.generation = 0;  // drops answers to superseded searches
  }

  mount() {
    this.q = h('input', {id: 'search-q', type: 'search', autocomplete: 'off', spellcheck: 'false', maxlength: '256',
      placeholder: t('search.q_placeholder')});
    this.status = h('select', {id: 'search-status'},
      STATUSES.map((s) => h('option', {value: s}, s ? t(`status.${s}`) : t('search.any_status'))));
    this.email = h('input', {id: 'search-email', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '256'});
    this.ip = h('input', {id: 'search-ip', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '256'});
    this.error = h('p', {class: 'error', role: 'alert', id: 'search-error'});
    const form = h('form', {class: 'filters', id: 'search-form', role: 'search', on: {submit: (e) => {
      e.preventDefault();
      this.search();
    }}},
    field(t('search.q'), this.q, t('search.q_hint')).wrap,
    field(t('search.status'), this.status).wrap,
    field(t('search.email'), this.email).wrap,
    field(t('search.ip'), this.ip).wrap,
    h('button', {type: 'submit', class: 'primary', id: 'search-submit'}, t('search.submit')));
    this.summary = h('p', {class: 'summary', aria: {live: 'polite'}});
    this.list = h('ol', {class: 'queue-list', id: 'search-list', aria: {label: t('search.results')}});
    this.more = button(t('search.more'), () => this.search(true), {class: 'ghost', id: 'search-more', hidden: true});
    replace(this.root, h('h1', {}, t('search.title')), form, this.error, this.summary, this.list, this.more);
    this.q.focus();
  }

  // The query string of the form; null (and the reason shown) if it cannot be sent.
  params() {
    const q = this.q.value.trim();
    if (q && [...q].length < 3) {
      this.error.textContent = t('search.q_short');
      return null;
    }
    this.error.textContent = '';
    return api.query({q, status: this.status.value, email: this.email.value.trim(), ip: this.ip.value.trim(), limit: PAGE});
  }

  async search(more = false) {
    const params = this.params();
    if (params === null) return;
    const generation = ++this.generation;
    const cursor = more && this.cursor ? `&cursor=${api.enc(this.cursor)}` : '';
    let page;
    try {
      page = await api.get(`/v1/comments/search${params}${cursor}`);
    } catch (e) {
      if (generation === this.generation) this.error.textContent = e.message;
      return;
    }
    if (generation !== this.generation) return;
    if (!more) this.list.replaceChildren();
    for (const c of page.items) this.list.append(this.item(c));
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    const n = this.list.children.length;
    this.summary.textContent = n ? t('search.found', {n}) : t('search.none');
  }

  item(c) {
    const status = h('span', {class: `badge status-${c.status}`, data: {status: c.status}}, t(`status.${c.status}`));
    const actions = h('div', {class: 'actions'},
      button(t('action.approve'), () => this.decide(c, 'approve', li, status), {class: 'approve', data: {decision: 'approve'}}),
      button(t('action.reject'), () => this.decide(c, 'reject', li, status), {class: 'reject', data: {decision: 'reject'}}),
      button(t('action.spam'), () => this.decide(c, 'spam', li, status), {class: 'reject', data: {decision: 'spam'}}));
    const li = h('li', {class: 'card', data: {id: c.id}},
      h('div', {class: 'meta'}, status, ' ', h('span', {class: 'site'}, c.site), ' · ',
        h('span', {class: 'author'}, (c.author && (c.author.email || c.author.name)) || t('common.none')), ' · ',
        timeAgo(c.received_at || c.created_at)),
      h('p', {class: 'content', dir: 'auto'}, c.content),
      explain(c),
      actions);
    return li;
  }

  async decide(c, decision, li, status) {
    try {
      const r = await api.post(`/v1/comments/${c.id}/decision`, {decision});
      const now = r.decision.new_status;
      status.textContent = t(`status.${now}`);
      status.className = `badge status-${now}`;
      status.dataset.status = now;
      li.dataset.decided = decision;
      toast(t('search.decided', {id: c.id, status: t(`status.${now}`)}));
    } catch (e) {
      toast(t('common.not_saved', {detail: e.message}), 'error');
    }
  }
}
