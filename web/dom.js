// DOM helpers. Every string from the server goes into the page as a text
// node (createTextNode / textContent); nothing here ever parses HTML, so a
// comment that contains <script> or <img onerror> shows as the text it is.
import {formatDateTime, formatRelative} from './i18n.js';

// Attributes that h() may set. Event handlers (on*) and style are not among
// them: behaviour is wired with addEventListener, styles live in console.css.
const ALLOWED_ATTRIBUTES = new Set([
  'id', 'class', 'type', 'name', 'value', 'for', 'title', 'role', 'tabindex', 'dir', 'lang',
  'placeholder', 'min', 'max', 'step', 'rows', 'cols', 'disabled', 'checked', 'selected',
  'hidden', 'colspan', 'scope', 'autocomplete', 'spellcheck', 'wrap', 'required', 'href',
  'rel', 'target', 'datetime', 'open', 'readonly', 'maxlength', 'list', 'inputmode',
]);

// h('div', {class: 'x', data: {id: 3}, on: {click: fn}, aria: {label: 'y'}}, 'text', node, [more])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (key === 'data') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key === 'aria') {
      for (const [k, v] of Object.entries(value)) el.setAttribute(`aria-${k}`, String(v));
    } else if (key === 'href') {
      const safe = safeHref(value);
      if (safe) el.setAttribute('href', safe);
    } else if (ALLOWED_ATTRIBUTES.has(key)) {
      el.setAttribute(key, value === true ? '' : String(value));
    } else {
      throw new Error(`h(): attribute ${key} is not allowed`);
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Replaces the children of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Only absolute http(s) URLs and same-origin paths ("/…", "#…") may become
// links; javascript:, data: and the like are dropped.
export function safeHref(value) {
  if (typeof value !== 'string' || value === '') return null;
  if (value.startsWith('#') || (value.startsWith('/') && !value.startsWith('//'))) return value;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // not an absolute URL
  }
  return null;
}

// An external link that leaks neither the console's URL nor a window handle.
// Falls back to plain text if the URL is not http(s).
export function externalLink(url, text) {
  const href = safeHref(url);
  if (!href || href.startsWith('/') || href.startsWith('#')) return h('span', {}, text ?? url ?? '');
  return h('a', {href, rel: 'noopener noreferrer', target: '_blank'}, text ?? url);
}

// "3 minutes ago" etc. in the console's language, with the exact UTC time
// as a title.
export function timeAgo(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return h('span', {}, value == null ? '' : String(value));
  const iso = new Date(ms).toISOString();
  return h('time', {datetime: iso, title: iso}, formatRelative(ms));
}

// A date and time in the console's language ('' for none).
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return String(value);
  return formatDateTime(ms);
}

// A compact one-line rendering of any JSON value (model fields etc.).
export function jsonText(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

let toastTimer = null;
// A short message in the live region (announced by screen readers).
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
  el.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('visible'), kind === 'error' ? 6000 : 2500);
}

// A labelled form control: returns {wrap, input}.
export function field(labelText, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const wrap = h('div', {class: 'field'}, h('label', {for: id}, labelText), input);
  if (hint) wrap.append(h('small', {class: 'hint'}, hint));
  return {wrap, input};
}

export function button(text, onClick, attrs = {}) {
  return h('button', {type: 'button', ...attrs, on: {click: onClick}}, text);
}

// A table from rows of cells (strings or nodes), in a box that scrolls
// sideways on a narrow screen (focusable, so the keyboard can scroll it).
export function table(headers, rows, attrs = {}) {
  return scrollBox(h('table', {class: 'grid', ...attrs},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}

export function scrollBox(tableEl) {
  const box = h('div', {class: 'table-scroll', tabindex: '0'}, tableEl);
  if (tableEl.id) {
    box.setAttribute('role', 'region');
    box.setAttribute('aria-labelledby', tableEl.id);
  }
  return box;
}

// A button that asks for a second click before acting (no window.confirm:
// native dialogs block the page and cannot be styled). The first click turns
// it into "confirmText"; it reverts after a few seconds.
export function confirmButton(text, confirmText, action, attrs = {}) {
  let armed = false;
  let timer = null;
  const b = h('button', {type: 'button', ...attrs}, text);
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = confirmText;
      b.classList.add('armed');
      timer = setTimeout(() => {
        armed = false;
        b.textContent = text;
        b.classList.remove('armed');
      }, 5000);
      return;
    }
    clearTimeout(timer);
    armed = false;
    b.textContent = text;
    b.classList.remove('armed');
    b.disabled = true;
    try {
      await action();
    } finally {
      b.disabled = false;
    }
  });
  return b;
}
