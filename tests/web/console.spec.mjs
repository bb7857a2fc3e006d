// Browser test of the web console: the real daemon, Debian's chromium driven
// by playwright-core, run with node's built-in test runner:
//
//   MODERATED_BINARY=build/daemon/moderated SCREENSHOT_DIR=build/screenshots \
//     node --test tests/web/console.spec.mjs
//
// It signs in, reviews English, Arabic and Russian comments with the keyboard,
// checks the highlighted reasons (byte spans → <mark>) and that HTML in a
// comment stays text, bulk-approves, finds and decides a spot check (an
// accepted comment sampled for review), edits the rules into an error and
// back, and rolls back. Then, in English, Arabic and Russian at 1366 px and
// 390 px (light and dark): every view with axe-core (zero WCAG 2.1 AA
// violations), RTL mirroring, the decision line, the live "N new" queue,
// compact density, author actions (reject all, ban), the audit diff, token
// last use, YAML errors at their line, and the search's filters with saved
// views of the search and the queue. A PNG of each step goes to
// SCREENSHOT_DIR.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import {fileURLToPath} from 'node:url';
import {createRequire} from 'node:module';
import {chromium} from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const binary = process.env.MODERATED_BINARY || path.join(repo, 'build/daemon/moderated');
const shots = process.env.SCREENSHOT_DIR || path.join(os.tmpdir(), 'moderated-console-screenshots');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const SITE = 'news.example';
const STEP_MS = 10_000;  // any single wait
// axe-core, pinned in tests/web/package-lock.json, injected into each page checked.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const LANGS = ['en', 'ar', 'ru'];
const WIDTHS = [[1366, 768], [390, 844]];

let dir;
let daemon;
let daemonLog = '';
let base;
let adminToken;
let siteToken;
let context;
let page;
const dialogs = [];
const pageErrors = [];
const ids = {};

function cli(...args) {
  return execFileSync(binary, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();
}

async function startDaemon() {
  daemon = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir,
    '--socket', path.join(dir, 'd.sock'), '--threads', '2', '--rules', path.join(here, 'rules.yaml')],
  {stdio: ['ignore', 'pipe', 'pipe']});
  const onData = (chunk) => { daemonLog += chunk.toString(); };
  daemon.stdout.on('data', onData);
  daemon.stderr.on('data', onData);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /event=listening transport=tcp addr=127\.0\.0\.1:(\d+)/.exec(daemonLog);
    if (m) return Number(m[1]);
    if (daemon.exitCode !== null) throw new Error(`daemon exited during start-up:\n${daemonLog}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`daemon did not start listening:\n${daemonLog}`);
}

async function call(method, target, {token = adminToken, body} = {}) {
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + target, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await res.text();
  return {status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null};
}

// A raw GET whose path is sent exactly as written (fetch would normalise "..").
function rawGet(target, headers = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = http.request({host: u.hostname, port: u.port, path: target, method: 'GET', headers}, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body}));
    });
    req.on('error', reject);
    req.end();
  });
}

async function shot(name) {
  await page.screenshot({path: path.join(shots, `${name}.png`), fullPage: false});
}

const card = (key) => page.locator(`.card[data-id="${ids[key]}"]`);

async function currentId() {
  return page.locator('.card.current').getAttribute('data-id');
}

async function expectCurrent(key) {
  await page.waitForSelector(`.card.current[data-id="${ids[key]}"]`, {timeout: STEP_MS});
}

async function expectDecided(key, decision) {
  await page.waitForSelector(`.card.decided[data-id="${ids[key]}"][data-decision="${decision}"]`, {timeout: STEP_MS});
}

async function expectStatus(key, status) {
  const r = await call('GET', `/v1/comments/${ids[key]}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.status, status, `comment ${key} (#${ids[key]})`);
}

