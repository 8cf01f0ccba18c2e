//! Where the CPU time of the machine went (Linux `/proc`), and waiting for it to be
//! quiet before a measured phase.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::{Args, Target};

/// CPU seconds spent during the measured phase.
pub struct CpuUse {
    /// The whole machine (all cores, busy = not idle and not waiting for I/O).
    pub machine: f64,
    /// The server process, all its threads.
    pub server: f64,
    /// This load generator.
    pub loadgen: f64,
    /// Every `postgres` process (the database server; zero with SQLite).
    pub postgres: f64,
}

/// Clock ticks read from `/proc` at one moment.
pub struct CpuSnapshot {
    pub machine: Option<u64>,
    pub server: Option<u64>,
    pub loadgen: Option<u64>,
    pub postgres: u64,
}

/// `/proc` counts CPU time in USER_HZ ticks, 100 a second on Linux.
pub const TICKS_PER_SEC: f64 = 100.0;

impl CpuSnapshot {
    pub fn take(server_pid: Option<u32>) -> CpuSnapshot {
        CpuSnapshot {
            machine: machine_ticks().map(|(busy, _)| busy),
            server: server_pid.and_then(|p| process_ticks(&format!("/proc/{p}/stat"), false)),
            loadgen: process_ticks("/proc/self/stat", true),
            postgres: postgres_ticks(),
        }
    }

    pub fn since(&self, before: &CpuSnapshot) -> Option<CpuUse> {
        let secs =
            |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?) as f64 / TICKS_PER_SEC);
        Some(CpuUse {
            machine: secs(self.machine, before.machine)?,
            server: secs(self.server, before.server).unwrap_or(0.0),
            loadgen: secs(self.loadgen, before.loadgen)?,
            postgres: secs(Some(self.postgres), Some(before.postgres))?,
        })
    }
}

/// (busy, total) ticks of all cores, from the first line of `/proc/stat`.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total.saturating_sub(idle), total))
}

/// User plus system ticks of a process (all threads), from its `stat` file; with
/// `children`, plus those of its children that have ended and been waited for.
pub fn process_ticks(path: &str, children: bool) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    if !children {
        return Some(utime + stime);
    }
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(utime + stime + cutime + cstime)
}

/// Ticks of every process named `postgres`, ended backends included (bounded by the
/// process table's size).
pub fn postgres_ticks() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        // With children: the postmaster reaps ended backends, and their time moves to it.
        .filter_map(|e| process_ticks(&e.path().join("stat").to_string_lossy(), true))
        .sum()
}

/// Waits (at most `--quiet-wait-secs`) until the machine is nearly idle, so that other
/// work on a shared machine disturbs the measurement as little as possible.
pub async fn wait_for_quiet(args: &Args, backend: &str) {
    let until = Instant::now() + Duration::from_secs(args.quiet_wait_secs);
    let mut said = false;
    while Instant::now() < until {
        match machine_busy_over(Duration::from_secs(1)).await {
            Some(busy) if busy >= 0.15 => {
                if !said {
                    eprintln!(
                        "[{backend}] the machine is {:.0}% busy; waiting for it to quieten",
                        busy * 100.0
                    );
                    said = true;
                }
            }
            _ => return,
        }
    }
    eprintln!("[{backend}] WARNING: the machine stayed busy; measuring anyway");
}

/// On PostgreSQL, a CHECKPOINT before a measured phase, so that one phase's WAL does not
/// make the next pay for its checkpoint (needs superuser or `pg_checkpoint`; best effort).
pub async fn pg_checkpoint(target: &Target) {
    let Target::Postgres { admin, .. } = target else {
        return;
    };
    let admin = admin.clone();
    let done = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = PgConnection::establish(&admin)?;
        diesel::sql_query("CHECKPOINT").execute(&mut conn)?;
        Ok(())
    })
    .await;
    if !matches!(done, Ok(Ok(()))) {
        eprintln!("[PostgreSQL] CHECKPOINT before the phase failed; continuing without it");
    }
}

/// The busy share of all cores over `span`.
pub async fn machine_busy_over(span: Duration) -> Option<f64> {
    let (b0, t0) = machine_ticks()?;
    tokio::time::sleep(span).await;
    let (b1, t1) = machine_ticks()?;
    let total = t1.checked_sub(t0)?;
    (total > 0).then(|| b1.saturating_sub(b0) as f64 / total as f64)
}
