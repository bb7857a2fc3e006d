// The review queue: pending comments and spot checks (accepted comments
// sampled for review) with their verdicts and the reason for each decision
// in one line, filters, keyboard review (j/k, a/r/s/b, u, x, Shift+A),
// claims, bulk decisions (of selected items, or of everything the filters
// match: queue_bulk.js), history, a live "N new" indicator (polling) and
// author actions (their comments, reject all pending, ban).
import * as api from './api.js';
import {h, replace, externalLink, timeAgo, toast, field, button, confirmButton} from './dom.js';
import {appendHighlighted, spansForField} from './highlight.js';
import {t, formatNumber, formatPercent, formatPoints, formatClock, formatList} from './i18n.js';
import {banAuthor} from './ban.js';
import {FilterBulk} from './queue_bulk.js';
import {SavedViews} from './views.js';

const PAGE_SIZE = 50;
const CLAIM_MINUTES = 10;
// How often the queue asks for comments that arrived since it was loaded.
const POLL_MS = 5000;
const AUTHOR_PAGES = 10;  // at most this many queue pages are searched for an author's comments
const DECISION_KEYS = {approve: 'decision.approved', reject: 'decision.rejected', spam: 'decision.spam', abuse: 'decision.abuse'};

const REVIEW_CHOICES = [['', 'filter.review.all'], ['pending', 'filter.review.pending'], ['spot_check', 'filter.review.spot_check']];
const AGE_CHOICES = [
  ['', 'filter.age.any'], ['300', 'filter.age.5m'], ['3600', 'filter.age.1h'], ['86400', 'filter.age.1d'], ['604800', 'filter.age.7d'],
];
const LABEL_CHOICES = [['', 'filter.label.any'], ['spam', 'label.spam'], ['abuse', 'label.abuse'], ['ham', 'label.ham']];
const SORT_CHOICES = [['oldest', 'filter.sort.oldest'], ['newest', 'filter.sort.newest'],
  ['score_desc', 'filter.sort.score_desc'], ['score_asc', 'filter.sort.score_asc']];
const EMPTY_FILTERS = {q: '', review: '', site: '', language: '', label: '', min_score: '', max_score: '', rule: '',
  email: '', ip: '', min_age: '', max_age: '', sort: 'oldest'};

export class QueueView {
  constructor(root, {isAdmin = false} = {}) {
    this.root = root;
    this.isAdmin = isAdmin;
    this.filters = {...EMPTY_FILTERS};
    this.items = [];        // {data, el, decided, selected, claim}
    this.cursor = null;
    this.counts = null;
    this.current = -1;
    this.undoStack = [];    // item ids, most recent last
    this.actor = null;      // ours, learnt from the first claim
    this.claimSupported = true;
    this.claimedId = null;  // the comment we hold a claim on
    this.generation = 0;    // drops answers to superseded list requests
    this.maxSeenId = 0;     // the newest comment id this list has seen
    this.newCount = 0;      // comments that arrived since the list was loaded
    this.pollTimer = null;
  }

  mount() {
    this.filterForm = this.buildFilters();
    this.summary = h('p', {class: 'summary', aria: {live: 'polite'}});
    this.bulkCount = h('span', {class: 'bulk-count'});
    this.bulkBar = h('div', {class: 'bulkbar', role: 'toolbar', aria: {label: t('queue.bulk')}},
      this.bulkCount,
      button(t('queue.select_all'), () => this.selectAll(true), {class: 'ghost'}),
      button(t('queue.clear_selection'), () => this.selectAll(false), {class: 'ghost'}),
      button(t('queue.approve_selected'), () => this.bulk('approve'), {class: 'approve', id: 'bulk-approve', aria: {keyshortcuts: 'Shift+A'}}),
      button(t('queue.reject_selected'), () => this.bulk('reject'), {class: 'reject', id: 'bulk-reject', aria: {keyshortcuts: 'Shift+R'}}),
      button(t('action.spam'), () => this.bulk('spam'), {class: 'reject'}));
    this.list = h('ol', {class: 'queue-list', id: 'queue-list', aria: {label: t('queue.list')}});
    this.more = button(t('queue.load_more'), () => this.load(false), {class: 'ghost load-more', hidden: true});
    this.empty = h('p', {class: 'empty', hidden: true}, t('queue.empty'), ' ', h('span', {class: 'muted'}, t('queue.empty_live')));
    // Sound-free: a button that appears and a polite live region.
    this.newButton = button('', () => this.showNew(), {class: 'new-indicator', id: 'new-indicator', hidden: true});
    this.authorBox = h('section', {class: 'author-panel', id: 'author-panel', hidden: true, aria: {label: t('author.panel')}});
    // The filters fold away on narrow screens (open by default on wide ones).
    this.filterDetails = h('details', {class: 'filters', id: 'filters'},
      h('summary', {}, h('h2', {}, t('filter.title'))), this.filterForm);
    this.filterDetails.open = window.matchMedia('(min-width: 901px)').matches;
    replace(this.root,
      h('section', {class: 'queue-view', aria: {label: t('queue.title')}},
        this.filterDetails,
        h('div', {class: 'queue-main'},
          h('div', {class: 'queue-toolbar'},
            this.summary, this.newButton,
            button(t('queue.reload'), () => this.load(true), {class: 'ghost'}),
          ),
          this.authorBox, this.bulkBar, this.list, this.empty, this.more)));
    this.updateBulk();
    this.views.load();
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
    return this.load(true);
  }

