// Docs that run: every request example in README.md and docs/*.md — each
// fenced command line that starts with `curl` (or `$ curl`), with its `\`
// continuation lines — is run with bash against a real daemon, in document
// order, with the tokens the docs name set in the environment
// ($ADMIN_TOKEN, $SITE_TOKEN, $AKISMET_KEY) and localhost:8080 /
// 127.0.0.1:8080 / var/moderated.sock pointed at the test's daemon.
//
// Each example must answer what its block shows (an `HTTP/1.1 NNN` line
// after the command, e.g. under `curl -si`), else 2xx — so an example that
// lacks its Authorization header (401), names a route that is gone (404) or
// sends a body the API refuses (4xx) fails here. When the block shows a JSON
// answer on the next lines, its "status" and "action" must match too.
//
// Run: MODERATED_BINARY=build/daemon/moderated node --test tests/docs/examples.test.mjs
// (ctest does this as docs_examples).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.MODERATED_BINARY;

// The examples of one Markdown file: {file, line, command, status, shown}.
export function extractExamples(file, text) {
  const out = [];
  const lines = text.split('\n');
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = line.match(/^(```+|~~~+)/);
    if (f) {
      fence = fence === null ? f[1] : line.startsWith(fence) ? null : fence;
      continue;
    }
    if (fence === null) continue;
    const m = line.match(/^(?:\$ )?(curl .*)$/);
    if (!m) continue;
    let command = m[1];
    const start = i + 1;
    // Continuation lines: a trailing backslash, or a single-quoted body ('{ ... }') still open.
    const open = (text) => (text.match(/'/g) ?? []).length % 2 === 1;
    while ((command.endsWith('\\') || open(command)) && i + 1 < lines.length) {
      command += '\n' + lines[++i];  // bash reads `\` + newline as a continuation
    }
    // What the block shows after the command, up to the next command or fence end.
    const shown = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].match(/^(```+|~~~+)/); j++) {
      if (lines[j].match(/^(?:\$ )?curl /)) break;
      shown.push(lines[j]);
    }
    // A comment submitted in a block of its own is answered in the next
    // block when that one is JSON (the docs' "The answer is ..." pattern).
    if (shown.join('').trim() === '' && /\/v1\/(comments|check)\b/.test(command) && / -d /.test(command)) {
      let k = j + 1;
      while (k < lines.length && !lines[k].match(/^(```+|~~~+)/)) k++;
      if (k < lines.length && lines[k].match(/^```json/)) {
        for (let n = k + 1; n < lines.length && !lines[n].match(/^```/); n++) shown.push(lines[n]);
      }
    }
    const status = shown.join('\n').match(/^HTTP\/1\.1 (\d{3})/m);
    out.push({ file, line: start, command, status: status ? Number(status[1]) : null, shown: shown.join('\n') });
  }
  return out;
}

function allExamples() {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f))];
  return files.flatMap((f) => extractExamples(f, fs.readFileSync(path.join(root, f), 'utf8')));
}

let dir;
let daemon;
let port;
const env = {};

function startDaemon() {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    daemon = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir,
      '--socket', path.join(dir, 'moderated.sock'), '--threads', '2'],
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

function token(...args) {
  return execFileSync(binary, ['token', 'create', '--data-dir', dir, ...args],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
}

before(async () => {
  assert.ok(binary, 'set MODERATED_BINARY to the moderated executable');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-docs-'));
  // The tokens the docs use, made as README "Try it" makes them.
  env.ADMIN_TOKEN = token('--role', 'admin', '--name', 'ops');
  env.SITE_TOKEN = token('--role', 'site', '--site', 'news.example', '--site', 'ru.news.example',
    '--site', 'ar.news.example');
  env.AKISMET_KEY = token('--role', 'site', '--site', 'blog.example', '--akismet');
  port = await startDaemon();
});

after(() => {
  if (daemon && daemon.exitCode === null) {
    daemon.removeAllListeners('exit');
    daemon.kill('SIGTERM');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the docs have request examples', () => {
  assert.ok(allExamples().length >= 10, 'fewer examples than expected: is the extractor broken?');
});

test('every request example answers what its docs show', () => {
  const failures = [];
  for (const ex of allExamples()) {
    const command = ex.command
      .replaceAll('localhost:8080', `127.0.0.1:${port}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)
      .replaceAll('var/moderated.sock', path.join(dir, 'moderated.sock'));
    // The status (and the body) after the example's own output options.
    const bodyFile = path.join(dir, 'body');
    const script = `${command} -o ${bodyFile} -w '%{http_code}' -D /dev/null`;
    let status;
    try {
      status = Number(execFileSync('bash', ['-c', script], {
        env: { ...process.env, ...env }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000,
      }).toString().trim().slice(-3));
    } catch (e) {
      failures.push(`${ex.file}:${ex.line}: command failed: ${e.stderr || e.message}`);
      continue;
    }
    const body = fs.existsSync(bodyFile) ? fs.readFileSync(bodyFile, 'utf8') : '';
    const ok = ex.status !== null ? status === ex.status : status >= 200 && status < 300;
    if (!ok) {
      failures.push(`${ex.file}:${ex.line}: HTTP ${status} (expected ${ex.status ?? '2xx'}): ${body.slice(0, 300)}`);
      continue;
    }
    // Key fields the docs show for this answer.
    for (const key of ['status', 'action']) {
      const want = ex.shown.match(new RegExp(`"${key}": ?"([a-z]+)"`));
      const got = body.match(new RegExp(`"${key}": ?"([a-z]+)"`));
      if (want && got && want[1] !== got[1]) {
        failures.push(`${ex.file}:${ex.line}: "${key}" is "${got[1]}", the docs show "${want[1]}"`);
      }
    }
  }
  assert.deepEqual(failures, []);
});
