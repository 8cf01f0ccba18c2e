//! Database access through one door. The backend (SQLite or PostgreSQL) is chosen
//! explicitly from the scheme of `DATABASE_URL`; every query runs on a pooled
//! connection inside `spawn_blocking` so nothing blocks the async runtime.
//!
//! On SQLite, writes go through a single writer connection (readers have their own
//! pool), each write in a `BEGIN IMMEDIATE` transaction: one writer avoids busy waits and
//! `SQLITE_BUSY_SNAPSHOT`, which busy_timeout cannot fix. Store functions never open
//! transactions themselves; [`Db::write`] does.
//!
//! This module holds the connection, the pools, the migrations and the write-ahead-log
//! checkpoints; [`schema`] is diesel's table definitions, which no API handler or web
//! page names; [`anonymous`] keeps the backend-specific SQL of the anonymous tables.

pub mod anonymous;
pub mod restore;
pub mod schema;
pub mod standby;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The migrations this binary carries: (version, name), e.g. (`20261204000400`,
/// `2026-12-04-000400_retention_of_answers`).
pub fn embedded_migrations() -> anyhow::Result<Vec<(String, String)>> {
    Ok(
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .iter()
            .map(|m| (m.name().version().to_string(), m.name().to_string()))
            .collect(),
    )
}

/// A connection to either backend; queries written once with diesel's DSL run on both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on both backends (for case-insensitive search).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// [`lower`] of a column that may be NULL.
    #[sql_name = "lower"]
    fn lower_nullable(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

diesel::define_sql_function! {
    /// SQL `coalesce(a, b)` of a nullable text and a text.
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Text>, y: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Which backend a `DATABASE_URL` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Reads the backend from the URL's scheme; anything without a `postgres` scheme is a
    /// SQLite path. Returns the backend and the string to connect with.
    pub fn from_url(url: &str) -> (Backend, String) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            (Backend::Sqlite, path.to_owned())
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            (Backend::Sqlite, path.to_owned())
        } else {
            (Backend::Sqlite, url.to_owned())
        }
    }
}

/// Opens connections of one backend, with the SQLite pragmas applied on every connect.
#[derive(Clone, Debug)]
pub struct Manager {
    backend: Backend,
    target: String,
    /// Named prepared statements, cached per connection (PostgreSQL). Off behind
    /// PgBouncer's transaction pooling, where the next statement may reach another
    /// server connection: each query is then sent with its parameters in one message.
    statement_cache: bool,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                if !self.statement_cache {
                    conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
                }
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                // No checkpoint at commit time: the write-ahead log is copied back into
                // the database by a thread of its own ([`Db::checkpoint_wal`]), so no
                // commit — every pulse answer waits for one — also pays for a checkpoint.
                // `secure_delete`: what is deleted is overwritten with zeros, so a copy
                // of the file does not keep it in free pages. `journal_size_limit`: the
                // log is cut back to 4 MiB when it is next reused after a checkpoint;
                // otherwise it keeps the size of the largest transaction (a round's
                // close: gigabytes at 100,000 people), and the old frames in it.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA wal_autocheckpoint = 0; PRAGMA secure_delete = ON; \
                     PRAGMA journal_size_limit = 4194304;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The database handle held in the application state.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    manager: Manager,
    read: Pool,
    write: Pool,
    /// Set once every migration this binary carries was seen applied; migrations are
    /// forward-only, so it never goes back.
    schema_current: Arc<AtomicBool>,
    /// A hot standby for [`Db::read_replicated`] (`PULSELINE_READ_DATABASE_URL`).
    standby: Option<Arc<standby::Standby>>,
}

