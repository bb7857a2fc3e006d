#!/usr/bin/env python3
"""A site talking to moderated, with Python's standard library only.

It does the two things a site does:

1. submits each new comment to POST /v1/comments and acts on the verdict
   (publish it, keep it hidden while it is held, or drop it);
2. receives the webhook that tells it what a moderator decided about a held
   comment, after checking the webhook's signature.

Environment:
  MODERATED_URL   the daemon, default http://127.0.0.1:8080
  SITE_TOKEN      a site token (moderated token create --role site --site SITE)
  SITE            the site name, default news.example
  WEBHOOK_SECRET  the secret registered with the site's webhook_url
  WEBHOOK_PORT    where to listen for webhooks, default 8081 (0: any free port)

Run it, then register http://127.0.0.1:PORT/moderation-hook as the site's
webhook_url (docs/api.md, "Sites"). It submits one comment, then handles
webhooks until one has arrived (a moderator decided); exit status 0.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import time
import urllib.error
import urllib.request

MODERATED_URL = os.environ.get("MODERATED_URL", "http://127.0.0.1:8080")
SITE_TOKEN = os.environ["SITE_TOKEN"]
SITE = os.environ.get("SITE", "news.example")
WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"].encode()
WEBHOOK_PORT = int(os.environ.get("WEBHOOK_PORT", "8081"))
MAX_AGE_S = 300  # reject replays of old webhooks


def submit(comment):
    """POST /v1/comments: the verdict, as a dict."""
    request = urllib.request.Request(
        MODERATED_URL + "/v1/comments",
        data=json.dumps(comment).encode(),
        headers={"Authorization": "Bearer " + SITE_TOKEN, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        # 4xx/5xx come as problem+json: {"title", "status", "detail", "errors"?}
        problem = json.load(e)
        sys.exit(f"moderated refused the comment: {e.code} {problem.get('detail')}")


def verify(timestamp, signature, body):
    """True if `signature` is sha256=HMAC(secret, timestamp + "." + body) and recent."""
    try:
        if abs(time.time() - int(timestamp)) > MAX_AGE_S:
            return False
    except ValueError:
        return False
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET, timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    seen_events = set()  # deliveries are at least once: deduplicate by event id
    decided = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))  # raw bytes
        if not verify(self.headers.get("X-Moderated-Timestamp", ""),
                      self.headers.get("X-Moderated-Signature", ""), body):
            print("webhook refused: bad signature", flush=True)
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        if event["event_id"] not in WebhookHandler.seen_events:
            WebhookHandler.seen_events.add(event["event_id"])
            c = event["comment"]
            # A real site would now publish or delete its comment c["external_id"].
            print(f"webhook verified: comment {c['id']} ({c['external_id']}) is {c['status']}"
                  f" ({c['decision']})", flush=True)
            WebhookHandler.decided = c
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    server = http.server.HTTPServer(("127.0.0.1", WEBHOOK_PORT), WebhookHandler)
    print(f"webhook listening on http://127.0.0.1:{server.server_port}/moderation-hook",
          flush=True)

    verdict = submit({
        "site": SITE,
        "id": "py-1",
        "thread": "https://news.example/2026/12/elections",
        "author": {"name": "Ivan", "email": "ivan@example.ru", "ip": "198.51.100.7"},
        "content": "Лучшее казино, фриспины для всех!",
        "lang": "ru",
    })
    # status: approved (publish), pending (wait for a moderator), rejected (drop).
    print(f"comment stored: id={verdict['id']} status={verdict['status']} "
          f"action={verdict['action']}", flush=True)

    while WebhookHandler.decided is None:
        server.handle_request()
    server.server_close()


if __name__ == "__main__":
    main()
