#!/usr/bin/env python3
"""A local HTTP receiver for the webhook and chat tests (tests/api/hooks.rs).

Usage: webhook_sink.py FILE

Listens on 127.0.0.1 (a free port, printed on the first line of stdout) and appends
one JSON line per request to FILE: the path, the body, the webhook-* headers, the
answer it gave and, for a path whose secret is known, whether the Standard Webhooks
signature verifies with the `standardwebhooks` package under that secret and whether
it (wrongly) verifies under a different secret.

  POST /_secret/NAME   (body: the whsec_ secret) registers the secret of /h/NAME...
  POST /h/NAME[?fail=N|?fail=always]
                       answers 500 to the first N requests to NAME (or to all), else 204.
  POST /h/NAME?answer=CODE
                       answers CODE, with a body that repeats the form's To field (as
                       some SMS gateways do), to every request to NAME.

A form body (application/x-www-form-urlencoded, the SMS tests) is also kept parsed, and
the Authorization header as it came.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

OUT = sys.argv[1]
LOCK = threading.Lock()
SECRETS = {}
SEEN = {}
# A secret nobody was given: a signature must never verify under it.
WRONG = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="


def verifies(secret, body, headers):
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if parts[0] == "_secret" and len(parts) == 2:
            with LOCK:
                SECRETS[parts[1]] = body
            self.send_response(204)
            self.end_headers()
            return
        name = parts[1] if len(parts) > 1 else ""
        fail = parse_qs(url.query).get("fail", ["0"])[0]
        headers = {
            k: self.headers.get(k)
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
            if self.headers.get(k) is not None
        }
        # One critical section from counting the request to writing it down: the file
        # lists the requests to NAME in the order they were counted, so the first line
        # is the one that was answered as the first (two requests at once could
        # otherwise be written the other way round).
        with LOCK:
            SEEN[name] = SEEN.get(name, 0) + 1
            n = SEEN[name]
            secret = SECRETS.get(name)
            code = 500 if fail == "always" or (fail.isdigit() and n <= int(fail)) else 204
            form = None
            if (self.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            answer = parse_qs(url.query).get("answer", [None])[0]
            reply = b""
            if answer is not None and answer.isdigit():
                code = int(answer)
                reply = ("refused: %s" % (form or {}).get("To", "")).encode("utf-8")
            record = {
                "path": url.path,
                "name": name,
                "body": body,
                "headers": headers,
                "content_type": self.headers.get("content-type"),
                "answered": code,
                "authorization": self.headers.get("authorization"),
                "form": form,
            }
            if secret is not None:
                record["verified"] = verifies(secret, body, headers)
                record["verified_with_wrong_secret"] = verifies(WRONG, body, headers)
            with open(OUT, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        self.send_response(code)
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
