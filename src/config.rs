//! Typed configuration: every setting is a flag and an environment variable, documented
//! once here so that `--help`, the environment and the README agree. Secrets are wrapped
//! in [`Secret`] so they never reach a log or a debug print.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::anonymity::min_group::{self, MinGroup};
use crate::surveys::reminder_times::WorkingHours;

pub use crate::secret::Secret;

/// pulseline: anonymous pulse surveys, frontline insights and the EX-CX link, in one binary.
///
/// Without a subcommand, `pulseline` runs `serve`. Every option can also be given as the
/// environment variable shown beside it.
#[derive(Parser, Debug)]
#[command(
    name = "pulseline",
    version = concat!(
        env!("CARGO_PKG_VERSION"),
        " (schema ",
        env!("PULSELINE_SCHEMA_VERSION"),
        ")"
    ),
    about,
    long_about
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply pending migrations, then serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator (with HR rights) who can sign in at once.
    ///
    /// The password is read from the first line of standard input (12 to 128 characters),
    /// so that it never appears in the shell history or the process list.
    CreateAdmin {
        /// The administrator's e-mail address (their login).
        #[arg(long)]
        email: String,
        /// The administrator's display name.
        #[arg(long)]
        name: String,
    },
    /// Import data from a CSV file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Seed an empty database with a realistic demo organisation: frontline and internal
    /// teams, people, a monthly pulse with twelve closed rounds, customer ratings that
    /// follow engagement a month later, and suggestions. Prints an admin login (its
    /// password is generated).
    Demo {
        /// Seed of the generator: the same seed gives the same organisation.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Write a consistent copy of a SQLite database to FILE (safe while the server runs).
    ///
    /// The copy is made with `VACUUM INTO`: rewritten in key order, with no write-ahead
    /// log. Back up this way, never by copying the files of a running server. The token
    /// signing key is not in the backup; keep it too (its place is printed). For
    /// PostgreSQL use `pg_dump` (see the README).
    Backup {
        /// Where to write the copy; it must not exist.
        file: PathBuf,
    },
    /// Restore a SQLite backup written by `backup` into the database of DATABASE_URL,
    /// which must not exist yet (or be an empty file).
    ///
    /// The copy is checked (`PRAGMA integrity_check`, and a schema this version knows)
    /// before it is put in place; pending migrations run at the next start. The master
    /// key is not in the backup: put it back too. For PostgreSQL use `pg_restore` or
    /// `psql` (see the README).
    Restore {
        /// The backup to restore.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Upsert people by e-mail from a CSV file with the header
    /// `email,name,team,manager,location,job_family,start_date,language,roles`.
    ///
    /// `team` is a team id or a path of team names separated by `/` (e.g. `Sales/EMEA`).
    /// The whole file is checked first; nothing is written if any row is invalid unless
    /// `--partial` is given. Activation tokens for new people are printed as CSV.
    People {
        /// The CSV file to read.
        file: PathBuf,
        /// Check every row and report errors without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Import the valid rows even if some rows are invalid.
        #[arg(long)]
        partial: bool,
    },
    /// Ingest customer ratings from a CSV file with the header
    /// `external_id,team_id,team_key,metric,score,occurred_on` (give `team_id` or
    /// `team_key`; `metric` is csat 1–5, nps 0–10 or ces 1–7; dates like 2026-03-31).
    ///
    /// Idempotent by `external_id`: ratings already stored count as duplicates. Rows
    /// that are invalid are reported with their number and skipped.
    Cx {
        /// The CSV file to read (streamed, with a progress bar).
        file: PathBuf,
        /// Check every row and report without storing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Settings shared by every subcommand.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Database: a SQLite file path (or `sqlite://PATH`) or a `postgres://` URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "pulseline.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "PULSELINE_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// HS256 signing key for access tokens (at least 32 bytes, used exactly as given).
    /// When absent on SQLite, one is generated on first start and kept in a file with
    /// mode 0600 beside the database; on PostgreSQL it is required.
    #[arg(
        long,
        env = "PULSELINE_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<Secret>,

    /// The instance's master key (at least 32 bytes): sealed ballots, the vote key, the
    /// CSRF key and (unless `PULSELINE_JWT_SECRET` is set) the token signing key are all
    /// derived from it. Required on PostgreSQL; on SQLite without it (or a key file), one
    /// is generated into a 0600 file beside the database.
    #[arg(
        long,
        env = "PULSELINE_MASTER_KEY",
        hide_env_values = true,
        global = true
    )]
    pub master_key: Option<Secret>,

    /// A file holding the master key (instead of `PULSELINE_MASTER_KEY`).
    #[arg(long, env = "PULSELINE_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<std::path::PathBuf>,

    /// Bearer token that `GET /metrics` requires (at least 32 characters; not a sign-in
    /// token). Without it `/metrics` answers 401 to everyone: its counters move with
    /// every answer, so they are for the operator alone.
    #[arg(
        long,
        env = "PULSELINE_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: Option<Secret>,

    /// Minimum group size k for anything released about survey answers (3 to 1000).
    #[arg(
        long,
        env = "PULSELINE_MIN_GROUP",
        default_value_t = min_group::DEFAULT,
        global = true
    )]
    pub min_group: u32,

    /// argon2id memory cost in KiB.
    #[arg(
        long,
        env = "PULSELINE_ARGON2_M_KIB",
        default_value_t = 19456,
        global = true
    )]
    pub argon2_m_kib: u32,

    /// argon2id iterations.
    #[arg(long, env = "PULSELINE_ARGON2_T", default_value_t = 2, global = true)]
    pub argon2_t: u32,

    /// argon2id parallelism.
    #[arg(long, env = "PULSELINE_ARGON2_P", default_value_t = 1, global = true)]
    pub argon2_p: u32,

    /// How many password hashes may be computed at once (bounds memory and CPU under a
    /// login flood). Defaults to one less than the number of CPU cores (at least 1), so
    /// that a flood leaves a core for everything else.
    #[arg(long, env = "PULSELINE_HASH_CONCURRENCY", global = true)]
    pub hash_concurrency: Option<usize>,

    /// Lifetime of an access token in seconds (at most 3600).
    #[arg(
        long,
        env = "PULSELINE_TOKEN_TTL_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub token_ttl_secs: u64,

    /// Longest a web session lasts, in seconds, however active the person is: the pages
    /// renew the session's access token as it ages, but not past this age of the
    /// sign-in. At least the token lifetime; at most 30 days.
    #[arg(
        long,
        env = "PULSELINE_SESSION_MAX_AGE_SECS",
        default_value_t = 43_200,
        global = true
    )]
    pub session_max_age_secs: u64,

    /// Failed logins for one account within the window before it is throttled.
    #[arg(
        long,
        env = "PULSELINE_LOGIN_MAX_FAILURES",
        default_value_t = 5,
        global = true
    )]
    pub login_max_failures: u32,

    /// Failed logins from one client address within the window before it is throttled.
    #[arg(
        long,
        env = "PULSELINE_LOGIN_MAX_FAILURES_PER_ADDR",
        default_value_t = 50,
        global = true
    )]
    pub login_max_failures_per_addr: u32,

    /// Length of the login throttling window in seconds.
    #[arg(
        long,
        env = "PULSELINE_LOGIN_WINDOW_SECS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_secs: u64,

    /// Largest accepted request body in bytes (imports use `import_max_bytes`).
    #[arg(long, env = "PULSELINE_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Largest accepted body for CSV/JSON import endpoints, in bytes.
    #[arg(long, env = "PULSELINE_IMPORT_MAX_BYTES", default_value_t = 32 * 1024 * 1024, global = true)]
    pub import_max_bytes: usize,

    /// Hours an activation token stays valid.
    #[arg(
        long,
        env = "PULSELINE_ACTIVATION_TTL_HOURS",
        default_value_t = 72,
        global = true
    )]
    pub activation_ttl_hours: i64,

    /// Connections in the database pool (PostgreSQL; SQLite readers).
    #[arg(
        long,
        env = "PULSELINE_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,

    /// Pulse answers checked against the database at once; more wait their turn, first
    /// come first served. The check is one short query, so a few at a time keep the
    /// database busy; many at once only make the response writer (the step every answer
    /// waits for) share the database's CPU with them, and all of them finish late.
    #[arg(
        long,
        env = "PULSELINE_ANSWER_CONCURRENCY",
        default_value_t = 4,
        global = true
    )]
    pub answer_concurrency: u32,

    /// Seconds between two passes of the round scheduler (which opens due rounds).
    #[arg(
        long,
        env = "PULSELINE_SCHEDULER_SECS",
        default_value_t = 30,
        global = true
    )]
    pub scheduler_secs: u64,

    /// Apply pending migrations when `serve` (or another command) starts, the
    /// default. With `false` only `pulseline migrate` changes the schema: the server
    /// starts on what it finds and `/readyz` answers 503 until every migration this
    /// version carries has been applied (by `pulseline migrate` or a replica that
    /// migrates).
    #[arg(
        long,
        env = "PULSELINE_MIGRATE_ON_START",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub migrate_on_start: bool,

    /// Log format: `text` or `json`.
    #[arg(
        long,
        env = "PULSELINE_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: String,

    /// Mark the web session cookie `Secure` on every response (set this when a
    /// TLS-terminating proxy sits in front). Requests that arrive over TLS, or with
    /// `X-Forwarded-Proto: https`, get a `Secure` cookie regardless.
    #[arg(
        long,
        env = "PULSELINE_COOKIE_SECURE",
        default_value_t = false,
        global = true
    )]
    pub cookie_secure: bool,
    /// SMTP server for e-mail: `smtp://[user[:password]@]host[:port]` (plain),
    /// `smtp://…?tls=required` (STARTTLS) or `smtps://…` (TLS). Without it messages stay
    /// queued in the outbox, listed for admins, and nothing is sent.
    #[arg(
        long,
        env = "PULSELINE_SMTP_URL",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<Secret>,

    /// A file holding the SMTP password (used instead of a password in the URL).
    #[arg(long, env = "PULSELINE_SMTP_PASSWORD_FILE", global = true)]
    pub smtp_password_file: Option<PathBuf>,

    /// A PEM file of a CA to trust for the SMTP server's certificate (a private mail
    /// server), besides the public roots.
    #[arg(long, env = "PULSELINE_SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,

    /// The sender of every message, e.g. `Pulse <pulse@example.org>` (required with
    /// SMTP).
    #[arg(long, env = "PULSELINE_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Most messages sent per second by one server.
    #[arg(long, env = "PULSELINE_MAIL_RATE", default_value_t = 30, global = true)]
    pub mail_rate: u32,

    /// Tries before a message is given up (its error is kept in the outbox).
    #[arg(
        long,
        env = "PULSELINE_MAIL_MAX_TRIES",
        default_value_t = 8,
        global = true
    )]
    pub mail_max_tries: u32,

    /// Wait before the first retry in milliseconds; doubled on each try, half of it random.
    #[arg(
        long,
        env = "PULSELINE_MAIL_RETRY_BASE_MS",
        default_value_t = 60_000,
        global = true
    )]
    pub mail_retry_base_ms: u64,

    /// How often the sender looks for due messages, in milliseconds.
    #[arg(
        long,
        env = "PULSELINE_MAIL_POLL_MS",
        default_value_t = 2_000,
        global = true
    )]
    pub mail_poll_ms: u64,

    /// How long a sender's claim on a batch of messages lasts, in seconds: when a server
    /// dies mid-batch, another sends its claimed messages once this has passed. Keep it
    /// far longer than a batch of 16 takes at the configured rate.
    #[arg(
        long,
        env = "PULSELINE_MAIL_LEASE_SECS",
        default_value_t = 600,
        global = true
    )]
    pub mail_lease_secs: u32,

    /// An SMS gateway for people with a phone number and no e-mail address (the
    /// pulse-open message and reminders): `https://[user[:password]@]host/path`, sent a
    /// form POST of `To`, `From` and `Body` with basic authentication. Without it their
    /// messages stay queued.
    #[arg(long, env = "PULSELINE_SMS_URL", hide_env_values = true, global = true)]
    pub sms_url: Option<Secret>,

    /// A file holding the SMS gateway's password (used instead of one in the URL).
    #[arg(long, env = "PULSELINE_SMS_PASSWORD_FILE", global = true)]
    pub sms_password_file: Option<PathBuf>,

    /// The `From` of every text message: a number or sender name the gateway accepts
    /// (required with an SMS gateway).
    #[arg(long, env = "PULSELINE_SMS_FROM", global = true)]
    pub sms_from: Option<String>,

    /// The address people reach this server at, e.g. `https://pulse.example.org`: the
    /// base of every link in a message. Required with SMTP or SMS.
    #[arg(long, env = "PULSELINE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// The organisation's name, as messages name it.
    #[arg(
        long,
        env = "PULSELINE_ORG_NAME",
        default_value = "Your organisation",
        global = true
    )]
    pub org_name: String,

    /// The time zone of working hours, an IANA name (e.g. `Europe/Berlin`): automatic
    /// pulse reminders go out only in its working hours.
    #[arg(
        long,
        env = "PULSELINE_TIME_ZONE",
        default_value = "UTC",
        global = true
    )]
    pub time_zone: String,

    /// Working hours in that time zone, Monday to Friday, as `START-END` in whole hours
    /// (e.g. `9-17`); a reminder due outside them waits for the next start.
    #[arg(
        long,
        env = "PULSELINE_WORKING_HOURS",
        default_value = "9-17",
        global = true
    )]
    pub working_hours: String,

    /// Company sign-in (OpenID Connect) and who may still use a password.
    #[command(flatten)]
    pub oidc: crate::auth::oidc::config::OidcConfig,

    /// SCIM provisioning.
    #[command(flatten)]
    pub scim: crate::scim::config::ScimConfig,

    /// A hot standby for the reads of released data; PgBouncer in front.
    #[command(flatten)]
    pub scale_out: crate::db::standby::ScaleOutConfig,
}