before(async () => {
  fs.mkdirSync(shots, {recursive: true});
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-web-'));
  // Tokens the way an operator makes them: with the CLI, on the database.
  adminToken = cli('token', 'create', '--data-dir', dir, '--role', 'admin', '--name', 'console-test');
  siteToken = cli('token', 'create', '--data-dir', dir, '--role', 'site', '--site', SITE, '--name', 'news');
  const port = await startDaemon();
  base = `http://127.0.0.1:${port}`;

  const comments = [
    ['en', {author: {name: 'John Smith', email: 'john@example.com', ip: '198.51.100.7'},
      thread: 'https://news.example/2026/11/elections',
      content: 'Win big at our online casino tonight, friends! Best odds in town.'}],
    ['ar', {author: {name: 'أحمد علي', email: 'ahmed@example.net', ip: '203.0.113.9'},
      thread: 'https://news.example/ar/politics/1',
      content: 'العب في كازينو الآن واربح جوائز كبيرة كل يوم'}],
    ['ru', {author: {name: 'Иван Петров', email: 'ivan@example.ru', ip: '192.0.2.44'},
      thread: 'https://news.example/ru/economy/2',
      content: 'Лучшее КАЗИНО в интернете, заходите и выигрывайте!'}],
    ['html', {author: {name: '<b>bold</b> <i onmouseover=alert(4)>x</i>', email: 'x@example.org', ip: '192.0.2.1'},
      thread: 'javascript:alert(3)',
      content: '<script>alert(1)</script><img src=x onerror="alert(2)"> is what I typed'}],
    ['thanks', {author: {name: 'Mary', ip: '198.51.100.20'}, thread: 'https://news.example/2026/11/elections',
      content: 'Thanks for the balanced reporting on the elections.'}],
    ['great', {author: {name: 'Sam', ip: '198.51.100.21'}, thread: 'https://news.example/2026/11/elections',
      content: 'Great article, I learned a lot from it.'}],
  ];
  for (const [key, c] of comments) {
    const r = await call('POST', '/v1/comments', {token: siteToken, body: {site: SITE, id: `c-${key}`, ...c}});
    assert.ok(r.status === 200 || r.status === 201, `submit ${key}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.status, 'pending', `comment ${key} is held`);
    ids[key] = r.json.id;
  }

  context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: {width: 1280, height: 900},
    locale: 'en-US',
    timeout: 30_000,
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => { daemon.once('exit', r); setTimeout(r, 5000); });
  }
  if (dir) fs.rmSync(dir, {recursive: true, force: true});
});

test('static files are served with security headers, ETags and no traversal', async () => {
  const r = await rawGet('/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.match(r.headers.etag, /^"[0-9a-f]{32}"$/);
  const again = await rawGet('/', {'If-None-Match': r.headers.etag});
  assert.equal(again.status, 304);
  assert.equal(again.body, '');

  const js = await rawGet('/console/app.js');
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  const css = await rawGet('/console/console.css');
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');

  for (const target of ['/console/../CMakeLists.txt', '/console/..%2fCMakeLists.txt', '/console/.gitignore',
    '/console//etc/passwd', '/console/', '/console/nope.js']) {
    const x = await rawGet(target);
    assert.equal(x.status, 404, target);
    assert.ok(!('content-security-policy' in x.headers) || x.status === 404);
  }
  const post = await fetch(`${base}/`, {method: 'POST'});
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const unknown = await rawGet('/v1/no-such-thing');
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).detail, 'no such endpoint: /v1/no-such-thing');
});

async function signIn() {
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#token', adminToken);
  await page.press('#token', 'Enter');
}

test('queue: sign in, highlights, escaping, keyboard review, bulk approve', async () => {
  // ---- sign in
  await page.goto(`${base}/`);
  await page.waitForSelector('#signin:not([hidden])');
  await shot('01-signin');
  await page.fill('#token', 'mdr_not_a_real_token');
  await page.press('#token', 'Enter');
  await page.waitForFunction(() => /not valid/.test(document.getElementById('signin-error').textContent));
  await signIn();
  await page.waitForSelector('body[data-ready="queue"]');
  await page.waitForSelector(`.card[data-id="${ids.great}"]`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('moderated.token')), adminToken);
  assert.equal(await page.locator('.card').count(), 6);
  await expectCurrent('en');

  // ---- reasons highlighted at their byte spans (Cyrillic and Arabic are 2 bytes a letter)
  assert.deepEqual(await card('ru').locator('.content mark').allTextContents(), ['КАЗИНО']);
  assert.deepEqual(await card('ar').locator('.content mark').allTextContents(), ['كازينو']);
  assert.deepEqual(await card('en').locator('.content mark').allTextContents(), ['casino']);
  assert.equal(await card('ar').locator('.content').getAttribute('dir'), 'auto');
  assert.equal(await card('ar').locator('.content').evaluate((el) => getComputedStyle(el).direction), 'rtl');
  assert.equal(await card('ru').locator('.content').evaluate((el) => getComputedStyle(el).direction), 'ltr');
  assert.equal(await card('ru').locator('.content').textContent(), 'Лучшее КАЗИНО в интернете, заходите и выигрывайте!');
  const thread = card('en').locator('.thread a');
  assert.equal(await thread.getAttribute('href'), 'https://news.example/2026/11/elections');
  assert.equal(await thread.getAttribute('rel'), 'noopener noreferrer');

  // ---- HTML in a comment is text: no element, no dialog, no javascript: link
  const html = card('html');
  assert.ok((await html.locator('.content').textContent()).includes('<script>alert(1)</script>'));
  assert.ok((await html.locator('.content').textContent()).includes('<img src=x onerror="alert(2)">'));
  assert.equal(await html.locator('.content script, .content img').count(), 0);
  assert.equal(await html.locator('.author b, .author i').count(), 0);
  assert.ok((await html.locator('.author').textContent()).includes('<b>bold</b>'));
  assert.equal(await html.locator('.thread a').count(), 0);
  assert.equal(await page.locator('script:not([src])').count(), 0);
  await card('ar').scrollIntoViewIfNeeded();
  await shot('02-queue');

  // ---- keyboard review: j/k, a, r, u, s
  await page.keyboard.press('j');
  await expectCurrent('ar');
  await page.keyboard.press('k');
  await expectCurrent('en');
  await page.waitForSelector(`.card[data-id="${ids.en}"] .claim.mine`);  // claimed when current
  await page.keyboard.press('a');
  await expectDecided('en', 'approve');
  await expectCurrent('ar');
  await page.keyboard.press('r');
  await expectDecided('ar', 'reject');
  await expectCurrent('ru');
  await shot('03-decided');
  await page.keyboard.press('u');
  await page.waitForSelector(`.card[data-id="${ids.ar}"]:not(.decided)`);
  await expectCurrent('ar');
  await expectStatus('ar', 'pending');
  await page.keyboard.press('s');
  await expectDecided('ar', 'spam');
  await expectCurrent('ru');
  await expectStatus('en', 'approved');
  await expectStatus('ar', 'rejected');
  const history = await call('GET', `/v1/comments/${ids.ar}/history`);
  assert.deepEqual(history.json.decisions.map((d) => d.decision), ['reject', 'undo', 'spam']);

  // ---- help overlay
  await page.keyboard.press('?');
  await page.waitForSelector('#help[open]');
  await shot('04-help');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('help').open);

  // ---- bulk: select two with x, approve with Shift+A
  await page.keyboard.press('j');
  await expectCurrent('html');
  await page.keyboard.press('j');
  await expectCurrent('thanks');
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await expectCurrent('great');
  await page.keyboard.press('x');
  await page.waitForFunction(() => document.querySelector('.bulk-count').textContent === '2 selected');
  await shot('05-bulk-selected');
  await page.keyboard.press('Shift+A');
  await expectDecided('thanks', 'approve');
  await expectDecided('great', 'approve');
  await expectStatus('thanks', 'approved');
  await expectStatus('great', 'approved');
  await expectStatus('ru', 'pending');
  await expectStatus('html', 'pending');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('06-bulk-approved');
  assert.deepEqual(dialogs, [], 'no dialog may open (an alert would mean script ran)');
});

test('queue: a spot check is badged, filtered and decided', async () => {
  // blog.example accepts and spot-checks every comment (tests/web/rules.yaml).
  const r = await call('POST', '/v1/comments', {body: {site: 'blog.example', id: 'c-spot',
    author: {name: 'Lena', ip: '198.51.100.30'}, content: 'Lovely photos of the harbour, thank you.'}});
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.action, 'accept');
  assert.equal(r.json.status, 'approved');
  ids.spot = r.json.id;

  await page.goto(`${base}/`);
  if (await page.locator('#signin:not([hidden])').count()) await signIn();
  await page.waitForSelector('body[data-ready="queue"]');
  await page.waitForSelector(`.card[data-id="${ids.spot}"]`);
  const badge = card('spot').locator('.badge.spot-check');
  assert.equal(await badge.textContent(), 'spot check — already published');
  assert.equal(await card('spot').getAttribute('data-review'), 'spot_check');
  assert.equal(await card('ru').locator('.badge.spot-check').count(), 0);
  assert.equal(await card('ru').getAttribute('data-review'), 'pending');

  // The review filter leaves only the spot check, which becomes current.
  await page.selectOption('#filter-review', 'spot_check');
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
  await expectCurrent('spot');
  await shot('06b-spot-check');
  await page.keyboard.press('s');
  await expectDecided('spot', 'spam');
  await expectStatus('spot', 'rejected');
  const history = await call('GET', `/v1/comments/${ids.spot}/history`);
  assert.equal(history.status, 200);
  assert.deepEqual(history.json.decisions.map((d) => [d.decision, d.spot_check]), [['spam', true]]);
  assert.deepEqual(history.json.labels.map((l) => l.label), ['spam']);
  await page.selectOption('#filter-review', '');
});

test('rules editor: LINE:COL error, fix and save, roll back', async () => {
  await page.goto(`${base}/#/rules`);
  if (await page.locator('#signin:not([hidden])').count()) await signIn();
  await page.waitForSelector('body[data-ready="rules"]');
  const original = await page.inputValue('#rules-text');
  assert.ok(original.includes('id: casino'), original);
  const broken = original.replace('    score: 4', '    scor: 4');
  assert.notEqual(broken, original);
  await page.fill('#rules-text', broken);
  await page.click('#rules-save');
  await page.waitForSelector('#rules-errors li');
  const where = await page.locator('#rules-errors .where').first().textContent();
  assert.match(where, /^\d+:\d+$/);
  const badLine = Number(where.split(':')[0]);
  assert.equal(broken.split('\n')[badLine - 1].trim(), 'scor: 4');
  await page.waitForSelector(`.gutter .ln.err[data-line="${badLine}"]`);
  await shot('07-rules-error');

  await page.fill('#rules-text', original.replace('    score: 4', '    score: 5'));
  await page.fill('#rules-comment', 'casino is worth 5');
  await page.click('#rules-save');
  await page.waitForSelector('#rules-status.ok');
  assert.equal(await page.locator('#rules-errors li').count(), 0);
  const first = (await call('GET', '/v1/admin/rules')).json;
  assert.ok(first.text.includes('score: 5'));
  const firstVersion = first.version.id;

  // Backtest preview of an unsaved edit: casino 5 → 1 drops nothing below hold_at 1.
  await page.fill('#rules-text', original.replace('    score: 4', '    score: 6'));
  await page.click('#rules-backtest');
  await page.waitForFunction(() => /stored comments compared/.test(document.getElementById('backtest').textContent));
  await shot('08-rules-backtest');

  await page.fill('#rules-comment', 'casino is worth 6');
  await page.click('#rules-save');
  await page.waitForFunction((v) => document.querySelector('#versions li.active') &&
    document.querySelector('#versions li.active').dataset.version !== String(v), firstVersion);
  await shot('09-rules-saved');

  const rollback = page.locator(`#versions li[data-version="${firstVersion}"] button`, {hasText: 'Roll back'});
  await rollback.click();
  await page.locator(`#versions li[data-version="${firstVersion}"] button`, {hasText: 'Confirm'}).click();
  await page.waitForSelector(`#versions li.active[data-version="${firstVersion}"]`);
  await page.waitForFunction(() => document.getElementById('rules-text').value.includes('score: 5'));
  const active = (await call('GET', '/v1/admin/rules')).json;
  assert.equal(active.version.id, firstVersion);
  assert.ok(active.text.includes('score: 5'));
  await shot('10-rules-rolled-back');
});

test('admin views render: tokens, sites, audit log, models', async () => {
  for (const [view, selector] of [['tokens', '#token-table'], ['sites', '#sites'], ['audit', '#audit-table tbody tr'],
    ['models', '#models']]) {
    await page.goto(`${base}/#/${view}`);
    await page.waitForSelector(`body[data-ready="${view}"]`);
    await page.waitForSelector(selector);
    await shot(`11-admin-${view}`);
  }
  // The token list shows the CLI-made tokens, never their secrets.
  const tokens = await page.goto(`${base}/#/tokens`).then(() => page.waitForSelector('#token-table'))
    .then(() => page.locator('#token-table').textContent());
  assert.ok(tokens.includes('console-test'));
  assert.ok(!tokens.includes(adminToken));
  // Every decision above is in the audit log.
  await page.goto(`${base}/#/audit`);
  await page.waitForSelector('#audit-table tbody tr');
  assert.ok((await page.locator('#audit-table').textContent()).includes('comment.decide'));
});

// ------------------------------------------------------------ issue 17

async function submit(key, c, site = SITE) {
  const r = await call('POST', '/v1/comments', {token: siteToken, body: {site, id: `c-${key}`, ...c}});
  assert.ok(r.status === 200 || r.status === 201, `submit ${key}: ${r.status} ${JSON.stringify(r.json)}`);
  ids[key] = r.json.id;
  return r.json;
}

// Zero axe-core violations of WCAG 2.0/2.1 A and AA on the page as it is.
async function expectAccessible(what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document,
    {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ` +
    v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n    '));
  assert.deepEqual(found, [], `axe-core on ${what}`);
}

async function openView(view, lang) {
  if (!page.url().startsWith(base)) await page.goto(`${base}/`);
  await page.evaluate((l) => localStorage.setItem('moderated.lang', l), lang);
  await page.goto(`${base}/#/${view}`);
  await page.reload();
  if (await page.locator('#signin:not([hidden])').count()) await signIn();
  await page.waitForSelector(`body[data-ready="${view}"]`);
}

// Nothing sticks out sideways, and "Sign out" is on screen.
async function expectFits(what) {
  const m = await page.evaluate(() => {
    const b = document.getElementById('signout').getBoundingClientRect();
    // The outermost elements that stick out, to say what is too wide.
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return (r.right > window.innerWidth + 1 || r.left < -1) && !el.parentElement.closest('.table-scroll') && !el.closest('.skip-link, .toast') &&
        !(el.parentElement && el.parentElement.getBoundingClientRect().right > window.innerWidth + 1);
    }).slice(0, 5).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
    if (document.documentElement.scrollWidth > window.innerWidth) {
      wide.push(...[...document.querySelectorAll('body *')].filter((el) => !el.parentElement.closest('.table-scroll')).map((el) => [el, el.getBoundingClientRect()])
        .sort((a, b) => b[1].right - a[1].right).slice(0, 8)
        .map(([el, r]) => `${el.tagName.toLowerCase()}.${el.className}:${Math.round(r.left)}-${Math.round(r.right)}`));
    }
    return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, wide,
      signout: [b.left, b.right, b.top, b.bottom], visible: !document.getElementById('signout').hidden};
  });
  assert.ok(m.scroll <= m.width, `${what}: page is ${m.scroll} px wide in a ${m.width} px window (${m.wide})`);
  assert.ok(m.visible && m.signout[0] >= 0 && m.signout[1] <= m.width && m.signout[2] >= 0,
    `${what}: Sign out at ${m.signout} is off screen`);
}

