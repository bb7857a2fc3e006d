// The search view (#/search): every stored comment, whatever its status,
// through GET /v1/comments/search — how a moderator finds a comment the
// daemon accepted or rejected on its own and decides it again (rescue).
// Filters: text, status, author, a moderator's label, a rule, a score
// range and the days received; the filters can be saved as a named view.
// Comment text is always shown as text (h() sets textContent).
import * as api from './api.js';
import {h, replace, button, field, timeAgo, toast} from './dom.js';
import {t} from './i18n.js';
import {explain} from './queue.js';
import {SavedViews} from './views.js';

const STATUSES = ['', 'approved', 'pending', 'rejected'];
const LABELS = ['', 'spam', 'abuse', 'ham'];
const PAGE = 50;
const DAY_MS = 24 * 3600 * 1000;

// A date input's day ("2026-12-03") as the Unix milliseconds of its local
// midnight, and back; '' for none.
function dayToMs(day) {
  return day ? String(new Date(`${day}T00:00:00`).getTime()) : '';
}
function msToDay(ms) {
  if (!ms) return '';
  const d = new Date(Number(ms));
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

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
    this.label = h('select', {id: 'search-label'},
      LABELS.map((l) => h('option', {value: l}, l ? t(`label.${l}`) : t('search.any_label'))));
    this.rule = h('input', {id: 'search-rule', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '256',
      placeholder: t('search.rule_placeholder')});
    const score = (id) => h('input', {id, type: 'number', step: '0.1', inputmode: 'decimal'});
    this.minScore = score('search-min-score');
    this.maxScore = score('search-max-score');
    this.since = h('input', {id: 'search-since', type: 'date'});
    this.until = h('input', {id: 'search-until', type: 'date'});
    this.error = h('p', {class: 'error', role: 'alert', id: 'search-error'});
    this.views = new SavedViews('search', {current: () => this.filters(), apply: (f) => {
      this.setFilters(f);
      this.search();
    }});
    const form = h('form', {class: 'filters', id: 'search-form', role: 'search', on: {submit: (e) => {
      e.preventDefault();
      this.search();
    }}},
    field(t('search.q'), this.q, t('search.q_hint')).wrap,
    field(t('search.status'), this.status).wrap,
    field(t('search.email'), this.email).wrap,
    field(t('search.ip'), this.ip).wrap,
    field(t('search.label'), this.label).wrap,
    field(t('search.rule'), this.rule).wrap,
    h('div', {class: 'row2'}, field(t('search.min_score'), this.minScore).wrap,
      field(t('search.max_score'), this.maxScore).wrap),
    h('div', {class: 'row2'}, field(t('search.since'), this.since).wrap, field(t('search.until'), this.until).wrap),
    h('button', {type: 'submit', class: 'primary', id: 'search-submit'}, t('search.submit')));
    this.summary = h('p', {class: 'summary', aria: {live: 'polite'}});
    this.list = h('ol', {class: 'queue-list', id: 'search-list', aria: {label: t('search.results')}});
    this.more = button(t('search.more'), () => this.search(true), {class: 'ghost', id: 'search-more', hidden: true});
    replace(this.root, h('h1', {}, t('search.title')), form, this.views.el, this.error, this.summary, this.list,
      this.more);
    this.views.load();
    this.q.focus();
  }

  // The form's filters as query parameters (strings; empty ones left out):
  // what the search sends and a saved view keeps. The last day received is
  // inclusive: `until` is the midnight after it.
  filters() {
    const until = this.until.value ? String(Number(dayToMs(this.until.value)) + DAY_MS) : '';
    const all = {q: this.q.value.trim(), status: this.status.value, email: this.email.value.trim(),
      ip: this.ip.value.trim(), label: this.label.value, rule: this.rule.value.trim(),
      min_score: this.minScore.value.trim(), max_score: this.maxScore.value.trim(),
      since: dayToMs(this.since.value), until};
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== ''));
  }

  setFilters(f) {
    this.q.value = f.q || '';
    this.status.value = f.status || '';
    this.email.value = f.email || '';
    this.ip.value = f.ip || '';
    this.label.value = f.label || '';
    this.rule.value = f.rule || '';
    this.minScore.value = f.min_score || '';
    this.maxScore.value = f.max_score || '';
    this.since.value = msToDay(f.since);
    this.until.value = f.until ? msToDay(Number(f.until) - 1) : '';
  }

  // The query string of the form; null (and the reason shown) if it cannot be sent.
  params() {
    const q = this.q.value.trim();
    if (q && [...q].length < 3) {
      this.error.textContent = t('search.q_short');
      return null;
    }
    const f = this.filters();
    if (f.min_score && f.max_score && Number(f.min_score) > Number(f.max_score)) {
      this.error.textContent = t('search.score_order');
      return null;
    }
    if (f.since && f.until && Number(f.since) >= Number(f.until)) {
      this.error.textContent = t('search.date_order');
      return null;
    }
    this.error.textContent = '';
    return api.query({...f, limit: PAGE});
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