impl Config {
    /// A configuration with every default, for a given database (used by tests and tools).
    pub fn for_database(database_url: &str) -> Self {
        let mut cli = Cli::parse_from(["pulseline"]);
        cli.config.database_url = database_url.to_owned();
        cli.config
    }

    /// Password hashes computed at once: as configured, else one less than `cores`
    /// (at least 1).
    pub fn hash_threads(&self, cores: usize) -> usize {
        self.hash_concurrency
            .unwrap_or_else(|| cores.saturating_sub(1))
            .max(1)
    }

    /// `PULSELINE_PUBLIC_URL` without a trailing `/`.
    pub fn public_url(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
    }

    /// Working hours for reminders (validated by [`Config::validate`]).
    pub fn hours(&self) -> WorkingHours {
        WorkingHours::parse(&self.time_zone, &self.working_hours).unwrap_or_default()
    }

    /// The instance's minimum group size (validated by [`Config::validate`]).
    pub fn k(&self) -> MinGroup {
        MinGroup::parse(self.min_group.into()).unwrap_or_default()
    }

    /// Checks the rules that clap cannot express.
    pub fn validate(&self) -> anyhow::Result<()> {
        if MinGroup::parse(self.min_group.into()).is_err() {
            anyhow::bail!(
                "PULSELINE_MIN_GROUP must be at least {} and at most {} (got {})",
                min_group::LEAST,
                min_group::MOST,
                self.min_group
            );
        }
        if let Some(secret) = &self.jwt_secret
            && secret.expose().len() < 32
        {
            anyhow::bail!("PULSELINE_JWT_SECRET must be at least 32 bytes long");
        }
        if let Some(token) = &self.metrics_token
            && token.expose().len() < 32
        {
            anyhow::bail!("PULSELINE_METRICS_TOKEN must be at least 32 characters long");
        }
        if self.token_ttl_secs == 0 || self.token_ttl_secs > 3600 {
            anyhow::bail!("PULSELINE_TOKEN_TTL_SECS must be between 1 and 3600");
        }
        if self.session_max_age_secs < self.token_ttl_secs
            || self.session_max_age_secs > 30 * 86_400
        {
            anyhow::bail!(
                "PULSELINE_SESSION_MAX_AGE_SECS must be from the token lifetime to 30 days"
            );
        }
        if self.argon2_t == 0 || self.argon2_p == 0 || self.argon2_m_kib < 8 * self.argon2_p {
            anyhow::bail!("argon2 parameters are out of range");
        }
        if self.login_max_failures == 0 || self.login_max_failures_per_addr == 0 {
            anyhow::bail!("login failure limits must be at least 1");
        }
        if self.max_body_bytes < 1024 || self.import_max_bytes < self.max_body_bytes {
            anyhow::bail!("body limits are out of range");
        }
        if self.activation_ttl_hours <= 0 {
            anyhow::bail!("PULSELINE_ACTIVATION_TTL_HOURS must be positive");
        }
        if self.db_pool_size == 0 {
            anyhow::bail!("PULSELINE_DB_POOL_SIZE must be at least 1");
        }
        if self.answer_concurrency == 0 {
            anyhow::bail!("PULSELINE_ANSWER_CONCURRENCY must be at least 1");
        }
        self.validate_mail()?;
        WorkingHours::parse(&self.time_zone, &self.working_hours).map_err(anyhow::Error::msg)?;
        self.oidc.validate(self.public_url.as_deref())?;
        self.scale_out
            .validate(&self.database_url, self.migrate_on_start)?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            anyhow::bail!("PULSELINE_LOG_FORMAT must be text or json");
        }
        Ok(())
    }
}