const EXPECTED = {
  en: {dir: 'ltr', signout: 'Sign out', held: /^held: score \d+\.\d ≥ 1 \(site hold threshold\)$/,
    reasons: /^top reasons: casino \+\d\.0$/, classifier: /^classifier: spam \d+% → \+\d+\.\d and abuse \d+% → \+\d+\.\d$/},
  ar: {dir: 'rtl', signout: 'تسجيل الخروج', held: /^محتجز: الدرجة \S+ ≥ \S+ \(حد الاحتجاز للموقع\)$/,
    reasons: /^أهم الأسباب: casino [\u061C\u200E]?\+\S+$/, classifier: /^المصنِّف: مزعج .+ ← [\u061C\u200E]?\+\S+ و?،? ?إساءة .+ ← [\u061C\u200E]?\+\S+$/},
  ru: {dir: 'ltr', signout: 'Выйти', held: /^задержан: балл \d+,\d ≥ 1 \(порог задержки сайта\)$/,
    reasons: /^главные причины: casino \+\d,0$/, classifier: /^классификатор: спам \d+\s?% → \+\d+,\d и оскорбление \d+\s?% → \+\d+,\d$/},
};

test('every view in en, ar and ru at 1366 and 390 px: mirrored, localised, fits, zero axe violations', async () => {
  await submit('ru2', {author: {name: 'Олег', email: 'oleg@example.ru', ip: '192.0.2.45'},
    content: 'Ещё одно КАЗИНО для проверки очереди'});
  for (const lang of LANGS) {
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({width, height});
      for (const view of ['queue', 'rules', 'tokens', 'sites', 'audit', 'models']) {
        await openView(view, lang);
        const tag = `${view} ${lang} ${width}px`;
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal(await page.getAttribute('html', 'dir'), EXPECTED[lang].dir);
        assert.equal(await page.locator('#signout').textContent(), EXPECTED[lang].signout);
        if (view === 'queue') {
          await page.waitForSelector(`.card[data-id="${ids.ru2}"]`);
          // The filters fold away on a phone, and are open on a laptop.
          assert.equal(await page.locator('#filters').evaluate((d) => d.open), width > 900, tag);
          const why = card('ru2').locator('.why');
          // Without the bidi isolates (FSI, PDI) that wrap inserted texts in Arabic.
          const text = async (sel) => (await why.locator(sel).textContent()).replace(/[\u2068\u2069]/g, '');
          assert.match(await text('.why-outcome'), EXPECTED[lang].held, tag);
          assert.match(await text('.why-reasons'), EXPECTED[lang].reasons, tag);
          assert.match(await text('.why-classifier'), EXPECTED[lang].classifier, tag);
          // The page mirrors, the comment keeps its own direction.
          const box = await card('ru2').locator('.card-head .cid').boundingBox();
          const cardBox = await card('ru2').boundingBox();
          const nearStart = EXPECTED[lang].dir === 'rtl'
            ? cardBox.x + cardBox.width - (box.x + box.width) < 60 : box.x - cardBox.x < 60;
          assert.ok(nearStart, `${tag}: the comment id starts the card head`);
          assert.equal(await card('ru2').locator('.content').evaluate((el) => getComputedStyle(el).direction), 'ltr');
        }
        await expectFits(tag);
        await shot(`20-${view}-${lang}-${width}`);
        await expectAccessible(tag);
      }
    }
  }
  // Dark mode follows the system; still AA.
  await page.emulateMedia({colorScheme: 'dark'});
  for (const [width, height] of WIDTHS) {
    await page.setViewportSize({width, height});
    await openView('queue', width > 900 ? 'ar' : 'ru');
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.card')).backgroundColor);
    assert.equal(bg, 'rgb(27, 33, 43)');
    await shot(`21-queue-dark-${width}`);
    await expectAccessible(`queue dark ${width}px`);
  }
  await page.emulateMedia({colorScheme: 'light'});
  await page.setViewportSize({width: 1280, height: 900});
});

