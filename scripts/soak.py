#!/usr/bin/env python3
"""System-level checks of the release `pulseline serve` binary, as an operator would run
them: nothing lost under load, nothing lost or half-written after `kill -9`, two replicas
on one PostgreSQL, and (as a measurement, not a check) memory and latency under a login
flood.

Python 3 standard library only. Every check that fails is printed as `FAIL: ...` and the
script exits with status 1; a run with no failure exits 0.

    scripts/soak.py load    --db sqlite|postgres   # 1,000 people, 1,000 answers + 1,000 duplicates
    scripts/soak.py crash   --db sqlite|postgres   # the same load, SIGKILL at a random moment
    scripts/soak.py replicas                       # two servers on one PostgreSQL database
    scripts/soak.py flood   [--db sqlite|postgres] # login flood vs GET /me (benchmark)
    scripts/soak.py upgrade --old-bin OLD [--db …] # OLD serves while this binary migrates and joins
    scripts/soak.py mail                           # two replicas, one SMTP server, kill -9 mid-send
    scripts/soak.py mail-bench --mail-people 10000 # pulse-open messages per hour (benchmark)
    scripts/soak.py pages  [--db …]                # every page's load time, demo data (benchmark)
    scripts/soak.py ci                             # load, crash (both databases), replicas, mail;
                                                   # upgrade too when --old-bin is given

The binary is `$CARGO_TARGET_DIR/release/pulseline` (or `target/release/pulseline`)
unless `--bin` is given; build it first with `cargo build --release`. PostgreSQL runs use
a fresh database per run, created through `--pg` (default
postgres://postgres@127.0.0.1:5432/postgres, which needs CREATEDB) and dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone

SECRET = "soak-signing-key-shared-by-every-replica-0123456789"
ADMIN_EMAIL = "soak-admin@example.org"
PASSWORD = "a sturdy soak password"
# Cheap hashing for the load runs, so that 1,000 activations take seconds, not minutes;
# the flood benchmark keeps the production parameters.
CHEAP_ARGON2 = {"PULSELINE_ARGON2_M_KIB": "64", "PULSELINE_ARGON2_T": "1", "PULSELINE_ARGON2_P": "1"}
# Lines that must never appear in a server log.
FORBIDDEN_LOG = [
    re.compile(r"database is locked", re.I),
    re.compile(r"panicked", re.I),
    re.compile(r"scheduler pass failed", re.I),
]


class Fail(Exception):
    """A setup step that could not be done (the run stops)."""


class Checks:
    """Collects results; a failed check is reported and makes the run fail."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            print(f"  ok    {what}")
        else:
            msg = f"{self.name}: {what}" + (f" ({detail})" if detail else "")
            print(f"  FAIL: {msg}")
            self.failures.append(msg)
        return ok

    def equal(self, got, want, what: str) -> bool:
        return self.check(got == want, f"{what}: {got}" if got == want else what, f"got {got}, want {want}")


# ---------- databases ----------


class Database:
    """A fresh database for one run: a SQLite file in a temporary directory, or a new
    PostgreSQL database created through the admin URL."""

    def __init__(self, kind: str, workdir: str, pg_admin: str) -> None:
        self.kind = kind
        self.pg_admin = pg_admin
        if kind == "sqlite":
            self.path = os.path.join(workdir, "soak.db")
            self.url = self.path
        else:
            self.name = f"pulseline_soak_{uuid.uuid4().hex[:12]}"
            base = pg_admin.rsplit("/", 1)[0]
            self.url = f"{base}/{self.name}"
            psql(pg_admin, f"CREATE DATABASE {self.name}")

    def rows(self, sql: str) -> list[list[str]]:
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                return [[str(v) for v in row] for row in conn.execute(sql).fetchall()]
            finally:
                conn.close()
        out = psql(self.url, sql)
        return [line.split("|") for line in out.splitlines() if line]

    def scalar(self, sql: str) -> int:
        rows = self.rows(sql)
        return int(rows[0][0])

    def drop(self) -> None:
        if self.kind == "postgres":
            try:
                psql(self.pg_admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            except Fail as e:
                print(f"  (could not drop {self.name}: {e})")


def psql(url: str, sql: str) -> str:
    r = subprocess.run(
        ["psql", url, "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if r.returncode != 0:
        raise Fail(f"psql failed: {r.stderr.strip()}")
    return r.stdout


# ---------- the server ----------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `pulseline serve` process, its log in the work directory."""

    def __init__(self, name: str, binary: str, db: Database, workdir: str, env: dict[str, str]) -> None:
        self.name = name
        self.binary = binary
        self.db = db
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.db.url,
                "PULSELINE_JWT_SECRET": SECRET,
                "PULSELINE_MASTER_KEY": "soak-master-key-" + SECRET,
                "RUST_LOG": env.get("SOAK_RUST_LOG", "info"),
                "PULSELINE_LOG_FORMAT": "text",
            }
        )
        env.update(self.env)
        return env

    def run_cli(self, args: list[str], stdin: str = "") -> str:
        r = subprocess.run(
            [self.binary, *args],
            env=self.environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if r.returncode != 0:
            raise Fail(f"pulseline {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def start(self) -> None:
        self.port = free_port()
        env = self.environment()
        env["PULSELINE_BIND"] = f"127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            log.write(f"---- start on port {self.port} at {time.time():.3f}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [self.binary, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        retries = 3
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                # The free port may have been taken between the probe and the bind.
                if retries > 0 and "Address already in use" in self.log_tail(5):
                    retries -= 1
                    self.start()
                    continue
                raise Fail(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                status, _ = Http(self.port, timeout=5).call("GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise Fail(f"{self.name} was not ready within {timeout} s:\n{self.log_tail()}")

    def sigkill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.sigkill()

    def status_kib(self, field: str) -> int:
        """A memory figure of /proc/PID/status (VmRSS, VmHWM) in KiB."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise Fail(f"{field} not in /proc/{self.proc.pid}/status")

    def hashing_threads(self) -> int:
        """Threads named pulseline-hash-N (the name is cut to 15 characters in comm)."""
        assert self.proc is not None
        n = 0
        for task in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{task}/comm") as f:
                    n += f.read().startswith("pulseline-hash")
            except FileNotFoundError:
                pass
        return n

    def log_text(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def count_log(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log_text()))


def check_logs(c: Checks, servers: list[Server]) -> None:
    for s in servers:
        text = s.log_text()
        bad = [line for line in text.splitlines() if any(p.search(line) for p in FORBIDDEN_LOG)]
        c.check(not bad, f"{s.name} log: no 'database is locked', panic or failed scheduler pass", "; ".join(bad[:5]))
        errors = [line for line in text.splitlines() if " ERROR " in line]
        c.check(not errors, f"{s.name} log: no ERROR line", "; ".join(errors[:5]))


# ---------- HTTP ----------


class Http:
    """One keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, token: str | None = None, body=None, ctype: str = "application/json"):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = ctype
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        if (resp.getheader("connection") or "").lower() == "close":
            self.close()
        return resp.status, data

    def expect(self, status: int, method: str, path: str, token: str | None = None, body=None, ctype="application/json"):
        got, data = self.call(method, path, token, body, ctype)
        if got != status:
            raise Fail(f"{method} {path}: {got} (wanted {status}): {data[:400]!r}")
        return json.loads(data) if data else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_pool(port: int, jobs: list, concurrency: int, stop: threading.Event | None = None, on_done=None) -> list:
    """Sends `jobs` (method, path, token, body) over `concurrency` keep-alive connections,
    each sending its next job as soon as the previous one is answered. Returns, per job,
    (status or None, body or error text, seconds) — or None for a job never sent."""
    results: list = [None] * len(jobs)
    lock = threading.Lock()
    order = iter(range(len(jobs)))

    def worker() -> None:
        h = Http(port)
        while not (stop and stop.is_set()):
            with lock:
                i = next(order, None)
            if i is None:
                break
            method, path, token, body = jobs[i]
            t0 = time.perf_counter()
            try:
                status, data = h.call(method, path, token, body)
            except Exception as e:  # noqa: BLE001 - any transport failure is a result
                status, data = None, repr(e)
            results[i] = (status, data, time.perf_counter() - t0)
            if on_done:
                on_done(i, status)
        h.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s))) - 1))]