impl Db {
    /// Connects (creating the SQLite file if needed) and builds the pools.
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        Db::connect_with(url, pool_size, true)
    }

    /// [`Db::connect`], with PostgreSQL's prepared statements cached per connection or
    /// not (`false` behind PgBouncer in transaction pooling).
    pub fn connect_with(url: &str, pool_size: u32, statement_cache: bool) -> anyhow::Result<Db> {
        let (backend, target) = Backend::from_url(url);
        let manager = Manager {
            backend,
            target,
            statement_cache,
        };
        let build = |size: u32| pool(&manager, size);
        let (read, write) = match backend {
            Backend::Sqlite => {
                let write = build(1)?;
                let read = build(pool_size.clamp(1, 8))?;
                (read, write)
            }
            Backend::Postgres => {
                let pool = build(pool_size)?;
                (pool.clone(), pool)
            }
        };
        Ok(Db {
            backend,
            manager,
            read,
            write,
            schema_current: Arc::default(),
            standby: None,
        })
    }

    /// This handle with a hot standby at `url` for [`Db::read_replicated`], of at most
    /// `pool_size` connections, waited for up to `max_wait` (PostgreSQL only).
    pub fn with_standby(
        mut self,
        url: &str,
        pool_size: u32,
        max_wait: Duration,
    ) -> anyhow::Result<Db> {
        if self.backend != Backend::Postgres {
            anyhow::bail!("a standby needs a PostgreSQL primary");
        }
        let standby = standby::Standby::new(url, pool_size, max_wait, &self.manager, &self.read)?;
        self.standby = Some(Arc::new(standby));
        Ok(self)
    }

    /// The standby, when one is configured (for its counters).
    pub fn standby(&self) -> Option<&standby::Standby> {
        self.standby.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Copies what the SQLite write-ahead log holds back into the database file, without
    /// waiting for readers or blocking the writer (a `PASSIVE` checkpoint, on a
    /// connection of its own); nothing on PostgreSQL. Returns the log's frames and how
    /// many of them are now in the database.
    ///
    /// Connections do not checkpoint when they commit (`wal_autocheckpoint = 0`): with
    /// SQLite's default, once the log passes 1,000 pages every commit that finds it
    /// not yet emptied checkpoints again, in the committing caller's time — under a
    /// steady load of answers and reads, nearly every batch.
    /// [`crate::surveys::writer::ResponseWriter`] runs this on a thread of its own once
    /// the writer has been quiet for a moment, and at least once a second.
    pub fn checkpoint_wal(&self, conn: &mut Option<AnyConnection>) -> anyhow::Result<(i64, i64)> {
        #[derive(QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            log: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            checkpointed: i64,
        }
        if self.backend != Backend::Sqlite {
            return Ok((0, 0));
        }
        let c = match conn {
            Some(c) => c,
            None => conn.insert(self.manager.connect()?),
        };
        match diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").load::<Checkpoint>(c) {
            Ok(rows) => Ok(rows.first().map_or((0, 0), |r| (r.log, r.checkpointed))),
            Err(e) => {
                // A fresh connection next time.
                *conn = None;
                Err(anyhow::anyhow!("WAL checkpoint failed: {e}"))
            }
        }
    }

    /// Copies the whole SQLite write-ahead log into the database file and empties the
    /// log (a `TRUNCATE` checkpoint, on a connection of its own); nothing on PostgreSQL.
    /// Run when the server stops and when a command that wrote ends: the log keeps its
    /// commits in order, one person's answer a frame apart from the next, until it is
    /// reused — a stopped server's files keep no such history. Waits for readers and the
    /// writer to finish (up to the busy timeout); an error if the log could not be
    /// emptied.
    pub fn checkpoint_truncate(&self) -> anyhow::Result<()> {
        #[derive(QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            busy: i32,
        }
        let AnyConnection::Sqlite(mut c) = self.manager.connect()? else {
            return Ok(());
        };
        // A checkpoint already running (the background one) makes this one return busy
        // at once rather than wait: try again for up to ten seconds.
        for _ in 0..500 {
            let rows = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .load::<Checkpoint>(&mut c)
                .map_err(|e| anyhow::anyhow!("WAL checkpoint failed: {e}"))?;
            if rows.first().is_none_or(|r| r.busy == 0) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        anyhow::bail!("the write-ahead log could not be emptied: the database stayed busy")
    }

    /// Writes a consistent copy of a SQLite database to `file` with `VACUUM INTO`: safe
    /// while the server runs, rewritten table by table in key order (so the copy keeps
    /// neither free pages nor the order rows arrived in) and with no write-ahead log.
    /// Refuses a `file` that exists, and PostgreSQL (use `pg_dump`).
    pub fn backup_into(&self, file: &std::path::Path) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            anyhow::bail!(
                "backup writes SQLite databases; back up PostgreSQL with pg_dump (see the README)"
            );
        }
        if file.exists() {
            anyhow::bail!("{} exists; backup never overwrites a file", file.display());
        }
        let target = file
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
        let mut c = self.manager.connect()?;
        diesel::sql_query("VACUUM INTO $1")
            .bind::<diesel::sql_types::Text, _>(target)
            .execute(&mut c)
            .map_err(|e| anyhow::anyhow!("backup into {} failed: {e}", file.display()))?;
        Ok(())
    }

    /// A handle whose writes go through a connection of their own (PostgreSQL), for a
    /// background thread that writes all the time — the response writer.
    /// Sharing the pool, such a thread would queue behind every request that holds a
    /// connection: a burst of requests reading (the answering checks) would hold up the
    /// very commit they are all waiting for. Reads still use the shared pool. On SQLite
    /// there is one write connection in any case, and the handle is the same.
    pub fn with_own_writer(&self) -> anyhow::Result<Db> {
        match self.backend {
            Backend::Sqlite => Ok(self.clone()),
            Backend::Postgres => Ok(Db {
                write: pool(&self.manager, 1)?,
                ..self.clone()
            }),
        }
    }

    /// Applies every pending embedded migration; returns how many ran.
    ///
    /// Processes that start together take turns. On PostgreSQL this runs on a
    /// connection of its own under a session advisory lock: without it two replicas
    /// create the same tables at once (a unique violation in the catalogue) or replace
    /// the audit trigger function at once (`tuple concurrently updated`), and all but
    /// one fail to start. The lock ends with the session: when this connection closes,
    /// also when a replica dies while migrating. On SQLite the whole of it is one
    /// `BEGIN IMMEDIATE` transaction (each migration a savepoint in it), so a second
    /// process waits for the write lock and then finds nothing pending, instead of
    /// failing on `table ... already exists`.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.write.get()?;
                let AnyConnection::Sqlite(c) = &mut *conn else {
                    anyhow::bail!("a SQLite database gave a PostgreSQL connection");
                };
                c.immediate_transaction(|c| {
                    let applied = c
                        .run_pending_migrations(MIGRATIONS)
                        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
                        .len();
                    anonymous::ensure_sqlite(c)
                        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
                    Ok(applied)
                })
            }
            Backend::Postgres => {
                let mut conn = self.manager.connect()?;
                conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                    .map_err(|e| anyhow::anyhow!("cannot take the migration lock: {e}"))?;
                run_migrations(&mut conn)
            }
        }
    }

    /// The migrations this binary carries that the database has not applied, oldest
    /// first (their names, as `pulseline --version` prints the newest). Migrations the database has and this binary does not
    /// know (a newer replica applied them) are not pending: they only add what this
    /// version does not use yet.
    pub fn pending_migrations(&self) -> anyhow::Result<Vec<String>> {
        if self.schema_current.load(Ordering::Acquire) {
            return Ok(Vec::new());
        }
        #[derive(QueryableByName)]
        struct Applied {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let mut conn = self.read.get()?;
        // Read only (diesel's own check would create its table when it is missing).
        let applied: std::collections::HashSet<String> =
            diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
                .load::<Applied>(&mut conn)
                .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?
                .into_iter()
                .map(|a| a.version)
                .collect();
        let mut pending: Vec<String> = embedded_migrations()?
            .into_iter()
            .filter(|(version, _)| !applied.contains(version))
            .map(|(_, name)| name)
            .collect();
        pending.sort();
        if pending.is_empty() {
            self.schema_current.store(true, Ordering::Release);
        }
        Ok(pending)
    }

    /// Runs `f` on a reader connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Runs `f` off the async runtime on the hot standby when one is configured and has
    /// replayed everything the primary held when this call began, else on a reader of
    /// the primary ([`standby`]). For reads that write nothing: released data and lists.
    pub async fn read_replicated<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let Some(standby) = self.standby.clone() else {
            return self.read(f).await;
        };
        let pool = self.read.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(out) = standby.try_read(&pool, f.clone()) {
                return out;
            }
            let mut conn = pool.get().map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Runs `f` in one write transaction, off the async runtime: all of it or nothing.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// The blocking form of [`Db::write`], for subcommands and background work.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
    {
        let mut conn = self.write.get().map_err(ApiError::unavailable)?;
        in_transaction(&mut conn, f)
    }

    /// The blocking form of [`Db::read`].
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
    {
        let mut conn = self.read.get().map_err(ApiError::unavailable)?;
        f(&mut conn)
    }
}