test('the language switch is remembered; numbers, plurals and dates are localised', async () => {
  await openView('queue', 'en');
  await page.selectOption('#lang-select', 'ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl' && document.body.dataset.ready === 'queue');
  assert.equal(await page.evaluate(() => localStorage.getItem('moderated.lang')), 'ar');
  await page.reload();
  await page.waitForSelector('body[data-ready="queue"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  // Arabic plural forms: none selected / one / two.
  await page.waitForSelector('.card.current');
  assert.equal(await page.locator('.bulk-count').textContent(), 'لا تحديد');
  await page.keyboard.press('x');
  assert.equal(await page.locator('.bulk-count').textContent(), 'تعليق واحد محدد');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  assert.equal(await page.locator('.bulk-count').textContent(), 'تعليقان محددان');
  await page.keyboard.press('x');
  await page.keyboard.press('k');
  await page.keyboard.press('x');
  // Relative times in Arabic, the exact UTC time in the title.
  const time = page.locator('.card time').first();
  assert.match(await time.textContent(), /[\u0600-\u06FF]/);
  assert.match(await time.getAttribute('title'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // Russian: few / many.
  await openView('queue', 'ru');
  const summary = await page.locator('.summary').textContent();
  assert.match(summary, /^\d+ на проверку$/);
  await openView('queue', 'en');
});

test('live queue: a new held comment appears without reload, with "N new" and counts per site', async () => {
  await page.setViewportSize({width: 1366, height: 768});
  await openView('queue', 'en');
  const before = Number(await page.locator('#counts [data-group="site"] .n[data-key="news.example"]').textContent());
  assert.equal(await page.locator('#new-indicator').isHidden(), true);
  await submit('live', {author: {name: 'Nadia', ip: '198.51.100.40'}, content: 'A new comment while the moderator watches'});
  await page.waitForSelector(`.card.fresh[data-id="${ids.live}"]`, {timeout: 3 * STEP_MS});
  assert.equal(await page.locator('#new-indicator').textContent(), '1 new');
  await page.waitForFunction((n) => document.querySelector('#counts [data-group="site"] .n[data-key="news.example"]').textContent === String(n), before + 1);
  await shot('22-live-new');
  await page.click('#new-indicator');
  await expectCurrent('live');
  assert.equal(await page.locator('#new-indicator').isHidden(), true);
  // In Arabic the indicator says it in Arabic.
  await openView('queue', 'ar');
  await submit('live2', {author: {name: 'سارة', ip: '198.51.100.41'}, content: 'تعليق جديد أثناء المراجعة'});
  await page.waitForSelector(`.card.fresh[data-id="${ids.live2}"]`, {timeout: 3 * STEP_MS});
  assert.equal(await page.locator('#new-indicator').textContent(), 'تعليق جديد');
  await shot('22-live-new-ar');
  await openView('queue', 'en');
});

test('compact density shows at least 8 comments on a 1366×768 screen, and is remembered', async () => {
  for (let i = 0; i < 8; i++) {
    await submit(`many${i}`, {author: {name: `Reader ${i}`, ip: `198.51.100.${60 + i}`},
      content: `Comment number ${i} about the elections, long enough to need a line or two of text on the card in comfortable density.`});
  }
  await page.setViewportSize({width: 1366, height: 768});
  await openView('queue', 'en');
  const fullyVisible = () => page.evaluate(() => [...document.querySelectorAll('.card')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }).length);
  const comfortable = await fullyVisible();
  await page.click('#density');
  assert.equal(await page.getAttribute('#density', 'aria-pressed'), 'true');
  const compact = await fullyVisible();
  console.log(`# cards fully visible at 1366x768: comfortable ${comfortable}, compact ${compact}`);
  assert.ok(compact >= 8, `compact density shows ${compact} cards`);
  await shot('23-compact-en-1366');
  await openView('queue', 'ar');
  assert.equal(await page.evaluate(() => document.body.classList.contains('density-compact')), true);
  assert.ok(await fullyVisible() >= 8);
  await shot('23-compact-ar-1366');
  await page.setViewportSize({width: 390, height: 844});
  await shot('23-compact-ar-390');
  await expectAccessible('compact ar 390px');
  await page.click('#density');
  assert.equal(await page.evaluate(() => localStorage.getItem('moderated.density')), 'comfortable');
  await page.setViewportSize({width: 1280, height: 900});
});

test('author actions: their comments, reject all pending, ban the e-mail (an audited rules version)', async () => {
  const beforeBan = (await call('GET', '/v1/admin/rules')).json.version.id;
  for (let i = 0; i < 3; i++) {
    await submit(`spammer${i}`, {author: {name: 'Spammer', email: 'spammer@example.com', ip: `203.0.113.${50 + i}`},
      content: `Best casino bonus number ${i}`});
  }
  await openView('queue', 'ru');
  await card('spammer1').locator('.author-open').click();
  await page.waitForSelector('#author-comments li');
  assert.deepEqual(await page.locator('#author-comments li').evaluateAll((els) => els.map((e) => Number(e.dataset.id))),
    [ids.spammer0, ids.spammer1, ids.spammer2]);
  assert.equal(await page.locator('#author-reject-all').textContent(), 'Отклонить все 3 ожидающих комментария');
  // The panel's counts are GET /v1/reputation's (exact; a queue card's stop at capped_at).
  assert.equal(await page.locator('#author-panel dl.kv .rep').first().textContent(),
    'e-mail: одобрено 0 · отклонено 0 · ожидает 3');
  await shot('24-author-ru');
  await page.click('#author-reject-all');
  await page.click('#author-reject-all');
  await page.waitForFunction(() => document.querySelector('.author-result').textContent === 'Отклонено 3 комментария.');
  for (let i = 0; i < 3; i++) await expectStatus(`spammer${i}`, 'rejected');
  await page.click('#ban-email');
  await page.click('#ban-email');
  await page.waitForFunction(() => /версии правил/.test(document.querySelector('.author-result').textContent));
  await shot('24-author-banned-ru');
  const rules = (await call('GET', '/v1/admin/rules')).json;
  assert.ok(rules.text.includes('id: ban.email.1'), rules.text);
  assert.ok(rules.text.includes('equals: ["spammer@example.com"]'), rules.text);
  const after = await submit('spammer3', {author: {name: 'Spammer', email: 'spammer@example.com', ip: '203.0.113.60'},
    content: 'Hello again'});
  assert.equal(after.action, 'reject');
  assert.ok(after.reasons.some((r) => r.rule === 'ban.email.1'));
  const audit = (await call('GET', '/v1/admin/audit?action=rules.')).json;
  assert.ok(audit.entries.some((e) => e.action.startsWith('rules.')), JSON.stringify(audit.entries.map((e) => e.action)));
  // Undo: roll back to the version before the ban.
  const r = await call('POST', '/v1/admin/rules/rollback', {body: {version: beforeBan}});
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(!(await call('GET', '/v1/admin/rules')).json.text.includes('ban.email.1'));
  await openView('queue', 'en');
});

test('audit log shows a readable before/after diff', async () => {
  let r = await call('PUT', '/v1/admin/sites/audit.example', {body: {hold_at: 4, reject_at: 9, languages: ['ar']}});
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.json));
  r = await call('PUT', '/v1/admin/sites/audit.example', {body: {hold_at: 6, reject_at: 9, languages: ['ar', 'ru']}});
  assert.equal(r.status, 200, JSON.stringify(r.json));
  for (const lang of LANGS) {
    await openView('audit', lang);
    const row = page.locator('#audit-table tr[data-action="site.update"]').first();
    await row.waitFor();
    const num = (n) => page.evaluate(([l, x]) => new Intl.NumberFormat(l).format(x), [lang, n]);
    const hold = row.locator('.diff li[data-path="hold_at"]');
    assert.equal(await hold.locator('del').textContent(), await num(4));
    assert.equal(await hold.locator('ins').textContent(), await num(6));
    const langs = row.locator('.diff li[data-path="languages"]');
    assert.equal(await langs.locator('del').textContent(), 'ar');
    assert.equal(await langs.locator('ins').textContent(), 'ar, ru');
    assert.equal(await row.locator('.diff li[data-path="reject_at"]').count(), 0, 'unchanged fields are not listed');
    assert.doesNotMatch(await row.locator('.diff-cell').textContent(), /[{}"]/, 'no raw JSON');
    await row.scrollIntoViewIfNeeded();
    await shot(`25-audit-diff-${lang}`);
  }
  await openView('audit', 'en');
});

test('tokens show their last use', async () => {
  await openView('tokens', 'en');
  const row = page.locator('#token-table tr', {hasText: 'console-test'});
  const at = await row.locator('.last-used').getAttribute('data-at');
  assert.ok(Date.parse(at) > Date.now() - 3600_000, `last_used_at ${at}`);
  const api = (await call('GET', '/v1/admin/tokens')).json.tokens;
  assert.ok(api.find((x) => x.name === 'news').last_used_at, 'the site token was used to submit');
  await shot('26-tokens-last-used');
});

test('rules editor: a YAML syntax error on line 6 is reported at 6:11', async () => {
  await openView('rules', 'en');
  const original = await page.inputValue('#rules-text');
  const lines = original.split('\n');
  const n = lines.findIndex((l) => l.startsWith('defaults: {')) + 1;
  assert.ok(n > 1);
  lines[n - 1] = lines[n - 1].replace(/}$/, '');
  await page.fill('#rules-text', lines.join('\n'));
  await page.click('#rules-save');
  await page.waitForSelector('#rules-errors li');
  assert.equal(await page.locator('#rules-errors .where').first().textContent(), `${n}:11`);
  assert.match(await page.locator('#rules-errors .detail').first().textContent(), /never closed/);
  await page.waitForSelector(`.gutter .ln.err[data-line="${n}"]`);
  await shot('27-rules-yaml-error');
  await page.click('#rules-revert');
});

test('bulk action on the filter: dry-run count, confirmation, progress, undo (POST /v1/queue/bulk)', async () => {
  for (let i = 0; i < 3; i++) {
    await submit(`wave${i}`, {author: {name: 'Wave', ip: `203.0.113.${80 + i}`}, content: `Cheap bulkwave pills, offer ${i}`});
  }
  await openView('queue', 'en');
  // No narrowing filter: nothing to offer.
  assert.equal(await page.locator('#filter-bulk').isHidden(), true);
  await page.locator('#filters').evaluate((d) => { d.open = true; });
  await page.fill('#filter-q', 'bulkwave');
  await page.press('#filter-q', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 3);
  await page.waitForSelector('#filter-bulk:not([hidden])');
  await page.click('#filter-bulk-reject');
  await page.waitForFunction(() => document.getElementById('filter-bulk-status').textContent ===
    'Reject all 3 comments these filters match?');
  assert.equal(await page.locator('#filter-bulk-confirm').textContent(), 'Confirm: 3 comments');
  await shot('29-filter-bulk-confirm');
  await page.click('#filter-bulk-confirm');
  await page.waitForFunction(() => document.getElementById('filter-bulk-status').textContent ===
    'Done: 3 comments decided.');
  for (let i = 0; i < 3; i++) await expectStatus(`wave${i}`, 'rejected');
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 0);
  const audit = (await call('GET', '/v1/admin/audit?action=queue.bulk')).json;
  assert.equal(audit.entries.filter((e) => e.action === 'queue.bulk').length, 1);
  await page.click('#filter-bulk-undo');
  await page.waitForFunction(() => document.getElementById('filter-bulk-status').textContent ===
    'Undone: 3 comments are back in the queue.');
  for (let i = 0; i < 3; i++) await expectStatus(`wave${i}`, 'pending');
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 3);
  await expectAccessible('filter bulk');
  // Reset: the filters no longer narrow the queue, the offer goes.
  await page.click('#filters-form button.ghost');
  await page.waitForSelector('#filter-bulk', {state: 'hidden'});
});

