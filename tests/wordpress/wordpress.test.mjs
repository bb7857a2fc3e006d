// The WordPress plugin end to end: Debian's WordPress 6.1 (PHP 8.2, MariaDB
// 10.11) installed in Russian in a temporary directory (harness.mjs), the real
// moderated daemon, the plugin zip installed through wp-admin, and Debian's
// chromium (playwright-core) for wp-admin.
//
//   MODERATED_BINARY=build/daemon/moderated \
//   MODERATED_WP_ZIP=build/integrations/wordpress/moderated.zip \
//   SCREENSHOT_DIR=build/screenshots node --test tests/wordpress/wordpress.test.mjs
//
// Comments go through WordPress's real handler (wp-comments-post.php), each
// visitor from its own loopback address (WordPress refuses a second comment
// from one IP or e-mail within 15 s). Outcomes are read where they live: the
// comment's status in WordPress's database, the comment and its labels in
// moderated's API, the webhook's effect. The tests run in order and share
// the site.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {freePort, moderatedCli, startDaemon, startMariaDB, startWordPress, waitFor} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
// playwright-core as pinned and installed for the console's browser test (tests/web).
const {chromium} = createRequire(path.join(repo, 'tests/web/package.json'))('playwright-core');
const binary = process.env.MODERATED_BINARY || path.join(repo, 'build/daemon/moderated');
const shots = process.env.SCREENSHOT_DIR || path.join(os.tmpdir(), 'moderated-wordpress-screenshots');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const SITE = 'news.example';
const ADMIN = {user: 'admin', password: 'Adm1n-pass-word-for-tests', email: 'admin@news.example'};
const STEP_MS = 15_000;

let dir;
let db;
let wp;
let daemon;
let daemonPort;
let zip;
let browser;
let page;        // wp-admin, signed in
let adminToken;
let siteToken;
let moderatorToken;
let webhookUrl;
let webhookSecret;
let arabicPost;  // {id, link}
const pageErrors = [];
const c = {};    // WordPress comment ids by name
let nextVisitor = 10;

// ------------------------------------------------------------------ helpers

const sql = (q) => db.sql(q);
const wpStatus = (id) => sql(`SELECT comment_approved FROM wp_comments WHERE comment_ID = ${Number(id)}`)[0]?.[0];
const meta = (id, key) => sql(`SELECT meta_value FROM wp_commentmeta WHERE comment_id = ${Number(id)} AND meta_key = '${key}'`)[0]?.[0];