# ---------- a population and a survey ----------


class Population:
    def __init__(self) -> None:
        self.admin = ""
        self.people: list[tuple[str, str]] = []  # (email, token)
        self.team_ids: list[str] = []


def populate(h: Http, port: int, n: int, teams: int, concurrency: int) -> Population:
    """Signs the admin in, creates `teams` teams and `n` people through the CSV import,
    and activates everyone (concurrently) to get their tokens."""
    pop = Population()
    pop.admin = h.expect(200, "POST", "/api/v1/auth/login", None, {"email": ADMIN_EMAIL, "password": PASSWORD})[
        "access_token"
    ]
    for t in range(teams):
        team = h.expect(201, "POST", "/api/v1/teams", pop.admin, {"name": f"Soak team {t}", "kind": "frontline"})
        pop.team_ids.append(team["id"])
    lines = ["email,name,team,manager,location,job_family,start_date,language,roles"]
    for i in range(n):
        lines.append(f"soak-{i}@example.org,Soak person {i},{pop.team_ids[i % teams]},,,,,,")
    report = h.expect(
        200, "POST", "/api/v1/people/import", pop.admin, ("\n".join(lines) + "\n").encode(), ctype="text/csv"
    )
    activations = report["activations"]
    if len(activations) != n:
        raise Fail(f"the import created {len(activations)} activations, not {n}")
    jobs = [("POST", "/api/v1/auth/activate", None, {"token": a["activation_token"], "password": PASSWORD}) for a in activations]
    results = run_pool(port, jobs, concurrency)
    for a, r in zip(activations, results):
        if r is None or r[0] != 200:
            raise Fail(f"activation of {a['email']} failed: {r}")
        pop.people.append((a["email"], json.loads(r[1])["access_token"]))
    return pop


QUESTIONS = [
    {"bank_item": "eo_proud"},
    {"bank_item": "eo_stay"},
    {"bank_item": "eo_enps"},
    {"kind": "text", "driver": "voice", "text": "Anything else?", "required": False},
]


def survey_body(title: str, starts_on: str) -> dict:
    return {
        "title": title,
        "questions": QUESTIONS,
        "audience": {"team_ids": []},
        "schedule": {"starts_on": starts_on, "cadence": "monthly", "window_days": 7},
    }


def answers_for(questions: list[dict], rng: random.Random) -> dict:
    out = []
    for q in questions:
        if q["kind"] == "likert5":
            out.append({"question_id": q["id"], "value": rng.randint(1, 5)})
        elif q["kind"] == "scale11":
            out.append({"question_id": q["id"], "value": rng.randint(0, 10)})
        else:
            out.append({"question_id": q["id"], "text": f"soak comment {rng.randint(0, 10**6)}"})
    return {"answers": out}


def each_answers_twice(people, round_id: str, questions: list[dict], rng: random.Random):
    """Two submissions per person in a shuffled order: the jobs for run_pool, and for
    each job the index of the person who sends it."""
    jobs, owner = [], []
    for i, (_, token) in enumerate(people):
        for _ in range(2):
            jobs.append(("POST", f"/api/v1/rounds/{round_id}/responses", token, answers_for(questions, rng)))
            owner.append(i)
    order = list(range(len(jobs)))
    rng.shuffle(order)
    return [jobs[k] for k in order], [owner[k] for k in order]


def open_manual_round(h: Http, admin: str) -> tuple[str, list[dict], int]:
    """A survey that the scheduler never opens (it starts far in the future) and a round
    opened by hand now. Returns the round id, the questions and the number invited."""
    survey = h.expect(201, "POST", "/api/v1/surveys", admin, survey_body("Soak pulse", "2099-01-01"))
    rnd = h.expect(201, "POST", f"/api/v1/surveys/{survey['id']}/rounds", admin)
    return rnd["id"], survey["questions"], rnd["invited"]


# ---------- database checks ----------


def q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def stored_counts(db: Database, round_id: str) -> tuple[int, int, int, int]:
    """(participation, sealed ballots, responses, answers) of a round: ballots while it is
    open, responses and answers once it has closed."""
    r = q(round_id)
    participation = db.scalar(f"SELECT COUNT(*) FROM participation WHERE round_id = {r}")
    ballots = db.scalar(f"SELECT COUNT(*) FROM ballots WHERE round_id = {r}")
    responses = db.scalar(f"SELECT COUNT(*) FROM responses WHERE round_id = {r}")
    answers = db.scalar(
        f"SELECT COUNT(*) FROM answers WHERE response_id IN (SELECT id FROM responses WHERE round_id = {r})"
    )
    return participation, ballots, responses, answers


def participants(db: Database, round_id: str) -> set[str]:
    rows = db.rows(
        "SELECT p.email FROM participation pa JOIN people p ON p.id = pa.person_id "
        f"WHERE pa.round_id = {q(round_id)}"
    )
    return {r[0] for r in rows}


def check_consistency(c: Checks, db: Database, n_questions: int) -> None:
    """Whole-database invariants: no answer without its response, every response with
    all its answers, and (SQLite) an intact file."""
    orphans = db.scalar("SELECT COUNT(*) FROM answers a WHERE NOT EXISTS (SELECT 1 FROM responses r WHERE r.id = a.response_id)")
    c.equal(orphans, 0, "answers without a response")
    partial = db.scalar(
        f"SELECT COUNT(*) FROM (SELECT r.id FROM responses r LEFT JOIN answers a ON a.response_id = r.id "
        f"GROUP BY r.id HAVING COUNT(a.response_id) <> {n_questions}) AS x"
    )
    c.equal(partial, 0, f"responses without exactly {n_questions} answers")
    if db.kind == "sqlite":
        c.equal(db.rows("PRAGMA integrity_check")[0][0], "ok", "SQLite PRAGMA integrity_check")
        c.equal(len(db.rows("PRAGMA foreign_key_check")), 0, "SQLite PRAGMA foreign_key_check rows")


