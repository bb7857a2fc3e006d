// The Akismet-compatible API driven by two real npm clients, `akismet-api`
// 6.0.0 and `akismet` 2.0.7 (oozcitak/akismet-js; both pinned by
// package-lock.json), against the real daemon on loopback, each configured
// the way its README tells a user to point it at another host.
//
// Both put the key in the host name (http://KEY.moderated.test:PORT/),
// so this process resolves moderated.test and every name under it to
// 127.0.0.1 (dns.lookup is what Node's HTTP client asks). Nothing leaves the
// machine.
//
// Run: MODERATED_BINARY=build/daemon/moderated node --test akismet.test.mjs
// (ctest does this as akismet_client_test).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import akismet from 'akismet-api';
import akismetJs from 'akismet';

const { AkismetClient } = akismet;
const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.MODERATED_BINARY;
const domain = 'moderated.test';

const realLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (host === domain || host.endsWith('.' + domain)) {
    if (options && options.all) {
      return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    }
    return process.nextTick(callback, null, '127.0.0.1', 4);
  }
  return realLookup(host, options, callback);
};

let dir;
let daemon;
let port;
let key;

// Starts `moderated serve` and resolves with its TCP port.
function startDaemon() {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    daemon = spawn(
      binary,
      [
        'serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--socket', path.join(dir, 'd.sock'),
        '--threads', '2', '--rules', path.join(here, 'rules.yaml'),
        '--config', path.join(dir, 'moderated.yaml'),
      ],
      { stdio: ['ignore', log, log] },
    );
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

before(async () => {
  assert.ok(binary, 'set MODERATED_BINARY to the moderated executable');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-akismet-'));
  // Classifier weights 0: verdicts come from the rules alone, so they do not
  // move when the model is retrained.
  fs.writeFileSync(path.join(dir, 'moderated.yaml'), 'classifier: {spam_weight: 0, abuse_weight: 0}\n');
  key = execFileSync(binary, [
    'token', 'create', '--data-dir', dir, '--role', 'site',
    '--site', 'blog.example', '--site', 'arabic.example', '--akismet',
  ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  port = await startDaemon();
});

after(() => {
  if (daemon && daemon.exitCode === null) {
    daemon.removeAllListeners('exit');
    daemon.kill('SIGTERM');
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(options = {}) {
  return new AkismetClient({
    key,
    blog: 'https://blog.example',
    host: `${domain}:${port}`,
    protocol: 'http',
    ...options,
  });
}

const visitor = {
  ip: '203.0.113.9',
  useragent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0',
  referrer: 'https://blog.example/',
  permalink: 'https://blog.example/2024/05/news/',
  type: 'comment',
};

describe('verifyKey', () => {
  test('a key made by `moderated token create --akismet` is valid', async () => {
    assert.match(key, /^[0-9a-f]{32}$/);
    assert.equal(await client().verifyKey(), true);
  });
  test('an unknown key is invalid', async () => {
    assert.equal(await client({ key: '0123456789abcdef0123456789abcdef' }).verifyKey(), false);
  });
  test('a key is invalid for a blog that is not one of its sites', async () => {
    assert.equal(await client({ blog: 'https://elsewhere.example' }).verifyKey(), false);
  });
});

describe('checkSpam', () => {
  const cases = [
    ['English ham', 'Thanks for the detailed report, the photos of the flood are striking.', false],
    ['English spam', 'Best online casino: free spins for everyone at https://spam-casino.ru/bonus', true],
    ['Arabic ham', 'شكرا على هذا التقرير المفصل عن الانتخابات المحلية في المدينة.', false],
    ['Arabic spam', 'أفضل كازينو مع دورات مجانية على https://spam-casino.ru/ar', true],
    ['Russian ham', 'Спасибо за подробный репортаж, фотографии наводнения впечатляют.', false],
    ['Russian spam', 'Лучшее казино, фриспины для всех: https://spam-casino.ru/ru', true],
  ];
  for (const [name, content, spam] of cases) {
    test(name, async () => {
      const blog = name.startsWith('Arabic') ? 'https://arabic.example' : 'https://blog.example';
      const result = await client({ blog }).checkSpam({
        ...visitor,
        name: 'Reader',
        email: 'reader@example.org',
        content,
      });
      assert.equal(result, spam);
    });
  }

  test('an unknown key is rejected', async () => {
    await assert.rejects(
      client({ key: 'ffffffffffffffffffffffffffffffff' }).checkSpam({ ...visitor, content: 'hello' }),
      /Invalid API key/,
    );
  });

  test('akismet-guaranteed-spam is spam', async () => {
    assert.equal(await client().checkSpam({ ...visitor, name: 'akismet-guaranteed-spam', content: 'hello' }), true);
    assert.equal(
      await client().checkSpam({ ...visitor, email: 'akismet-guaranteed-spam@example.com', content: 'hello' }),
      true,
    );
  });

  test('user_role=administrator is ham', async () => {
    assert.equal(
      await client().checkSpam({
        ...visitor,
        role: 'administrator',
        content: 'casino free spins https://spam-casino.ru/admin',
      }),
      false,
    );
  });

  test('is_test still answers with the verdict', async () => {
    assert.equal(
      await client().checkSpam({ ...visitor, isTest: true, content: 'casino free spins https://spam-casino.ru/t' }),
      true,
    );
  });
});

describe('submitSpam and submitHam', () => {
  const comment = {
    ...visitor,
    name: 'Mallory',
    email: 'mallory@example.org',
    content: 'A comment the filter let through, submitted as spam by the site.',
  };
  test('submitSpam answers like Akismet', async () => {
    assert.equal(await client().checkSpam(comment), false);
    const res = await client().submitSpam(comment);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'Thanks for making the web a better place.');
  });
  test('submitHam answers like Akismet', async () => {
    const res = await client().submitHam(comment);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'Thanks for making the web a better place.');
  });
  test('a submission with an unknown key is invalid', async () => {
    const res = await client({ key: 'ffffffffffffffffffffffffffffffff' }).submitSpam(comment);
    assert.equal(res.text, 'invalid');
  });
});

describe('Akismet test triggers and required fields (akismet-api)', () => {
  test('comment_author=viagra-test-123 is spam', async () => {
    assert.equal(await client().checkSpam({ ...visitor, name: 'viagra-test-123', content: 'hello' }), true);
  });
  test('a check without user_ip is refused with Akismet\'s debug help', async () => {
    const { ip, ...noIp } = visitor;
    await assert.rejects(client().checkSpam({ ...noIp, content: 'hello' }), /^Error: Empty "user_ip" value$/);
  });
});

// npm `akismet` (2.0.7): callbacks; `host` and `port` are its options for
// another server, the key goes first in the host name like Akismet's.
describe('the npm akismet client', () => {
  function jsClient(options = {}) {
    return akismetJs.client({ apiKey: key, blog: 'https://blog.example', host: domain, port, ...options });
  }
  const call = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  const comment = {
    user_ip: '203.0.113.10',
    permalink: 'https://blog.example/2024/05/js/',
    comment_type: 'comment',
    comment_author: 'Reader',
    comment_author_email: 'js-reader@example.org',
  };

  test('verifyKey', async () => {
    assert.equal(await call((cb) => jsClient().verifyKey(cb)), true);
    assert.equal(await call((cb) => jsClient({ apiKey: 'ffffffffffffffffffffffffffffffff' }).verifyKey(cb)), false);
  });
  test('checkComment: ham, spam and the test triggers', async () => {
    const check = (fields) => call((cb) => jsClient().checkComment({ ...comment, ...fields }, cb));
    assert.equal(await check({ comment_content: 'Thanks, a clear and useful write-up.' }), false);
    assert.equal(await check({ comment_content: 'Best online casino: free spins at https://spam-casino.ru/js' }), true);
    assert.equal(await check({ comment_author: 'viagra-test-123', comment_content: 'hello' }), true);
    assert.equal(
      await check({ comment_author_email: 'akismet-guaranteed-spam@example.com', comment_content: 'hello' }),
      true,
    );
    assert.equal(
      await check({ user_role: 'administrator', comment_content: 'casino free spins https://spam-casino.ru/js2' }),
      false,
    );
    assert.equal(await check({ is_test: '1', comment_content: 'casino free spins https://spam-casino.ru/js3' }), true);
  });
  test('submitSpam and submitHam', async () => {
    const c = { ...comment, comment_content: 'Let through, then reported by the site (akismet-js).' };
    await call((cb) => jsClient().submitSpam({ ...c }, cb));
    await call((cb) => jsClient().submitHam({ ...c }, cb));
  });
});