async function api(method, target, {token = adminToken, body} = {}) {
  const headers = {Authorization: `Bearer ${token}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${daemonPort}${target}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {status: res.status, json: text ? JSON.parse(text) : null};
}

// A raw HTTP request to WordPress from a chosen loopback address.
function request(method, url, {localAddress = '127.0.0.1', headers = {}, body = ''} = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({host: u.hostname, port: u.port, path: u.pathname + u.search, method, localAddress,
      headers: {...headers, 'Content-Length': Buffer.byteLength(body)}}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: text}));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// An anonymous visitor posts a comment through wp-comments-post.php, as the
// theme's comment form does. Resolves with the new comment's id.
async function visitorComment(name, content, {postId = arabicPost.id, parent = 0} = {}) {
  const n = nextVisitor++;
  const ip = `127.0.0.${n}`;
  const form = new URLSearchParams({
    comment_post_ID: String(postId), comment_parent: String(parent), author: name,
    email: `visitor${n}@example.net`, url: '', comment: content,
  });
  const res = await request('POST', `${wp.base}/wp-comments-post.php`, {
    localAddress: ip, body: form.toString(),
    headers: {'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': `test-visitor/${n}`},
  });
  assert.equal(res.status, 302, `wp-comments-post.php stores the comment (got ${res.status}: ${res.body.slice(0, 500)})`);
  const m = /#comment-(\d+)$/.exec(res.headers.location || '');
  assert.ok(m, `redirect names the comment: ${res.headers.location}`);
  return {id: Number(m[1]), ip};
}

async function shot(name) {
  await page.screenshot({path: path.join(shots, `wordpress-${name}.png`), fullPage: true});
}

async function wpAdmin(target) {
  await page.goto(`${wp.base}/wp-admin/${target}`);
}

// The decisions and labels moderated has for a WordPress comment.
async function history(commentId) {
  const r = await api('GET', `/v1/comments/${meta(commentId, '_moderated_id')}/history`);
  assert.equal(r.status, 200);
  return r.json;
}

function signedWebhook(event, {secret = webhookSecret, timestamp = Math.floor(Date.now() / 1000)} = {}) {
  const body = JSON.stringify(event);
  const signature = 'sha256=' + crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {body, headers: {'Content-Type': 'application/json', 'X-Moderated-Timestamp': String(timestamp),
    'X-Moderated-Signature': signature, 'X-Moderated-Event-Id': event.event_id}};
}

// ------------------------------------------------------------------ set-up

before(async () => {
  for (const p of ['/usr/share/wordpress/wp-comments-post.php', '/usr/sbin/mariadbd', '/usr/bin/php', chromiumPath]) {
    assert.ok(fs.existsSync(p), `${p} is missing: run scripts/setup.sh (it installs wordpress, php, mariadb-server, chromium)`);
  }
  zip = process.env.MODERATED_WP_ZIP;
  fs.mkdirSync(shots, {recursive: true});
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-wordpress-'));
  if (!zip) {
    zip = path.join(dir, 'moderated.zip');
    execFileSync(path.join(repo, 'integrations/wordpress/build-zip.sh'), [zip], {stdio: 'ignore'});
  }
  assert.ok(fs.existsSync(zip), `the plugin zip ${zip} exists (cmake --build builds it)`);

  // moderated: tokens made with the CLI, the test's rules, classifier weights 0
  // (verdicts come from the rules alone), webhooks polled often.
  const data = path.join(dir, 'moderated');
  fs.mkdirSync(data);
  const cli = (...args) => moderatedCli(binary, 'token', 'create', '--data-dir', data, ...args);
  adminToken = cli('--role', 'admin', '--name', 'ops');
  siteToken = cli('--role', 'site', '--site', SITE, '--name', 'wordpress');
  moderatorToken = cli('--role', 'moderator', '--site', SITE, '--name', 'wordpress-editors');
  const config = path.join(dir, 'moderated.yaml');
  fs.writeFileSync(config, 'classifier: {spam_weight: 0, abuse_weight: 0}\n' +
    'webhooks: {allow_networks: [127.0.0.0/8], poll_interval_ms: 100, initial_backoff_ms: 200, max_backoff_ms: 1000}\n');
  const startOpts = {rules: path.join(here, 'rules.yaml'), config};
  daemon = await startDaemon(binary, dir, startOpts);
  daemonPort = daemon.port;
  daemon.restart = async () => {
    daemon = Object.assign(await startDaemon(binary, dir, {...startOpts, port: daemonPort}), {restart: daemon.restart});
  };

  db = await startMariaDB(dir);
  wp = await startWordPress(dir, {dbSocket: db.socket, port: await freePort(), admin: ADMIN});

  // Comments from before the plugin, for the import: statuses set as an
  // editor would have left them.
  const old = {
    oldApproved: ['Старый читатель', 'Спасибо за подробный разбор, жду продолжения.', '1'],
    oldSpam: ['Old spammer', 'Cheap casino chips, message me on WhatsApp today', 'spam'],
    oldTrash: ['قارئ', 'هذا التعليق خارج الموضوع تماما', 'trash'],
    oldPending: ['Новый читатель', 'А где можно почитать источники?', '0'],
  };
  for (const [key, [name, content, status]] of Object.entries(old)) {
    c[key] = (await visitorComment(name, content, {postId: 1})).id;
    sql(`UPDATE wp_comments SET comment_approved = '${status}' WHERE comment_ID = ${c[key]}`);
  }

  // launch() gives chromium a fresh temporary --user-data-dir of its own; two
  // contexts in it: the editor (signed in) and an anonymous visitor.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 30_000,
  });
  const context = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'ru-RU'});
  page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => d.accept().catch(() => {}));
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  if (wp) await wp.stop();
  if (db) await db.stop();
  if (dir && !process.env.KEEP_TMP) fs.rmSync(dir, {recursive: true, force: true});
});

// ------------------------------------------------------------------ tests

test('the zip installs from wp-admin (Russian) and activates', async () => {
  await page.goto(`${wp.base}/wp-login.php`);
  await page.fill('#user_login', ADMIN.user);
  await page.fill('#user_pass', ADMIN.password);
  await page.click('#wp-submit');
  await page.waitForSelector('#wpadminbar');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru-RU');

  await wpAdmin('plugin-install.php?tab=upload');
  await page.setInputFiles('#pluginzip', zip);
  await page.click('#install-plugin-submit');
  const activate = page.locator('a[href*="action=activate"][href*="moderated%2Fmoderated.php"]');
  await activate.waitFor();
  await activate.click();
  await page.waitForSelector('tr[data-plugin="moderated/moderated.php"].active');
  assert.ok(sql("SELECT option_value FROM wp_options WHERE option_name = 'active_plugins'")[0][0].includes('moderated/moderated.php'));
  assert.equal(sql("SHOW TABLES LIKE 'wp_moderated_events'").length, 1);
  // Not configured yet: a notice says WordPress moderates alone.
  assert.ok(await page.locator('.notice-warning', {hasText: 'moderated ещё не настроен'}).isVisible());
});

test('settings page in Russian: clear errors, saving, the connection test', async () => {
  await wpAdmin('options-general.php?page=moderated');
  assert.equal(await page.textContent('.moderated-settings h2'), 'Соединение');
  assert.ok(await page.isVisible('text=Адрес демона'));

  // Bad input: a clear error, and nothing bad is stored. (The browser's own
  // checks of the number field are switched off to reach the server's.)
  await page.evaluate(() => { document.getElementById('moderated-form').noValidate = true; });
  await page.fill('#moderated-url', 'ftp://news.example');
  await page.fill('#moderated-timeout', '99');
  await page.click('#submit');
  await page.waitForSelector('#setting-error-url');
  assert.match(await page.textContent('#setting-error-url'), /«ftp:\/\/news.example» — не адрес демона/);
  assert.match(await page.textContent('#setting-error-timeout'), /Тайм-аут должен быть числом секунд от 0,2 до 30/);
  assert.equal(await page.inputValue('#moderated-url'), '');

  await page.fill('#moderated-url', `http://127.0.0.1:${daemonPort}/`);
  await page.fill('#moderated-site', SITE);
  await page.fill('#moderated-site-token', siteToken);
  await page.fill('#moderated-moderator-token', 'mdr_this-token-does-not-exist');
  await page.fill('#moderated-timeout', '1');
  // The test uses the form's values before they are saved: a wrong token is named.
  await page.click('#moderated-test');
  await page.waitForSelector('#moderated-test-result[data-done]');
  const bad = await page.locator('#moderated-test-result .moderated-bad').allTextContents();
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], /Токен модератора не работает: moderated ответил HTTP 401: invalid or revoked token/);

  await page.fill('#moderated-moderator-token', moderatorToken);
  await page.click('#submit');
  await page.waitForSelector('#setting-error-settings_updated');
  assert.equal(await page.inputValue('#moderated-url'), `http://127.0.0.1:${daemonPort}`);
  await page.evaluate(() => document.getElementById('moderated-test-result').removeAttribute('data-done'));
  await page.click('#moderated-test');
  await page.waitForSelector('#moderated-test-result[data-done]');
  const ok = await page.locator('#moderated-test-result .moderated-ok').allTextContents();
  assert.equal(await page.locator('#moderated-test-result .moderated-bad').count(), 0);
  assert.equal(ok.length, 3, ok.join('\n'));
  assert.match(ok[0], /moderated по адресу http:\/\/127\.0\.0\.1:\d+ готов \(правила r-[0-9a-f]{12}/);
  assert.match(ok[1], /Токен сайта может отправлять комментарии сайта «news\.example»/);
  assert.match(ok[2], /Токен модератора может принимать решения по комментариям сайта «news\.example»/);
  await shot('settings-ru');

  // The webhook URL and secret, registered in moderated as the page says.
  webhookUrl = await page.inputValue('#moderated-webhook-url');
  webhookSecret = await page.inputValue('#moderated-webhook-secret');
  assert.match(webhookSecret, /^[A-Za-z0-9]{48}$/);
  assert.ok((await page.textContent('.moderated-command')).includes(webhookSecret));
  const r = await api('PUT', `/v1/admin/sites/${SITE}`, {body: {webhook_url: webhookUrl, webhook_secret: webhookSecret}});
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

test('comments through wp-comments-post.php in Russian, Arabic and English are judged', async () => {
  // An Arabic article, made through WordPress's REST API with the editor's session.
  arabicPost = await page.evaluate(async () => {
    const nonce = await (await fetch('/wp-admin/admin-ajax.php?action=rest-nonce')).text();
    const res = await fetch('/?rest_route=/wp/v2/posts', {
      method: 'POST', headers: {'Content-Type': 'application/json', 'X-WP-Nonce': nonce},
      body: JSON.stringify({title: 'الاقتصاد في عام 2026', content: 'مقال عن الاقتصاد والأسواق.', status: 'publish'}),
    });
    const post = await res.json();
    return {id: post.id, link: post.link};
  });
  assert.ok(arabicPost.id > 0, JSON.stringify(arabicPost));

  const cases = {
    ruClean: ['Иван', 'Спасибо за статью, всё по делу.', '1', 'accept'],
    ruHeld: ['Пётр', 'Кто знает хорошее казино поблизости?', '0', 'hold'],
    ruSpam: ['Бот', 'Лучшее казино, пишите в телеграм', 'spam', 'reject'],
    arClean: ['سالم', 'شكرا على المقال المفيد', '1', 'accept'],
    arHeld: ['ليلى', 'هل الكازينو قانوني هنا؟ كازينو', '0', 'hold'],
    arSpam: ['مروج', 'أفضل كازينو اون لاين، تواصل واتساب', 'spam', 'reject'],
    enClean: ['Mary', 'Thanks for the balanced reporting.', '1', 'accept'],
    enHeld: ['Mike', 'Is this casino legal in your country?', '0', 'hold'],
    enSpam: ['Promo', 'Best casino bonus, write me on telegram', 'spam', 'reject'],
  };
  const ips = {};
  for (const [key, [name, content]] of Object.entries(cases)) {
    const r = await visitorComment(name, content);
    c[key] = r.id;
    ips[key] = r.ip;
  }
  // A reply, with the parent's id as moderated knows it.
  c.reply = (await visitorComment('Анна', 'Согласна с Иваном.', {parent: c.ruClean})).id;

  for (const [key, [, content, status, action]] of Object.entries(cases)) {
    assert.equal(wpStatus(c[key]), status, `${key}: WordPress status`);
    assert.equal(meta(c[key], '_moderated_state'), 'judged', key);
    const r = await api('GET', `/v1/comments/${meta(c[key], '_moderated_id')}`);
    assert.equal(r.status, 200);
    const stored = r.json;
    assert.equal(stored.site, SITE);
    assert.equal(stored.external_id, meta(c[key], '_moderated_external_id'));
    assert.equal(stored.content, content);
    assert.equal(stored.thread, arabicPost.link);
    assert.equal(stored.lang, 'ru-RU');
    assert.equal(stored.author.ip, ips[key]);
    assert.equal(stored.author.user_agent, `test-visitor/${ips[key].split('.')[3]}`);
    assert.equal(stored.verdict.action, action, key);
    assert.deepEqual(stored.meta, {source: 'wordpress', post_id: arabicPost.id, type: 'comment'});
  }
  const reply = await api('GET', `/v1/comments/${meta(c.reply, '_moderated_id')}`);
  assert.equal(reply.json.parent, meta(c.ruClean, '_moderated_external_id'));
  assert.equal(wpStatus(c.reply), '1');

  // One visitor through the theme's real comment form in the browser.
  const visitor = await browser.newContext({locale: 'ru-RU'});
  const vp = await visitor.newPage();
  await vp.goto(arabicPost.link);
  await vp.fill('#author', 'Ольга');
  await vp.fill('#email', 'olga@example.net');
  await vp.fill('#comment', 'Казино в комментариях? Странно.');
  await Promise.all([vp.waitForNavigation(), vp.click('#submit')]);
  await visitor.close();
  c.formHeld = Number(sql("SELECT comment_ID FROM wp_comments WHERE comment_author = 'Ольга'")[0][0]);
  assert.equal(wpStatus(c.formHeld), '0');
  assert.equal((await api('GET', `/v1/comments/${meta(c.formHeld, '_moderated_id')}`)).json.status, 'pending');
});

test('deciding in moderated changes WordPress through the signed webhook', async () => {
  const decide = async (key, decision) => {
    const r = await api('POST', `/v1/comments/${meta(c[key], '_moderated_id')}/decision`,
      {body: {decision, note: 'проверено модератором'}});
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await decide('enHeld', 'approve');
  await decide('ruHeld', 'spam');
  await decide('arClean', 'reject');
  await waitFor('the webhooks to be applied', () =>
    wpStatus(c.enHeld) === '1' && wpStatus(c.ruHeld) === 'spam' && wpStatus(c.arClean) === 'trash');
  assert.match(daemon.log(), /event=webhook_delivered .*status=200/);
  assert.equal(sql('SELECT COUNT(*) FROM wp_moderated_events')[0][0], '3');
  const decided = meta(c.ruHeld, '_moderated_decision');
  assert.match(decided, /s:8:"decision";s:4:"spam"/);
  assert.match(decided, /проверено модератором/);
  // Applied quietly: nothing went back to moderated as a new decision.
  const h = await history(c.ruHeld);
  assert.deepEqual(h.decisions.map((d) => d.decision), ['spam']);
});

test('the webhook route refuses forged and stale events and applies each event once', async () => {
  const external = meta(c.ruClean, '_moderated_external_id');
  const event = {
    event_id: crypto.randomBytes(16).toString('hex'), type: 'comment.decided',
    created_at: new Date().toISOString(), site: SITE,
    comment: {id: Number(meta(c.ruClean, '_moderated_id')), external_id: external, status: 'pending', decision: 'hold', note: ''},
  };
  const post = (signed) => request('POST', webhookUrl, {headers: signed.headers, body: signed.body});

  const forged = await post(signedWebhook(event, {secret: 'not-the-secret'}));
  assert.equal(forged.status, 401);
  assert.equal(JSON.parse(forged.body).code, 'moderated_bad_signature');
  const stale = await post(signedWebhook(event, {timestamp: Math.floor(Date.now() / 1000) - 3600}));
  assert.equal(stale.status, 401);
  assert.equal(JSON.parse(stale.body).code, 'moderated_stale_timestamp');
  const unsigned = await request('POST', webhookUrl, {headers: {'Content-Type': 'application/json'}, body: JSON.stringify(event)});
  assert.equal(unsigned.status, 401);
  assert.equal(wpStatus(c.ruClean), '1', 'refused events change nothing');

  const signed = signedWebhook(event);
  const first = await post(signed);
  assert.equal(first.status, 200, first.body);
  assert.equal(JSON.parse(first.body).result, 'applied');
  assert.equal(wpStatus(c.ruClean), '0');
  // The same event again (a replay, or moderated's at-least-once retry): 200, no effect.
  sql(`UPDATE wp_comments SET comment_approved = '1' WHERE comment_ID = ${c.ruClean}`);
  const again = await post(signed);
  assert.equal(again.status, 200);
  assert.equal(JSON.parse(again.body).result, 'duplicate');
  assert.equal(wpStatus(c.ruClean), '1');
  // An older event than the last one applied is not applied.
  const older = signedWebhook({...event, event_id: crypto.randomBytes(16).toString('hex'),
    created_at: new Date(Date.now() - 60_000).toISOString()});
  assert.equal(JSON.parse((await post(older)).body).result, 'stale');
  assert.equal(wpStatus(c.ruClean), '1');
  // Another site's event, an unknown comment, a body that is not an event.
  const other = await post(signedWebhook({...event, event_id: crypto.randomBytes(16).toString('hex'), site: 'other.example'}));
  assert.equal(other.status, 422);
  const unknown = await post(signedWebhook({...event, event_id: crypto.randomBytes(16).toString('hex'),
    comment: {...event.comment, id: 999999, external_id: 'no-such-comment'}}));
  assert.equal(unknown.status, 404);
  const junk = await post(signedWebhook({hello: 'world', event_id: 'x'}));
  assert.equal(junk.status, 400);
});

test('Spam, Not spam, Approve and Trash in wp-admin go back to moderated as decisions and labels', async () => {
  await wpAdmin('edit-comments.php?comment_status=all');
  const row = page.locator(`#comment-${c.enClean}`);
  await row.hover();
  await row.locator('.row-actions .spam a').click();
  await waitFor('the spam decision in moderated', async () =>
    (await api('GET', `/v1/comments/${meta(c.enClean, '_moderated_id')}`)).json.status === 'rejected');
  assert.equal(wpStatus(c.enClean), 'spam');
  let h = await history(c.enClean);
  assert.deepEqual(h.labels.map((l) => [l.label, l.source]), [['spam', 'moderator']]);
  assert.match(h.decisions[0].actor, /^token:\d+:wordpress-editors$/);
  assert.equal(h.decisions[0].note, 'WordPress: approved → spam by admin');

  // Not spam, from the spam list: back to approved, labelled ham; the webhook
  // echo of our own decision changes nothing.
  await wpAdmin('edit-comments.php?comment_status=spam');
  const spamRow = page.locator(`#comment-${c.enClean}`);
  await spamRow.hover();
  await spamRow.locator('.row-actions .unspam a').click();
  await waitFor('the ham label in moderated', async () =>
    (await history(c.enClean)).labels.some((l) => l.label === 'ham'));
  assert.equal(wpStatus(c.enClean), '1');
  h = await history(c.enClean);
  assert.deepEqual(h.labels.map((l) => l.label), ['spam', 'ham']);
  assert.equal((await api('GET', `/v1/comments/${meta(c.enClean, '_moderated_id')}`)).json.status, 'approved');

  // Approve a held comment.
  await wpAdmin('edit-comments.php?comment_status=moderated');
  const held = page.locator(`#comment-${c.arHeld}`);
  await held.hover();
  await held.locator('.row-actions .approve a').click();
  await waitFor('the approval in moderated', async () =>
    (await api('GET', `/v1/comments/${meta(c.arHeld, '_moderated_id')}`)).json.status === 'approved');
  assert.equal(wpStatus(c.arHeld), '1');
  assert.deepEqual((await history(c.arHeld)).labels.map((l) => l.label), ['ham']);
  // Trash an approved comment: a "reject" decision (label rejected, not spam).
  await wpAdmin('edit-comments.php?comment_status=approved');
  const trash = page.locator(`#comment-${c.reply}`);
  await trash.hover();
  await trash.locator('.row-actions .trash a').click();
  await waitFor('the reject decision in moderated', async () =>
    (await history(c.reply)).labels.some((l) => l.label === 'rejected'));
  assert.equal(wpStatus(c.reply), 'trash');
  assert.deepEqual((await history(c.reply)).decisions.map((d) => d.decision), ['reject']);
  // The echoes arrive and are recognised as this site's own decisions.
  // (3 decisions of the test before, 2 events of the webhook test, 4 here.)
  await waitFor('the echo webhooks', () => Number(sql('SELECT COUNT(*) FROM wp_moderated_events')[0][0]) >= 9);
  assert.equal(wpStatus(c.reply), 'trash');
  assert.equal(wpStatus(c.enClean), '1');
  assert.equal(wpStatus(c.arHeld), '1');
});

test('the comments list and the comment screen show the verdict, score and reasons', async () => {
  await wpAdmin('edit-comments.php?comment_status=all');
  assert.ok(await page.isVisible('th#moderated'));
  const summary = (id) => page.locator(`#comment-${id} .moderated-summary`);
  assert.equal(await summary(c.ruClean).getAttribute('data-moderated-action'), 'accept');
  assert.equal(await summary(c.formHeld).getAttribute('data-moderated-action'), 'hold');
  assert.equal(await summary(c.formHeld).locator('.moderated-badge').textContent(), 'На проверке');
  assert.equal(await summary(c.formHeld).locator('.moderated-score').textContent(), 'баллы: 4,0');
  assert.match(await summary(c.formHeld).locator('.moderated-reasons li').first().textContent(), /Casino advertising «?Казино/);
  assert.match(await summary(c.enHeld).textContent(), /Решение в moderated: одобрен/);
  await page.locator(`#comment-${c.formHeld}`).scrollIntoViewIfNeeded();
  await shot('comments-ru');

  await wpAdmin('edit-comments.php?comment_status=spam');
  const spam = summary(c.arSpam);
  assert.equal(await spam.getAttribute('data-moderated-action'), 'reject');
  assert.equal(await spam.getAttribute('data-moderated-score'), '8');
  assert.deepEqual(await spam.locator('.moderated-reasons li').evaluateAll((lis) => lis.map((li) => li.dataset.rule)),
    ['casino', 'messenger']);
  assert.equal(await spam.locator('q').first().textContent(), 'كازينو');

  await wpAdmin(`comment.php?action=editcomment&c=${c.arSpam}`);
  const box = page.locator('#moderated-verdict');
  await box.waitFor();
  assert.deepEqual(await box.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.rule)), ['casino', 'messenger']);
  assert.ok((await box.textContent()).includes(meta(c.arSpam, '_moderated_external_id')));
  await box.scrollIntoViewIfNeeded();
  await shot('comment-screen-ru');
});

