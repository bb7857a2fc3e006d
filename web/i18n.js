// The console's languages: message catalogues (web/i18n/<lang>.js, one per
// language), the choice of language (a remembered switch, else the
// browser's languages, else English), plural rules, numbers and dates.
//
// Every string the console shows comes from a catalogue through t(); code
// never joins words into a sentence. A message may name parameters
// ("{n} selected"); a message whose value is an object is chosen by
// Intl.PluralRules on its `n` ({one: ..., few: ..., other: ...}). Numbers in
// parameters are formatted for the language; text parameters are inserted
// as they are (they are set as text, never parsed as HTML).
import en from './i18n/en.js';
import ar from './i18n/ar.js';
import ru from './i18n/ru.js';

const CATALOGUES = {en, ar, ru};
export const LANGUAGES = Object.keys(CATALOGUES);
const RTL = new Set(['ar']);
const LANG_KEY = 'moderated.lang';

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;  // storage disabled: the choice is not remembered
  }
}

// The remembered choice, else the first of the browser's languages we have.
function chooseLanguage() {
  const saved = storage()?.getItem(LANG_KEY);
  if (saved && CATALOGUES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (CATALOGUES[base]) return base;
  }
  return 'en';
}

let lang = chooseLanguage();
let plurals = new Intl.PluralRules(lang);
let numbers = new Intl.NumberFormat(lang);
let plainNumbers = new Intl.NumberFormat(lang, {useGrouping: false});
const UNGROUPED = new Set(['id', 'version', 'line', 'column', 'ms']);

export function language() {
  return lang;
}

export function isRtl() {
  return RTL.has(lang);
}

// Switches the language and remembers it (the caller re-renders).
export function setLanguage(next) {
  if (!CATALOGUES[next]) return;
  lang = next;
  plurals = new Intl.PluralRules(lang);
  numbers = new Intl.NumberFormat(lang);
  plainNumbers = new Intl.NumberFormat(lang, {useGrouping: false});
  storage()?.setItem(LANG_KEY, next);
  applyDocument();
}

function lookup(key) {
  return CATALOGUES[lang][key] ?? CATALOGUES.en[key];
}

// The message `key` with its {parameters} filled in.
export function t(key, params = {}) {
  let msg = lookup(key);
  if (msg === undefined) {
    console.error(`i18n: no message ${key}`);
    return key;
  }
  if (typeof msg === 'object') {
    const n = Number(params.n);
    msg = msg[plurals.select(Number.isFinite(n) ? n : 0)] ?? msg.other;
  }
  return msg.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const v = params[name];
    // In a right-to-left interface each inserted text is a bidi isolate
    // (FSI … PDI), so a Latin name or a time cannot reorder the sentence.
    if (typeof v !== 'number') return RTL.has(lang) && v !== '' && v != null ? `\u2068${v}\u2069` : String(v ?? '');
    // Ids, versions and positions are names, not quantities: no grouping.
    return UNGROUPED.has(name) ? plainNumbers.format(v) : numbers.format(v);
  });
}

// A number for this language, with `digits` fraction digits when given.
export function formatNumber(value, digits) {
  const n = Number(value);
  if (!Number.isFinite(n)) return t('common.none');
  if (digits === undefined) return numbers.format(n);
  return new Intl.NumberFormat(lang, {minimumFractionDigits: digits, maximumFractionDigits: digits}).format(n);
}

// Points added to a score, always with their sign: "+4.0", "+0.0".
export function formatPoints(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return t('common.none');
  return new Intl.NumberFormat(lang, {signDisplay: 'always', minimumFractionDigits: 1, maximumFractionDigits: 1})
    .format(Math.round(n * 10) / 10);
}

// 0.923 → "92 %" (as the language writes percentages).
export function formatPercent(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return t('common.none');
  return new Intl.NumberFormat(lang, {style: 'percent', maximumFractionDigits: 0}).format(n);
}

// A date and time for this language (the exact UTC time stays in titles).
export function formatDateTime(ms) {
  return new Intl.DateTimeFormat(lang, {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(ms));
}

export function formatClock(ms) {
  return new Intl.DateTimeFormat(lang, {timeStyle: 'short'}).format(new Date(ms));
}

// "3 minutes ago" etc.
export function formatRelative(ms, now = Date.now()) {
  const s = Math.round((ms - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, {numeric: 'auto'});
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 90 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 36 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

// A list joined as the language joins lists ("a, b and c").
export function formatList(items) {
  return new Intl.ListFormat(lang, {style: 'long', type: 'conjunction'}).format(items.map(String));
}

// <html lang dir> and every element of the static page marked with
// data-i18n (text), data-i18n-label (aria-label) or data-i18n-title.
export function applyDocument(root = document) {
  document.documentElement.lang = lang;
  document.documentElement.dir = isRtl() ? 'rtl' : 'ltr';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}
