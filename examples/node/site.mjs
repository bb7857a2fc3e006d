// A site talking to moderated, with Node's standard library only (Node 18+:
// global fetch, node:http, node:crypto).
//
// It does the two things a site does:
// 1. submits each new comment to POST /v1/comments and acts on the verdict
//    (publish it, keep it hidden while it is held, or drop it);
// 2. receives the webhook that tells it what a moderator decided about a held
//    comment, after checking the webhook's signature.
//
// Environment:
//   MODERATED_URL   the daemon, default http://127.0.0.1:8080
//   SITE_TOKEN      a site token (moderated token create --role site --site SITE)
//   SITE            the site name, default news.example
//   WEBHOOK_SECRET  the secret registered with the site's webhook_url
//   WEBHOOK_PORT    where to listen for webhooks, default 8081 (0: any free port)
//
// Run it (node examples/node/site.mjs) with http://127.0.0.1:PORT/moderation-hook
// registered as the site's webhook_url (docs/api.md, "Sites"). It submits one
// comment, then handles webhooks until one has arrived (a moderator decided).
import crypto from 'node:crypto';
import http from 'node:http';

const MODERATED_URL = process.env.MODERATED_URL ?? 'http://127.0.0.1:8080';
const SITE_TOKEN = process.env.SITE_TOKEN;
const SITE = process.env.SITE ?? 'news.example';
const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET;
const WEBHOOK_PORT = Number(process.env.WEBHOOK_PORT ?? 8081);
const MAX_AGE_S = 300; // reject replays of old webhooks

// POST /v1/comments: the verdict.
async function submit(comment) {
  const res = await fetch(`${MODERATED_URL}/v1/comments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SITE_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(comment),
  });
  const body = await res.json();
  // 4xx/5xx come as problem+json: {title, status, detail, errors?}
  if (!res.ok) throw new Error(`moderated refused the comment: ${res.status} ${body.detail}`);
  return body;
}

// True if `signature` is sha256=HMAC(secret, timestamp + "." + body) and recent.
export function verify(secret, timestamp, signature, body) {
  const t = Number(timestamp);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > MAX_AGE_S) return false;
  const expected = 'sha256=' +
    crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(String(signature ?? ''));
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

const seenEvents = new Set(); // deliveries are at least once: deduplicate by event id

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks); // the raw bytes, before any parsing
    if (req.method !== 'POST' ||
        !verify(WEBHOOK_SECRET, req.headers['x-moderated-timestamp'],
          req.headers['x-moderated-signature'], body)) {
      console.log('webhook refused: bad signature');
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body);
    res.writeHead(204).end();
    if (seenEvents.has(event.event_id)) return;
    seenEvents.add(event.event_id);
    const c = event.comment;
    // A real site would now publish or delete its comment c.external_id.
    console.log(`webhook verified: comment ${c.id} (${c.external_id}) is ${c.status} (${c.decision})`);
    server.close();
  });
});

server.listen(WEBHOOK_PORT, '127.0.0.1', async () => {
  console.log(`webhook listening on http://127.0.0.1:${server.address().port}/moderation-hook`);
  const verdict = await submit({
    site: SITE,
    id: 'node-1',
    thread: 'https://news.example/2026/12/elections',
    author: { name: 'Mike', email: 'mike@example.com', ip: '198.51.100.8' },
    content: 'Best online casino, free spins every day!',
    lang: 'en',
  });
  // status: approved (publish), pending (wait for a moderator), rejected (drop).
  console.log(`comment stored: id=${verdict.id} status=${verdict.status} action=${verdict.action}`);
});