test('with the daemon stopped comments stay pending, and go through when it is back', async () => {
  await daemon.stop();
  c.downSpam = (await visitorComment('Бот', 'Казино! Пишите в телеграм')).id;
  c.downClean = (await visitorComment('Sara', 'Very informative, thank you.')).id;
  for (const key of ['downSpam', 'downClean']) {
    assert.equal(wpStatus(c[key]), '0', `${key} is kept, pending`);
    assert.equal(meta(c[key], '_moderated_state'), 'unsent');
    assert.match(meta(c[key], '_moderated_error'), /Не удалось связаться с moderated/);
  }
  await wpAdmin('edit-comments.php?comment_status=moderated');
  assert.equal(await page.locator(`#comment-${c.downSpam} .moderated-summary`).getAttribute('data-moderated-state'), 'unsent');
  assert.match(await page.textContent('.moderated-backlog'), /2 комментария ждут отправки в moderated/);
  await shot('comments-daemon-down');

  await daemon.restart();
  // The next comment gets through and schedules the catch-up; WP-Cron runs it.
  c.backClean = (await visitorComment('Олег', 'Отличный материал.')).id;
  assert.equal(wpStatus(c.backClean), '1');
  await waitFor('the waiting comments to be judged', async () => {
    await request('GET', `${wp.base}/wp-cron.php`);
    return wpStatus(c.downSpam) === 'spam' && wpStatus(c.downClean) === '1';
  }, 60_000, 500);
  for (const key of ['downSpam', 'downClean']) {
    assert.equal(meta(c[key], '_moderated_state'), 'judged');
    const r = await api('GET', `/v1/comments/${meta(c[key], '_moderated_id')}`);
    assert.equal(r.json.external_id, meta(c[key], '_moderated_external_id'));
  }
  assert.equal(sql("SELECT COUNT(*) FROM wp_options WHERE option_name = 'moderated_backlog'")[0][0], '0');
});