test('keyboard: every control of the top bar and the filters is reachable with Tab', async () => {
  await page.setViewportSize({width: 390, height: 844});
  await openView('queue', 'ar');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const seen = new Set();
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement;
      return el.id || (el.tagName === 'SUMMARY' ? 'filters-summary' : el.tagName.toLowerCase());
    });
    seen.add(id);
  }
  for (const id of ['lang-select', 'density', 'help-button', 'signout', 'filters-summary']) assert.ok(seen.has(id), `${id} not reached: ${[...seen]}`);
  // Enter on the folded filters opens them; / focuses them.
  await page.focus('#filters summary');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#filters').evaluate((d) => d.open), true);
  await shot('28-filters-open-ar-390');
  await page.keyboard.press('Escape');
  await page.setViewportSize({width: 1280, height: 900});
  await openView('queue', 'en');
});

test('search: find an auto-accepted comment by Russian text and status, reject it; approve a rejected one', async () => {
  // blog.example accepts everything: this spam was published on its own.
  const r = await call('POST', '/v1/comments', {body: {site: 'blog.example', id: 'c-blogspam',
    author: {name: 'Бот', email: 'bot@example.ru', ip: '192.0.2.77'},
    content: 'Заработок без вложений: пишите в телеграм @easy_money'}});
  assert.equal(r.status, 201, JSON.stringify(r.json));
  ids.blogspam = r.json.id;
  await expectStatus('blogspam', 'approved');
  for (const lang of LANGS) {
    await openView('search', lang);
    assert.equal(await page.locator('#view h1').textContent(), {en: 'Search all comments', ar: 'البحث في كل التعليقات',
      ru: 'Поиск по всем комментариям'}[lang]);
    await expectAccessible(`search ${lang}`);
  }
  await openView('search', 'ru');
  // Too short a text is refused before asking the server.
  await page.fill('#search-q', 'за');
  await page.click('#search-submit');
  assert.equal(await page.locator('#search-error').textContent(), 'Введите не меньше 3 символов текста (или ничего).');
  await page.fill('#search-q', 'ЗАРАБОТОК');
  await page.selectOption('#search-status', 'approved');
  await page.click('#search-submit');
  const found = page.locator(`#search-list .card[data-id="${ids.blogspam}"]`);
  await found.waitFor();
  assert.equal(await page.locator('#search-list .card').count(), 1);
  assert.equal(await found.locator('.content').textContent(), 'Заработок без вложений: пишите в телеграм @easy_money');
  assert.equal(await found.locator('[data-status]').textContent(), 'одобрен');
  await shot('29-search-ru');
  await found.locator('button[data-decision="spam"]').click();
  await page.waitForSelector(`#search-list .card[data-id="${ids.blogspam}"] [data-status="rejected"]`);
  await expectStatus('blogspam', 'rejected');
  // Every rejected comment, newest first: the one just rejected comes first; approve it back.
  await page.fill('#search-q', '');
  await page.selectOption('#search-status', 'rejected');
  await page.click('#search-submit');
  await page.waitForSelector(`#search-list .card[data-id="${ids.blogspam}"]`);
  assert.equal(await page.locator('#search-list .card').first().getAttribute('data-id'), String(ids.blogspam));
  await found.locator('button[data-decision="approve"]').click();
  await page.waitForSelector(`#search-list .card[data-id="${ids.blogspam}"] [data-status="approved"]`);
  await expectStatus('blogspam', 'approved');
  await page.setViewportSize({width: 390, height: 844});
  await expectFits('search ru 390px');
  await page.setViewportSize({width: 1280, height: 900});
});

