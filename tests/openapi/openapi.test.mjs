// The OpenAPI contract (docs/openapi.yaml):
// - the document is valid OpenAPI 3.1 (npm @seriousme/openapi-schema-validator,
//   pinned by package-lock.json);
// - the daemon serves the same document at GET /openapi.json;
// - real responses of a running daemon carry a status the document lists
//   for that operation and match its schema (Ajv, JSON Schema 2020-12),
//   and every operation of the document has had at least one real
//   response checked so (the last test fails naming any that has not);
// - a JSON body the daemon accepted (2xx) matches the operation's
//   requestBody schema.
// (That every route is documented and nothing else is:
// tests/daemon/api/routes_test.cc, OpenApiTest.)
//
// Run: MODERATED_BINARY=build/daemon/moderated node --test tests/openapi/openapi.test.mjs
// (ctest does this as openapi_contract).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const specPath = path.join(root, 'docs', 'openapi.yaml');
const spec = YAML.parse(fs.readFileSync(specPath, 'utf8'));
const binary = process.env.MODERATED_BINARY;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi');

let dir;
let daemon;
let base;
const tokens = {};

function startDaemon() {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    daemon = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir,
      '--socket', path.join(dir, 'd.sock'), '--threads', '2'], { stdio: ['ignore', log, log] });
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

before(async () => {
  assert.ok(binary, 'set MODERATED_BINARY to the moderated executable');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderated-openapi-'));
  tokens.admin = token('--role', 'admin', '--name', 'ops');
  tokens.site = token('--role', 'site', '--site', 'news.example');
  base = `http://127.0.0.1:${await startDaemon()}`;
});

