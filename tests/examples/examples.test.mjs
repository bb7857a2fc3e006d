// The site examples in examples/ (Python, standard library only; Node,
// standard library only) against the real daemon: each submits a comment,
// refuses a webhook with a wrong signature, and verifies the real webhook
// that a moderator's decision sends.
//
// Run: MODERATED_BINARY=build/daemon/moderated node --test tests/examples/examples.test.mjs
// (ctest does this as site_examples).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.MODERATED_BINARY;
const secret = 'a-secret-only-moderated-and-the-site-know';

let dir;
let daemon;
let base;
let adminToken;
let siteToken;

function startDaemon() {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    daemon = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir,
      '--socket', path.join(dir, 'd.sock'), '--threads', '2', '--config', path.join(dir, 'm.yaml')],
    { stdio: ['ignore', log, log] });
    daemon.on('exit', (code) => reject(new Error(`daemon exited (${code}) during start-up`)));
    const deadline = Date.now() + 60_000;
    const poll = () => {
      const text = fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8');
      const m = text.match(/event=listening transport=tcp addr=127\.0\.0\.1:(\d+)/);
      if (m) return resolve(Number(m[1]));
      if (Date.now() > deadline) return reject(new Error('daemon did not listen:\n' + text));
      setTimeout(poll, 20);
    };
    poll();
  });
}

const token = (...args) => execFileSync(binary, ['token', 'create', '--data-dir', dir, ...args],
  { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();

async function api(method, target, body) {
  const res = await fetch(base + target, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// A port nobody listens on now.
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

before(async () => {
  assert.ok(binary, 'set MODERATED_BINARY to the moderated executable');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-examples-'));
  fs.writeFileSync(path.join(dir, 'm.yaml'), 'webhooks:\n  allow_networks: [127.0.0.0/8]  # the example sites listen on loopback\n  poll_interval_ms: 50\n  initial_backoff_ms: 50\n');
  adminToken = token('--role', 'admin', '--name', 'ops');
  siteToken = token('--role', 'site', '--site', 'py.example', '--site', 'node.example');
  base = `http://127.0.0.1:${await startDaemon()}`;
});

after(() => {
  if (daemon && daemon.exitCode === null) {
    daemon.removeAllListeners('exit');
    daemon.kill('SIGTERM');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// Runs one example to the end; returns its output lines.
async function runExample(site, externalId, command, args) {
  const port = await freePort();
  // Every comment of the site is held, and decisions go to the example.
  const put = await api('PUT', `/v1/admin/sites/${site}`, {
    hold_at: -1, reject_at: 1000,
    webhook_url: `http://127.0.0.1:${port}/moderation-hook`, webhook_secret: secret,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));

  const child = spawn(command, args, {
    env: { ...process.env, MODERATED_URL: base, SITE_TOKEN: siteToken, SITE: site,
      WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  let waiting = null;
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (waiting && waiting.re.test(lines.at(-1))) waiting.resolve(lines.at(-1));
    }
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const line = (re) => new Promise((resolve) => {
    const found = lines.find((l) => re.test(l));
    if (found) resolve(found); else waiting = { re, resolve };
  });

  const stored = await line(/^comment stored: /);
  const m = stored.match(/^comment stored: id=(\d+) status=pending action=hold$/);
  assert.ok(m, stored);
  const id = Number(m[1]);

  // A forged webhook is refused.
  const forged = await fetch(`http://127.0.0.1:${port}/moderation-hook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Moderated-Timestamp': String(Math.floor(Date.now() / 1000)),
      'X-Moderated-Signature': 'sha256=' + '0'.repeat(64) },
    body: '{"event_id":"forged","comment":{}}',
  });
  assert.equal(forged.status, 401);

  // A moderator's decision reaches the example, signed.
  const decided = await api('POST', `/v1/comments/${id}/decision`, { decision: 'spam' });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal(await exited, 0);
  assert.deepEqual(lines, [
    `webhook listening on http://127.0.0.1:${port}/moderation-hook`,
    `comment stored: id=${id} status=pending action=hold`,
    'webhook refused: bad signature',
    `webhook verified: comment ${id} (${externalId}) is rejected (spam)`,
  ]);
}

describe('site examples', () => {
  test('Python (examples/python/site.py)', async () => {
    // -I -S: isolated, without the site module, so no installed package can
    // be imported: the example needs the standard library alone.
    await runExample('py.example', 'py-1', 'python3', ['-I', '-S', path.join(root, 'examples', 'python', 'site.py')]);
  });
  test('Node (examples/node/site.mjs)', async () => {
    await runExample('node.example', 'node-1', process.execPath, [path.join(root, 'examples', 'node', 'site.mjs')]);
  });
});