def check_statuses(c: Checks, results: list, allowed: set[int]) -> None:
    sent = [r for r in results if r is not None]
    s5 = [r for r in sent if r[0] is not None and r[0] >= 500]
    c.check(not s5, "no 5xx answer", f"{len(s5)} of them, e.g. {s5[0][1][:200]!r}" if s5 else "")
    other = [r for r in sent if r[0] is not None and r[0] not in allowed and r[0] < 500]
    c.check(not other, f"only {sorted(allowed)} answered", f"e.g. {other[0][0]} {other[0][1][:200]!r}" if other else "")


# ---------- scenarios ----------


class Run:
    """One scenario's work directory, database and servers, cleaned up at the end."""

    def __init__(self, args, name: str, kind: str) -> None:
        self.args = args
        self.name = f"{name}/{kind}"
        self.kind = kind
        self.workdir = tempfile.mkdtemp(prefix=f"pulseline-soak-{name}-")
        self.db = Database(kind, self.workdir, args.pg)
        self.servers: list[Server] = []
        self.checks = Checks(self.name)
        self.started = time.monotonic()

    def server(self, name: str, env: dict[str, str] | None = None, cheap_hashing: bool = True) -> Server:
        base = dict(CHEAP_ARGON2) if cheap_hashing else {}
        s = Server(name, self.args.bin, self.db, self.workdir, {**base, **(env or {})})
        self.servers.append(s)
        return s

    def close(self) -> None:
        for s in self.servers:
            s.stop()
        failed = bool(self.checks.failures)
        if failed or self.args.keep:
            print(f"  logs and data kept in {self.workdir}" + (f" (database {self.db.url})" if self.kind == "postgres" else ""))
            if failed and self.kind == "postgres" and not self.args.keep:
                self.db.drop()
        else:
            self.db.drop()
            shutil.rmtree(self.workdir, ignore_errors=True)
        print(f"  ({self.name} took {time.monotonic() - self.started:.1f} s)")


def create_admin(s: Server) -> None:
    s.run_cli(["create-admin", "--email", ADMIN_EMAIL, "--name", "Soak admin"], stdin=PASSWORD + "\n")


def scenario_load(args, kind: str) -> list[str]:
    """1,000 people answer once each and try again once each, shuffled, over 64
    connections: every first answer is stored exactly once and every second one is 409."""
    print(f"\n== load on {kind}: {args.people} submissions + {args.people} duplicates, {args.concurrency} connections")
    run = Run(args, "load", kind)
    try:
        s = run.server("server")
        create_admin(s)
        s.start()
        s.wait_ready()
        h = Http(s.port)
        t0 = time.monotonic()
        pop = populate(h, s.port, args.people, 10, args.concurrency)
        round_id, questions, invited = open_manual_round(h, pop.admin)
        print(f"  setup: {args.people} people activated, round opened ({time.monotonic() - t0:.1f} s)")
        c = run.checks
        c.equal(invited, args.people, "people invited to the round")
        rng = random.Random(args.seed)
        jobs, owner = each_answers_twice(pop.people, round_id, questions, rng)
        t0 = time.monotonic()
        results = run_pool(s.port, jobs, args.concurrency)
        elapsed = time.monotonic() - t0
        lat = [r[2] for r in results if r is not None]
        print(
            f"  {len(jobs)} submissions in {elapsed:.2f} s ({len(jobs) / elapsed:.0f}/s), "
            f"latency p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms"
        )
        check_statuses(c, results, {201, 409})
        c.check(all(r is not None and r[0] is not None for r in results), "every request was answered",
                next((str(r[1])[:200] for r in results if r is None or r[0] is None), ""))
        per_person: dict[int, list] = {}
        for i, r in zip(owner, results):
            per_person.setdefault(i, []).append(r[0] if r else None)
        wrong = {i: v for i, v in per_person.items() if sorted(v, key=str) != [201, 409]}
        c.check(not wrong, "each person: exactly one 201 and one 409", f"{len(wrong)} people, e.g. {list(wrong.items())[:3]}")
        accepted = {pop.people[i][0] for i, r in zip(owner, results) if r and r[0] == 201}
        n201 = sum(1 for r in results if r and r[0] == 201)
        n409 = sum(1 for r in results if r and r[0] == 409)
        c.equal(n201, args.people, "201 answers")
        c.equal(n409, args.people, "409 answers (duplicates)")
        participation, ballots, responses, _ = stored_counts(run.db, round_id)
        c.equal(participation, n201, "participation rows = 201s")
        c.equal(ballots, n201, "sealed ballots = 201s while the round is open")
        c.equal(responses, 0, "no readable response while the round is open")
        t0 = time.monotonic()
        h.expect(200, "POST", f"/api/v1/rounds/{round_id}/close", pop.admin)
        print(f"  closing the round opened {n201} ballots in {time.monotonic() - t0:.2f} s")
        s.stop()
        participation, ballots, responses, answers = stored_counts(run.db, round_id)
        c.equal(ballots, 0, "no ballot left after the close")
        c.equal(responses, n201, "responses = 201s")
        c.equal(answers, n201 * len(questions), "answers = 201s x questions")
        c.check(participants(run.db, round_id) == accepted, "the people who got 201 are exactly those recorded as having answered")
        check_consistency(c, run.db, len(questions))
        check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        run.checks.check(False, "the run completed", str(e))
        return run.checks.failures
    finally:
        run.close()


