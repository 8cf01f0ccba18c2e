//! Reads from a PostgreSQL hot standby, never stale.
//!
//! With `PULSELINE_READ_DATABASE_URL` set, the reads of released data (reports, heatmap,
//! comments, trend, linkage, frontline insights) and some lists run on a streaming
//! replica of the primary ([`super::Db::read_replicated`]). Everything else — every
//! write, and every read on a path that writes — stays on the primary.
//!
//! A standby lags its primary, so a read goes there only behind a fence:
//!
//! 1. the primary's write-ahead-log position is read (`pg_current_wal_lsn()`): every
//!    transaction committed before this read began ends at or before it;
//! 2. the standby is asked, for up to `PULSELINE_READ_MAX_WAIT_MS`, whether it has
//!    replayed that far (`pg_last_wal_replay_lsn()`);
//! 3. only then does the read run there, in one `REPEATABLE READ READ ONLY` transaction,
//!    so all of its queries see one snapshot taken after the fence.
//!
//! So a standby read sees everything the primary held when the read began: a round
//! closed and materialised a moment ago on another pulseline server, a team move, a
//! retention purge. A standby that has not caught up in time, is unreachable, is not a
//! standby, replicates another cluster (its system identifier differs), or fails the
//! read (a query cancelled by a replay conflict) leaves the read to the primary and is
//! not asked again for a second (an unreachable one for longer each time in a row, up to
//! half a minute). Domain answers (404, 403, 409…) come back as they are:
//! the data they were decided on was as fresh as the primary's.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection};

use super::{AnyConnection, Backend, Manager, Pool};
use crate::error::ApiError;

/// How the PostgreSQL load is spread: a hot standby for the reads of released data, and
/// a connection pooler in front (both off unless set).
#[derive(Args, Debug, Clone, Default)]
pub struct ScaleOutConfig {
    /// A `postgres://` URL of a hot standby (streaming replica) of DATABASE_URL. Reports,
    /// heatmaps, trends, linkage, insights and some lists are read there once it has
    /// replayed everything the primary held when the read began; otherwise on the
    /// primary. Up to PULSELINE_DB_POOL_SIZE connections are opened to it.
    #[arg(long, env = "PULSELINE_READ_DATABASE_URL", global = true)]
    pub read_database_url: Option<String>,

    /// How long a read waits for the standby to replay what the primary held when the
    /// read began, before it is read on the primary instead (milliseconds).
    #[arg(
        long,
        env = "PULSELINE_READ_MAX_WAIT_MS",
        default_value_t = 100,
        global = true
    )]
    pub read_max_wait_ms: u64,

    /// DATABASE_URL (and PULSELINE_READ_DATABASE_URL) reach PostgreSQL through
    /// PgBouncer in transaction pooling: no named prepared statements are kept on a
    /// connection. Needs PULSELINE_MIGRATE_ON_START=false (migrations take a session
    /// lock, which transaction pooling cannot keep): run `pulseline migrate` with
    /// DATABASE_URL naming PostgreSQL itself first.
    #[arg(
        long,
        env = "PULSELINE_DB_BEHIND_PGBOUNCER",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub db_behind_pgbouncer: bool,
}

impl ScaleOutConfig {
    pub fn validate(&self, database_url: &str, migrate_on_start: bool) -> anyhow::Result<()> {
        if self.db_behind_pgbouncer {
            if Backend::from_url(database_url).0 != Backend::Postgres {
                anyhow::bail!("PULSELINE_DB_BEHIND_PGBOUNCER needs a PostgreSQL DATABASE_URL");
            }
            if migrate_on_start {
                anyhow::bail!(
                    "PULSELINE_DB_BEHIND_PGBOUNCER needs PULSELINE_MIGRATE_ON_START=false: run \
                     `pulseline migrate` with DATABASE_URL naming PostgreSQL directly \
                     (migrations hold a session lock, which transaction pooling cannot keep)"
                );
            }
        }
        let Some(url) = &self.read_database_url else {
            return Ok(());
        };
        if Backend::from_url(database_url).0 != Backend::Postgres {
            anyhow::bail!(
                "PULSELINE_READ_DATABASE_URL needs a PostgreSQL DATABASE_URL (a standby replicates a PostgreSQL primary)"
            );
        }
        if Backend::from_url(url).0 != Backend::Postgres {
            anyhow::bail!("PULSELINE_READ_DATABASE_URL must be a postgres:// URL");
        }
        if self.read_max_wait_ms > 10_000 {
            anyhow::bail!("PULSELINE_READ_MAX_WAIT_MS must be at most 10000");
        }
        Ok(())
    }
}

