#!/usr/bin/env python3
"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, every accepted message
appended to FILE as one JSON line: envelope sender and recipients, the decoded
subject, content type, text and HTML parts, and the raw message.

Recipients whose local part starts with a marker are answered differently, so the
tests can see retries and failures:
  "tempfail-once"  451 at the first RCPT for that address, accepted afterwards;
  "tempfail"       451 every time;
  "permfail"       550 every time.
Every RCPT answer is also appended to FILE.rcpt as {"to": ..., "code": ...}.

usage: smtp_sink.py FILE [CERT KEY]
With CERT and KEY (PEM) the server requires STARTTLS with that certificate. Prints the
port on stdout, then serves until killed.
"""

import email
import email.policy
import json
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path):
        self.path = path
        self.seen = set()
        self.lock = threading.Lock()

    def note(self, suffix, record):
        with self.lock, open(self.path + suffix, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        code = "250 OK"
        if local.startswith("tempfail-once"):
            if address not in self.seen:
                self.seen.add(address)
                code = "451 4.3.0 try again later"
        elif local.startswith("tempfail"):
            code = "451 4.3.0 try again later"
        elif local.startswith("permfail"):
            code = "550 5.1.1 no such mailbox"
        self.note(".rcpt", {"to": address, "code": int(code[:3])})
        if code.startswith("250"):
            envelope.rcpt_tos.append(address)
        return code

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_subtype()] = part.get_content()
        self.note("", {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg.get("subject", "")),
            "content_type": msg.get_content_type(),
            "text": parts.get("plain", ""),
            "html": parts.get("html", ""),
            "data": raw.decode("utf-8", "replace"),
        })
        return "250 Message accepted"


def main():
    path = sys.argv[1]
    open(path, "a").close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tls = {}
    if len(sys.argv) == 4:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        tls = {"tls_context": context, "require_starttls": True}
    controller = Controller(Sink(path), hostname="127.0.0.1", port=port, **tls)
    controller.start()
    print(port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