  unmount() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.releaseClaim();
  }

  buildFilters() {
    const f = this.filters;
    const sel = (name, label, options) => {
      const s = h('select', {name, id: `filter-${name}`}, options.map(([v, key]) => h('option', {value: v}, t(key))));
      s.value = f[name];
      return field(label, s).wrap;
    };
    const num = (name, label, attrs = {}) => {
      const i = h('input', {name, id: `filter-${name}`, type: 'number', step: '0.1', inputmode: 'decimal', ...attrs});
      i.value = f[name];
      return field(label, i).wrap;
    };
    const text = (name, label, placeholder) => {
      const i = h('input', {name, id: `filter-${name}`, type: 'text', placeholder, autocomplete: 'off', spellcheck: 'false'});
      i.value = f[name];
      return field(label, i).wrap;
    };
    const form = h('form', {id: 'filters-form', class: 'filter-form', role: 'search'},
      text('q', t('filter.q'), t('filter.q_placeholder')),
      sel('review', t('filter.review'), REVIEW_CHOICES),
      text('site', t('filter.site'), t('filter.site_placeholder')),
      text('language', t('filter.language'), t('filter.language_placeholder')),
      sel('label', t('filter.label'), LABEL_CHOICES),
      h('div', {class: 'row2'}, num('min_score', t('filter.min_score')), num('max_score', t('filter.max_score'))),
      text('rule', t('filter.rule'), t('filter.rule_placeholder')),
      h('div', {class: 'row2'}, text('email', t('filter.email'), 'name@example.com'),
        text('ip', t('filter.ip'), '203.0.113.7')),
      h('div', {class: 'row2'},
        sel('min_age', t('filter.older_than'), AGE_CHOICES),
        sel('max_age', t('filter.newer_than'), AGE_CHOICES)),
      sel('sort', t('filter.sort'), SORT_CHOICES),
      h('div', {class: 'actions'},
        h('button', {type: 'submit', class: 'primary'}, t('filter.apply')),
        button(t('filter.reset'), () => {
          Object.assign(this.filters, EMPTY_FILTERS);
          for (const el of form.elements) if (el.name in this.filters) el.value = this.filters[el.name];
          this.load(true);
        }, {class: 'ghost'})),
      (this.views = new SavedViews('queue', {current: () => this.savedFilters(), apply: (f) => this.applyFilters(f)})).el,
      (this.filterBulk = new FilterBulk({onChange: () => this.load(true)})).el,
      this.countsBox = h('div', {class: 'counts', id: 'counts', aria: {label: t('counts.title')}}));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.readFilters();
      this.load(true);
    });
    form.addEventListener('change', (e) => {
      if (e.target.tagName === 'SELECT' && e.target.name) {  // a filter, not the saved views
        this.readFilters();
        this.load(true);
      }
    });
    return form;
  }

  // The filters a saved view keeps: those set, without the sort.
  savedFilters() {
    this.readFilters();
    return Object.fromEntries(Object.entries(this.filters).filter(([k, v]) => k !== 'sort' && v !== ''));
  }

  applyFilters(f) {
    const sort = this.filters.sort;
    Object.assign(this.filters, EMPTY_FILTERS, {sort}, f);
    for (const el of this.filterForm.elements) if (el.name in this.filters) el.value = this.filters[el.name];
    this.load(true);
  }

  readFilters() {
    for (const el of this.filterForm.elements) {
      if (el.name && el.name in this.filters) this.filters[el.name] = el.value.trim();
    }
  }

  focusFilters() {
    this.filterDetails.open = true;
    this.filterForm.querySelector('input, select')?.focus();
  }

  // Loads the first page (reset) or the next one.
  async load(reset) {
    const gen = reset ? ++this.generation : this.generation;
    const params = {...this.filters, limit: PAGE_SIZE};
    if (!reset) params.cursor = this.cursor;
    this.more.disabled = true;
    let data;
    try {
      data = await api.get(`/v1/queue${api.query(params)}`);
    } catch (e) {
      if (gen !== this.generation) return;
      this.summary.textContent = '';
      this.more.disabled = false;
      if (e.status === 404) {
        this.showProblem(t('queue.unavailable'));
      } else if (e.status === 403) {
        this.showProblem(t('queue.forbidden', {detail: e.detail}));
      } else if (e.status !== 401) {
        this.showProblem(t('queue.load_failed', {detail: e.detail}));
      }
      return;
    }
    if (gen !== this.generation) return;
    if (reset) {
      this.filterBulk.setFilters(this.filters);
      this.releaseClaim();
      this.items = [];
      this.list.replaceChildren();
      this.current = -1;
      this.undoStack = [];
      this.setNew(0);
    }
    for (const d of data.items || []) this.addItem(d);
    this.cursor = data.next_cursor || null;
    this.counts = data.counts || null;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    this.empty.hidden = this.items.length > 0;
    this.renderCounts();
    this.updateBulk();
    if (reset && this.items.length) this.setCurrent(0, {focus: false});
  }

  addItem(d, {fresh = false} = {}) {
    const item = {data: d, decided: null, selected: false, claim: d.claim || null};
    item.el = this.renderItem(item);
    if (fresh) item.el.classList.add('fresh');
    this.items.push(item);
    this.list.append(item.el);
    this.maxSeenId = Math.max(this.maxSeenId, Number(d.id) || 0);
    return item;
  }

  // Live queue: asks for the newest comments of the current filters and
  // counts those that arrived since the list was loaded. In arrival order
  // (oldest first) they are appended at once, marked as new; in another
  // order the indicator reloads the list. Counts per site refresh too.
  async poll() {
    if (document.hidden) return;
    const gen = this.generation;
    let data;
    try {
      data = await api.get(`/v1/queue${api.query({...this.filters, sort: 'newest', limit: PAGE_SIZE})}`);
    } catch {
      return;  // the next poll tries again; errors show on reload
    }
    if (gen !== this.generation) return;
    const fresh = (data.items || []).filter((d) => Number(d.id) > this.maxSeenId).reverse();
    this.counts = data.counts || this.counts;
    if (fresh.length) {
      if (this.filters.sort === 'oldest' && !this.cursor) {
        for (const d of fresh) this.addItem(d, {fresh: true});
        this.empty.hidden = true;
        if (this.current < 0) this.setCurrent(0, {focus: false});
      } else {
        this.maxSeenId = Math.max(this.maxSeenId, ...fresh.map((d) => Number(d.id) || 0));
      }
      this.setNew(this.newCount + fresh.length);
    }
    this.renderCounts();
  }

  setNew(n) {
    this.newCount = n;
    this.newButton.hidden = n === 0;
    this.newButton.textContent = t('queue.new', {n});
    this.newButton.dataset.count = String(n);
  }

  // The indicator: go to the first new comment (or reload in other orders).
  showNew() {
    if (this.filters.sort !== 'oldest' || this.cursor) {
      this.load(true);
      return;
    }
    const i = this.items.findIndex((it) => it.el.classList.contains('fresh') && !it.decided);
    for (const it of this.items) it.el.classList.remove('fresh');
    this.setNew(0);
    if (i >= 0) this.setCurrent(i);
  }

  showProblem(message) {
    this.list.replaceChildren(h('li', {class: 'problem', role: 'alert'}, message));
    this.empty.hidden = true;
    this.more.hidden = true;
  }

  renderCounts() {
    const c = this.counts;
    const shown = this.items.length;
    const total = c && Number.isFinite(c.total) ? c.total : shown;
    const decided = this.items.filter((it) => it.decided).length;
    const left = Math.max(0, total - decided);
    let text = t('queue.to_review', {n: left});
    if (shown < total) text = t('queue.to_review_loaded', {n: left, loaded: shown});
    // Counts over a narrowed queue stop at 10,001 matches.
    if (c && c.exact === false) text = t('queue.to_review_more', {n: total, loaded: shown});
    if (decided) text = t('queue.with_decided', {summary: text, n: decided});
    this.summary.textContent = text;
    this.summary.dataset.total = String(total);
    if (!this.countsBox) return;
    const box = this.countsBox;
    box.replaceChildren();
    if (!c) return;
    const group = (titleKey, obj, filterName, display = (k) => k) => {
      const entries = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]);
      if (!entries.length) return null;
      return h('div', {class: 'count-group', data: {group: filterName}}, h('h3', {}, t(titleKey)),
        h('ul', {}, entries.map(([k, n]) => h('li', {},
          button(display(k), () => {
            this.filters[filterName] = this.filters[filterName] === k ? '' : k;
            const el = this.filterForm.elements.namedItem(filterName);
            if (el) el.value = this.filters[filterName];
            this.load(true);
          }, {class: `chip${this.filters[filterName] === k ? ' active' : ''}`, dir: 'auto',
            aria: {pressed: this.filters[filterName] === k ? 'true' : 'false'},
            title: t('counts.filter_by', {value: display(k)})}),
          h('span', {class: 'n', data: {key: k}}, formatNumber(n))))));
    };
    box.append(...[group('counts.review', c.by_review, 'review', (k) => t(`review.${k}`)),
      group('counts.sites', c.by_site, 'site'), group('counts.languages', c.by_language, 'language'),
      group('counts.labels', c.by_label, 'label', (k) => t(`label.${k}`)),
      group('counts.rules', c.by_rule, 'rule')].filter(Boolean));
  }

  renderItem(item) {
    const c = item.data;
    const v = c.verdict || {};
    const reasons = v.reasons || [];
    const author = c.author || {};
    const lang = v.language && v.language.code && v.language.code !== 'und' ? v.language.code : '';

    const checkbox = h('input', {type: 'checkbox', class: 'select', aria: {label: t('card.select', {id: c.id})}});
    checkbox.addEventListener('change', () => this.toggleSelect(this.items.indexOf(item), checkbox.checked));

    const content = h('p', {class: 'content', dir: 'auto'});
    if (lang && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) content.setAttribute('lang', lang);
    appendHighlighted(content, String(c.content ?? ''), spansForField(reasons, 'content'));

    const authorLine = h('div', {class: 'author'}, h('span', {class: 'k'}, t('card.author')),
      this.highlightField(author.name, reasons, 'author.name', 'name') || h('span', {class: 'muted'}, t('card.anonymous')),
      author.email ? this.highlightField(author.email, reasons, 'author.email', 'email') : null,
      author.ip ? h('bdi', {class: 'ip'}, author.ip) : null,
      author.url ? externalLink(author.url) : null,
      (author.email || author.ip) ? button(t('author.open'), () => this.openAuthor(c), {class: 'small ghost author-open'}) : null);

    const rep = c.reputation;
    const repLine = rep ? h('div', {class: 'reputation'}, h('span', {class: 'k'}, t('card.reputation')),
      author.email ? this.repPart('card.rep_email', rep.email, rep.capped_at) : null,
      author.ip ? this.repPart('card.rep_ip', rep.ip, rep.capped_at) : null) : null;

    const thread = c.thread ? h('div', {class: 'thread'}, h('span', {class: 'k'}, t('card.thread')),
      externalLink(c.thread, c.thread)) : null;

    const status = h('span', {class: 'status'}, t(`status.${c.status || 'pending'}`));
    const spotCheck = c.review === 'spot_check'
      ? h('span', {class: 'badge spot-check', title: t('card.spot_check_title')}, t('card.spot_check')) : null;
    const claim = h('span', {class: 'claim'});
    const history = h('div', {class: 'history', hidden: true, aria: {live: 'polite'}});
    const idx = () => this.items.indexOf(item);
    const actions = h('div', {class: 'actions', role: 'group', aria: {label: t('card.decide', {id: c.id})}},
      button(t('action.approve'), () => this.decide(idx(), 'approve'), {class: 'approve', title: t('action.approve_key')}),
      button(t('action.reject'), () => this.decide(idx(), 'reject'), {class: 'reject', title: t('action.reject_key')}),
      button(t('action.spam'), () => this.decide(idx(), 'spam'), {class: 'reject', title: t('action.spam_key')}),
      button(t('action.abuse'), () => this.decide(idx(), 'abuse'), {class: 'reject', title: t('action.abuse_key')}),
      button(t('action.undo'), () => this.undo(c.id), {class: 'ghost undo', title: t('action.undo_key')}),
      button(t('action.history'), () => this.toggleHistory(idx()), {class: 'ghost', title: t('action.history_key')}));

    const el = h('li', {class: spotCheck ? 'card spot-check' : 'card', tabindex: '-1',
      data: {id: c.id, review: c.review || 'pending'}},
      h('div', {class: 'card-head'},
        checkbox,
        h('span', {class: 'cid'}, t('card.id', {id: c.id})),
        h('bdi', {class: 'site'}, c.site || ''),
        lang ? h('span', {class: 'lang', title: t(v.language.reliable ? 'card.lang' : 'card.lang_unreliable')},
          v.language.reliable ? lang : t('card.lang_unsure', {lang})) : null,
        h('span', {class: `score ${scoreClass(v.score)}`, title: t('card.score_title')}, t('card.score', {score: formatScore(v.score)})),
        spotCheck, status, claim,
        h('span', {class: 'spacer'}),
        timeAgo(c.received_at || c.created_at)),
      explain(c),
      content, authorLine, repLine, thread, reasonList(reasons), actions, history);
    el.addEventListener('click', (e) => {
      if (e.target.closest('button, a, input, select, textarea')) return;
      const i = idx();
      if (i !== this.current) this.setCurrent(i, {focus: true});
    });
    item.parts = {checkbox, status, claim, history};
    this.renderClaim(item);
    return el;
  }

  highlightField(value, reasons, fieldName, cls) {
    if (!value) return null;
    const el = h('bdi', {class: cls});
    appendHighlighted(el, String(value), spansForField(reasons, fieldName));
    return el;
  }

  // Queue items count up to `cap`: a count that reached it reads "100+".
  repPart(key, r, cap) {
    if (!r) return null;
    const n = (v) => (cap && (v ?? 0) >= cap ? `${formatNumber(cap)}+` : (v ?? 0));
    return h('span', {class: 'rep'}, t(key, {approved: n(r.approved), rejected: n(r.rejected), pending: n(r.pending)}));
  }

  renderClaim(item) {
    const el = item.parts.claim;
    const claim = item.claim;
    el.className = 'claim';
    if (item.decided) {
      el.textContent = '';
      return;
    }
    if (!claim || (claim.expires_at && Date.parse(claim.expires_at) < Date.now())) {
      el.textContent = t('claim.none');
      el.classList.add('muted');
      return;
    }
    const mine = this.actor && claim.actor === this.actor;
    const until = claim.expires_at ? formatClock(Date.parse(claim.expires_at)) : '';
    el.textContent = mine ? t('claim.mine', {until}) : t('claim.other', {actor: claim.actor, until});
    el.classList.add(mine ? 'mine' : 'other');
  }

  // Makes item `i` current: highlight, scroll into view, claim it.
  setCurrent(i, {focus = true} = {}) {
    if (i < 0 || i >= this.items.length) return;
    const prev = this.items[this.current];
    if (prev) {
      prev.el.classList.remove('current');
      prev.el.removeAttribute('aria-current');
    }
    this.current = i;
    const item = this.items[i];
    item.el.classList.add('current');
    item.el.classList.remove('fresh');
    item.el.setAttribute('aria-current', 'true');
    if (focus) item.el.focus({preventScroll: true});
    item.el.scrollIntoView({block: 'nearest'});
    if (!item.decided) this.claim(item);
  }

  move(delta) {
    if (!this.items.length) return;
    const i = this.current < 0 ? 0 : Math.max(0, Math.min(this.items.length - 1, this.current + delta));
    this.setCurrent(i);
  }

  async claim(item) {
    if (!this.claimSupported) return;
    const id = item.data.id;
    if (this.claimedId !== null && this.claimedId !== id) this.releaseClaim();
    try {
      const r = await api.post(`/v1/queue/${id}/claim`, {minutes: CLAIM_MINUTES});
      this.actor = r.actor || this.actor;
      item.claim = {actor: r.actor, expires_at: r.expires_at};
      if (this.claimedId !== null && this.claimedId !== id) this.releaseClaim();
      this.claimedId = id;
      // Moved on while the claim was in flight: give it back at once.
      if (this.items[this.current] !== item) this.releaseClaim();
    } catch (e) {
      if (e.status === 404 && !/comment/i.test(e.detail)) {
        this.claimSupported = false;  // the endpoint does not exist on this server
        return;
      }
      if (e.status === 409) {
        // "comment 12 is claimed by token:3:alice until 2026-...Z"
        const m = /claimed by (.+) until (\S+)/.exec(e.detail);
        item.claim = m ? {actor: m[1], expires_at: m[2]} : item.claim;
      }
    }
    this.renderClaim(item);
  }

  releaseClaim() {
    const id = this.claimedId;
    if (id === null) return;
    this.claimedId = null;
    const item = this.items.find((it) => it.data.id === id);
    if (item && item.inflight) return;  // the decision releases it
    if (item && !item.decided) {
      item.claim = null;
      this.renderClaim(item);
    }
    api.del(`/v1/queue/${id}/claim`).catch(() => {});
  }

  markDecided(item, decision) {
    item.decided = decision;
    if (this.claimedId === item.data.id) this.claimedId = null;  // deciding releases the claim
    item.claim = null;
    item.el.classList.add('decided');
    item.el.dataset.decision = decision.decision;
    const st = decision.new_status || (decision.decision === 'approve' ? 'approved' : 'rejected');
    item.parts.status.textContent = t(`status.${st}`);
    item.parts.status.className = `status status-${st}`;
    if (item.selected) this.toggleSelect(this.items.indexOf(item), false);
    this.renderClaim(item);
    this.undoStack = this.undoStack.filter((id) => id !== item.data.id);
    this.undoStack.push(item.data.id);
    this.renderCounts();
  }

  markUndone(item, previousStatus) {
    item.decided = null;
    item.el.classList.remove('decided');
    delete item.el.dataset.decision;
    item.parts.status.textContent = t(`status.${previousStatus || 'pending'}`);
    item.parts.status.className = 'status';
    this.renderClaim(item);
    this.renderCounts();
  }

  nextUndecided(from) {
    for (let i = from + 1; i < this.items.length; i++) if (!this.items[i].decided && !this.items[i].inflight) return i;
    return -1;
  }

  async decide(i, decision) {
    const item = this.items[i];
    if (!item || item.inflight) return;
    const id = item.data.id;
    // Move on at once (fast keyboard review); the card shows the outcome
    // when the server answers, and stays pending if it refuses.
    item.inflight = true;
    item.el.classList.add('inflight');
    if (i === this.current) {
      const next = this.nextUndecided(i);
      if (next >= 0) this.setCurrent(next);
    }
    let r;
    try {
      r = await api.post(`/v1/comments/${id}/decision`, {decision});
    } catch (e) {
      toast(t('toast.comment_error', {id, detail: e.detail}), 'error');
      if (e.status === 409) this.claim(item);
      return;
    } finally {
      item.inflight = false;
      item.el.classList.remove('inflight');
    }
    const d = r && r.decision ? r.decision : {decision, new_status: decision === 'approve' ? 'approved' : 'rejected'};
    this.markDecided(item, d);
    toast(t('toast.decided', {what: t(DECISION_KEYS[decision]), id}));
  }

  // Undoes our latest decision (or the one on comment `id`).
  async undo(id) {
    if (id === undefined) id = this.undoStack[this.undoStack.length - 1];
    if (id === undefined) {
      toast(t('toast.nothing_to_undo'), 'error');
      return;
    }
    const i = this.items.findIndex((it) => it.data.id === id);
    let r;
    try {
      r = await api.post(`/v1/comments/${id}/undo`, {});
    } catch (e) {
      toast(t('toast.comment_error', {id, detail: e.detail}), 'error');
      return;
    }
    this.undoStack = this.undoStack.filter((x) => x !== id);
    if (i >= 0) {
      const item = this.items[i];
      const prevStatus = (r && r.comment && r.comment.status) || (r && r.decision && r.decision.new_status) || 'pending';
      this.markUndone(item, prevStatus);
      this.setCurrent(i);
    }
    toast(t('toast.undone', {id}));
  }

  toggleSelect(i, on) {
    const item = this.items[i];
    if (!item) return;
    item.selected = on === undefined ? !item.selected : on;
    item.parts.checkbox.checked = item.selected;
    item.el.classList.toggle('selected', item.selected);
    this.updateBulk();
  }

  selectAll(on) {
    this.items.forEach((it, i) => {
      if (!it.decided || !on) this.toggleSelect(i, on);
    });
  }

  updateBulk() {
    const n = this.items.filter((it) => it.selected).length;
    this.bulkCount.textContent = t('queue.selected', {n});
    for (const b of this.bulkBar.querySelectorAll('button.approve, button.reject')) b.disabled = n === 0;
  }

  // One POST /v1/decisions for `ids`; marks the cards it decided. Returns
  // {ok, failed: [text]}, or null if the request failed as a whole.
  async decideIds(ids, decision) {
    let r;
    try {
      r = await api.post('/v1/decisions', {ids, decision});
    } catch (e) {
      toast(t('toast.bulk_failed', {what: t(DECISION_KEYS[decision]), detail: e.detail}), 'error');
      return null;
    }
    let ok = 0;
    const failed = [];
    for (const res of (r && r.results) || []) {
      const item = this.items.find((it) => it.data.id === res.id);
      if (res.status === 200) {
        ok++;
        if (item) this.markDecided(item, {decision, new_status: res.new_status});
      } else {
        failed.push(t('toast.comment_error', {id: res.id, detail: res.detail || res.status}));
      }
    }
    this.updateBulk();
    toast(failed.length ? t('toast.bulk_partial', {what: t(DECISION_KEYS[decision]), n: ok, failed: failed.length, details: formatList(failed)})
      : t('toast.bulk_done', {what: t(DECISION_KEYS[decision]), n: ok}), failed.length ? 'error' : 'info');
    return {ok, failed};
  }

  async bulk(decision) {
    const chosen = this.items.filter((it) => it.selected);
    if (!chosen.length) {
      toast(t('toast.select_first'), 'error');
      return;
    }
    await this.decideIds(chosen.map((it) => it.data.id), decision);
    const cur = this.items[this.current];
    if (cur && cur.decided) {
      const next = this.nextUndecided(this.current);
      if (next >= 0) this.setCurrent(next);
    }
  }

  // ------------------------------------------------------------ author actions

  // The author's comments waiting in the queue (searched page by page, at
  // most AUTHOR_PAGES pages), their reputation over every stored comment,
  // and the actions: reject all pending, ban the e-mail or the IP.
  async openAuthor(c) {
    const author = c.author || {};
    const box = this.authorBox;
    box.hidden = false;
    const heading = h('h2', {id: 'author-title', tabindex: '-1'}, t('author.title', {name: author.name || t('card.anonymous')}));
    replace(box, heading, h('p', {class: 'muted'}, t('author.loading')));
    heading.focus();
    const same = (d) => {
      const a = d.author || {};
      return (author.email && a.email === author.email) || (!author.email && author.ip && a.ip === author.ip);
    };
    const found = [];
    let cursor = null;
    let truncated = false;
    let rep = {};
    try {
      // Exact counts: a queue item's stop at its capped_at.
      rep = await api.get(`/v1/reputation${api.query({email: author.email, ip: author.ip})}`);
      for (let page = 0; page < AUTHOR_PAGES; page++) {
        const params = {limit: 200, sort: 'oldest'};
        if (cursor) params.cursor = cursor;
        const r = await api.get(`/v1/queue${api.query(params)}`);
        found.push(...(r.items || []).filter(same));
        cursor = r.next_cursor || null;
        if (!cursor) break;
        truncated = page === AUTHOR_PAGES - 1;
      }
    } catch (e) {
      replace(box, heading, h('p', {class: 'error', role: 'alert'}, t('author.failed', {detail: e.detail})));
      return;
    }
    const pending = found.filter((d) => d.review !== 'spot_check');
    const result = h('p', {class: 'author-result', role: 'status'});
    const rejectAll = confirmButton(t('author.reject_all', {n: pending.length}), t('author.reject_all_confirm', {n: pending.length}), async () => {
      const ids = pending.map((d) => d.id);
      for (const d of pending) if (!this.items.some((it) => it.data.id === d.id)) this.addItem(d);
      const out = await this.decideIds(ids, 'reject');
      if (out) result.textContent = t('author.rejected', {n: out.ok});
    }, {class: 'reject', id: 'author-reject-all', disabled: pending.length === 0});
    const bans = this.isAdmin ? [
      author.email ? confirmButton(t('author.ban_email'), t('author.ban_confirm'), () => this.ban('email', author.email, result), {class: 'reject', id: 'ban-email'}) : null,
      author.ip ? confirmButton(t('author.ban_ip'), t('author.ban_confirm'), () => this.ban('ip', author.ip, result), {class: 'reject', id: 'ban-ip'}) : null,
    ] : [];
    replace(box, heading,
      h('dl', {class: 'kv'},
        author.email ? [h('dt', {}, t('author.email')), h('dd', {}, h('bdi', {}, author.email))] : null,
        author.ip ? [h('dt', {}, t('author.ip')), h('dd', {}, h('bdi', {class: 'ip'}, author.ip))] : null,
        author.email && rep.email ? [h('dt', {}, t('author.all_by_email')), h('dd', {}, this.repPart('card.rep_email', rep.email))] : null,
        author.ip && rep.ip ? [h('dt', {}, t('author.all_by_ip')), h('dd', {}, this.repPart('card.rep_ip', rep.ip))] : null),
      h('h3', {}, t('author.in_queue', {n: found.length})),
      truncated ? h('p', {class: 'muted'}, t('author.truncated', {n: AUTHOR_PAGES * 200})) : null,
      found.length ? h('ol', {class: 'author-comments', id: 'author-comments'}, found.map((d) => h('li', {data: {id: d.id}},
        h('span', {class: 'cid'}, t('card.id', {id: d.id})), ' ', h('bdi', {class: 'site'}, d.site || ''), ' ',
        h('span', {class: 'status'}, t(`review.${d.review || 'pending'}`)), ' ',
        h('q', {dir: 'auto', class: 'excerpt'}, String(d.content ?? '').slice(0, 160)))))
        : h('p', {class: 'muted'}, t('author.none')),
      h('p', {class: 'muted'}, t('author.decided_note')),
      h('div', {class: 'actions'}, rejectAll, ...bans,
        button(t('common.close'), () => {
          box.hidden = true;
          box.replaceChildren();
        }, {class: 'ghost'})),
      result);
  }

  async ban(kind, value, out) {
    try {
      const r = await banAuthor(kind, value);
      out.textContent = t('author.banned', {version: r.version ? r.version.id : '?'});
      toast(out.textContent);
    } catch (e) {
      out.textContent = t('author.ban_failed', {detail: e.messageKey ? t(e.messageKey) : (e.detail || e.message)});
      toast(out.textContent, 'error');
    }
  }

  async toggleHistory(i) {
    const item = this.items[i];
    if (!item) return;
    const box = item.parts.history;
    if (!box.hidden) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    replace(box, h('p', {class: 'muted'}, t('history.loading')));
    let r;
    try {
      r = await api.get(`/v1/comments/${item.data.id}/history`);
    } catch (e) {
      replace(box, h('p', {class: 'error'}, t('history.failed', {detail: e.detail})));
      return;
    }
    const decisions = (r && r.decisions) || [];
    const labels = (r && r.labels) || [];
    replace(box,
      h('h3', {}, t('history.decisions')),
      decisions.length ? h('ol', {class: 'hist'}, decisions.map((d) => h('li', {class: d.undone ? 'undone' : ''},
        timeAgo(d.created_at), ' ',
        h('span', {}, t('history.entry', {decision: t(`decision_name.${d.decision}`),
          from: t(`status.${d.previous_status || 'pending'}`), to: t(`status.${d.new_status || 'pending'}`), actor: d.actor ?? ''})),
        d.note ? [' ', h('q', {dir: 'auto'}, d.note)] : null,
        d.spot_check ? h('span', {class: 'tag'}, t('history.spot_check')) : null,
        d.undone ? h('span', {class: 'tag'}, t('history.undone')) : null))) : h('p', {class: 'muted'}, t('history.no_decisions')),
      h('h3', {}, t('history.labels')),
      labels.length ? h('ol', {class: 'hist'}, labels.map((l) => h('li', {},
        timeAgo(l.created_at ?? l.at), ' ',
        h('strong', {}, t(`label.${l.label}`)), ' ',
        h('bdi', {class: 'muted'}, formatList([l.source, l.author].filter(Boolean)))))) : h('p', {class: 'muted'}, t('history.no_labels')));
  }

  openThread() {
    const item = this.items[this.current];
    const a = item && item.el.querySelector('.thread a');
    if (a) a.click();
  }

  // Keyboard shortcuts; returns true if the key was used.
  handleKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    const i = this.current;
    switch (e.key) {
      case 'j': this.move(1); return true;
      case 'k': this.move(-1); return true;
      case 'a': this.decide(i, 'approve'); return true;
      case 'r': this.decide(i, 'reject'); return true;
      case 's': this.decide(i, 'spam'); return true;
      case 'b': this.decide(i, 'abuse'); return true;
      case 'u': this.undo(); return true;
      case 'x': this.toggleSelect(i); return true;
      case 'A': this.bulk('approve'); return true;
      case 'R': this.bulk('reject'); return true;
      case 'h': this.toggleHistory(i); return true;
      case 'o': this.openThread(); return true;
      case 'n': if (this.newCount) this.showNew(); return true;
      case '/': this.focusFilters(); return true;
      default: return false;
    }
  }
}