def scenario_crash(args, kind: str) -> list[str]:
    """The same load, killed with SIGKILL at a random moment; after a restart on the same
    database, everything acknowledged is there exactly once, nothing is half-written, and
    finishing the load leaves exactly one response per person."""
    rng = random.Random(args.seed)
    total = 2 * args.people
    kill_after = rng.randint(total // 10, total * 7 // 10)
    kill_delay = rng.uniform(0, 0.02)
    print(
        f"\n== crash on {kind}: the load above, SIGKILL after {kill_after} answers (+{kill_delay * 1000:.0f} ms), "
        f"seed {args.seed}"
    )
    run = Run(args, "crash", kind)
    try:
        s = run.server("server")
        create_admin(s)
        s.start()
        s.wait_ready()
        h = Http(s.port)
        pop = populate(h, s.port, args.people, 10, args.concurrency)
        round_id, questions, _ = open_manual_round(h, pop.admin)
        h.close()
        c = run.checks
        jobs, owner = each_answers_twice(pop.people, round_id, questions, rng)

        stop = threading.Event()
        reached = threading.Event()
        done = [0]
        lock = threading.Lock()

        def on_done(_i, _status) -> None:
            with lock:
                done[0] += 1
                if done[0] >= kill_after:
                    reached.set()

        def killer() -> None:
            reached.wait()
            time.sleep(kill_delay)
            stop.set()  # no new request after this; those in flight meet the kill
            s.sigkill()

        k = threading.Thread(target=killer, daemon=True)
        k.start()
        results = run_pool(s.port, jobs, args.concurrency, stop=stop, on_done=on_done)
        reached.set()
        k.join()
        acked = {pop.people[i][0] for i, r in zip(owner, results) if r and r[0] == 201}
        refused = {pop.people[i][0] for i, r in zip(owner, results) if r and r[0] == 409}
        lost = sum(1 for r in results if r is not None and r[0] is None)
        unsent = sum(1 for r in results if r is None)
        print(f"  before the kill: {len(acked)} x 201, {len(refused)} x 409, {lost} in flight (no answer), {unsent} not sent")
        check_statuses(c, results, {201, 409})

        s.start()
        s.wait_ready()
        participation, ballots, responses, _ = stored_counts(run.db, round_id)
        print(f"  after the restart: {participation} participation, {ballots} sealed ballots")
        c.equal(participation, ballots, "participation = sealed ballots after the restart")
        c.equal(responses, 0, "no readable response while the round is open")
        c.check(ballots >= len(acked), f"ballots ({ballots}) >= 201s received before the kill ({len(acked)})")
        stored = participants(run.db, round_id)
        c.check(acked <= stored, "everyone who got 201 is recorded", f"{len(acked - stored)} missing")
        c.check(refused <= stored, "everyone who got 409 is recorded", f"{len(refused - stored)} missing")
        check_consistency(c, run.db, len(questions))

        # Finish the load: one more attempt each; stored people get 409, the rest 201.
        emails = [e for e, _ in pop.people]
        jobs = [("POST", f"/api/v1/rounds/{round_id}/responses", t, answers_for(questions, rng)) for _, t in pop.people]
        results = run_pool(s.port, jobs, args.concurrency)
        check_statuses(c, results, {201, 409})
        wrong = [
            e for e, r in zip(emails, results)
            if r is None or r[0] != (409 if e in stored else 201)
        ]
        c.check(not wrong, "after the restart: 409 for those stored, 201 for the others", f"{len(wrong)} wrong, e.g. {wrong[:3]}")

        # The close, killed at a random moment: it commits whole or not at all; closing
        # again after the restart (if it had not committed) opens every ballot once.
        admin = pop.admin
        close_delay = rng.uniform(0, 0.5)  # the close of 1,000 ballots takes about 0.2 s
        def close_round() -> None:
            try:
                Http(s.port, timeout=10).call("POST", f"/api/v1/rounds/{round_id}/close", admin)
            except Exception:  # the kill may cut the connection: expected
                pass

        closer = threading.Thread(target=close_round, daemon=True)
        closer.start()
        time.sleep(close_delay)
        s.sigkill()
        closer.join(15)
        s.start()
        s.wait_ready()
        participation, ballots, responses, _ = stored_counts(run.db, round_id)
        print(f"  close killed after {close_delay * 1000:.0f} ms: {ballots} ballots, {responses} responses")
        c.check(
            (ballots, responses) in ((args.people, 0), (0, args.people)),
            "a killed close left all ballots or all responses",
            f"{ballots} ballots, {responses} responses",
        )
        if ballots:
            h2 = Http(s.port)
            h2.expect(200, "POST", f"/api/v1/rounds/{round_id}/close", admin)
            h2.close()
        s.stop()
        participation, ballots, responses, answers = stored_counts(run.db, round_id)
        c.equal(participation, args.people, "finally, participation = people")
        c.equal(ballots, 0, "finally, no ballot left")
        c.equal(responses, args.people, "finally, responses = people")
        c.equal(answers, args.people * len(questions), "finally, answers = people x questions")
        check_consistency(c, run.db, len(questions))
        check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        run.checks.check(False, "the run completed", str(e))
        return run.checks.failures
    finally:
        run.close()


def scenario_replicas(args) -> list[str]:
    """Two servers on one PostgreSQL database: their schedulers race to open the same
    rounds, one person answers each round on both at the same instant, and a token (and
    its logout) from one is honoured by the other."""
    surveys = args.rounds
    print(f"\n== replicas on postgres: two servers, {surveys} scheduled rounds, simultaneous answers")
    run = Run(args, "replicas", "postgres")
    c = run.checks
    try:
        # Both replicas start at once on the empty database, so both migrate it.
        a = run.server("replica-a", {"PULSELINE_SCHEDULER_SECS": "3600"})
        b = run.server("replica-b", {"PULSELINE_SCHEDULER_SECS": "3600"})
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        c.check(True, "both replicas started together on an empty database")
        create_admin(a)
        h = Http(a.port)
        pop = populate(h, a.port, 6, 1, 6)
        person_email, person_token = pop.people[0]
        today = datetime.now(timezone.utc).date().isoformat()
        for i in range(surveys):
            h.expect(201, "POST", "/api/v1/surveys", pop.admin, survey_body(f"Replica pulse {i}", today))
        h.close()
        opened_before = run.db.scalar("SELECT COUNT(*) FROM rounds")
        c.equal(opened_before, 0, "rounds before the schedulers run")
        a.stop()
        b.stop()

        # Both restart at once, each scheduler ticking every second from its first pass.
        a.env["PULSELINE_SCHEDULER_SECS"] = "1"
        b.env["PULSELINE_SCHEDULER_SECS"] = "1"
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.db.scalar("SELECT COUNT(*) FROM rounds") < surveys:
            time.sleep(0.2)
        time.sleep(3)  # a few more passes of both schedulers
        rounds = run.db.scalar("SELECT COUNT(*) FROM rounds")
        c.equal(rounds, surveys, "rounds opened by the two schedulers (one per survey)")
        c.equal(run.db.scalar("SELECT COUNT(DISTINCT survey_id) FROM rounds"), surveys, "surveys with a round")
        dup = run.db.scalar(
            "SELECT COUNT(*) FROM (SELECT survey_id, sequence FROM rounds GROUP BY survey_id, sequence HAVING COUNT(*) > 1) x"
        )
        c.equal(dup, 0, "duplicate (survey, sequence) pairs")
        by_a = a.count_log(r"round opened on schedule")
        by_b = b.count_log(r"round opened on schedule")
        c.equal(by_a + by_b, surveys, f"rounds each opened by exactly one replica (a {by_a}, b {by_b})")

        ha, hb = Http(a.port), Http(b.port)
        rng = random.Random(args.seed)
        pairs = []
        ids = run.db.rows("SELECT id FROM rounds ORDER BY survey_id")
        # Every survey has the same questions under its own question ids.
        qrows = run.db.rows("SELECT r.id, q.id, q.kind FROM rounds r JOIN survey_questions q ON q.survey_id = r.survey_id ORDER BY r.id, q.position")
        per_round: dict[str, list[dict]] = {}
        for rid, qid, kind in qrows:
            per_round.setdefault(rid, []).append({"id": qid, "kind": kind})
        barrier = threading.Barrier(2)
        for (rid,) in ids:
            body = answers_for(per_round[rid], rng)
            out: dict[str, int | None] = {}

            def send(name: str, conn: Http) -> None:
                barrier.wait()
                try:
                    out[name] = conn.call("POST", f"/api/v1/rounds/{rid}/responses", person_token, body)[0]
                except Exception:  # noqa: BLE001
                    out[name] = None

            ts = [threading.Thread(target=send, args=("a", ha)), threading.Thread(target=send, args=("b", hb))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            pairs.append((out.get("a"), out.get("b")))
        good = sum(1 for p in pairs if sorted(p, key=str) == [201, 409])
        won_a = sum(1 for p in pairs if p[0] == 201)
        c.equal(good, surveys, f"rounds answered on both at once with one 201 and one 409 (a won {won_a})")
        bad = [p for p in pairs if sorted(p, key=str) != [201, 409]]
        if bad:
            print(f"  e.g. {bad[:5]}")
        person = q(person_email)
        c.equal(
            run.db.scalar(f"SELECT COUNT(*) FROM participation pa JOIN people p ON p.id = pa.person_id WHERE p.email = {person}"),
            surveys,
            "participation rows of the person",
        )
        c.equal(run.db.scalar("SELECT COUNT(*) FROM ballots"), surveys, "sealed ballots stored")

        # Tokens and logout across replicas.
        login = {"email": person_email, "password": PASSWORD}
        tok_a = ha.expect(200, "POST", "/api/v1/auth/login", None, login)["access_token"]
        tok_b = hb.expect(200, "POST", "/api/v1/auth/login", None, login)["access_token"]
        c.equal(hb.call("GET", "/api/v1/me", tok_a)[0], 200, "a token issued by a, on b")
        c.equal(ha.call("GET", "/api/v1/me", tok_b)[0], 200, "a token issued by b, on a")
        c.equal(hb.call("POST", "/api/v1/auth/logout", tok_a)[0], 204, "logout on b of a's token")
        c.equal(ha.call("GET", "/api/v1/me", tok_a)[0], 401, "that token on a after the logout on b")
        c.equal(hb.call("GET", "/api/v1/me", tok_a)[0], 401, "that token on b after the logout on b")
        c.equal(ha.call("GET", "/api/v1/me", tok_b)[0], 200, "the other token still works on a")
        c.equal(ha.call("POST", "/api/v1/auth/logout", tok_b)[0], 204, "logout on a of b's token")
        c.equal(hb.call("GET", "/api/v1/me", tok_b)[0], 401, "that token on b after the logout on a")
        c.equal(ha.call("GET", "/api/v1/me", person_token)[0], 200, "the person's first token is untouched")
        ha.close()
        hb.close()
        a.stop()
        b.stop()
        check_consistency(c, run.db, len(QUESTIONS))
        check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        c.check(False, "the run completed", str(e))
        return c.failures
    finally:
        run.close()


# ---------- e-mail through the outbox ----------


class SmtpSink:
    """scripts/smtp_sink.py (aiosmtpd) on a free port; every accepted message is one
    JSON line of its file. Its python is PULSELINE_TEST_PYTHON (which has aiosmtpd)."""

    def __init__(self, workdir: str) -> None:
        self.file = os.path.join(workdir, "mail.jsonl")
        python = os.environ.get("PULSELINE_TEST_PYTHON", sys.executable)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_sink.py")
        self.proc = subprocess.Popen([python, script, self.file], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            raise Fail(f"the SMTP sink did not start (is aiosmtpd installed for {python}?): {line!r}")
        self.port = int(line)

    def messages(self) -> list[dict]:
        out = []
        try:
            with open(self.file, encoding="utf-8") as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # the line being written
        except FileNotFoundError:
            pass
        return out

    def count(self) -> int:
        try:
            with open(self.file, "rb") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def mail_env(sink: SmtpSink, rate: int) -> dict[str, str]:
    return {
        "PULSELINE_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "PULSELINE_PUBLIC_URL": "http://pulse.test",
        "PULSELINE_MAIL_FROM": "Pulse <pulse@example.org>",
        "PULSELINE_MAIL_RATE": str(rate),
        "PULSELINE_MAIL_POLL_MS": "100",
        "PULSELINE_MAIL_RETRY_BASE_MS": "200",
        "PULSELINE_MAIL_LEASE_SECS": "5",
        "PULSELINE_SCHEDULER_SECS": "3600",
    }


def per_recipient(messages: list[dict], marker: str, start: int = 0) -> dict[str, int]:
    """How many messages (from the `start`-th on) whose text holds `marker` each
    address got."""
    got: dict[str, int] = {}
    for m in messages[start:]:
        if marker in m.get("text", ""):
            for to in m.get("to", []):
                got[to] = got.get(to, 0) + 1
    return got


def import_people(h: Http, admin: str, prefix: str, n: int, team_ids: list[str]) -> list[str]:
    """Imports `n` people (never activated) into `team_ids` round robin; their e-mails."""
    emails = [f"{prefix}-{i}@example.org" for i in range(n)]
    lines = ["email,name,team"] + [f"{e},Mail person {i},{team_ids[i % len(team_ids)]}" for i, e in enumerate(emails)]
    h.expect(200, "POST", "/api/v1/people/import", admin, ("\n".join(lines) + "\n").encode(), ctype="text/csv")
    return emails


def wait_drained(run: Run, timeout: float) -> float:
    """Waits until no message is queued or being sent; the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if run.db.scalar("SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')") == 0:
            return time.monotonic() - t0
        time.sleep(0.2)
    busy = run.db.rows("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    raise Fail(f"the outbox did not drain within {timeout:.0f} s: {busy}")


def open_round_for_all(h: Http, admin: str, title: str) -> str:
    survey = h.expect(201, "POST", "/api/v1/surveys", admin, survey_body(title, "2099-01-01"))
    return h.expect(201, "POST", f"/api/v1/surveys/{survey['id']}/rounds", admin)["id"]


def admin_with_teams(s: Server, prefix: str, n_teams: int) -> tuple[Http, str, list[str]]:
    """Creates the admin on `s`, signs in and creates `n_teams` frontline teams: the
    connection, the admin's token and the team ids."""
    create_admin(s)
    h = Http(s.port)
    admin = h.expect(200, "POST", "/api/v1/auth/login", None, {"email": ADMIN_EMAIL, "password": PASSWORD})["access_token"]
    teams = [h.expect(201, "POST", "/api/v1/teams", admin, {"name": f"{prefix} team {t}", "kind": "frontline"})["id"] for t in range(n_teams)]
    return h, admin, teams


def scenario_mail(args) -> list[str]:
    """Two replicas on one PostgreSQL send through one real SMTP server (aiosmtpd):
    `--mail-people` imported people each get exactly one invitation and exactly one
    pulse-open message; then a second round's messages go out while one replica is
    killed with SIGKILL and restarted: none is lost, and at most the messages in flight
    at the kill (8) go out twice (the documented window between the SMTP server
    accepting a message and its row being marked sent)."""
    n = args.mail_people
    print(f"\n== mail on postgres: two replicas, {n} people, one SMTP sink, a kill -9 mid-send")
    run = Run(args, "mail", "postgres")
    c = run.checks
    sink = SmtpSink(run.workdir)
    try:
        env = mail_env(sink, args.mail_rate)
        a = run.server("replica-a", env)
        b = run.server("replica-b", env)
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        h, admin, teams = admin_with_teams(a, "Mail", 10)
        emails = import_people(h, admin, "mail", n, teams)
        took = wait_drained(run, 120 + n / 10)
        invitations = per_recipient(sink.messages(), "/activate?token=")
        c.equal(sum(1 for e in emails if invitations.get(e) == 1), n, "people with exactly one invitation")
        c.equal(sum(invitations.values()), n, "invitations sent in all")
        print(f"  {n} invitations in {took:.1f} s")

        round1 = open_round_for_all(h, admin, "Mail pulse 1")
        took = wait_drained(run, 120 + n / 10)
        opened = per_recipient(sink.messages(), "http://pulse.test/p/")
        c.equal(sum(1 for e in emails if opened.get(e) == 1), n, "invitees with exactly one pulse-open message (two replicas)")
        c.equal(
            run.db.scalar(
                "SELECT COUNT(*) FROM outbox o JOIN people p ON p.id = o.person_id WHERE o.kind = 'pulse_open' "
                f"AND o.status = 'sent' AND p.email LIKE 'mail-%' AND o.idempotency_key LIKE {q('pulse_open:' + round1 + ':%')}"
            ),
            n,
            "the people's pulse-open rows marked sent",
        )
        print(f"  {n} pulse-open messages in {took:.1f} s")

        # The second round: kill -9 one replica once a quarter of its messages are out.
        before = sink.count()
        open_round_for_all(h, admin, "Mail pulse 2")
        deadline = time.monotonic() + 120
        while sink.count() - before < n // 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        at_kill = sink.count() - before
        a.sigkill()
        claimed = run.db.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
        c.check(0 < at_kill < n, f"killed mid-send ({at_kill} of about {n} out, {claimed} claimed)")
        time.sleep(1)
        a.start()
        a.wait_ready()
        took = wait_drained(run, 120 + n / 10)
        second = per_recipient(sink.messages(), "http://pulse.test/p/", before)
        lost = [e for e in emails if second.get(e, 0) == 0]
        twice = [e for e in emails if second.get(e, 0) > 1]
        c.equal(len(lost), 0, "pulse-open messages lost to the kill")
        c.check(len(twice) <= 8, f"messages sent twice: {len(twice)} (at most the 8 in flight at the kill)", ", ".join(twice[:5]))
        c.equal(run.db.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent' AND kind = 'pulse_open'"), 0, "pulse-open rows not sent")
        print(f"  the second round drained {took:.1f} s after the restart; sent twice: {len(twice)}")
        h.close()
        a.stop()
        b.stop()
        check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        c.check(False, "the run completed", str(e))
        return c.failures
    finally:
        sink.stop()
        run.close()


def scenario_mail_bench(args) -> list[str]:
    """A benchmark, not a check: one server sends the pulse-open message of a
    `--mail-people` round to the SMTP sink at `--mail-rate` per second; prints messages
    per hour and the server's peak memory."""
    n = args.mail_people
    print(f"\n== mail-bench on {args.db if args.db != 'both' else 'postgres'}: {n} people, rate limit {args.mail_rate}/s")
    kind = "sqlite" if args.db == "sqlite" else "postgres"
    run = Run(args, "mail-bench", kind)
    c = run.checks
    sink = SmtpSink(run.workdir)
    try:
        s = run.server("server", mail_env(sink, args.mail_rate))
        s.start()
        s.wait_ready()
        h, admin, teams = admin_with_teams(s, "Bench", 20)
        t0 = time.monotonic()
        emails = import_people(h, admin, "bench", n, teams)
        took = wait_drained(run, 3600)
        total = time.monotonic() - t0
        print(f"  invitations: {n} in {total:.1f} s (drained {took:.1f} s after the import) = {n / total * 3600:,.0f} an hour")
        before = sink.count()
        t0 = time.monotonic()
        open_round_for_all(h, admin, "Bench pulse")
        wait_drained(run, 3600)
        total = time.monotonic() - t0
        sent = sink.count() - before
        print(f"  pulse-open: {sent} in {total:.1f} s = {sent / total * 3600:,.0f} an hour; peak RSS {s.status_kib('VmHWM') / 1024:.0f} MiB")
        opened = per_recipient(sink.messages(), "http://pulse.test/p/", before)
        c.equal(sum(1 for e in emails if opened.get(e) == 1), n, "invitees with exactly one pulse-open message")
        h.close()
        return c.failures
    except Fail as e:
        c.check(False, "the run completed", str(e))
        return c.failures
    finally:
        sink.stop()
        run.close()


# ---------- page loads ----------


def items_of(v) -> list:
    return v if isinstance(v, list) else (v or {}).get("items", [])


def page_get(port: int, path: str, token: str) -> tuple[int, float]:
    """One GET of a page with the session cookie (which holds the API's access token):
    its status and seconds to the last byte."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"pulseline_session={token}"})
    resp = conn.getresponse()
    resp.read()
    took = time.perf_counter() - t0
    conn.close()
    return resp.status, took


def scenario_pages(args, kind: str) -> list[str]:
    """A benchmark, not a check: the demo organisation (`pulseline demo --seed 7`) and
    every page of the web app as HR and as an employee, each loaded `--page-runs` times
    one after another over loopback: the time to the last byte, median, 95th percentile
    and worst, against the 300 ms budget."""
    print(f"\n== pages on {kind}: the demo organisation, every page {args.page_runs} times")
    run = Run(args, "pages", kind)
    c = run.checks
    try:
        s = run.server("server", cheap_hashing=False)
        out = s.run_cli(["demo", "--seed", "7"])
        m = re.search(r"sign in as (\S+) with password (\S+)", out)
        if not m:
            raise Fail(f"demo printed no credentials: {out}")
        admin_email, password = m.group(1), m.group(2)
        s.start()
        s.wait_ready()
        h = Http(s.port)
        hr = h.expect(200, "POST", "/api/v1/auth/login", None, {"email": admin_email, "password": password})["access_token"]
        emp = h.expect(200, "POST", "/api/v1/auth/login", None, {"email": "person1@acme.example", "password": password})["access_token"]
        surveys = items_of(h.expect(200, "GET", "/api/v1/surveys", hr))
        survey = surveys[0]["id"]
        rounds = items_of(h.expect(200, "GET", f"/api/v1/surveys/{survey}/rounds", hr))
        closed = [r for r in rounds if r["status"] == "closed"]
        round_id = closed[-1]["id"]
        teams = items_of(h.expect(200, "GET", "/api/v1/teams", hr))
        team = teams[0]["id"]
        person = items_of(h.expect(200, "GET", "/api/v1/people?limit=1", hr))[0]["id"]
        suggestion = items_of(h.expect(200, "GET", "/api/v1/suggestions?limit=1", hr))
        actions = items_of(h.expect(200, "GET", "/api/v1/actions", hr))
        h.close()
        pages = [
            (hr, "/"), (hr, "/reports"), (hr, f"/reports/{round_id}"), (hr, f"/reports/{round_id}?team_id={team}"),
            (hr, "/reports/insights"), (hr, "/hr/heatmap"), (hr, "/hr/linkage"), (hr, "/hr/surveys"),
            (hr, f"/hr/surveys/{survey}"), (hr, f"/hr/surveys/{survey}/preview"), (hr, f"/hr/surveys/{survey}/edit"),
            (hr, "/hr/surveys/new"), (hr, "/hr/people"), (hr, f"/hr/people/{person}"), (hr, "/hr/people/new"),
            (hr, "/hr/teams"), (hr, f"/hr/teams/{team}"), (hr, f"/hr/teams/{team}/serves"), (hr, "/hr/cx"),
            (hr, "/suggestions"), (hr, "/suggestions/new"), (hr, "/actions"), (hr, "/actions/new"),
            (hr, "/admin/audit"), (hr, "/admin/retention"), (hr, "/admin/scim"), (hr, "/admin/webhooks"),
            (hr, "/admin/outbox"), (hr, "/password"), (hr, "/conversations"),
            (emp, "/"), (emp, "/pulses"), (emp, "/suggestions"), (emp, "/actions"),
        ]
        if suggestion:
            pages.append((hr, f"/suggestions/{suggestion[0]['id']}"))
        if actions:
            pages.append((hr, f"/actions/{actions[0]['id']}"))
        print(f"  {'page':<58} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
        worst = 0.0
        for token, path in pages:
            status, _ = page_get(s.port, path, token)  # a first load, not counted
            times = []
            for _ in range(args.page_runs):
                status, took = page_get(s.port, path, token)
                if status != 200:
                    break
                times.append(took * 1000)
            if status != 200:
                c.check(False, f"{path}: 200", f"status {status}")
                continue
            worst = max(worst, pct(times, 95))
            who = "HR" if token == hr else "employee"
            print(f"  {who + ' ' + re.sub(r'[0-9a-f-]{36}', '{id}', path):<58} {pct(times, 50):>7.1f} {pct(times, 95):>7.1f} {max(times):>7.1f}")
        print(f"  the slowest page's p95: {worst:.1f} ms (budget 300 ms)")
        return c.failures
    except Fail as e:
        c.check(False, "the run completed", str(e))
        return c.failures
    finally:
        run.close()


def as_old(old, new):
    """`new` cut down to the fields `old` has, recursively (lists item by item)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: as_old(old[k], new[k]) if k in new else None for k in old}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [as_old(o, n) for o, n in zip(old, new)]
    return new


def added_fields(old, new, path=""):
    """The paths of the fields `new` has and `old` does not."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k, v in new.items():
            if k not in old:
                yield f"{path}.{k}"
            else:
                yield from added_fields(old[k], v, f"{path}.{k}")
    elif isinstance(old, list) and isinstance(new, list):
        for i, (o, n) in enumerate(zip(old, new)):
            yield from added_fields(o, n, f"{path}[{i}]")


def scenario_upgrade(args, kind: str) -> list[str]:
    """An upgrade without downtime: the previous version (`--old-bin`) serves a database
    and takes answers; the new binary starts on the same database while the old one
    still serves, applies its migrations, and from then on both take answers — every
    person exactly once, whichever replica they reach — and both serve the same report
    of the round the new one closes."""
    print(f"\n== upgrade on {kind}: {args.old_bin} serving while {args.bin} migrates and joins")
    run = Run(args, "upgrade", kind)
    c = run.checks
    try:
        old = Server("old", args.old_bin, run.db, run.workdir, dict(CHEAP_ARGON2))
        new = Server("new", args.bin, run.db, run.workdir, dict(CHEAP_ARGON2))
        run.servers += [old, new]
        old_version = old.run_cli(["--version"]).strip()
        new_version = new.run_cli(["--version"]).strip()
        print(f"  old: {old_version}; new: {new_version}")
        create_admin(old)
        old.start()
        old.wait_ready()
        h_old = Http(old.port)
        people = 40
        pop = populate(h_old, old.port, people, 4, 8)
        round_id, questions, invited = open_manual_round(h_old, pop.admin)
        c.equal(invited, people, "people invited by the old version")
        rng = random.Random(args.seed)
        first = pop.people[: people // 2]
        results = run_pool(old.port, [
            ("POST", f"/api/v1/rounds/{round_id}/responses", tok, answers_for(questions, rng)) for _, tok in first
        ], 4)
        c.check(all(r and r[0] == 201 for r in results), "half the people answered on the old version",
                str([r[0] if r else None for r in results if not r or r[0] != 201][:5]))
        applied_before = run.db.scalar("SELECT COUNT(*) FROM __diesel_schema_migrations")

        # The new binary starts while the old one serves and answers go on reaching it.
        stop = threading.Event()
        during: list = []

        def keep_answering() -> None:
            h = Http(old.port)
            i = 0
            while not stop.is_set():
                # The people who answered already: each try must be refused (409), not lost.
                _, tok = first[i % len(first)]
                try:
                    during.append(h.call("POST", f"/api/v1/rounds/{round_id}/responses", tok, answers_for(questions, rng))[0])
                except Exception as e:  # noqa: BLE001
                    during.append(repr(e))
                i += 1
                time.sleep(0.02)
            h.close()

        worker = threading.Thread(target=keep_answering, daemon=True)
        worker.start()
        new.start()
        new.wait_ready()
        stop.set()
        worker.join()
        applied_after = run.db.scalar("SELECT COUNT(*) FROM __diesel_schema_migrations")
        print(f"  migrations applied: {applied_before} before, {applied_after} after the new version started")
        if old_version == new_version:
            c.equal(applied_after, applied_before, "migrations applied by the new version (the same schema)")
        else:
            c.check(applied_after > applied_before, "the new version applied its migrations",
                    f"{applied_before} before, {applied_after} after")
        c.check(bool(during) and all(s == 409 for s in during),
                f"the old version kept answering while the new one migrated ({len(during)} repeat answers, all 409)",
                str(sorted(set(map(str, during)))))
        c.equal(Http(old.port).call("GET", "/readyz")[0], 200, "the old version is still ready on the migrated database")

        # The second half answers, alternately through the old and the new replica.
        rest = pop.people[people // 2:]
        h_new = Http(new.port)
        statuses = []
        for i, (_, tok) in enumerate(rest):
            h = h_old if i % 2 == 0 else h_new
            statuses.append(h.call("POST", f"/api/v1/rounds/{round_id}/responses", tok, answers_for(questions, rng))[0])
        c.check(all(s == 201 for s in statuses), "the second half answered, half on each version", str(statuses))
        again = [
            (h_new if i % 2 == 0 else h_old).call("POST", f"/api/v1/rounds/{round_id}/responses", tok, answers_for(questions, rng))[0]
            for i, (_, tok) in enumerate(rest)
        ]
        c.check(all(s == 409 for s in again), "a second answer on the other version is refused (409)", str(again))
        participation, ballots, _, _ = stored_counts(run.db, round_id)
        c.equal(participation, people, "participation rows")
        c.equal(ballots, people, "sealed ballots")

        h_new.expect(200, "POST", f"/api/v1/rounds/{round_id}/close", pop.admin)
        report_new = h_new.expect(200, "GET", f"/api/v1/rounds/{round_id}/report", pop.admin)
        report_old = h_old.expect(200, "GET", f"/api/v1/rounds/{round_id}/report", pop.admin)
        c.equal(report_new["group"].get("n"), people, "respondents in the new version's report")
        # The new version may add fields; everything the old one serves must be the same.
        added = sorted(added_fields(report_old, report_new))
        c.check(as_old(report_old, report_new) == report_old,
                "the old and the new version serve the same report (the new may add fields)",
                f"added: {added[:8]}")
        h_old.close()
        h_new.close()
        old.stop()
        new.stop()
        _, ballots, responses, _ = stored_counts(run.db, round_id)
        c.equal(ballots, 0, "no ballot left after the close")
        c.equal(responses, people, "responses after the close")
        check_consistency(c, run.db, len(questions))
        check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        c.check(False, "the run completed", str(e))
        return c.failures
    finally:
        run.close()


def scenario_flood(args, kind: str) -> list[str]:
    """A benchmark: 32 clients sign in as fast as they can for 10 s with the production
    argon2 parameters while one client reads GET /me; reports the latency of /me with
    and without the flood, and the server's resident memory."""
    print(f"\n== login flood on {kind}: {args.flood_clients} clients for {args.flood_secs} s, production argon2")
    run = Run(args, "flood", kind)
    try:
        s = run.server("server", {"RUST_LOG": "warn"}, cheap_hashing=False)
        create_admin(s)
        s.start()
        s.wait_ready()
        time.sleep(2)
        idle_rss = s.status_kib("VmRSS")
        h = Http(s.port)
        pop = populate(h, s.port, args.flood_clients, 1, 8)
        me_token = pop.people[0][1]
        for _ in range(50):
            h.call("GET", "/api/v1/me", me_token)

        def read_me(until: float) -> list[float]:
            lat = []
            while time.monotonic() < until:
                t0 = time.perf_counter()
                status, _ = h.call("GET", "/api/v1/me", me_token)
                lat.append(time.perf_counter() - t0)
                if status != 200:
                    raise Fail(f"GET /me answered {status}")
            return lat

        quiet = read_me(time.monotonic() + 5)
        stop = time.monotonic() + args.flood_secs
        logins: list[float] = []
        statuses: dict[int | None, int] = {}
        lock = threading.Lock()

        def flood(email: str) -> None:
            conn = Http(s.port)
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    status, _ = conn.call("POST", "/api/v1/auth/login", None, {"email": email, "password": PASSWORD})
                except Exception:  # noqa: BLE001
                    status = None
                with lock:
                    logins.append(time.perf_counter() - t0)
                    statuses[status] = statuses.get(status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=flood, args=(e,), daemon=True) for e, _ in pop.people]
        for t in threads:
            t.start()
        busy = read_me(stop)
        peak_during = s.status_kib("VmHWM")
        for t in threads:
            t.join()
        peak = s.status_kib("VmHWM")
        rss_after = s.status_kib("VmRSS")
        ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
        print(f"  idle RSS after start: {idle_rss / 1024:.1f} MiB; {s.hashing_threads()} hashing thread(s)")
        print(f"  GET /me alone: {len(quiet)} requests, p50 {ms(pct(quiet, 50))}, p99 {ms(pct(quiet, 99))}")
        print(
            f"  GET /me during the flood: {len(busy)} requests, p50 {ms(pct(busy, 50))}, p99 {ms(pct(busy, 99))}, "
            f"max {ms(max(busy))}"
        )
        print(
            f"  logins: {len(logins)} in {args.flood_secs} s ({len(logins) / args.flood_secs:.1f}/s), statuses {statuses}, "
            f"p50 {ms(pct(logins, 50))}, p99 {ms(pct(logins, 99))}"
        )
        print(f"  peak RSS (VmHWM): {peak / 1024:.1f} MiB (during the flood {peak_during / 1024:.1f}); RSS after: {rss_after / 1024:.1f} MiB")
        run.checks.check(statuses.get(200, 0) == len(logins), "every login answered 200", str(statuses))
        return run.checks.failures
    except Fail as e:
        run.checks.check(False, "the run completed", str(e))
        return run.checks.failures
    finally:
        run.close()


# ---------- entry point ----------


def default_bin() -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target")
    return os.path.normpath(os.path.join(target, "release", "pulseline"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=["load", "crash", "replicas", "flood", "upgrade", "mail", "mail-bench", "pages", "ci"])
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both", help="database(s) for load, crash, flood")
    p.add_argument("--bin", default=default_bin(), help="the pulseline binary (default: %(default)s)")
    p.add_argument("--old-bin", default=None, help="the previous version's binary, for the upgrade scenario")
    p.add_argument("--pg", default=os.environ.get("SOAK_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--people", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--rounds", type=int, default=100, help="rounds for the replicas scenario")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    p.add_argument("--flood-clients", type=int, default=32)
    p.add_argument("--flood-secs", type=int, default=10)
    p.add_argument("--mail-people", type=int, default=1000, help="people for the mail scenarios")
    p.add_argument("--mail-rate", type=int, default=200, help="PULSELINE_MAIL_RATE per server for the mail scenarios")
    p.add_argument("--page-runs", type=int, default=20, help="loads of each page for the pages benchmark")
    p.add_argument("--keep", action="store_true", help="keep logs and databases")
    args = p.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10**9)
    if not os.access(args.bin, os.X_OK):
        print(f"FAIL: {args.bin} is not an executable; run cargo build --release first", file=sys.stderr)
        return 1
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    started = time.monotonic()
    failures: list[str] = []
    print(f"soak: {args.bin}, seed {args.seed}")
    if args.scenario in ("load", "ci"):
        for kind in kinds:
            failures += scenario_load(args, kind)
    if args.scenario in ("crash", "ci"):
        for kind in kinds:
            failures += scenario_crash(args, kind)
    if args.scenario in ("replicas", "ci"):
        failures += scenario_replicas(args)
    if args.scenario in ("mail", "ci"):
        failures += scenario_mail(args)
    if args.scenario == "mail-bench":
        failures += scenario_mail_bench(args)
    if args.scenario == "pages":
        for kind in kinds:
            failures += scenario_pages(args, kind)
    if args.scenario == "upgrade" or (args.scenario == "ci" and args.old_bin):
        if not args.old_bin or not os.access(args.old_bin, os.X_OK):
            print(f"FAIL: --old-bin {args.old_bin} is not an executable", file=sys.stderr)
            return 1
        for kind in kinds:
            failures += scenario_upgrade(args, kind)
    if args.scenario == "flood":
        for kind in (["sqlite"] if args.db == "both" else kinds):
            failures += scenario_flood(args, kind)
    print(f"\nsoak {args.scenario}: {time.monotonic() - started:.0f} s, seed {args.seed}")
    return verdict(failures)


def verdict(failures: list[str]) -> int:
    """Prints every failed check (or that all passed); the exit status."""
    if failures:
        print(f"{len(failures)} check(s) FAILED:")
        for f in failures:
            print(f"  FAIL: {f}")
        return 1
    print("every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