/// After a standby failed a read (late, an error), reads skip it this long.
const REST: Duration = Duration::from_secs(1);
/// An unreachable standby (or not a standby of this primary) is skipped twice as long
/// after each failure in a row, up to this: a connection attempt can take a second.
const MAX_REST: Duration = Duration::from_secs(30);
/// How often a waiting read asks the standby how far it has replayed.
const POLL: Duration = Duration::from_millis(2);

/// Why a read was not served by the standby.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// It had not replayed what the primary held in time.
    Lag,
    /// No connection, or not a standby of this primary.
    Unavailable,
    /// The read failed there (for example cancelled by a replay conflict).
    Error,
    /// It was resting after an earlier failure.
    Resting,
}

impl Fallback {
    pub const ALL: [Fallback; 4] = [
        Fallback::Lag,
        Fallback::Unavailable,
        Fallback::Error,
        Fallback::Resting,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Fallback::Lag => "lag",
            Fallback::Unavailable => "unavailable",
            Fallback::Error => "error",
            Fallback::Resting => "resting",
        }
    }
}

/// The standby's pool and counters.
pub struct Standby {
    pool: Pool,
    max_wait: Duration,
    resting_until: Mutex<Option<Instant>>,
    /// Failures to reach it in a row.
    unreachable: AtomicU32,
    served: AtomicU64,
    fallbacks: [AtomicU64; 4],
}

/// Checks each new standby connection: it must be in recovery and replicate the primary
/// whose system identifier the field holds.
#[derive(Debug)]
struct SameCluster(i64);

#[derive(QueryableByName)]
struct Identity {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    system_identifier: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    in_recovery: bool,
}

fn identity(conn: &mut AnyConnection) -> QueryResult<Identity> {
    diesel::sql_query(
        "SELECT system_identifier::bigint AS system_identifier, \
         pg_is_in_recovery() AS in_recovery FROM pg_control_system()",
    )
    .get_result(conn)
}

impl CustomizeConnection<AnyConnection, r2d2::Error> for SameCluster {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        let id = identity(conn).map_err(r2d2::Error::QueryError)?;
        let refuse = |why: &str| {
            tracing::warn!("PULSELINE_READ_DATABASE_URL {why}; reads stay on the primary");
            Err(r2d2::Error::QueryError(
                diesel::result::Error::QueryBuilderError(why.into()),
            ))
        };
        if !id.in_recovery {
            return refuse("is not a hot standby (pg_is_in_recovery() is false)");
        }
        if id.system_identifier != self.0 {
            return refuse("replicates another PostgreSQL cluster than DATABASE_URL");
        }
        Ok(())
    }
}

impl Standby {
    /// The standby's pool, checked against the primary a connection of `primary` reaches.
    pub(super) fn new(
        url: &str,
        pool_size: u32,
        max_wait: Duration,
        primary_manager: &Manager,
        primary: &Pool,
    ) -> anyhow::Result<Standby> {
        let mut conn = primary.get()?;
        let id = identity(&mut conn)
            .map_err(|e| anyhow::anyhow!("cannot read the primary's system identifier: {e}"))?;
        let manager = Manager {
            target: url.to_owned(),
            ..primary_manager.clone()
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(1))
            .test_on_check_out(false)
            .connection_customizer(Box::new(SameCluster(id.system_identifier)))
            .build_unchecked(manager);
        Ok(Standby {
            pool,
            max_wait,
            resting_until: Mutex::new(None),
            unreachable: AtomicU32::new(0),
            served: AtomicU64::new(0),
            fallbacks: Default::default(),
        })
    }

    /// Reads served by the standby, and the reads left to the primary by reason.
    pub fn counts(&self) -> (u64, Vec<(Fallback, u64)>) {
        (
            self.served.load(Ordering::Relaxed),
            Fallback::ALL
                .iter()
                .map(|f| (*f, self.fallbacks[*f as usize].load(Ordering::Relaxed)))
                .collect(),
        )
    }

    fn resting(&self) -> bool {
        let until = self.resting_until.lock().unwrap_or_else(|e| e.into_inner());
        until.is_some_and(|t| Instant::now() < t)
    }

