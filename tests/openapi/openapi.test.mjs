// The OpenAPI contract (docs/openapi.yaml):
// - the document is valid OpenAPI 3.1 (npm @seriousme/openapi-schema-validator,
//   pinned by package-lock.json);
// - the daemon serves the same document at GET /openapi.json;
// - real responses of a running daemon — comments, check, batch, polling,
//   the queue, tokens, sites and errors — carry a status the document lists
//   for that operation and match its schema (Ajv, JSON Schema 2020-12).
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

// Calls the daemon and checks the answer against the operation `method
// pattern` of the document: its status is listed, and a JSON body matches
// the schema listed for that status and content type. Returns the body.
async function call(method, pattern, target, { as, body } = {}) {
  const headers = {};
  if (as) headers.Authorization = `Bearer ${tokens[as]}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + target, {
    method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
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
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (res.status === 204) return null;
  const media = response.content?.[type];
  assert.ok(media, `${method} ${target}: ${res.status} ${type} is not documented`);
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
      as: 'site', body: { comments: [{ site: 'news.example', content: 'fine' }, { site: 'news.example' }] },
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
