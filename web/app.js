// The console's entry point: sign-in, navigation (#/queue, #/rules, ...),
// the help overlay and keyboard dispatch to the current view.
import * as api from './api.js';
import {toast} from './dom.js';
import {t, applyDocument, language, setLanguage} from './i18n.js';
import {QueueView} from './queue.js';
import {SearchView} from './search.js';
import {RulesView} from './rules.js';
import {ModelsView, TokensView, SitesView, AuditView} from './admin.js';

const VIEWS = {queue: QueueView, search: SearchView, rules: RulesView, models: ModelsView, tokens: TokensView, sites: SitesView, audit: AuditView};
const ADMIN_VIEWS = new Set(['rules', 'models', 'tokens', 'sites', 'audit']);

const $ = (id) => document.getElementById(id);

const app = {
  view: null,
  viewName: '',
  isAdmin: false,
};

function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  // Check boxes and buttons keep the shortcuts; text entry does not.
  return target.closest('input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), ' +
    'textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

// What the token may do: 'invalid', or {admin: bool}.
async function probe(token) {
  const opts = {token, quiet401: true};
  try {
    await api.get('/v1/queue?limit=1', opts);
  } catch (e) {
    if (e.status === 401) return 'invalid';
    if (e.status === 404) {
      // No queue endpoint on this server: check the token on another one.
      try {
        await api.get('/v1/comments/0', opts);
      } catch (e2) {
        if (e2.status === 401) return 'invalid';
      }
    }
  }
  for (const path of ['/v1/admin/tokens', '/v1/admin/rules']) {
    try {
      await api.get(path, opts);
      return {admin: true};
    } catch (e) {
      if (e.status === 401) return 'invalid';
      if (e.status === 403) return {admin: false};
      // 404: this endpoint does not exist yet; try the next.
    }
  }
  return {admin: true};  // unknown: show the admin views, they explain what is missing
}

function showSignIn(message) {
  if (app.view && app.view.unmount) app.view.unmount();
  app.view = null;
  app.viewName = '';
  $('view').replaceChildren();
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('help-button').hidden = true;
  $('whoami').textContent = '';
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

async function signedIn() {
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('signout').hidden = false;
  $('help-button').hidden = false;
  for (const el of document.querySelectorAll('[data-admin]')) el.hidden = !app.isAdmin;
  $('whoami').textContent = t(app.isAdmin ? 'whoami.admin' : 'whoami.signed_in');
  await route();
}

async function route() {
  let name = (location.hash.match(/^#\/([a-z]+)/) || [])[1] || 'queue';
  if (!VIEWS[name] || (ADMIN_VIEWS.has(name) && !app.isAdmin)) name = 'queue';
  if (!api.getToken()) return;
  if (app.view && app.viewName === name) return;
  if (app.view && app.view.unmount) app.view.unmount();
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const root = $('view');
  root.replaceChildren();
  app.viewName = name;
  app.view = new VIEWS[name](root, {isAdmin: app.isAdmin});
  document.title = t('app.view_title', {view: t(`nav.${name}`)});
  document.body.dataset.view = name;
  try {
    await app.view.mount();
  } catch (e) {
    toast(t('app.open_failed', {view: t(`nav.${name}`), detail: e.message}), 'error');
  }
  document.body.dataset.ready = name;
}

function openHelp() {
  const d = $('help');
  if (!d.open) d.showModal();
}

function onKey(e) {
  if (e.defaultPrevented) return;
  const help = $('help');
  if (help.open) return;  // the dialog handles Esc itself
  if (e.key === 'Escape' && isTyping(e.target)) {
    e.target.blur();
    return;
  }
  if (isTyping(e.target) || !app.view) return;
  if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    openHelp();
    return;
  }
  // Buttons handle Enter/Space themselves; letters go to the view.
  if (app.view.handleKey && app.view.handleKey(e)) e.preventDefault();
}

const DENSITY_KEY = 'moderated.density';

// Compact or comfortable cards; remembered in this browser.
function applyDensity(compact) {
  document.body.classList.toggle('density-compact', compact);
  $('density').setAttribute('aria-pressed', compact ? 'true' : 'false');
  try {
    localStorage.setItem(DENSITY_KEY, compact ? 'compact' : 'comfortable');
  } catch {
    // storage disabled: not remembered
  }
}

function savedDensity() {
  try {
    return localStorage.getItem(DENSITY_KEY) === 'compact';
  } catch {
    return false;
  }
}

async function init() {
  applyDocument();
  const langSelect = $('lang-select');
  langSelect.value = language();
  langSelect.addEventListener('change', async () => {
    setLanguage(langSelect.value);
    if (app.view) {
      // Render the current view again in the new language.
      const name = app.viewName;
      app.viewName = '';
      if (app.view.unmount) app.view.unmount();
      app.view = null;
      if ($('signin').hidden) $('whoami').textContent = t(app.isAdmin ? 'whoami.admin' : 'whoami.signed_in');
      await route();
      if (!name) return;
    }
  });
  applyDensity(savedDensity());
  $('density').addEventListener('click', () => applyDensity(!document.body.classList.contains('density-compact')));
  api.onUnauthorized(() => {
    api.clearToken();
    showSignIn(t('signin.rejected'));
  });
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      $('signin-error').textContent = t('signin.empty');
      return;
    }
    $('signin-error').textContent = t('signin.checking');
    const who = await probe(token);
    if (who === 'invalid') {
      $('signin-error').textContent = t('signin.invalid');
      return;
    }
    api.setToken(token);
    app.isAdmin = who.admin;
    sessionStorage.setItem('moderated.admin', who.admin ? '1' : '0');
    $('signin-error').textContent = '';
    await signedIn();
  });
  $('signout').addEventListener('click', () => {
    api.clearToken();
    sessionStorage.removeItem('moderated.admin');
    history.replaceState(null, '', '#/queue');
    showSignIn(t('signin.signed_out'));
  });
  $('help-button').addEventListener('click', openHelp);
  $('help-close').addEventListener('click', () => $('help').close());
  window.addEventListener('hashchange', () => route());
  document.addEventListener('keydown', onKey);

  if (api.getToken()) {
    app.isAdmin = sessionStorage.getItem('moderated.admin') === '1';
    await signedIn();
  } else {
    showSignIn('');
  }
}

init();
