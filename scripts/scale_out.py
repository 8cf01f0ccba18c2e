#!/usr/bin/env python3
"""pulseline spread over more than one PostgreSQL process, as an operator would run it
behind a load balancer. Two scenarios against the release binary:

standby — two servers on one primary and one hot standby. A real standby is made with
`pg_basebackup -R` into a second data directory on another port; both servers read
released data there (`PULSELINE_READ_DATABASE_URL`), and a third server reading only the
primary is the reference. Two teams (a frontline team and an internal team serving it on
the service map), customer ratings of the frontline team, suggestions raised by
employees (signed and anonymous, voted on, one answered) and an action are made first. A
round is answered and closed through both servers and its report, heatmap and comments,
the linkage, the frontline insights and the lists the standby serves (suggestions,
people, teams, surveys, rounds, actions) read through both while the standby replays (the
standby serves them); then the standby's replay is paused (`pg_wal_replay_pause()`), a
second round answered and closed, a suggestion raised and ratings added, and all of it
and the trend read through both servers while the standby is behind — it does not hold
the second round's results, the suggestion or the ratings, which the checks show, so a
stale read would differ — and every answer must equal the reference's. Every one of
these reads must pass the standby's fence (served there or left to the primary: the
standby's counters move). Replay is resumed and the standby serves again.

pgbouncer — two servers reach the primary only through a real PgBouncer in transaction
pooling (`PULSELINE_DB_BEHIND_PGBOUNCER=true`, after `pulseline migrate` run directly):
people activate, answer concurrently through both, a round closes, and the reports
through both equal a direct server's, while PostgreSQL saw no more connections than
PgBouncer's pool.

    scripts/scale_out.py standby|pgbouncer|ci --bin target/release/pulseline [--pg URL]

Needs to run as root (the standby's files and PgBouncer run as the `postgres` user),
with the primary accepting replication connections from 127.0.0.1 and Debian's
`pgbouncer` installed (`.ci/run` sees to both). Prints `FAIL: ...` for each failed check
and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402
from soak import Checks, Fail, Http, Run, create_admin, populate, psql  # noqa: E402

METRICS_TOKEN = "standby-metrics-token-0123456789abcdef"


def host_port(url: str) -> tuple[str, str]:
    """The host and port of a postgres:// URL (127.0.0.1 and 5432 when it names none)."""
    m = re.search(r"@([^:/?]+)(?::(\d+))?", url) or re.search(r"://([^:/?@]+)(?::(\d+))?", url)
    return (m.group(1), m.group(2) or "5432") if m else ("127.0.0.1", "5432")


