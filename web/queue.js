// The review queue: pending comments and spot checks (accepted comments
// sampled for review) with their verdicts, filters, keyboard review (j/k,
// a/r/s/b, u, x, Shift+A), claims, bulk decisions and history.
import * as api from './api.js';
import {h, replace, externalLink, timeAgo, formatTime, toast, field, button} from './dom.js';
import {appendHighlighted, spansForField} from './highlight.js';

const PAGE_SIZE = 50;
const CLAIM_MINUTES = 10;
const LABEL_ORDER = ['spam', 'abuse', 'ham'];
const DECISION_TEXT = {approve: 'Approved', reject: 'Rejected', spam: 'Marked as spam', abuse: 'Marked as abuse'};

const REVIEW_CHOICES = [['', 'all'], ['pending', 'held for review'], ['spot_check', 'spot checks']];
// A spot check was accepted and is already on the site: a decision other
// than approve takes it down (the site hears of it by webhook or polling).
const SPOT_CHECK_BADGE = 'spot check — already published';
const SPOT_CHECK_TITLE = 'Accepted and published; sampled for review. Approve keeps it, reject / spam / abuse removes it.';

const AGE_CHOICES = [
  ['', 'any'], ['300', '5 minutes'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days'],
];

export class QueueView {
  constructor(root) {
    this.root = root;
    this.filters = {review: '', site: '', language: '', label: '', min_score: '', max_score: '', rule: '',
      min_age: '', max_age: '', sort: 'oldest'};
    this.items = [];        // {data, el, decided, selected, claim}
    this.cursor = null;
    this.counts = null;
    this.current = -1;
    this.undoStack = [];    // item ids, most recent last
    this.actor = null;      // ours, learnt from the first claim
    this.claimSupported = true;
    this.claimedId = null;  // the comment we hold a claim on
    this.generation = 0;    // drops answers to superseded list requests
  }

  mount() {
    this.filterForm = this.buildFilters();
    this.summary = h('p', {class: 'summary', aria: {live: 'polite'}});
    this.bulkCount = h('span', {class: 'bulk-count'}, '0 selected');
    this.bulkBar = h('div', {class: 'bulkbar', role: 'toolbar', aria: {label: 'Bulk actions'}},
      this.bulkCount,
      button('Select all', () => this.selectAll(true), {class: 'ghost'}),
      button('Clear selection', () => this.selectAll(false), {class: 'ghost'}),
      button('Approve selected', () => this.bulk('approve'), {class: 'approve', id: 'bulk-approve', aria: {keyshortcuts: 'Shift+A'}}),
      button('Reject selected', () => this.bulk('reject'), {class: 'reject', id: 'bulk-reject', aria: {keyshortcuts: 'Shift+R'}}),
      button('Spam', () => this.bulk('spam'), {class: 'reject'}));
    this.list = h('ol', {class: 'queue-list', id: 'queue-list', aria: {label: 'Comments to review'}});
    this.more = button('Load more', () => this.load(false), {class: 'ghost load-more', hidden: true});
    this.empty = h('p', {class: 'empty', hidden: true}, 'Nothing to review. ', h('span', {class: 'muted'}, 'New held comments appear when you reload.'));
    replace(this.root,
      h('section', {class: 'queue-view', aria: {label: 'Review queue'}},
        h('aside', {class: 'filters', aria: {label: 'Filters'}}, h('h2', {}, 'Filters'), this.filterForm),
        h('div', {class: 'queue-main'},
          h('div', {class: 'queue-toolbar'},
            this.summary,
            button('Reload', () => this.load(true), {class: 'ghost'}),
          ),
          this.bulkBar, this.list, this.empty, this.more)));
    this.updateBulk();
    return this.load(true);
  }

  unmount() {
    this.releaseClaim();
  }

  buildFilters() {
    const f = this.filters;
    const sel = (name, label, options) => {
      const s = h('select', {name, id: `filter-${name}`}, options.map(([v, t]) => h('option', {value: v}, t)));
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
      sel('review', 'Review', REVIEW_CHOICES),
      text('site', 'Site', 'all sites'),
      text('language', 'Language', 'ar, ru, en…'),
      sel('label', 'Classifier label', [['', 'any'], ['spam', 'spam'], ['abuse', 'abuse'], ['ham', 'ham']]),
      h('div', {class: 'row2'}, num('min_score', 'Min score'), num('max_score', 'Max score')),
      text('rule', 'Rule', 'rule id'),
      h('div', {class: 'row2'},
        sel('min_age', 'Older than', AGE_CHOICES),
        sel('max_age', 'Newer than', AGE_CHOICES)),
      sel('sort', 'Sort', [['oldest', 'oldest first'], ['newest', 'newest first'],
        ['score_desc', 'highest score'], ['score_asc', 'lowest score']]),
      h('div', {class: 'actions'},
        h('button', {type: 'submit', class: 'primary'}, 'Apply'),
        button('Reset', () => {
          Object.assign(this.filters, {review: '', site: '', language: '', label: '', min_score: '', max_score: '',
            rule: '', min_age: '', max_age: '', sort: 'oldest'});
          for (const el of form.elements) if (el.name in this.filters) el.value = this.filters[el.name];
          this.load(true);
        }, {class: 'ghost'})),
      this.countsBox = h('div', {class: 'counts', aria: {label: 'Counts'}}));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.readFilters();
      this.load(true);
    });
    form.addEventListener('change', (e) => {
      if (e.target.tagName === 'SELECT') {
        this.readFilters();
        this.load(true);
      }
    });
    return form;
  }

  readFilters() {
    for (const el of this.filterForm.elements) {
      if (el.name && el.name in this.filters) this.filters[el.name] = el.value.trim();
    }
  }

  focusFilters() {
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
        this.showProblem('The review queue is not available on this server (GET /v1/queue answered 404).');
      } else if (e.status === 403) {
        this.showProblem(`This token cannot review comments: ${e.detail}`);
      } else if (e.status !== 401) {
        this.showProblem(`Could not load the queue: ${e.detail}`);
      }
      return;
    }
    if (gen !== this.generation) return;
    if (reset) {
      this.releaseClaim();
      this.items = [];
      this.list.replaceChildren();
      this.current = -1;
      this.undoStack = [];
    }
    for (const data_ of data.items || []) {
      const item = {data: data_, decided: null, selected: false, claim: data_.claim || null};
      item.el = this.renderItem(item);
      this.items.push(item);
      this.list.append(item.el);
    }
    this.cursor = data.next_cursor || null;
    this.counts = data.counts || null;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    this.empty.hidden = this.items.length > 0;
    this.renderCounts();
    this.updateBulk();
    if (reset && this.items.length) this.setCurrent(0, {focus: false});
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
    this.summary.textContent = `${total - decided} to review` +
      (shown < total ? ` (${shown} loaded)` : '') + (decided ? ` · ${decided} decided since the last reload` : '');
    this.summary.dataset.total = String(total);
    if (!this.countsBox) return;
    const box = this.countsBox;
    box.replaceChildren();
    if (!c) return;
    const group = (title, obj, filterName) => {
      const entries = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]);
      if (!entries.length) return null;
      return h('div', {class: 'count-group'}, h('h3', {}, title),
        h('ul', {}, entries.map(([k, n]) => h('li', {},
          button(`${k}`, () => {
            this.filters[filterName] = this.filters[filterName] === k ? '' : k;
            const el = this.filterForm.elements.namedItem(filterName);
            if (el) el.value = this.filters[filterName];
            this.load(true);
          }, {class: `chip${this.filters[filterName] === k ? ' active' : ''}`, dir: 'auto',
            title: `Filter by ${title.toLowerCase()} ${k}`}),
          h('span', {class: 'n'}, String(n))))));
    };
    box.append(...[group('Review', c.by_review, 'review'),
      group('Sites', c.by_site, 'site'), group('Languages', c.by_language, 'language'),
      group('Labels', c.by_label, 'label'), group('Rules', c.by_rule, 'rule')].filter(Boolean));
  }

  renderItem(item) {
    const c = item.data;
    const v = c.verdict || {};
    const reasons = v.reasons || [];
    const author = c.author || {};
    const lang = v.language && v.language.code && v.language.code !== 'und' ? v.language.code : '';

    const checkbox = h('input', {type: 'checkbox', class: 'select', aria: {label: `Select comment ${c.id}`}});
    checkbox.addEventListener('change', () => this.toggleSelect(this.items.indexOf(item), checkbox.checked));

    const content = h('p', {class: 'content', dir: 'auto'});
    if (lang && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) content.setAttribute('lang', lang);
    appendHighlighted(content, String(c.content ?? ''), spansForField(reasons, 'content'));

    const authorLine = h('div', {class: 'author'}, h('span', {class: 'k'}, 'Author'),
      this.highlightField(author.name, reasons, 'author.name', 'name') || h('span', {class: 'muted'}, 'anonymous'),
      author.email ? this.highlightField(author.email, reasons, 'author.email', 'email') : null,
      author.ip ? h('bdi', {class: 'ip'}, author.ip) : null,
      author.url ? externalLink(author.url) : null);

    const rep = c.reputation;
    const repLine = rep ? h('div', {class: 'reputation'}, h('span', {class: 'k'}, 'Reputation'),
      author.email ? this.repPart('e-mail', rep.email) : null,
      author.ip ? this.repPart('IP', rep.ip) : null) : null;

    const thread = c.thread ? h('div', {class: 'thread'}, h('span', {class: 'k'}, 'Thread'),
      externalLink(c.thread, c.thread)) : null;

    const labels = h('div', {class: 'labels', aria: {label: 'Classifier labels'}});
    const lv = v.labels || {};
    const names = [...LABEL_ORDER.filter((n) => n in lv), ...Object.keys(lv).filter((n) => !LABEL_ORDER.includes(n))];
    for (const name of names) {
      const p = Math.max(0, Math.min(1, Number(lv[name]) || 0));
      const fill = h('span', {class: 'fill'});
      fill.style.width = `${(p * 100).toFixed(1)}%`;  // CSSOM, allowed by the CSP
      labels.append(h('div', {class: `label label-${LABEL_ORDER.includes(name) ? name : 'other'}`, role: 'meter',
        aria: {label: name, valuenow: p.toFixed(2), valuemin: '0', valuemax: '1'}},
      h('span', {class: 'name'}, name), h('span', {class: 'bar'}, fill),
      h('span', {class: 'pct'}, `${Math.round(p * 100)}%`)));
    }

    const reasonList = h('ul', {class: 'reasons', aria: {label: 'Reasons'}}, reasons.map((r) => h('li', {class: r.shadow ? 'shadow' : ''},
      h('code', {class: 'rule'}, r.rule),
      h('span', {class: 'rscore'}, formatScore(r.score)),
      h('span', {class: 'desc'}, r.description || ''),
      r.excerpt ? h('q', {class: 'excerpt', dir: 'auto'}, r.excerpt) : null,
      r.field && r.field !== 'content' ? h('span', {class: 'muted'}, ` in ${r.field}`) : null,
      r.shadow ? h('span', {class: 'tag'}, 'shadow') : null)));

    const status = h('span', {class: 'status'}, c.status || 'pending');
    const spotCheck = c.review === 'spot_check'
      ? h('span', {class: 'badge spot-check', title: SPOT_CHECK_TITLE}, SPOT_CHECK_BADGE) : null;
    const claim = h('span', {class: 'claim'});
    const history = h('div', {class: 'history', hidden: true, aria: {live: 'polite'}});
    const idx = () => this.items.indexOf(item);
    const actions = h('div', {class: 'actions', role: 'group', aria: {label: `Decide comment ${c.id}`}},
      button('Approve', () => this.decide(idx(), 'approve'), {class: 'approve', title: 'Approve (a)'}),
      button('Reject', () => this.decide(idx(), 'reject'), {class: 'reject', title: 'Reject (r)'}),
      button('Spam', () => this.decide(idx(), 'spam'), {class: 'reject', title: 'Spam (s)'}),
      button('Abuse', () => this.decide(idx(), 'abuse'), {class: 'reject', title: 'Abuse (b)'}),
      button('Undo', () => this.undo(c.id), {class: 'ghost undo', title: 'Undo (u)'}),
      button('History', () => this.toggleHistory(idx()), {class: 'ghost', title: 'History (h)'}));

    const el = h('li', {class: spotCheck ? 'card spot-check' : 'card', tabindex: '-1',
      data: {id: c.id, review: c.review || 'pending'}},
      h('div', {class: 'card-head'},
        checkbox,
        h('span', {class: 'cid'}, `#${c.id}`),
        h('bdi', {class: 'site'}, c.site || ''),
        lang ? h('span', {class: 'lang', title: v.language.reliable ? 'detected language' : 'detected language (unreliable)'}, lang + (v.language.reliable ? '' : '?')) : null,
        h('span', {class: `score ${scoreClass(v.score)}`, title: 'total score'}, `score ${formatScore(v.score)}`),
        spotCheck, status, claim,
        h('span', {class: 'spacer'}),
        timeAgo(c.received_at || c.created_at)),
      content, authorLine, repLine, thread, labels, reasonList, actions, history);
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

  repPart(title, r) {
    if (!r) return null;
    return h('span', {class: 'rep'}, `${title}: `,
      h('span', {class: 'ok'}, `${r.approved ?? 0} approved`), ' · ',
      h('span', {class: 'bad'}, `${r.rejected ?? 0} rejected`), ' · ',
      `${r.pending ?? 0} pending`);
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
      el.textContent = 'unclaimed';
      el.classList.add('muted');
      return;
    }
    const mine = this.actor && claim.actor === this.actor;
    const until = claim.expires_at ? ` until ${formatTime(claim.expires_at).slice(11, 16)}` : '';
    el.textContent = mine ? `claimed by you${until}` : `claimed by ${claim.actor}${until}`;
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
    item.parts.status.textContent = decision.new_status || decision.decision;
    item.parts.status.className = `status status-${decision.new_status || ''}`;
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
    item.parts.status.textContent = previousStatus || 'pending';
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
      toast(`#${id}: ${e.detail}`, 'error');
      if (e.status === 409) this.claim(item);
      return;
    } finally {
      item.inflight = false;
      item.el.classList.remove('inflight');
    }
    const d = r && r.decision ? r.decision : {decision, new_status: decision === 'approve' ? 'approved' : 'rejected'};
    this.markDecided(item, d);
    toast(`${DECISION_TEXT[decision]} #${id} — press u to undo`);
  }

  // Undoes our latest decision (or the one on comment `id`).
  async undo(id) {
    if (id === undefined) id = this.undoStack[this.undoStack.length - 1];
    if (id === undefined) {
      toast('Nothing to undo', 'error');
      return;
    }
    const i = this.items.findIndex((it) => it.data.id === id);
    let r;
    try {
      r = await api.post(`/v1/comments/${id}/undo`, {});
    } catch (e) {
      toast(`#${id}: ${e.detail}`, 'error');
      return;
    }
    this.undoStack = this.undoStack.filter((x) => x !== id);
    if (i >= 0) {
      const item = this.items[i];
      const prevStatus = (r && r.comment && r.comment.status) || (r && r.decision && r.decision.new_status) || 'pending';
      this.markUndone(item, prevStatus);
      this.setCurrent(i);
    }
    toast(`Undid the decision on #${id}`);
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
    this.bulkCount.textContent = `${n} selected`;
    for (const b of this.bulkBar.querySelectorAll('button.approve, button.reject')) b.disabled = n === 0;
  }

  async bulk(decision) {
    const chosen = this.items.filter((it) => it.selected);
    if (!chosen.length) {
      toast('Select comments first (x)', 'error');
      return;
    }
    const ids = chosen.map((it) => it.data.id);
    let r;
    try {
      r = await api.post('/v1/decisions', {ids, decision});
    } catch (e) {
      toast(`Bulk ${decision}: ${e.detail}`, 'error');
      return;
    }
    let ok = 0;
    const failed = [];
    for (const res of (r && r.results) || []) {
      const item = this.items.find((it) => it.data.id === res.id);
      if (res.status === 200) {
        ok++;
        if (item) this.markDecided(item, {decision, new_status: res.new_status});
      } else {
        failed.push(`#${res.id}: ${res.detail || res.status}`);
      }
    }
    this.updateBulk();
    toast(`${DECISION_TEXT[decision]}: ${ok} comment${ok === 1 ? '' : 's'}` +
      (failed.length ? `; ${failed.length} failed (${failed.join('; ')})` : ''), failed.length ? 'error' : 'info');
    const cur = this.items[this.current];
    if (cur && cur.decided) {
      const next = this.nextUndecided(this.current);
      if (next >= 0) this.setCurrent(next);
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
    replace(box, h('p', {class: 'muted'}, 'Loading history…'));
    let r;
    try {
      r = await api.get(`/v1/comments/${item.data.id}/history`);
    } catch (e) {
      replace(box, h('p', {class: 'error'}, `History unavailable: ${e.detail}`));
      return;
    }
    const decisions = (r && r.decisions) || [];
    const labels = (r && r.labels) || [];
    replace(box,
      h('h3', {}, 'Decisions'),
      decisions.length ? h('ol', {class: 'hist'}, decisions.map((d) => h('li', {class: d.undone ? 'undone' : ''},
        h('time', {}, formatTime(d.created_at)), ' ',
        h('strong', {}, d.decision), ` ${d.previous_status ?? ''} → ${d.new_status ?? ''} by `,
        h('bdi', {}, d.actor ?? ''),
        d.note ? [' — ', h('q', {dir: 'auto'}, d.note)] : null,
        d.spot_check ? h('span', {class: 'tag'}, 'spot check') : null,
        d.undone ? h('span', {class: 'tag'}, 'undone') : null))) : h('p', {class: 'muted'}, 'No decisions yet.'),
      h('h3', {}, 'Labels'),
      labels.length ? h('ol', {class: 'hist'}, labels.map((l) => h('li', {},
        h('time', {}, formatTime(l.created_at ?? l.at)), ' ',
        h('strong', {}, l.label ?? ''), ' ',
        h('span', {class: 'muted'}, [l.source, l.author].filter(Boolean).join(' · '))))) : h('p', {class: 'muted'}, 'No labels yet.'));
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
      case '/': this.focusFilters(); return true;
      default: return false;
    }
  }
}

function formatScore(s) {
  const n = Number(s);
  return Number.isFinite(n) ? (Math.round(n * 10) / 10).toFixed(1) : '–';
}

function scoreClass(s) {
  const n = Number(s);
  if (!Number.isFinite(n)) return '';
  if (n >= 8) return 'high';
  if (n >= 4) return 'mid';
  return 'low';
}