function formatScore(s) {
  const n = Number(s);
  return Number.isFinite(n) ? formatNumber(Math.round(n * 10) / 10, 1) : t('common.none');
}

function scoreClass(s) {
  const n = Number(s);
  if (!Number.isFinite(n)) return '';
  if (n >= 8) return 'high';
  if (n >= 4) return 'mid';
  return 'low';
}

// The enforced reasons, largest score first, then the shadow ones.
function sortedReasons(reasons) {
  const enforced = reasons.filter((r) => !r.shadow).sort((a, b) => (Number(b.score) || 0) - (Number(a.score) || 0));
  return [...enforced, ...reasons.filter((r) => r.shadow)];
}

function reasonList(reasons) {
  return h('ul', {class: 'reasons', aria: {label: t('card.reasons')}}, reasons.map((r) => h('li', {class: r.shadow ? 'shadow' : ''},
    h('code', {class: 'rule'}, r.rule),
    h('span', {class: 'rscore'}, t('card.points', {points: formatPoints(r.score)})),
    h('span', {class: 'desc', dir: 'auto'}, r.description || ''),
    r.excerpt ? h('q', {class: 'excerpt', dir: 'auto'}, r.excerpt) : null,
    r.field && r.field !== 'content' ? h('span', {class: 'muted'}, t('card.in_field', {field: r.field})) : null,
    r.shadow ? h('span', {class: 'tag'}, t('card.shadow')) : null)));
}