impl Config {
    fn validate_mail(&self) -> anyhow::Result<()> {
        if let Some(u) = &self.public_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && !u.contains(['?', '#', ' ']);
            if !ok {
                anyhow::bail!(
                    "PULSELINE_PUBLIC_URL must be an http(s) URL without query, e.g. https://pulse.example.org"
                );
            }
        }
        if self.mail_rate == 0 || self.mail_max_tries == 0 {
            anyhow::bail!("PULSELINE_MAIL_RATE and PULSELINE_MAIL_MAX_TRIES must be at least 1");
        }
        if self.mail_lease_secs < 5 {
            anyhow::bail!("PULSELINE_MAIL_LEASE_SECS must be at least 5");
        }
        if let Some(url) = &self.sms_url {
            crate::notify::sms::SmsSettings::parse(url.expose())?;
            if self.public_url.is_none() {
                anyhow::bail!(
                    "PULSELINE_SMS_URL is set but PULSELINE_PUBLIC_URL is not: every text \
                     message carries a link that starts with it"
                );
            }
            if self.sms_from.as_deref().is_none_or(|f| f.trim().is_empty()) {
                anyhow::bail!("PULSELINE_SMS_URL is set but PULSELINE_SMS_FROM is not");
            }
        }
        let Some(url) = &self.smtp_url else {
            return Ok(());
        };
        crate::notify::mail::SmtpSettings::parse(url.expose())?;
        if self.public_url.is_none() {
            anyhow::bail!(
                "PULSELINE_SMTP_URL is set but PULSELINE_PUBLIC_URL is not: every link in a \
                 message starts with it (e.g. https://pulse.example.org)"
            );
        }
        match &self.mail_from {
            None => anyhow::bail!(
                "PULSELINE_SMTP_URL is set but PULSELINE_MAIL_FROM is not (e.g. Pulse <pulse@example.org>)"
            ),
            Some(f) if f.parse::<lettre::message::Mailbox>().is_err() => {
                anyhow::bail!("PULSELINE_MAIL_FROM is not an e-mail address: {f}")
            }
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_min_group_below_three_is_refused() {
        let mut c = Config::for_database("x.db");
        c.min_group = 2;
        assert!(c.validate().is_err());
        c.min_group = 3;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn answer_concurrency_is_at_least_one_and_four_by_default() {
        let mut c = Config::for_database("x.db");
        assert_eq!(c.answer_concurrency, 4);
        c.answer_concurrency = 0;
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_ANSWER_CONCURRENCY"), "{e}");
        c.answer_concurrency = 1;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let mut c = Config::for_database("x.db");
        c.jwt_secret = Some(Secret::new("short".into()));
        assert!(c.validate().is_err());
        c.jwt_secret = Some(Secret::new("x".repeat(32)));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn a_session_lasts_at_least_one_token_lifetime() {
        let mut c = Config::for_database("x.db");
        assert_eq!(c.session_max_age_secs, 43_200);
        c.token_ttl_secs = 600;
        c.session_max_age_secs = 599;
        assert!(c.validate().is_err());
        c.session_max_age_secs = 600;
        assert!(c.validate().is_ok());
        c.session_max_age_secs = 31 * 86_400;
        assert!(c.validate().is_err());
    }

    #[test]
    fn hashing_leaves_a_core_free_unless_configured() {
        let mut c = Config::for_database("x.db");
        assert_eq!(c.hash_threads(1), 1);
        assert_eq!(c.hash_threads(2), 1);
        assert_eq!(c.hash_threads(8), 7);
        c.hash_concurrency = Some(3);
        assert_eq!(c.hash_threads(2), 3);
        c.hash_concurrency = Some(0);
        assert_eq!(c.hash_threads(2), 1);
    }

    #[test]
    fn smtp_needs_a_public_url_and_a_sender() {
        let mut c = Config::for_database("x.db");
        c.smtp_url = Some(Secret::new("smtp://127.0.0.1:2525".into()));
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_PUBLIC_URL"), "{e}");
        c.public_url = Some("https://pulse.example.org/".into());
        let e = c.validate().map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("PULSELINE_MAIL_FROM"), "{e}");
        c.mail_from = Some("Pulse <pulse@example.org>".into());
        assert!(c.validate().is_ok());
        assert_eq!(c.public_url().as_deref(), Some("https://pulse.example.org"));
        c.public_url = Some("pulse.example.org".into());
        assert!(c.validate().is_err());
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut c = Config::for_database("x.db");
        c.jwt_secret = Some(Secret::new("super-secret-value-that-is-long-enough".into()));
        assert!(!format!("{c:?}").contains("super-secret"));
    }
}
