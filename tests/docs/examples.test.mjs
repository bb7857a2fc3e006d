// Docs that run: every request example in README.md, docs/*.md and
// examples/README.md — each fenced command line that starts with `curl` (or
// `$ curl`), or a pipeline that ends in one, with its `\` continuation
// lines — is run with bash against a real daemon, in document order, and
// localhost:8080 / 127.0.0.1:8080 pointed at the test's daemon.
//
// The daemon runs as README "Try it" has it: from a directory that looks
// like the repository root (build/daemon/moderated, the database and the
// socket in ./var), so `var/moderated.sock` is the daemon's socket. The
// tokens the docs use ($ADMIN_TOKEN, $SITE_TOKEN, $AKISMET_KEY) are set in
// the environment; a fenced `NAME=$(...)` line of a document (README's
// `ADMIN_TOKEN=$(build/daemon/moderated token create ...)`) is run too and
// sets NAME for the rest of that document, so the docs' own token commands
// are what its later examples use. `moderated` is on PATH.
//
// The spamc examples run Debian's spamc (scripts/setup.sh installs it)
// against the daemon's spamc listener, on a spam message.eml and a
// missed.eml the test writes: the exit code must be what the example's
// comment says ("exits 1 for spam", else 0), and its output too.
//
// Each example must answer what its block shows (an `HTTP/1.1 NNN` line
// after the command, e.g. under `curl -si`), else 2xx — so an example that
// lacks its Authorization header (401), names a route that is gone (404) or
// sends a body the API refuses (4xx) fails here. When the block shows a JSON
// answer on the next lines, its "status" and "action" must match too, and
// the rules of its reasons ("rule": ...) must be the answer's, in order.
//
// Run: MODERATED_BINARY=build/daemon/moderated node --test tests/docs/examples.test.mjs
// (ctest does this as docs_examples).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
    // A variable set from a command: `NAME=$(...)`.
    const assign = line.match(/^(?:\$ )?([A-Z_]+)=\$\((.*)$/);
    if (assign) {
      out.push({ file, line: i + 1, kind: 'assign', name: assign[1], command: line.replace(/^\$ /, '') });
      continue;
    }
    // A spamc request (docs/spamc.md, README): its exit code and output are
    // in its comment ("exits 1 for spam", "prints 13.0/5.0", "SPAMD/1.5 0").
    const spamc = line.match(/^(?:\$ )?(spamc [^#]*?)\s*(?:#\s*(.*))?$/);
    if (spamc) {
      out.push({ file, line: i + 1, kind: 'spamc', command: spamc[1], shown: spamc[2] ?? '' });
      continue;
    }
    // A request: a curl command, or a pipeline whose next stage is one.
    const m = line.match(/^\s*(?:\$ )?(curl .*)$/) ??
      (line.endsWith('|') && /^\s*curl /.test(lines[i + 1] ?? '') ? line.match(/^(?:\$ )?(.*)$/) : null);
    if (!m) continue;
    let command = m[1];
    const start = i + 1;
    // Continuation lines: a trailing backslash or pipe, or a single-quoted body ('{ ... }') still open.
    const open = (text) => (text.match(/'/g) ?? []).length % 2 === 1;
    while ((command.endsWith('\\') || command.endsWith('|') || open(command)) && i + 1 < lines.length) {
      command += '\n' + lines[++i];  // bash reads `\` + newline as a continuation
    }
    // What the block shows after the command, up to the next command or fence end.
    const shown = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].match(/^(```+|~~~+)/); j++) {
      if (lines[j].match(/^\s*(?:\$ )?curl /) || lines[j].endsWith('|')) break;
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
    out.push({ file, line: start, kind: 'request', command, status: status ? Number(status[1]) : null,
      shown: shown.join('\n') });
  }
  return out;
}

function allExamples() {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f)), 'examples/README.md'];
  return files.flatMap((f) => extractExamples(f, fs.readFileSync(path.join(root, f), 'utf8')));
}

let dir;
let daemon;
let port;
let spamcPort;
const env = {};

function startDaemon() {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    // README: the database ./var/moderated.db and the socket ./var/moderated.sock.
    daemon = spawn(path.join(dir, 'build', 'daemon', 'moderated'), ['serve', '--listen', '127.0.0.1:0',
      '--threads', '2', '--config', 'moderated.yaml', '--spamc-listen', '127.0.0.1:0',
      '--spamc-socket', path.join(dir, 'var', 'spamd.sock')], { cwd: dir, stdio: ['ignore', log, log] });
    daemon.on('exit', (code) => reject(new Error(`daemon exited (${code}) during start-up`)));
    const deadline = Date.now() + 60_000;
    const poll = () => {
      const text = fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8');
      const m = text.match(/event=listening transport=tcp addr=127\.0\.0\.1:(\d+)/);
      const s = text.match(/event=listening transport=spamc-tcp addr=127\.0\.0\.1:(\d+)/);
      if (m && s) return resolve([Number(m[1]), Number(s[1])]);
      if (Date.now() > deadline) return reject(new Error('daemon did not listen:\n' + text));
      setTimeout(poll, 20);
    };
    poll();
  });
}

function token(...args) {
  return execFileSync(binary, ['token', 'create', '--data-dir', path.join(dir, 'var'), ...args],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
}

before(async () => {
  assert.ok(binary, 'set MODERATED_BINARY to the moderated executable');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-docs-'));
  // A stand-in for the repository root: build/daemon/moderated, `moderated`
  // on PATH, and the files the docs' examples read.
  fs.mkdirSync(path.join(dir, 'build', 'daemon'), { recursive: true });
  fs.symlinkSync(binary, path.join(dir, 'build', 'daemon', 'moderated'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.symlinkSync(binary, path.join(dir, 'bin', 'moderated'));
  env.PATH = `${path.join(dir, 'bin')}:${process.env.PATH}`;
  fs.copyFileSync(path.join(root, 'rules', 'default.yaml'), path.join(dir, 'my-rules.yaml'));  // docs/rules.md
  // The mail the spamc examples pipe in: spam, and a message the filter let through.
  fs.writeFileSync(path.join(dir, 'message.eml'), 'From: "Win Big" <promo@spam-casino.example>\n' +
    'Subject: Free spins tonight\nMessage-ID: <wave-1@spam-casino.example>\n\n' +
    'Best online casino: free spins and a welcome bonus for everyone at https://bit.ly/3xYz\n');
  fs.writeFileSync(path.join(dir, 'missed.eml'), 'From: reader@example.org\n' +
    'Subject: Re: the bridge\nMessage-ID: <missed-1@example.org>\n\nA message that got through.\n');
  // examples/README.md registers a webhook on loopback, which it says needs this.
  fs.writeFileSync(path.join(dir, 'moderated.yaml'), 'webhooks: {allow_networks: [127.0.0.0/8]}\n');
  // The tokens the docs use, made as README "Try it" makes them.
  env.ADMIN_TOKEN = token('--role', 'admin', '--name', 'ops');
  env.SITE_TOKEN = token('--role', 'site', '--site', 'news.example', '--site', 'ru.news.example',
    '--site', 'ar.news.example');
  env.AKISMET_KEY = token('--role', 'site', '--site', 'blog.example', '--akismet');
  [port, spamcPort] = await startDaemon();
  assert.ok(fs.existsSync(path.join(dir, 'var', 'moderated.sock')));
});

after(() => {
  if (daemon && daemon.exitCode === null) {
    daemon.removeAllListeners('exit');
    daemon.kill('SIGTERM');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the docs have request examples', () => {
  const examples = allExamples();
  assert.ok(examples.filter((e) => e.kind === 'request').length >= 15, 'fewer examples than expected: is the extractor broken?');
  // README "Try it" makes its tokens with its own commands.
  assert.deepEqual(examples.filter((e) => e.file === 'README.md' && e.kind === 'assign').map((e) => e.name),
    ['ADMIN_TOKEN', 'SITE_TOKEN', 'AKISMET_KEY']);
  assert.equal(examples.filter((e) => e.kind === 'spamc').length, 5);  // README 1, docs/spamc.md 4
  // docs/rules.md's PUT is a pipeline from jq into curl.
  assert.ok(examples.some((e) => e.file === 'docs/rules.md' && e.command.startsWith('jq ')));
});

test('every request example answers what its docs show', () => {
  const failures = [];
  let fileEnv = {};
  let currentFile = null;
  for (const ex of allExamples()) {
    if (ex.file !== currentFile) {
      currentFile = ex.file;
      fileEnv = { ...env };
    }
    if (ex.kind === 'assign') {
      try {
        fileEnv[ex.name] = execFileSync('bash', ['-c', `${ex.command}\nprintf %s "$${ex.name}"`], {
          env: { ...process.env, ...fileEnv }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000,
        }).toString();
        if (fileEnv[ex.name] === '') failures.push(`${ex.file}:${ex.line}: ${ex.name} is empty`);
      } catch (e) {
        failures.push(`${ex.file}:${ex.line}: command failed: ${e.stderr || e.message}`);
      }
      continue;
    }
    if (ex.kind === 'spamc') {
      const command = ex.command.replace(/-p 783\b/, `-p ${spamcPort}`)
        .replaceAll('/run/moderated/spamd.sock', path.join(dir, 'var', 'spamd.sock'));
      const run = spawnSync('bash', ['-c', command], { env: { ...process.env, ...fileEnv }, cwd: dir, timeout: 30_000 });
      const stdout = run.stdout.toString().trim();
      const wantCode = /exits 1/.test(ex.shown) ? 1 : 0;
      const printed = ex.shown.match(/(?:prints )?(\d+\.\d\/\d+\.\d|SPAMD\/\S+ \d+)/)?.[1];
      // A score depends on the message: its form is checked, a SPAMD line exactly.
      const want = printed?.startsWith('SPAMD') ? printed : printed ? /^\d+\.\d\/5\.0$/ : null;
      if (run.status !== wantCode) {
        failures.push(`${ex.file}:${ex.line}: spamc exited ${run.status} (expected ${wantCode}): ${stdout} ${run.stderr}`);
      } else if (want && !(typeof want === 'string' ? stdout === want : want.test(stdout))) {
        failures.push(`${ex.file}:${ex.line}: spamc printed '${stdout}', the docs show '${printed}'`);
      }
      continue;
    }
    const command = ex.command
      .replaceAll('localhost:8080', `127.0.0.1:${port}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`);
    // The status (and the body) after the example's own output options.
    const bodyFile = path.join(dir, 'body');
    const script = `${command} -o ${bodyFile} -w '%{http_code}' -D /dev/null`;
    let status;
    try {
      status = Number(execFileSync('bash', ['-c', script], {
        env: { ...process.env, ...fileEnv }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000,
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
    // Key fields the docs show for this answer: the rules of its reasons, in order ...
    const rules = (text) => [...text.matchAll(/"rule": ?"([^"]+)"/g)].map((m) => m[1]);
    if (rules(ex.shown).length > 0 && rules(ex.shown).join() !== rules(body).join()) {
      failures.push(`${ex.file}:${ex.line}: the reasons' rules are [${rules(body)}], the docs show [${rules(ex.shown)}]`);
    }
    // ... and its status and action.
    for (const key of ['status', 'action']) {
      const want = ex.shown.match(new RegExp(`"${key}": ?"([a-z]+)"`));
      const got = body.match(new RegExp(`"${key}": ?"([a-z]+)"`));
      if (want && (!got || want[1] !== got[1])) {
        failures.push(`${ex.file}:${ex.line}: "${key}" is ${got ? `"${got[1]}"` : 'missing'}, the docs show "${want[1]}"`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

// README's `moderated serve` block is the options part of `moderated serve
// --help`, word for word (the man page is made from the same text).
test("README's serve options are the binary's", () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = readme.match(/### `moderated serve`\n\n```\n([\s\S]*?)```/);
  assert.ok(block, 'README has no `moderated serve` block');
  const help = spawnSync(binary, ['serve', '--help']);
  const text = help.stdout.toString() || help.stderr.toString();
  const options = text.slice(text.indexOf('Options ('), text.indexOf('  --help ') + '  --help             this text\n'.length);
  assert.equal(block[1], options);
});