/// A pool of at most `size` connections, opened as needed and kept (checked out within
/// 10 s or refused).
fn pool(manager: &Manager, size: u32) -> Result<Pool, r2d2::PoolError> {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build(manager.clone())
}

/// The PostgreSQL advisory lock key that serialises migrations ("pulsemig").
const MIGRATION_LOCK: i64 = 0x7075_6c73_656d_6967;

fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
        .len();
    anonymous::ensure(conn).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied)
}

/// One transaction around `f`: `BEGIN IMMEDIATE` on SQLite (the write lock is taken up
/// front), diesel's transaction on PostgreSQL.
fn in_transaction<T, F>(conn: &mut AnyConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
{
    match conn {
        AnyConnection::Postgresql(_) => conn.transaction(f),
        AnyConnection::Sqlite(_) => {
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(e) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(e.into())
                    }
                },
                Err(e) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        }
    }
}

/// `url` with its database name replaced by `name`, keeping any query string: the URL of
/// another database on the same PostgreSQL server.
pub fn with_database(url: &str, name: &str) -> String {
    let (main, query) = url.split_once('?').unwrap_or((url, ""));
    let after_scheme = main.find("://").map_or(0, |i| i + 3);
    let base = main[after_scheme..]
        .find('/')
        .map_or(main, |i| &main[..after_scheme + i]);
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn another_database_on_the_same_server_keeps_the_query() {
        assert_eq!(
            super::with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