// What the saved views control says in each language (web/i18n/*.js).
const VIEWS_TEXT = {
  en: {none: 'choose a saved view', save: 'Save view', scoreOrder: 'The min score must not be above the max score.'},
  ar: {none: 'اختر طريقة عرض محفوظة', save: 'احفظ طريقة العرض', scoreOrder: 'يجب ألا تزيد أدنى درجة على أعلى درجة.'},
  ru: {none: 'выберите сохранённый вид', save: 'Сохранить вид',
    scoreOrder: 'Минимальный балл не может быть больше максимального.'},
};

// The names of the saved views offered by a page's Views list.
async function viewOptions(kind) {
  return page.locator(`#${kind}-views-select option`).evaluateAll((os) => os.filter((o) => o.value).map((o) => o.textContent));
}

async function saveView(kind, name) {
  await page.fill(`#${kind}-views-name`, name);
  await page.click(`#${kind}-views-save`);
  await page.waitForFunction(([k, n]) => [...document.querySelectorAll(`#${k}-views-select option`)]
    .some((o) => o.textContent === n), [kind, name]);
}

async function deleteView(kind, name) {
  await page.selectOption(`#${kind}-views-select`, {label: name});
  await page.click(`#${kind}-views-delete`);
  await page.waitForFunction(([k, n]) => ![...document.querySelectorAll(`#${k}-views-select option`)]
    .some((o) => o.textContent === n), [kind, name]);
}

