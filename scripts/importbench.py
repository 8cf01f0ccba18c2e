#!/usr/bin/env python3
"""Times `pulseline import people` on a generated organisation, on SQLite and PostgreSQL.

For each database it:
1. makes a fresh database and runs `pulseline migrate`;
2. stores a tree of `--teams` teams `--depth` levels deep (the shape reportbench uses:
   team i's parent is team (i - 1) / fan-out), each with an import key `t00042`;
3. writes a CSV of `--people` people (e-mail, name, team by key, location, job family,
   start date; every 500th a manager) and imports it with the release binary under
   `/usr/bin/time -v`: the first import creates everyone (activation tokens and
   invitation messages included), the second finds every row unchanged, the third
   reads a file in which everyone has moved location (every row is written);
4. prints the wall time, rows per second and the peak RSS of each import, and checks
   that the database holds the people the CSV named.

Run (after `cargo build --release`):
    python3 scripts/importbench.py --binary target/release/pulseline \
        --database-url sqlite --database-url postgres://postgres@127.0.0.1:5432/postgres

It needs `psql` for PostgreSQL (it creates and drops the database `importbench`).
"""

import argparse
import csv
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time


def fan_out(teams, depth):
    """The fewest children per team that hold `teams` teams in `depth` levels."""
    b = 2
    while True:
        total, level = 0, 1
        for _ in range(depth):
            total += level
            level *= b
        if total >= teams:
            return b
        b += 1


def team_rows(n_teams, depth):
    fan = fan_out(n_teams, depth)
    rows = [("team-0000", "Company", None, "t00000")]
    for i in range(1, n_teams):
        rows.append((f"team-{i:04}", f"Team {i:04}", f"team-{(i - 1) // fan:04}", f"t{i:05}"))
    return rows


def write_csv(path, n_people, n_teams, seed, moved=False):
    """The people; with `moved`, the same people each in another location (every row
    changes one cell)."""
    rng = random.Random(seed)
    locations = ["Berlin"] * 35 + ["Lisbon"] * 25 + ["Warsaw"] * 20 + ["Austin"] * 15 + ["Remote"] * 5
    families = ["Sales", "Support", "Engineering", "Operations"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "name", "team", "manager", "location", "job_family", "start_date"])
        for i in range(n_people):
            team = rng.randrange(1, n_teams) if n_teams > 1 else 0
            day = 1 + rng.randrange(28)
            month = 1 + rng.randrange(12)
            year = 2014 + rng.randrange(12)
            w.writerow([
                f"p{i}@import.example.org",
                f"Person {i}",
                f"t{team:05}",
                "true" if i % 500 == 0 else "false",
                rng.choice(locations) + (" (moved)" if moved else ""),
                families[i % 4],
                f"{year}-{month:02}-{day:02}",
            ])


NOW = "2026-12-07 00:00:00"


def store_teams_sqlite(path, rows):
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO teams (id, name, parent_id, kind, team_key, created_at, updated_at)"
        " VALUES (?, ?, ?, 'frontline', ?, ?, ?)",
        [(i, n, p, k, NOW, NOW) for (i, n, p, k) in rows],
    )
    db.commit()
    db.close()


def psql(url, sql, stdin=None):
    out = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql] if stdin is None
        else ["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-f", "-"],
        input=stdin, capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


def store_teams_postgres(url, rows):
    lines = ["COPY teams (id, name, parent_id, kind, team_key, created_at, updated_at) FROM STDIN;"]
    for (i, n, p, k) in rows:
        lines.append("\t".join([i, n, p if p else "\\N", "frontline", k, NOW, NOW]))
    lines.append("\\.")
    psql(url, None, stdin="\n".join(lines) + "\n")


def count_people(target):
    if target["kind"] == "sqlite":
        db = sqlite3.connect(target["path"])
        (n,) = db.execute("SELECT count(*) FROM people").fetchone()
        db.close()
        return n
    return int(psql(target["url"], "SELECT count(*) FROM people"))


def timed_import(binary, env, csv_path):
    """Runs one import; returns (seconds, peak RSS in MiB, the summary line)."""
    started = time.monotonic()
    out = subprocess.run(
        ["/usr/bin/time", "-v", binary, "import", "people", csv_path],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    seconds = time.monotonic() - started
    if out.returncode != 0:
        sys.exit(f"import failed ({out.returncode}):\n{out.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    summary = [l for l in out.stderr.splitlines() if " rows: " in l]
    return seconds, int(rss.group(1)) / 1024 if rss else float("nan"), summary[-1] if summary else ""


def bench(args, url, work):
    env = dict(os.environ)
    env["PULSELINE_MASTER_KEY"] = "importbench-master-key-of-at-least-32-bytes"
    env["RUST_LOG"] = "warn"
    if url == "sqlite":
        path = os.path.join(work, "import.db")
        target = {"kind": "sqlite", "path": path, "name": "SQLite"}
        env["DATABASE_URL"] = path
    else:
        base = url.rsplit("/", 1)[0]
        psql(url, "DROP DATABASE IF EXISTS importbench")
        psql(url, "CREATE DATABASE importbench")
        target = {"kind": "postgres", "url": f"{base}/importbench", "name": "PostgreSQL"}
        env["DATABASE_URL"] = target["url"]
    subprocess.run([args.binary, "migrate"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = team_rows(args.teams, args.depth)
    if target["kind"] == "sqlite":
        store_teams_sqlite(target["path"], rows)
    else:
        store_teams_postgres(target["url"], rows)
    csv_path = os.path.join(work, "people.csv")
    write_csv(csv_path, args.people, args.teams, args.seed)
    first = timed_import(args.binary, env, csv_path)
    stored = count_people(target)
    if stored != args.people:
        sys.exit(f"{target['name']}: {stored} people stored, {args.people} in the CSV")
    second = timed_import(args.binary, env, csv_path)
    moved_path = os.path.join(work, "people-moved.csv")
    write_csv(moved_path, args.people, args.teams, args.seed, moved=True)
    third = timed_import(args.binary, env, moved_path)
    if target["kind"] == "postgres":
        psql(url, "DROP DATABASE IF EXISTS importbench")
    return target["name"], first, second, third


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="the release build of pulseline")
    p.add_argument("--database-url", action="append", required=True,
                   help="`sqlite` (a new file in a temporary folder) or a postgres:// URL; repeatable")
    p.add_argument("--people", type=int, default=100_000, help="rows in the CSV (at most 100,000)")
    p.add_argument("--teams", type=int, default=5_000)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    if not 1 <= args.people <= 100_000:
        sys.exit("--people must be between 1 and 100000 (one import's limit)")
    if args.teams < 2 or args.depth < 2:
        sys.exit("--teams and --depth must be at least 2")
    print(f"{args.people} people in {args.teams} teams, depth {args.depth}")
    print("| database | import | time | rows/s | peak RSS | summary |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for url in args.database_url:
        with tempfile.TemporaryDirectory(prefix="importbench-") as work:
            name, first, second, third = bench(args, url, work)
        passes = (("first (creates)", first), ("again (unchanged)", second),
                  ("every row changed", third))
        for label, (secs, rss, summary) in passes:
            print(f"| {name} | {label} | {secs:.1f} s | {args.people / secs:,.0f} | {rss:,.0f} MiB | {summary} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
