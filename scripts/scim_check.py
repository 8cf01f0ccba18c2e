#!/usr/bin/env python3
"""SCIM compliance: runs scim2-tester's checks against a release `pulseline serve`.

Starts the server on a fresh SQLite database, creates an admin (`pulseline
create-admin`), two teams and a SCIM token (through the API), and runs every check of
scim2-tester (https://github.com/python-scim/scim2-tester) against /scim/v2. Fails
(exit 1) on any check that ends in ERROR or CRITICAL; SKIPPED checks are the features
/ServiceProviderConfig does not announce (bulk, sorting, ETags, cross-type search).

One result is read differently from how the tester reports it. When it PATCHes the
whole enterprise extension object, it compares the answer with everything it sent,
`manager` included; but `manager` is write-only (`returned: never` in /Schemas: it
makes the manager a manager of the person's team, it is not kept on the person), so
it is rightly absent from the answer. Such a check counts as passed when the answer
holds exactly the values sent apart from the write-only attributes; any other
difference fails. (The tester itself skips the comparison for a write-only attribute
patched on its own, not for one inside a complex value.)

Two things are said to the tester that a SCIM schema cannot say:
- pulseline's userName is the person's e-mail address (RFC 7643 lets a service
  provider constrain it), so the User model's userName gets e-mail examples, fresh
  each time, where the tester would otherwise send a random UUID;
- the mass-change guard is turned off (PULSELINE_SCIM_MAX_DEACTIVATE_SHARE=1): the
  tester deletes every user it creates, in a database of a handful of people. The
  guard has its own tests (tests/api/scim.rs).

Usage: scim_check.py --bin target/release/pulseline   (run with the venv's python,
which holds scim2-tester and scim2-client[httpx2]).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSWORD = "a sturdy scim check password"
ADMIN = "scim-check-admin@example.org"
KEY = "scim-check-master-key-0123456789abcdefghijklmnop"


class FreshEmails:
    """A sequence `random.choice` reads as examples: a new address at every index."""

    def __len__(self) -> int:
        return 1_000_000

    def __getitem__(self, i: int) -> str:
        return f"u{uuid.uuid4().hex[:16]}@example.org"

    def __bool__(self) -> bool:
        return True


# Attributes /Schemas announces as write-only (never returned), by extension.
WRITE_ONLY = {"manager"}


def write_only_difference(res) -> bool:
    """The PATCH answer holds the values sent, apart from write-only attributes."""
    data = res.data if isinstance(res.data, dict) else {}
    expected, actual = data.get("expected"), data.get("modify_actual")
    if not (hasattr(expected, "model_dump") and hasattr(actual, "model_dump")):
        return False
    e, a = expected.model_dump(), actual.model_dump()
    if e == a:
        return False
    for key in WRITE_ONLY:
        e.pop(key, None)
        a.pop(key, None)
    return e == a


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, method: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def run(binary: str, teams: str) -> list | None:
    """Every check against a fresh server whose teams `teams` drives; None if it did
    not start."""
    work = tempfile.mkdtemp(prefix="pulseline-scim-")
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": os.path.join(work, "scim.db"),
            "PULSELINE_MASTER_KEY": KEY,
            "PULSELINE_BIND": f"127.0.0.1:{port}",
            "PULSELINE_SCIM_MAX_DEACTIVATE_SHARE": "1",
            "PULSELINE_SCIM_TEAMS": teams,
            "RUST_LOG": "warn",
        }
    )
    r = subprocess.run(
        [binary, "create-admin", "--email", ADMIN, "--name", "SCIM check"],
        env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
    )
    if r.returncode != 0:
        print(f"create-admin failed: {r.stderr}", file=sys.stderr)
        return None
    log = open(os.path.join(work, "server.log"), "wb")
    server = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not get ready", file=sys.stderr)
                return None
            time.sleep(0.1)
        token = api(port, "POST", "/api/v1/auth/login", body={"email": ADMIN, "password": PASSWORD})["access_token"]
        # Teams a department may name (the schema lists them as canonical values).
        for name in ("Support", "Sales"):
            api(port, "POST", "/api/v1/teams", token, {"name": name, "kind": "frontline"})
        secret = api(port, "POST", "/api/v1/scim-tokens", token, {"name": "scim2-tester"})["secret"]

        http = httpx2.Client(
            base_url=f"http://127.0.0.1:{port}/scim/v2",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=30,
        )
        client = SyncSCIMClient(http)
        client.discover()
        user = client.get_resource_model("User")
        user.model_fields["user_name"].examples = FreshEmails()
        results = check_server(client)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    counts: dict[str, int] = {}
    failed = []
    results = []
    # Both settings of PULSELINE_SCIM_TEAMS: /Schemas differs (department or group
    # members writable).
    for teams in ("department", "groups"):
        print(f"\n== PULSELINE_SCIM_TEAMS={teams}")
        got = run(args.bin, teams)
        if got is None:
            return 1
        for res in got:
            res.title = f"[{teams}] {res.title}"
        results.extend(got)
    for res in results:
        name = res.status.name
        if res.status == Status.ERROR and write_only_difference(res):
            name = "PASSED*"
        counts[name] = counts.get(name, 0) + 1
        line = f"{name:10} {res.resource_type or '-':6} {res.title}: {res.reason or ''}"
        print(line.strip())
        if name in ("ERROR", "CRITICAL"):
            failed.append(line)
    print("\nscim2-tester: " + ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items())))
    if "PASSED*" in counts:
        print("(passed*: equal apart from the write-only manager, which is never returned)")
    if failed:
        print(f"\n{len(failed)} check(s) failed:", file=sys.stderr)
        for line in failed:
            print("  " + line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