test('search filters (label, rule, score, days) and saved views of the search and the queue, in en, ar and ru at 1366 and 390 px', async () => {
  // Two held comments with a word of their own: one casino ad a moderator
  // then calls spam (a label, a rule, a higher score), one plain.
  await submit('vfcasino', {author: {name: 'Vera', email: 'vera@example.org', ip: '192.0.2.90'},
    content: 'Zebrafish casino night, free bets for everyone'});
  await submit('vfplain', {author: {name: 'Vlad', email: 'vlad@example.org', ip: '192.0.2.91'},
    content: 'Zebrafish are studied at the city university'});
  const spam = await call('POST', `/v1/comments/${ids.vfcasino}/decision`, {body: {decision: 'spam'}});
  assert.equal(spam.status, 200, JSON.stringify(spam.json));
  const pad = (n) => String(n).padStart(2, '0');
  const now = new Date();
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  for (const lang of LANGS) {
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({width, height});
      const tag = `${lang} ${width}px`;
      // ---- search: the new filters, then saved as a view and applied again
      await openView('search', lang);
      assert.equal(await page.locator('#search-views-select option').first().textContent(), VIEWS_TEXT[lang].none, tag);
      assert.equal(await page.locator('#search-views-save').textContent(), VIEWS_TEXT[lang].save, tag);
      assert.equal(await page.locator('#search-views').evaluate((el) => getComputedStyle(el).direction),
        EXPECTED[lang].dir, tag);
      await page.fill('#search-q', 'zebrafish');
      await page.fill('#search-min-score', '5');
      await page.fill('#search-max-score', '1');
      await page.click('#search-submit');
      assert.equal(await page.locator('#search-error').textContent(), VIEWS_TEXT[lang].scoreOrder, tag);
      await page.fill('#search-max-score', '');
      await page.fill('#search-min-score', '1');
      await page.selectOption('#search-label', 'spam');
      await page.fill('#search-rule', 'casino');
      await page.fill('#search-since', today);
      await page.fill('#search-until', today);
      await page.click('#search-submit');
      await page.locator(`#search-list .card[data-id="${ids.vfcasino}"]`).waitFor();
      assert.equal(await page.locator('#search-list .card').count(), 1, tag);
      const name = `Zebrafish ${lang} ${width}`;
      await saveView('search', name);
      // Cleared, then the view brings the filters and the result back.
      await page.selectOption('#search-label', 'ham');
      await page.fill('#search-rule', '');
      await page.click('#search-submit');
      await page.waitForSelector('#search-list .card', {state: 'detached'});
      await page.selectOption('#search-views-select', {label: name});
      await page.locator(`#search-list .card[data-id="${ids.vfcasino}"]`).waitFor();
      assert.equal(await page.locator('#search-list .card').count(), 1, tag);
      assert.equal(await page.inputValue('#search-label'), 'spam', tag);
      assert.equal(await page.inputValue('#search-rule'), 'casino', tag);
      assert.equal(await page.inputValue('#search-since'), today, tag);
      assert.equal(await page.inputValue('#search-until'), today, tag);
      const stored = await call('GET', '/v1/views?kind=search');
      const view = stored.json.items.find((v) => v.name === name);
      assert.deepEqual(Object.keys(view.filter).sort(), ['label', 'min_score', 'q', 'rule', 'since', 'until'], tag);
      await expectFits(`search views ${tag}`);
      await shot(`30-search-views-${lang}-${width}`);
      await expectAccessible(`search views ${tag}`);
      await deleteView('search', name);
      // ---- queue: a saved filter set applied from the list
      await openView('queue', lang);
      if (!(await page.locator('#filters').evaluate((d) => d.open))) await page.click('#filters > summary');
      await page.fill('#filter-q', 'zebrafish');
      await page.press('#filter-q', 'Enter');
      await page.waitForSelector(`.card[data-id="${ids.vfplain}"]`);
      await saveView('queue', `Zebrafish queue ${lang}`);
      await page.fill('#filter-q', 'nothing-matches-this');
      await page.press('#filter-q', 'Enter');
      await page.waitForSelector('#queue-list .card', {state: 'detached'});
      await page.selectOption('#queue-views-select', {label: `Zebrafish queue ${lang}`});
      await page.waitForFunction((id) => {
        const cards = document.querySelectorAll('#queue-list .card');
        return cards.length === 1 && cards[0].dataset.id === String(id);
      }, ids.vfplain);
      assert.equal(await page.inputValue('#filter-q'), 'zebrafish', tag);
      assert.deepEqual(await viewOptions('queue'), [`Zebrafish queue ${lang}`], tag);
      await expectFits(`queue views ${tag}`);
      await shot(`31-queue-views-${lang}-${width}`);
      await expectAccessible(`queue views ${tag}`);
      await deleteView('queue', `Zebrafish queue ${lang}`);
    }
  }
  assert.deepEqual((await call('GET', '/v1/views')).json.items, []);
  await page.setViewportSize({width: 1280, height: 900});
});

test('sign out forgets the token', async () => {
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('moderated.token')), null);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
});
