//! `pulseline restore FILE`: puts a SQLite backup (as `pulseline backup` writes it) in
//! place of a database that does not exist yet, or is an empty file. The backup is
//! copied beside the target first, checked there (`PRAGMA integrity_check`, and a schema
//! this binary knows: no migration newer than its own), and only then renamed into
//! place, so a failed restore leaves no half-written database behind. PostgreSQL is
//! restored with `pg_restore` or `psql` from a `pg_dump` (see the README).

use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::{Backend, embedded_migrations};

/// The newest migration this binary carries (its schema version), e.g.
/// `2026-12-03-000020_erasure`.
pub fn schema_version() -> String {
    env!("PULSELINE_SCHEMA_VERSION").to_owned()
}

/// What a restore put in place.
#[derive(Debug)]
pub struct Restored {
    pub target: PathBuf,
    /// The newest migration the restored database had applied (diesel's version).
    pub applied: String,
    /// How many of this binary's migrations are still to apply (at the next start).
    pub pending: usize,
}

/// Restores `file` into the SQLite database of `database_url`; see the module's
/// documentation. Refuses PostgreSQL, a target that exists and is not empty (or has a
/// write-ahead log), a backup that is not a sound SQLite database, and one from a newer
/// schema.
pub fn restore(database_url: &str, file: &Path) -> anyhow::Result<Restored> {
    let (backend, target) = Backend::from_url(database_url);
    if backend != Backend::Sqlite {
        anyhow::bail!(
            "restore writes SQLite databases; restore PostgreSQL from a pg_dump with \
             pg_restore or psql (see the README)"
        );
    }
    let target = PathBuf::from(target);
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = PathBuf::from(format!("{}-wal", target.display()));
    if size(&target) > 0 || size(&wal) > 0 {
        anyhow::bail!(
            "{} exists and is not empty; restore only into a new or empty database",
            target.display()
        );
    }
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let staging = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &staging)
        .map_err(|e| anyhow::anyhow!("cannot copy {}: {e}", file.display()))?;
    match check(&staging) {
        Ok((applied, pending)) => {
            std::fs::rename(&staging, &target)
                .map_err(|e| anyhow::anyhow!("cannot move the copy into place: {e}"))?;
            Ok(Restored {
                target,
                applied,
                pending,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            let _ = std::fs::remove_file(format!("{}-wal", staging.display()));
            let _ = std::fs::remove_file(format!("{}-shm", staging.display()));
            Err(e)
        }
    }
}

/// Checks the copy at `path`: sound, with a schema this binary knows. Returns its newest
/// applied migration and how many of ours are pending.
fn check(path: &Path) -> anyhow::Result<(String, usize)> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the database path must be valid UTF-8"))?;
    let mut conn = diesel::SqliteConnection::establish(url)
        .map_err(|e| anyhow::anyhow!("the backup cannot be opened: {e}"))?;
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
            .load(&mut conn)
            .map_err(|e| anyhow::anyhow!("the backup is not a SQLite database: {e}"))?;
    if lines.len() != 1 || lines[0].line != "ok" {
        let said: Vec<String> = lines.into_iter().take(5).map(|l| l.line).collect();
        anyhow::bail!("the backup fails its integrity check: {}", said.join("; "));
    }
    let applied: Vec<Line> = diesel::sql_query(
        "SELECT version AS line FROM __diesel_schema_migrations ORDER BY version",
    )
    .load(&mut conn)
    .map_err(|_| anyhow::anyhow!("the backup is not a pulseline database (no migrations)"))?;
    let ours: Vec<String> = embedded_migrations()?
        .into_iter()
        .map(|(version, _)| version)
        .collect();
    if let Some(unknown) = applied.iter().find(|a| !ours.contains(&a.line)) {
        anyhow::bail!(
            "the backup has migration {} that this pulseline ({}) does not know: restore it \
             with the version that wrote it",
            unknown.line,
            schema_version()
        );
    }
    let pending = ours.len().saturating_sub(applied.len());
    let newest = applied.last().map(|l| l.line.clone()).unwrap_or_default();
    Ok((newest, pending))
}