after(() => {
  if (daemon && daemon.exitCode === null) {
    daemon.removeAllListeners('exit');
    daemon.kill('SIGTERM');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// The operations ("get /v1/queue") whose real responses were checked.
const checked = new Set();

// Calls the daemon and checks the answer against the operation `method
// pattern` of the document: its status is listed, and a body matches the
// schema listed for that status and content type. Returns {status, body}.
// `body` is sent as JSON; `form` as application/x-www-form-urlencoded.
// `partial`: the body is meant to be partly invalid (a batch with a bad item).
async function call(method, pattern, target, { as, body, form, headers: extra, partial } = {}) {
  const headers = { ...extra };
  if (as) headers.Authorization = `Bearer ${tokens[as]}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  } else if (form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  }
  const res = await fetch(base + target, { method: method.toUpperCase(), headers, body: payload });
  const text = await res.text();
  const operation = spec.paths[pattern]?.[method];
  assert.ok(operation, `${method} ${pattern} is not in docs/openapi.yaml`);
  let response = operation.responses[String(res.status)];
  assert.ok(response, `${method} ${target}: status ${res.status} is not documented: ${text}`);
  // Where the response is in the document (a JSON Pointer), so that the
  // schema's own $refs resolve against the document.
  const escape = (part) => part.replaceAll('~', '~0').replaceAll('/', '~1');
  let at = `#/paths/${escape(pattern)}/${method}/responses/${res.status}`;
  if (response.$ref) {
    at = response.$ref;
    response = spec.components.responses[response.$ref.split('/').pop()];
  }
  checked.add(`${method} ${pattern}`);
  // A body the daemon accepted is one the document's requestBody accepts.
  const requestSchema = operation.requestBody?.content?.['application/json']?.schema;
  if (body !== undefined && res.status < 300 && requestSchema && !partial) {
    const ptr = `#/paths/${escape(pattern)}/${method}/requestBody/content/application~1json/schema`;
    const validateRequest = ajv.compile({ $ref: `openapi${ptr}` });
    assert.ok(validateRequest(body), `${method} ${target}: the document refuses the accepted body ` +
      `${JSON.stringify(body).slice(0, 200)}: ${ajv.errorsText(validateRequest.errors)}`);
  }
  if (res.status === 204 || method === 'head') return { status: res.status, body: null };
  // The content type as sent, or without its parameters.
  const sent = res.headers.get('content-type') ?? '';
  const type = response.content?.[sent] ? sent : sent.split(';')[0];
  const media = response.content?.[type];
  if (!response.content && text === '') return { status: res.status, body: null };
  assert.ok(media, `${method} ${target}: ${res.status} ${sent} is not documented`);
  const value = type.endsWith('json') ? JSON.parse(text) : text;
  const validate = ajv.compile({ $ref: `openapi${at}/content/${escape(type)}/schema` });
  assert.ok(validate(value), `${method} ${target} → ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`);
  return { status: res.status, body: value };
}

describe('docs/openapi.yaml', () => {
  test('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(specPath);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(spec.openapi, '3.1.0');
  });

  test('is what GET /openapi.json serves', async () => {
    const res = await fetch(`${base}/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), spec);
  });
});

describe('real responses match the schemas', () => {
  const comment = {
    site: 'news.example', id: 'oa-1', author: { name: 'Mike', ip: '198.51.100.23' },
    content: 'Best online саsinо, free spins every day! https://bit.ly/3xYz', lang: 'en',
  };

  test('comments and check', async () => {
    const first = await call('post', '/v1/comments', '/v1/comments', { as: 'site', body: comment });
    assert.equal(first.status, 201);
    const again = await call('post', '/v1/comments', '/v1/comments', { as: 'site', body: comment });
    assert.equal(again.status, 200);
    await call('post', '/v1/check', '/v1/check', { as: 'site', body: { site: 'news.example', content: 'hello' } });
    const batch = await call('post', '/v1/comments/batch', '/v1/comments/batch', {
      as: 'site', body: { comments: [{ site: 'news.example', content: 'fine' }, { site: 'news.example' }] }, partial: true,
    });
    assert.ok(batch.body.results[1].error);
    await call('get', '/v1/comments/{id}', `/v1/comments/${first.body.id}`, { as: 'site' });
    await call('get', '/v1/comments', '/v1/comments?site=news.example', { as: 'site' });
  });

  test('the review queue', async () => {
    await call('put', '/v1/admin/sites/{name}', '/v1/admin/sites/news.example', {
      as: 'admin', body: { hold_at: -1, reject_at: 1000 },
    });
    await call('post', '/v1/comments', '/v1/comments', { as: 'site', body: { site: 'news.example', content: 'held for sure' } });
    const page = await call('get', '/v1/queue', '/v1/queue?limit=5', { as: 'admin' });
    const found = await call('get', '/v1/comments/search', '/v1/comments/search?q=held&limit=1', { as: 'admin' });
    assert.equal(found.status, 200);
    assert.equal(found.body.items.length, 1);
    await call('get', '/v1/comments/search', '/v1/comments/search?q=he', { as: 'admin' }); // 400
    const filtered = await call('get', '/v1/comments/search',
      '/v1/comments/search?label=spam&rule=casino&min_score=0&max_score=100&since=0&until=2999-01-01T00:00:00Z',
      { as: 'admin' });
    assert.equal(filtered.status, 200);
    await call('get', '/v1/comments/search', '/v1/comments/search?min_score=x', { as: 'admin' }); // 400
    // Saved views: create, replace, list, delete, and their errors.
    const view = { kind: 'search', name: 'Held', filter: { q: 'held', status: 'pending' } };
    const saved = await call('post', '/v1/views', '/v1/views', { as: 'admin', body: view });
    assert.equal(saved.status, 201);
    const replaced = await call('post', '/v1/views', '/v1/views', { as: 'admin', body: { ...view, filter: {} } });
    assert.equal(replaced.status, 200);
    await call('post', '/v1/views', '/v1/views', { as: 'admin', body: { ...view, kind: 'audit' } }); // 422
    const views = await call('get', '/v1/views', '/v1/views?kind=search', { as: 'admin' });
    assert.equal(views.body.items.length, 1);
    await call('get', '/v1/views', '/v1/views?kind=x', { as: 'admin' }); // 400
    const gone = await call('delete', '/v1/views/{id}', `/v1/views/${saved.body.id}`, { as: 'admin' });
    assert.equal(gone.status, 204);
    await call('delete', '/v1/views/{id}', `/v1/views/${saved.body.id}`, { as: 'admin' }); // 404
    assert.ok(page.body.items.length >= 1);
    // A bulk action: dry run, start, progress until done, undo, and its errors.
    const filter = { q: 'held for sure' };
    const dry = await call('post', '/v1/queue/bulk', '/v1/queue/bulk', {
      as: 'admin', body: { filter, decision: 'spam', dry_run: true },
    });
    assert.equal(dry.body.matched, 1);
    const started = await call('post', '/v1/queue/bulk', '/v1/queue/bulk', {
      as: 'admin', body: { filter, decision: 'spam' },
    });
    assert.equal(started.status, 202);
    let action = started.body;
    while (action.state === 'running') {
      action = (await call('get', '/v1/queue/bulk/{id}', `/v1/queue/bulk/${action.id}`, { as: 'admin' })).body;
    }
    assert.equal(action.decided, 1);
    const undo = await call('post', '/v1/queue/bulk/{id}/undo', `/v1/queue/bulk/${action.id}/undo`, { as: 'admin' });
    assert.equal(undo.status, 202);
    await call('get', '/v1/queue/bulk/{id}', '/v1/queue/bulk/999999', { as: 'admin' }); // 404
    const bad = await call('post', '/v1/queue/bulk', '/v1/queue/bulk', { as: 'admin', body: { filter: {}, decision: 'x' } });
    assert.equal(bad.status, 422);
    await call('get', '/v1/admin/sites', '/v1/admin/sites', { as: 'admin' });
    await call('get', '/v1/admin/tokens', '/v1/admin/tokens', { as: 'admin' });
  });

  test('errors are problem+json', async () => {
    await call('post', '/v1/comments', '/v1/comments', { body: comment }); // 401
    await call('get', '/v1/queue', '/v1/queue', { as: 'site' }); // 403
    await call('get', '/v1/comments/{id}', '/v1/comments/999999', { as: 'site' }); // 404
    const invalid = await call('post', '/v1/comments', '/v1/comments', {
      as: 'site', body: { site: 'news.example', content: ' ', author: { email: 'nope' } },
    });
    assert.equal(invalid.status, 422);
    assert.ok(invalid.body.errors.length >= 2);
    await call('get', '/v1/comments', '/v1/comments', { as: 'site' }); // 400: site is required
  });
});

describe('every other operation answers what the document says', () => {
  const held = async (id) => (await call('post', '/v1/comments', '/v1/comments', {
    as: 'site', body: { site: 'news.example', id, content: `held for review ${id}`, author: { email: 'oa@example.org' } },
  })).body.id;

  test('operations', async () => {
    assert.equal((await call('get', '/healthz', '/healthz')).status, 200);
    assert.equal((await call('get', '/readyz', '/readyz')).status, 200);
    assert.equal((await call('get', '/openapi.json', '/openapi.json')).status, 200);
    const metrics = await call('get', '/metrics', '/metrics');
    assert.match(metrics.body, /^# HELP /);
  });

  test('claims, decisions, undo, history, reputation', async () => {
    await call('put', '/v1/admin/sites/{name}', '/v1/admin/sites/news.example', {
      as: 'admin', body: { hold_at: -1, reject_at: 1000 },
    });
    const id = await held('oa-review-1');
    const claim = await call('post', '/v1/queue/{id}/claim', `/v1/queue/${id}/claim`, { as: 'admin', body: { minutes: 5 } });
    assert.equal(claim.status, 200);
    assert.equal((await call('delete', '/v1/queue/{id}/claim', `/v1/queue/${id}/claim`, { as: 'admin' })).status, 204);
    const decided = await call('post', '/v1/comments/{id}/decision', `/v1/comments/${id}/decision`, {
      as: 'admin', body: { decision: 'approve', note: 'fine' },
    });
    assert.equal(decided.body.comment.status, 'approved');
    assert.equal((await call('get', '/v1/comments/{id}/history', `/v1/comments/${id}/history`, { as: 'admin' })).status, 200);
    const undone = await call('post', '/v1/comments/{id}/undo', `/v1/comments/${id}/undo`, { as: 'admin' });
    assert.equal(undone.status, 200);
    const many = await call('post', '/v1/decisions', '/v1/decisions', {
      as: 'admin', body: { ids: [id, 999999], decision: 'spam' },
    });
    assert.deepEqual(many.body.results.map((r) => r.status), [200, 404]);
    const rep = await call('get', '/v1/reputation', '/v1/reputation?email=oa@example.org', { as: 'admin' });
    assert.equal(rep.status, 200);
  });

  test('tokens, sites, audit, erasure', async () => {
    const made = await call('post', '/v1/admin/tokens', '/v1/admin/tokens', {
      as: 'admin', body: { name: 'oa-moderator', role: 'moderator' },
    });
    assert.equal(made.status, 201);
    assert.equal((await call('delete', '/v1/admin/tokens/{id}', `/v1/admin/tokens/${made.body.id}`, { as: 'admin' })).status, 204);
    assert.equal((await call('get', '/v1/admin/sites/{name}', '/v1/admin/sites/news.example', { as: 'admin' })).status, 200);
    await call('get', '/v1/admin/sites/{name}/model', '/v1/admin/sites/news.example/model', { as: 'admin' });
    await call('put', '/v1/admin/sites/{name}', '/v1/admin/sites/gone.example', { as: 'admin', body: {} });
    assert.equal((await call('delete', '/v1/admin/sites/{name}', '/v1/admin/sites/gone.example', { as: 'admin' })).status, 204);
    assert.equal((await call('get', '/v1/admin/audit', '/v1/admin/audit', { as: 'admin' })).status, 200);
    const erased = await call('delete', '/v1/admin/authors', '/v1/admin/authors?email=nobody@example.org', { as: 'admin' });
    assert.equal(erased.status, 200);
  });

  test('rules', async () => {
    const current = await call('get', '/v1/admin/rules', '/v1/admin/rules', { as: 'admin' });
    const text = current.body.text;  // the same rules again: nothing else in this file changes
    const put = await call('put', '/v1/admin/rules', '/v1/admin/rules', { as: 'admin', body: { text, comment: 'first' } });
    assert.equal(put.status, 200);
    await call('put', '/v1/admin/rules', '/v1/admin/rules', { as: 'admin', body: { text, comment: 'second' } });
    const versions = await call('get', '/v1/admin/rules/versions', '/v1/admin/rules/versions', { as: 'admin' });
    assert.ok(versions.body.versions.length >= 2);
    const one = await call('get', '/v1/admin/rules/versions/{id}', `/v1/admin/rules/versions/${put.body.version.id}`, { as: 'admin' });
    assert.equal(one.body.text, text);
    const back = await call('post', '/v1/admin/rules/rollback', '/v1/admin/rules/rollback', { as: 'admin', body: {} });
    assert.equal(back.status, 200);
    const bad = await call('put', '/v1/admin/rules', '/v1/admin/rules', { as: 'admin', body: { text: 'rules: [' } });
    assert.equal(bad.status, 422);
    const backtest = await call('post', '/v1/admin/rules/backtest', '/v1/admin/rules/backtest', { as: 'admin', body: { text } });
    assert.equal(backtest.status, 200);
  });

  test('models', async () => {
    const list = await call('get', '/v1/admin/models', '/v1/admin/models', { as: 'admin' });
    assert.equal(list.status, 200);
    // Too few labels: 422. Then 50 ham and 50 spam labels, and a job.
    const few = await call('post', '/v1/admin/models/train', '/v1/admin/models/train', {
      as: 'admin', body: { site: 'learn.example' },
    });
    assert.equal(few.status, 422);
    const comments = [];
    for (let i = 0; i < 100; i++) {
      comments.push({ site: 'learn.example', id: `l-${i}`,
        content: i % 2 ? `casino free spins bonus ${i} https://spam-casino.example/${i}` : `Thanks for the article number ${i}` });
    }
    const batch = await call('post', '/v1/comments/batch', '/v1/comments/batch', { as: 'admin', body: { comments } });
    const ids = batch.body.results.map((r) => r.id);
    for (const [decision, parity] of [['approve', 0], ['spam', 1]]) {
      const decided = await call('post', '/v1/decisions', '/v1/decisions', {
        as: 'admin', body: { ids: ids.filter((_, i) => i % 2 === parity), decision },
      });
      assert.ok(decided.body.results.every((r) => r.status === 200), JSON.stringify(decided.body));
    }
    const train = await call('post', '/v1/admin/models/train', '/v1/admin/models/train', {
      as: 'admin', body: { site: 'learn.example' },
    });
    assert.equal(train.status, 202);
    let job = train.body;
    do {
      job = (await call('get', '/v1/admin/models/jobs/{id}', `/v1/admin/models/jobs/${train.body.id}`, { as: 'admin' })).body;
      assert.equal(job.id, train.body.id);
    } while (job.state === 'queued' || job.state === 'running');
    assert.equal((await call('get', '/v1/admin/models/jobs', '/v1/admin/models/jobs', { as: 'admin' })).status, 200);
    const models = (await call('get', '/v1/admin/models', '/v1/admin/models', { as: 'admin' })).body;
    const model = JSON.stringify(models).match(/"id":"([^"]+)"/)?.[1] ?? 'no-such-model';
    await call('get', '/v1/admin/models/{id}', `/v1/admin/models/${model}`, { as: 'admin' });
    await call('post', '/v1/admin/models/{id}/activate', '/v1/admin/models/no-such-model/activate', { as: 'admin' }); // 404
    await call('post', '/v1/admin/models/rollback', '/v1/admin/models/rollback', { as: 'admin', body: { site: 'learn.example' } });
  });

  test('the Akismet API, GET and POST', async () => {
    const key = execFileSync(binary, ['token', 'create', '--data-dir', dir, '--role', 'site', '--site', 'news.example',
      '--akismet'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const fields = {
      api_key: key, key, blog: 'https://news.example', user_ip: '203.0.113.7', comment_content: 'hello from openapi',
    };
    for (const endpoint of ['/1.1/verify-key', '/1.1/comment-check', '/1.1/submit-spam', '/1.1/submit-ham',
      '/1.2/key-sites', '/1.2/usage-limit']) {
      const post = await call('post', endpoint, endpoint, { form: fields });
      const get = await call('get', endpoint, `${endpoint}?${new URLSearchParams(fields)}`);
      assert.equal(post.status, 200);
      assert.equal(get.status, 200);
    }
  });

  test('the console', async () => {
    assert.equal((await call('get', '/', '/')).status, 200);
    assert.equal((await call('head', '/', '/')).status, 200);
    for (const file of ['app.js', 'console.css', 'i18n/en.js', 'no-such-file']) {
      await call('get', '/console/{path}', `/console/${file}`);
    }
    assert.equal((await call('head', '/console/{path}', '/console/app.js')).status, 200);
  });
});

test('every operation of the document had a real response checked', () => {
  const all = Object.entries(spec.paths).flatMap(([p, item]) =>
    Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'head', 'patch'].includes(m)).map((m) => `${m} ${p}`));
  assert.deepEqual(all.filter((op) => !checked.has(op)), []);
});