// Why the comment is in the queue, in one line: the outcome against the
// site's thresholds (verdict.decision), the top reasons, and the classifier
// probabilities with the points the decision took from them.
export function explain(c) {
  const v = c.verdict || {};
  const d = v.decision || {};
  const reasons = v.reasons || [];
  const score = formatScore(v.score);
  const hold = Number.isFinite(Number(d.hold_at)) ? formatNumber(Number(d.hold_at)) : null;
  const reject = Number.isFinite(Number(d.reject_at)) ? formatNumber(Number(d.reject_at)) : null;
  const has = (rule) => reasons.some((r) => r.rule === rule && !r.shadow);
  let why;
  if (c.review === 'spot_check' || v.action === 'accept') {
    why = hold ? t('why.accepted', {score, hold}) : t('why.accepted_plain', {score});
    if (c.review === 'spot_check') why = t('why.spot_check', {why});
  } else if (v.action === 'reject') {
    why = reject && Number(v.score) >= Number(d.reject_at) ? t('why.rejected', {score, reject}) : t('why.rejected_rule', {score});
  } else if (hold && Number(v.score) >= Number(d.hold_at)) {
    why = t('why.held', {score, hold});
  } else if (has('policy.language')) {
    why = t('why.held_language', {score, lang: (v.language && v.language.code) || '?'});
  } else if (v.complete === false || has('engine.incomplete')) {
    why = t('why.held_incomplete', {score});
  } else {
    why = hold ? t('why.held_rule', {score, hold}) : t('why.held_plain', {score});
  }
  const top = sortedReasons(reasons).filter((r) => !r.shadow && Number(r.score) > 0 && !r.rule.startsWith('classifier.')).slice(0, 3);
  const parts = [h('strong', {class: 'why-outcome'}, why)];
  if (top.length) {
    parts.push(h('span', {class: 'why-reasons'}, t('why.reasons', {list: formatList(top.map((r) =>
      t('why.reason', {rule: r.rule, points: formatPoints(r.score)})))})));
  }
  const labels = v.labels || {};
  const points = d.classifier_points || {};
  const used = ['spam', 'abuse'].filter((l) => l in labels);
  if (used.length) {
    parts.push(h('span', {class: 'why-classifier'}, t('why.classifier', {list: formatList(used.map((l) =>
      t('why.label', {label: t(`label.${l}`), p: formatPercent(labels[l]), points: formatPoints(points[l] ?? 0)})))})));
  }
  return h('p', {class: 'why'}, parts);
}
