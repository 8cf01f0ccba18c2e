//! PostgreSQL databases made for one benchmark run on a server the caller names, and
//! dropped when the run ends.

use anyhow::Context;
use diesel::prelude::*;

/// Whether `url` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Databases on the server at `admin`, dropped (`WITH (FORCE)`) when this is dropped,
/// unless `keep`.
pub struct PgDatabases {
    pub admin: String,
    names: Vec<String>,
    pub keep: bool,
}

impl PgDatabases {
    /// Nothing made yet on the server at `admin`.
    pub fn on(admin: &str, keep: bool) -> PgDatabases {
        PgDatabases {
            admin: admin.to_owned(),
            names: Vec::new(),
            keep,
        }
    }

    /// Creates the database `name` (dropping one left by an earlier run first) and
    /// answers its URL.
    pub fn create(&mut self, name: &str) -> anyhow::Result<String> {
        let mut conn = PgConnection::establish(&self.admin)
            .with_context(|| format!("cannot connect to {}", redact(&self.admin)))?;
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)?;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .context("CREATE DATABASE (the role needs CREATEDB)")?;
        self.names.push(name.to_owned());
        Ok(self.url(name))
    }

    /// Drops `name` with the others at the end (a database made by someone else, such
    /// as `CREATE DATABASE … TEMPLATE` in `psql`).
    pub fn drop_at_end(&mut self, name: &str) {
        self.names.push(name.to_owned());
    }

    /// The URL of the database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        pulseline::db::with_database(&self.admin, name)
    }
}

impl Drop for PgDatabases {
    fn drop(&mut self) {
        if self.keep {
            for n in &self.names {
                eprintln!("kept PostgreSQL database {n}");
            }
            return;
        }
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            for n in &self.names {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}