test('a daemon that does not answer in time: pending, then sent once with "Send now"', async () => {
  daemon.process.kill('SIGSTOP');
  try {
    c.slow = (await visitorComment('Вера', 'Спасибо, было интересно читать.')).id;
  } finally {
    daemon.process.kill('SIGCONT');
  }
  assert.equal(wpStatus(c.slow), '0');
  assert.equal(meta(c.slow, '_moderated_state'), 'unsent');
  assert.match(meta(c.slow, '_moderated_error'), /timed out/);

  await wpAdmin('options-general.php?page=moderated');
  assert.equal(await page.getAttribute('#moderated-waiting', 'data-unsent'), '1');
  await page.click('#moderated-send-now');
  await page.waitForFunction(() => /Отправлено комментариев: 1,/.test(document.getElementById('moderated-send-result').textContent));
  assert.equal(wpStatus(c.slow), '1');
  // moderated had stored the timed-out request; sending it again with the
  // same id did not store it twice.
  const external = meta(c.slow, '_moderated_external_id');
  const all = [];
  for (let cursor = null; ;) {
    const r = await api('GET', `/v1/comments?site=${SITE}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(...r.json.items);
    if (!r.json.next_cursor) break;
    cursor = r.json.next_cursor;
  }
  assert.equal(all.filter((i) => i.external_id === external).length, 1);
});

test('importing existing comments sends them with their status as labels', async () => {
  await wpAdmin('options-general.php?page=moderated');
  const left = Number(await page.getAttribute('#moderated-backfill-left', 'data-left'));
  assert.equal(left, 5, 'the four old comments and WordPress\'s sample comment');
  await page.click('#moderated-backfill');
  await page.waitForSelector('#moderated-backfill-status[data-state="finished"]');
  assert.equal(await page.textContent('#moderated-backfill-status'),
    'Импорт завершён: импортировано комментариев — 5, отправлено меток — 4, отклонено — 0.');
  assert.equal(await page.getAttribute('#moderated-backfill-progress', 'value'), await page.getAttribute('#moderated-backfill-progress', 'max'));
  await shot('import-ru');

  const labels = async (key) => (await history(c[key])).labels.map((l) => l.label);
  assert.deepEqual(await labels('oldApproved'), ['ham']);
  assert.deepEqual(await labels('oldSpam'), ['spam']);
  assert.deepEqual(await labels('oldTrash'), ['rejected']);
  assert.deepEqual(await labels('oldPending'), []);
  // Statuses stay as the editors left them; the pending one got its verdict.
  assert.equal(wpStatus(c.oldApproved), '1');
  assert.equal(wpStatus(c.oldSpam), 'spam');
  assert.equal(wpStatus(c.oldTrash), 'trash');
  assert.equal(wpStatus(c.oldPending), '1');
  const stored = await api('GET', `/v1/comments/${meta(c.oldSpam, '_moderated_id')}`);
  assert.equal(stored.json.status, 'rejected');
  assert.match(stored.json.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  // Nothing left; a second run imports nothing.
  await wpAdmin('options-general.php?page=moderated');
  assert.equal(await page.getAttribute('#moderated-backfill-left', 'data-left'), '0');
});

test('in Arabic the settings page and the comments list are translated and right to left', async () => {
  await wpAdmin('profile.php');
  await page.selectOption('#locale', 'ar');
  await page.click('#submit');
  await page.waitForSelector('#message');
  await wpAdmin('options-general.php?page=moderated');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.textContent('.moderated-settings h2'), 'الاتصال');
  assert.ok(await page.isVisible('text=عنوان الخادم'));
  assert.equal(await page.locator('#moderated-url').evaluate((el) => getComputedStyle(el).direction), 'ltr');
  await shot('settings-ar');
  await wpAdmin('edit-comments.php?comment_status=all');
  assert.equal(await page.locator(`#comment-${c.ruClean} .moderated-badge`).textContent(), 'مقبول');
  await page.locator(`#comment-${c.arHeld}`).scrollIntoViewIfNeeded();
  await shot('comments-ar');
});

test('deleting the plugin in wp-admin removes its options, table and meta', async () => {
  await wpAdmin('plugins.php');
  await page.click('tr[data-plugin="moderated/moderated.php"] .deactivate a');
  await page.waitForSelector('tr[data-plugin="moderated/moderated.php"].inactive');
  await page.click('tr[data-plugin="moderated/moderated.php"] .delete a');
  await page.waitForSelector('tr.plugin-deleted-tr[data-plugin="moderated/moderated.php"]');
  assert.deepEqual(sql("SELECT option_name FROM wp_options WHERE option_name LIKE '%moderated%'"), []);
  assert.equal(sql("SHOW TABLES LIKE 'wp_moderated_events'").length, 0);
  assert.equal(sql("SELECT COUNT(*) FROM wp_commentmeta WHERE meta_key LIKE '\\_moderated\\_%'")[0][0], '0');
  assert.equal(wpStatus(c.arSpam), 'spam', 'comments keep their status');
  assert.ok(!fs.existsSync(path.join(wp.root, 'wp-content/plugins/moderated')));
});

test('no PHP warning or error from the plugin, no JavaScript error in wp-admin', () => {
  const ours = wp.log().split('\n').filter((l) => l.includes('/plugins/moderated/'));
  assert.deepEqual(ours, []);
  assert.deepEqual(pageErrors, []);
});