    fn fall_back(&self, why: Fallback) {
        self.fallbacks[why as usize].fetch_add(1, Ordering::Relaxed);
        let rest = match why {
            Fallback::Resting => return,
            Fallback::Unavailable => {
                let n = self.unreachable.fetch_add(1, Ordering::Relaxed).min(5);
                (REST * 2u32.pow(n)).min(MAX_REST)
            }
            Fallback::Lag | Fallback::Error => REST,
        };
        *self.resting_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + rest);
    }

    /// Runs `f` on the standby behind the fence; `None` when the primary must answer
    /// (counted by reason).
    pub(super) fn try_read<T, F>(&self, primary: &Pool, f: F) -> Option<Result<T, ApiError>>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
    {
        match self.fenced_read(primary, f) {
            Ok(out) => {
                self.served.fetch_add(1, Ordering::Relaxed);
                self.unreachable.store(0, Ordering::Relaxed);
                Some(out)
            }
            Err(why) => {
                if why != Fallback::Resting {
                    tracing::debug!(
                        reason = why.label(),
                        "a standby read fell back to the primary"
                    );
                }
                self.fall_back(why);
                None
            }
        }
    }

    fn fenced_read<T, F>(&self, primary: &Pool, f: F) -> Result<Result<T, ApiError>, Fallback>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
    {
        #[derive(QueryableByName)]
        struct Position {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lsn: String,
        }
        #[derive(QueryableByName)]
        struct Replayed {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
            caught_up: Option<bool>,
        }
        if self.resting() {
            return Err(Fallback::Resting);
        }
        // 1. Where the primary's log ends now: every commit before this read is in it.
        let fence = {
            let mut conn = primary.get().map_err(|_| Fallback::Error)?;
            diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
                .get_result::<Position>(&mut conn)
                .map_err(|_| Fallback::Error)?
                .lsn
        };
        let mut conn = self.pool.get().map_err(|_| Fallback::Unavailable)?;
        // 2. Wait for the standby to have replayed that far.
        let deadline = Instant::now() + self.max_wait;
        loop {
            let replayed =
                diesel::sql_query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up")
                    .bind::<diesel::sql_types::Text, _>(&fence)
                    .get_result::<Replayed>(&mut conn)
                    .map_err(|_| Fallback::Unavailable)?;
            match replayed.caught_up {
                Some(true) => break,
                // Promoted, no longer replaying: not a standby of this primary any more.
                None => return Err(Fallback::Unavailable),
                Some(false) if Instant::now() >= deadline => return Err(Fallback::Lag),
                Some(false) => std::thread::sleep(POLL),
            }
        }
        // 3. One snapshot, taken after the fence, for the whole read.
        conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(|_| Fallback::Unavailable)?;
        let out = f(&mut conn);
        let _ = conn.batch_execute(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        match out {
            // A failure of the standby itself (a query cancelled by a replay conflict,
            // a lost connection): the primary answers instead.
            Err(ApiError::Internal(_) | ApiError::Unavailable(_)) => Err(Fallback::Error),
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ScaleOutConfig;

    #[test]
    fn a_standby_is_refused_beside_sqlite_or_without_a_postgres_url() {
        let with = |url: &str| ScaleOutConfig {
            read_database_url: Some(url.into()),
            read_max_wait_ms: 100,
            db_behind_pgbouncer: false,
        };
        let pg = "postgres://h/db";
        assert!(with("postgres://standby/db").validate(pg, true).is_ok());
        let err = with("postgres://standby/db").validate("pulseline.db", true);
        assert!(err.is_err_and(|e| e.to_string().contains("PostgreSQL DATABASE_URL")));
        let err = with("standby.db").validate(pg, true);
        assert!(err.is_err_and(|e| e.to_string().contains("postgres:// URL")));
        assert!(
            ScaleOutConfig::default()
                .validate("pulseline.db", true)
                .is_ok()
        );
        let late = ScaleOutConfig {
            read_max_wait_ms: 60_000,
            ..with("postgres://standby/db")
        };
        assert!(late.validate(pg, true).is_err());
    }

    #[test]
    fn behind_pgbouncer_migrations_are_left_to_a_direct_connection() {
        let pooled = ScaleOutConfig {
            db_behind_pgbouncer: true,
            ..ScaleOutConfig::default()
        };
        let pg = "postgres://pgbouncer:6432/db";
        assert!(pooled.validate(pg, false).is_ok());
        let err = pooled.validate(pg, true);
        assert!(err.is_err_and(|e| e.to_string().contains("PULSELINE_MIGRATE_ON_START=false")));
        assert!(pooled.validate("pulseline.db", false).is_err());
    }
}