class Standby:
    """A hot standby of the primary at `pg`, in a data directory of its own."""

    def __init__(self, pg: str) -> None:
        version = int(psql(pg, "SHOW server_version_num").strip()) // 10000
        self.bindir = f"/usr/lib/postgresql/{version}/bin"
        if not os.path.isdir(self.bindir):
            raise Fail(f"{self.bindir} is missing (PostgreSQL {version}'s server binaries)")
        self.port = soak.free_port()
        self.dir = tempfile.mkdtemp(prefix="pulseline-standby-", dir="/var/tmp")
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        host, port = host_port(pg)
        self.as_postgres(
            ["pg_basebackup", "-h", host, "-p", port, "-U", "postgres", "-D", self.dir, "-R", "-X", "stream", "-c", "fast"]
        )
        # Debian keeps the configuration outside the data directory; the copy gets its own.
        conf = {
            "postgresql.conf": (
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nhot_standby = on\n"
                "max_connections = 100\nshared_buffers = 32MB\n"
            ),
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in conf.items():
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            shutil.chown(path, "postgres", "postgres")
        self.as_postgres(["pg_ctl", "-D", self.dir, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "60", "start"])
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        if psql(self.url, "SELECT pg_is_in_recovery()").strip() != "t":
            raise Fail("the copy is not in recovery: it is not a standby")

    def as_postgres(self, cmd: list[str]) -> None:
        r = subprocess.run(
            ["runuser", "-u", "postgres", "--", os.path.join(self.bindir, cmd[0]), *cmd[1:]],
            capture_output=True,
            text=True,
            timeout=300,
            cwd="/",
        )
        if r.returncode != 0:
            raise Fail(f"{cmd[0]} failed: {r.stderr.strip()}")

    def database(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        try:
            self.as_postgres(["pg_ctl", "-D", self.dir, "-m", "immediate", "-w", "stop"])
        except Fail as e:
            print(f"  (stopping the standby: {e})")
        shutil.rmtree(self.dir, ignore_errors=True)


def cut_short(run: Run | None, name: str, e: Fail) -> list[str]:
    """The failures of a scenario that stopped on `e` (before its run began, or in it)."""
    if run is None:
        print(f"  FAIL: {name}: {e}")
        return [f"{name}: {e}"]
    run.checks.check(False, "the run completed", str(e))
    return run.checks.failures


def metric(h: Http, name: str) -> int:
    status, data = h.call("GET", "/metrics", METRICS_TOKEN)
    if status != 200:
        raise Fail(f"/metrics: {status}")
    total = 0
    for line in data.decode().splitlines():
        m = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\d+)", line)
        if m:
            total += int(m.group(2))
    return total


def canonical(path: str, body: dict):
    """A report answer with what is meant to vary between reads made equal: comments are
    shown in a random order each time. The linkage, the insights and the lists hold no
    time of the read and keep a fixed order: they are compared whole."""
    if path.endswith("/comments") and isinstance(body, dict):
        body = dict(body)
        for key, value in body.items():
            if isinstance(value, list):
                body[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    return body


def routed(h: Http) -> int:
    """Reads a server has put through its standby's fence: served there, or left to the
    primary (lagging, resting, failed). A read that bypasses the standby moves neither."""
    return metric(h, "pulseline_standby_reads_total") + metric(h, "pulseline_standby_fallbacks_total")


def rate(h: Http, admin: str, team: str, scores: list[int], tag: str, day: str, c: Checks) -> None:
    """CSAT ratings of `team` on `day`, one per score, with external ids `tag-i`."""
    body = {
        "ratings": [
            {"external_id": f"{tag}-{i}", "team_id": team, "metric": "csat", "score": s, "occurred_on": day}
            for i, s in enumerate(scores)
        ]
    }
    report = h.expect(200, "POST", "/api/v1/cx/ratings", admin, body)
    c.equal(report["accepted"], len(scores), f"CSAT ratings ({tag}) stored")


def suggest(h: Http, token: str, title: str, body: str, touchpoint: str, anonymous: bool) -> dict:
    """A suggestion raised by the person of `token`, as answered (with its follow-up code
    when anonymous)."""
    return h.expect(
        201,
        "POST",
        "/api/v1/suggestions",
        token,
        {"title": title, "body": body, "touchpoint": touchpoint, "anonymous": anonymous},
    )


def answer_round(servers: list[Http], people, rid: str, questions: list[dict], rng: random.Random, c: Checks) -> None:
    ok = 0
    for i, (_, token) in enumerate(people):
        h = servers[i % len(servers)]
        status, _ = h.call("POST", f"/api/v1/rounds/{rid}/responses", token, soak.answers_for(questions, rng))
        ok += status == 201
    c.equal(ok, len(people), f"answers to round {rid[:8]} through both servers")


def scenario_standby(args) -> list[str]:
    print("\n== standby: two servers on a primary and a hot standby, replay paused half way")
    standby = Standby(args.pg)
    run = None
    try:
        run = Run(args, "standby", "postgres")
        c = run.checks
        read_url = standby.database(run.db.name)
        # The database was created after the copy: it reaches the standby by replication.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                psql(read_url, "SELECT 1")
                break
            except Fail:
                time.sleep(0.2)
        env = {
            "PULSELINE_SCHEDULER_SECS": "3600",
            "PULSELINE_METRICS_TOKEN": METRICS_TOKEN,
            "PULSELINE_READ_DATABASE_URL": read_url,
            "PULSELINE_READ_MAX_WAIT_MS": "200",
        }
        a = run.server("standby-a", env)
        b = run.server("standby-b", env)
        ref = run.server("primary-only", {"PULSELINE_SCHEDULER_SECS": "3600", "PULSELINE_METRICS_TOKEN": METRICS_TOKEN})
        for s in (a, b, ref):
            s.start()
        for s in (a, b, ref):
            s.wait_ready()
        create_admin(a)
        ha, hb, hr = Http(a.port), Http(b.port), Http(ref.port)
        # Two teams of eight: the first serves customers, the second becomes an internal team.
        pop = populate(ha, a.port, 16, 2, 4)
        admin = pop.admin
        frontline, back_office = pop.team_ids

        def team_of(email: str) -> int:
            """populate() puts soak-i@example.org in team i % 2."""
            return int(email.split("@")[0].rsplit("-", 1)[1]) % 2

        front_people = [person for person in pop.people if team_of(person[0]) == 0]
        back_people = [person for person in pop.people if team_of(person[0]) == 1]
        rng = random.Random(args.seed)
        survey = ha.expect(201, "POST", "/api/v1/surveys", admin, soak.survey_body("Standby pulse", "2099-01-01"))
        questions = survey["questions"]
        today = datetime.datetime.now(datetime.timezone.utc).date()
        # The linkage and the insights over a fixed window that holds today: their defaults
        # end on the day of the read, and a run may cross midnight.
        window = f"from={today - datetime.timedelta(days=30)}&to={today + datetime.timedelta(days=1)}"
        linkage = f"/api/v1/insights/linkage?metric=csat&period=month&{window}"
        insights = f"/api/v1/insights/frontline?{window}"

        # 0. What the linkage, the insights and the lists show. The service map: the back
        #    office serves the frontline team, so it takes that team's CX in the linkage.
        ha.expect(200, "PATCH", f"/api/v1/teams/{back_office}", admin, {"name": "Standby back office", "kind": "internal"})
        hb.expect(200, "PUT", f"/api/v1/teams/{back_office}/serves", admin, [{"team_id": frontline, "weight": 1.0}])
        # Twelve CSAT ratings of the frontline team today (a team's CX counts from 10).
        rate(ha, admin, frontline, [5, 5, 5, 4, 4, 4, 4, 3, 2, 5, 1, 4], "standby", str(today), c)
        # Suggestions from both teams, signed and anonymous (each team holds 8 ≥ k = 5, so an
        # anonymous one is filed at its author's own team); three about late refunds, enough
        # for a theme (a theme needs two).
        raised = [
            suggest(ha, front_people[0][1], "Refund delays frustrate customers",
                    "Customers wait three weeks for a refund and call support about the refund again and again.",
                    "billing", False),
            suggest(hb, front_people[1][1], "Delayed refunds after cancellation",
                    "A refund after cancelling takes weeks; customers ask support where their refund is.",
                    "billing", True),
            suggest(ha, back_people[0][1], "Refund requests are delayed",
                    "Refund delays are the first thing customers complain about when they call.",
                    "support", True),
            suggest(hb, back_people[1][1], "Onboarding emails arrive late",
                    "New customers get the welcome email a day after they sign up.",
                    "onboarding", False),
        ]
        c.check(all(x["team_id"] for x in raised), "anonymous suggestions are filed at their authors' teams (k met)",
                str([x["team_id"] for x in raised]))
        # Votes (three for the first, one for the third) and an answer that closes a loop.
        for (_, token), h in zip(front_people[2:5], (ha, hb, ha)):
            h.expect(200, "POST", f"/api/v1/suggestions/{raised[0]['id']}/votes", token)
        hb.expect(200, "POST", f"/api/v1/suggestions/{raised[2]['id']}/votes", back_people[2][1])
        ha.expect(200, "PATCH", f"/api/v1/suggestions/{raised[0]['id']}", admin,
                  {"status": "acknowledged", "reply": "Finance is looking at the refund queue this month."})
        hb.expect(201, "POST", "/api/v1/actions", admin,
                  {"team_id": frontline, "suggestion_id": raised[0]["id"], "title": "Shorten the refund queue",
                   "due_on": str(today + datetime.timedelta(days=30))})

        def reads(rounds: list[str]) -> list[str]:
            paths = []
            for rid in rounds:
                paths += [f"/api/v1/rounds/{rid}/report", f"/api/v1/rounds/{rid}/heatmap", f"/api/v1/rounds/{rid}/comments"]
            if len(rounds) > 1:
                paths.append(f"/api/v1/surveys/{survey['id']}/trend")
            # The linkage (engagement of the closed rounds against CSAT, the back office
            # through the service map) and the frontline insights, whole and for one team.
            paths += [linkage, insights, f"/api/v1/insights/frontline?team_id={frontline}&{window}"]
            # The lists the servers read on the standby (`Db::read_replicated`). Not here,
            # as they are read on the primary: the audit log, the outbox, webhooks and their
            # deliveries, SCIM tokens, an action's updates, the CX summary and single items
            # (a suggestion, a person, a team, a survey).
            paths += [
                "/api/v1/suggestions",
                "/api/v1/suggestions?sort=votes&q=refund",
                "/api/v1/people",
                f"/api/v1/people?team_id={frontline}",
                "/api/v1/teams",
                "/api/v1/surveys",
                f"/api/v1/surveys/{survey['id']}/rounds",
                "/api/v1/actions",
            ]
            return paths

        def compare(rounds: list[str], when: str) -> dict:
            """Reads every path through both servers and the reference; the reference's
            answers by path."""
            same, differ, bypassed, answers = 0, [], [], {}
            for path in reads(rounds):
                want = canonical(path, hr.expect(200, "GET", path, admin))
                answers[path] = want
                for name, h in (("a", ha), ("b", hb)):
                    before = routed(h)
                    got = canonical(path, h.expect(200, "GET", path, admin))
                    if routed(h) == before:
                        bypassed.append(f"{name} {path}")
                    if got == want:
                        same += 1
                    else:
                        differ.append(f"{name} {path}")
            c.check(not differ, f"{when}: {same} reads through both servers equal the primary's", ", ".join(differ[:4]))
            c.check(not bypassed, f"{when}: each of them passed the standby's fence (served there or left to the primary)",
                    "bypassed: " + ", ".join(bypassed[:4]))
            return answers

        def served_total() -> int:
            return metric(ha, "pulseline_standby_reads_total") + metric(hb, "pulseline_standby_reads_total")

        def fallbacks_total() -> int:
            return metric(ha, "pulseline_standby_fallbacks_total") + metric(hb, "pulseline_standby_fallbacks_total")

        def point(answers: dict, team: str) -> dict:
            """The linkage's point of `team` in the reference's answer ({} when none)."""
            return next((p for p in answers[linkage]["points"] if p["team_id"] == team), {})

        # 1. A round answered and closed through both servers, read while the standby replays.
        r1 = ha.expect(201, "POST", f"/api/v1/surveys/{survey['id']}/rounds", admin)["id"]
        answer_round([ha, hb], pop.people, r1, questions, rng, c)
        hb.expect(200, "POST", f"/api/v1/rounds/{r1}/close", admin)
        served_before = served_total()
        answers = compare([r1], "replaying")
        served = served_total()
        c.check(served - served_before >= 3, f"the standby served reads while replaying ({served - served_before} of {2 * len(reads([r1]))})")
        c.equal(metric(hr, "pulseline_standby_reads_total"), 0, "the primary-only server reports no standby reads")
        # What the new reads show is something: points for both teams, themes, the lists.
        front, back = point(answers, frontline), point(answers, back_office)
        c.check(front.get("n_ratings") == 12 and back.get("via_service_map") is True,
                "the linkage has the frontline team (12 ratings) and the back office through the service map",
                f"frontline {front}, back office {back}")
        c.check(answers[insights]["total"] == 4 and len(answers[insights]["themes"]) >= 1,
                f"the frontline insights count 4 suggestions in {len(answers[insights]['themes'])} theme(s)",
                json.dumps(answers[insights])[:300])
        c.equal(answers["/api/v1/suggestions"]["total"], 4, "suggestions listed")

        # 2. Replay paused: a second round answered and closed, a suggestion raised and
        #    ratings added; the standby stays behind, so the reads of all of it differ there.
        psql(standby.database(run.db.name), "SELECT pg_wal_replay_pause()")
        r2 = hb.expect(201, "POST", f"/api/v1/surveys/{survey['id']}/rounds", admin)["id"]
        answer_round([hb, ha], pop.people, r2, questions, rng, c)
        ha.expect(200, "POST", f"/api/v1/rounds/{r2}/close", admin)
        late = suggest(hb, front_people[5][1], "Refunds delayed again this week",
                       "Three customers called today about a refund that is two weeks late.", "billing", False)
        rate(ha, admin, frontline, [1, 2, 2, 1, 3], "standby-paused", str(today), c)

        def on_both(sql: str) -> tuple[str, int]:
            """A count on the paused standby and on the primary."""
            return psql(read_url, sql).strip(), run.db.scalar(sql)

        for what, sql, want in [
            ("the second round's results", f"SELECT COUNT(*) FROM rounds WHERE id = '{r2}' AND materialised_at IS NOT NULL", 1),
            ("the new suggestion", f"SELECT COUNT(*) FROM suggestions WHERE id = '{late['id']}'", 1),
            ("the new ratings", "SELECT COUNT(*) FROM cx_ratings WHERE external_id LIKE 'standby-paused-%'", 5),
        ]:
            on_standby, on_primary = on_both(sql)
            c.check(on_standby == "0" and on_primary == want, f"the paused standby lacks {what} the primary has",
                    f"standby {on_standby}, primary {on_primary}")
        lag_before, served_before = fallbacks_total(), served_total()
        answers = compare([r1, r2], "standby paused")
        lagged, served = fallbacks_total() - lag_before, served_total() - served_before
        c.check(lagged >= 2 * len(reads([r1, r2])) and served == 0,
                f"reads left to the primary while the standby lags ({lagged} of {2 * len(reads([r1, r2]))}, "
                f"{served} served there)")
        # The answers hold what the standby lacks: a read there would not have equalled them.
        front = point(answers, frontline)
        c.check(front.get("n_ratings") == 17 and front.get("n_responses", 0) > 8,
                f"the linkage counts the ratings and the round the standby lacks "
                f"({front.get('n_ratings')} ratings, {front.get('n_responses')} responses)", f"frontline {front}")
        c.check(answers[insights]["total"] == 5 and any(s["id"] == late["id"] for s in answers["/api/v1/suggestions"]["items"]),
                "the insights and the list hold the suggestion the standby lacks",
                f"insights total {answers[insights]['total']}")

        # 3. Replay resumed: the standby catches up and serves again.
        psql(read_url, "SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # The ratings were the last thing written while it was paused.
            if on_both("SELECT COUNT(*) FROM cx_ratings WHERE external_id LIKE 'standby-paused-%'")[0] == "5":
                break
            time.sleep(0.2)
        time.sleep(1.2)  # the servers leave a late standby alone for a second
        served_before = served_total()
        compare([r1, r2], "replay resumed")
        served = served_total()
        c.check(served > served_before, f"the standby serves again once caught up ({served - served_before})")
        for h in (ha, hb, hr):
            h.close()
        soak.check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        return cut_short(run, "standby", e)
    finally:
        if run is not None:
            run.close()
        standby.stop()


class PgBouncer:
    """PgBouncer in transaction pooling in front of the primary at `pg`, on a port of its
    own, with at most `pool` server connections per database."""

    def __init__(self, pg: str, pool: int) -> None:
        self.binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.access(self.binary, os.X_OK):
            raise Fail("pgbouncer is not installed (Debian package pgbouncer)")
        self.port = soak.free_port()
        self.dir = tempfile.mkdtemp(prefix="pulseline-pgbouncer-", dir="/var/tmp")
        pg_host, pg_port = host_port(pg)
        files = {
            "pgbouncer.ini": (
                f"[databases]\n* = host={pg_host} port={pg_port}\n\n[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
                f"auth_type = trust\nauth_file = {self.dir}/userlist.txt\n"
                f"pool_mode = transaction\ndefault_pool_size = {pool}\nmax_client_conn = 500\n"
                f"logfile = {self.dir}/pgbouncer.log\npidfile = {self.dir}/pgbouncer.pid\n"
                "ignore_startup_parameters = extra_float_digits,options\n"
            ),
            "userlist.txt": '"postgres" ""\n',
        }
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        for path in [self.dir, *[os.path.join(self.dir, n) for n in files]]:
            shutil.chown(path, "postgres", "postgres")
        self.proc = subprocess.Popen(
            ["runuser", "-u", "postgres", "--", self.binary, os.path.join(self.dir, "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                psql(self.database("postgres"), "SELECT 1")
                break
            except Fail as e:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise Fail(f"pgbouncer did not start: {e}; {self.log_tail()}") from None
                time.sleep(0.2)

    def database(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def log_tail(self) -> str:
        try:
            with open(os.path.join(self.dir, "pgbouncer.log"), errors="replace") as f:
                return " | ".join(f.read().splitlines()[-5:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def scenario_pgbouncer(args) -> list[str]:
    pool = 6
    print(f"\n== pgbouncer: two servers through PgBouncer (transaction pooling, {pool} server connections)")
    bouncer = PgBouncer(args.pg, pool)
    run = None
    try:
        run = Run(args, "pgbouncer", "postgres")
        c = run.checks
        pooled_url = bouncer.database(run.db.name)
        env = {
            "DATABASE_URL": pooled_url,
            "PULSELINE_DB_BEHIND_PGBOUNCER": "true",
            "PULSELINE_MIGRATE_ON_START": "false",
            "PULSELINE_SCHEDULER_SECS": "3600",
        }
        a = run.server("pgbouncer-a", env)
        b = run.server("pgbouncer-b", env)
        # Migrations and the first admin on a direct connection, as the README says.
        direct = run.server("direct", {"PULSELINE_SCHEDULER_SECS": "3600"})
        out = direct.run_cli(["migrate"])
        c.check("applied" in out, f"pulseline migrate on a direct connection: {out.strip()}")
        create_admin(direct)
        for s in (a, b):
            s.start()
        for s in (a, b):
            s.wait_ready()
        ha, hb = Http(a.port), Http(b.port)
        pop = populate(ha, a.port, 12, 2, 8)
        admin = pop.admin
        rng = random.Random(args.seed)
        survey = ha.expect(201, "POST", "/api/v1/surveys", admin, soak.survey_body("Pooled pulse", "2099-01-01"))
        rid = hb.expect(201, "POST", f"/api/v1/surveys/{survey['id']}/rounds", admin)["id"]
        jobs = [
            ("POST", f"/api/v1/rounds/{rid}/responses", token, soak.answers_for(survey["questions"], rng))
            for _, token in pop.people
        ]
        half = len(jobs) // 2
        results: list = [None, None]
        threads = [
            soak.threading.Thread(target=lambda: results.__setitem__(0, soak.run_pool(a.port, jobs[:half], 6))),
            soak.threading.Thread(target=lambda: results.__setitem__(1, soak.run_pool(b.port, jobs[half:], 6))),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = [r[0] if r else None for part in results for r in (part or [])]
        c.equal(statuses.count(201), len(jobs), "answers through both servers at once, 12 connections")
        seen = run.db.scalar(f"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{run.db.name}'")
        c.check(seen <= pool + 1, f"connections PostgreSQL saw for the database while two servers of 16 ran: {seen} (pool {pool}, psql 1)")
        ha.expect(200, "POST", f"/api/v1/rounds/{rid}/close", admin)
        direct.start()
        direct.wait_ready()
        hd = Http(direct.port)
        differ = []
        paths = [f"/api/v1/rounds/{rid}/report", f"/api/v1/rounds/{rid}/heatmap", f"/api/v1/rounds/{rid}/comments"]
        for path in paths:
            want = canonical(path, hd.expect(200, "GET", path, admin))
            for name, h in (("a", ha), ("b", hb)):
                if canonical(path, h.expect(200, "GET", path, admin)) != want:
                    differ.append(f"{name} {path}")
        c.check(not differ, f"{len(paths) * 2} reads through PgBouncer equal a direct server's", ", ".join(differ))
        report = hd.expect(200, "GET", f"/api/v1/rounds/{rid}/report", admin)
        c.check(report.get("scores_released") is True and report.get("group") is not None,
                "the round's report releases the organisation's scores")
        for h in (ha, hb, hd):
            h.close()
        soak.check_logs(c, run.servers)
        return c.failures
    except Fail as e:
        return cut_short(run, "pgbouncer", e)
    finally:
        if run is not None:
            run.close()
        bouncer.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=["standby", "pgbouncer", "ci"])
    p.add_argument("--bin", default=soak.default_bin(), help="the pulseline binary (default: %(default)s)")
    p.add_argument("--pg", default=os.environ.get("SOAK_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    p.add_argument("--keep", action="store_true", help="keep logs and the database")
    args = p.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10**9)
    if not os.access(args.bin, os.X_OK):
        print(f"FAIL: {args.bin} is not an executable; run cargo build --release first", file=sys.stderr)
        return 1
    started = time.monotonic()
    print(f"scale-out: {args.bin}, seed {args.seed}")
    failures: list[str] = []
    if args.scenario in ("standby", "ci"):
        failures += scenario_standby(args)
    if args.scenario in ("pgbouncer", "ci"):
        failures += scenario_pgbouncer(args)
    print(f"\nscale-out {args.scenario}: {time.monotonic() - started:.0f} s")
    return soak.verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
