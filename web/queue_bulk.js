// Bulk actions on the queue's filter (POST /v1/queue/bulk): when the filters
// narrow the queue (anything beyond site and review), "Reject all matching…"
// (and spam, abuse) first asks the daemon how many comments the filter
// matches (dry run), names that count in a confirmation, then starts the
// action, shows its progress until it is done and offers Undo for it.
import * as api from './api.js';
import {h, button, toast} from './dom.js';
import {t} from './i18n.js';

// How often a running action's progress is read.
const PROGRESS_POLL_MS = 300;
// The filter fields that narrow the queue (the daemon refuses a bulk action
// without one of them).
const NARROWING = ['q', 'language', 'label', 'min_score', 'max_score', 'rule', 'email', 'ip', 'min_age', 'max_age'];
const DECISIONS = [['reject', 'bulk.reject_all'], ['spam', 'bulk.spam_all'], ['abuse', 'bulk.abuse_all']];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class FilterBulk {
  // `onChange` is called after an action or its undo has finished (the
  // queue reloads).
  constructor({onChange}) {
    this.onChange = onChange;
    this.filter = null;
    this.last = null;  // the last action started here: {id, decision}
    this.status = h('p', {class: 'bulk-status', id: 'filter-bulk-status', role: 'status', aria: {live: 'polite'}});
    this.starts = DECISIONS.map(([decision, key]) =>
      button(t(key), () => this.ask(decision), {class: 'reject small', id: `filter-bulk-${decision}`}));
    this.confirm = button('', () => this.start(), {class: 'reject', id: 'filter-bulk-confirm', hidden: true});
    this.cancel = button(t('bulk.cancel'), () => this.reset(), {class: 'ghost', id: 'filter-bulk-cancel', hidden: true});
    this.undoButton = button(t('bulk.undo'), () => this.undo(), {class: 'ghost', id: 'filter-bulk-undo', hidden: true});
    this.el = h('div', {class: 'filter-bulk', id: 'filter-bulk', hidden: true, role: 'group', aria: {label: t('bulk.title')}},
      h('div', {class: 'actions'}, ...this.starts), this.status,
      h('div', {class: 'actions'}, this.confirm, this.cancel, this.undoButton));
  }

  // The queue's filters changed: offered only when they narrow the queue.
  setFilters(filters) {
    const filter = {};
    for (const [k, v] of Object.entries(filters)) {
      if (k !== 'sort' && v !== '') filter[k] = v;
    }
    const next = NARROWING.some((k) => k in filter) ? filter : null;
    const changed = JSON.stringify(next) !== JSON.stringify(this.filter);
    this.filter = next;
    this.el.hidden = !this.filter && !this.last;
    for (const b of this.starts) b.hidden = !this.filter;
    if (changed) this.reset();
  }

  reset() {
    this.pending = null;
    this.confirm.hidden = true;
    this.cancel.hidden = true;
    if (!this.busy) this.status.textContent = '';
  }

  async ask(decision) {
    if (!this.filter || this.busy) return;
    let r;
    try {
      r = await api.post('/v1/queue/bulk', {filter: this.filter, decision, dry_run: true});
    } catch (e) {
      this.status.textContent = t('bulk.failed', {detail: e.detail});
      return;
    }
    if (r.matched === 0) {
      this.status.textContent = t('bulk.none');
      return;
    }
    this.pending = {decision, filter: this.filter, matched: r.matched};
    this.status.textContent = t(`bulk.confirm_${decision}`, {n: r.matched});
    this.confirm.textContent = t('bulk.confirm_button', {n: r.matched});
    this.confirm.hidden = false;
    this.cancel.hidden = false;
    this.confirm.focus();
  }

  async start() {
    const p = this.pending;
    if (!p || this.busy) return;
    this.reset();
    this.busy = true;
    try {
      const action = await api.post('/v1/queue/bulk', {filter: p.filter, decision: p.decision});
      this.last = {id: action.id, decision: p.decision};
      this.undoButton.hidden = true;
      const done = await this.follow(action, 'running',
        (a) => t('bulk.progress', {n: a.decided, total: a.matched}));
      this.status.textContent = done.state === 'done'
        ? t('bulk.done', {n: done.decided})
        : t('bulk.failed', {detail: done.error || done.state});
      this.undoButton.hidden = false;
    } catch (e) {
      this.status.textContent = t('bulk.failed', {detail: e.detail});
    } finally {
      this.busy = false;
      this.el.hidden = !this.filter && !this.last;
    }
    this.onChange();
  }

  async undo() {
    if (!this.last || this.busy) return;
    this.busy = true;
    this.undoButton.hidden = true;
    try {
      const action = await api.post(`/v1/queue/bulk/${this.last.id}/undo`);
      const done = await this.follow(action, 'undoing', (a) => t('bulk.undoing', {n: a.undone}));
      this.status.textContent = done.state === 'undone'
        ? t('bulk.undone', {n: done.undone})
        : t('bulk.failed', {detail: done.error || done.state});
      this.last = null;
    } catch (e) {
      this.undoButton.hidden = false;
      toast(t('bulk.failed', {detail: e.detail}), 'error');
    } finally {
      this.busy = false;
      this.el.hidden = !this.filter && !this.last;
    }
    this.onChange();
  }

  // Reads the action until it leaves `state`, showing `progress(action)`.
  async follow(action, state, progress) {
    let a = action;
    while (a.state === state) {
      this.status.textContent = progress(a);
      await sleep(PROGRESS_POLL_MS);
      a = await api.get(`/v1/queue/bulk/${a.id}`);
    }
    return a;
  }
}
