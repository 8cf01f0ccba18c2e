//! The subcommands: `serve` (default), `migrate`, `create-admin`, `import people`,
//! `import cx`, `demo`, `backup` and `restore`. A command that writes empties the SQLite
//! write-ahead log before it exits ([`crate::db::Db::checkpoint_truncate`]).

use std::io::BufRead;

use crate::auth::password::Password;
use crate::clock::now;
use crate::config::{Cli, Command, Config, ImportCommand};
use crate::error::{ApiError, Msg};
use crate::org::domain::{Email, parse_text};
use crate::org::model::PersonRow;
use crate::org::{import, store};
use crate::plural::english_n;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    config.validate()?;
    let command = cli.command.unwrap_or(Command::Serve);
    let writes = matches!(
        command,
        Command::Migrate | Command::CreateAdmin { .. } | Command::Import(_) | Command::Demo { .. }
    );
    let outcome = run_command(&config, command);
    if writes {
        // Whatever the outcome, what was committed leaves the write-ahead log; the
        // command's own error comes first.
        let emptied =
            crate::db::Db::connect(&config.database_url, 1).and_then(|db| db.checkpoint_truncate());
        outcome?;
        return emptied;
    }
    outcome
}

fn run_command(config: &Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let state = crate::startup::build_state(config).await?;
                crate::startup::serve(state).await
            })
        }
        Command::Migrate => {
            let db = crate::db::Db::connect(&config.database_url, 1)?;
            let n = db.migrate()?;
            let applied = english_n(n as u64, "{n} migration", "{n} migrations");
            println!("applied {applied}");
            Ok(())
        }
        Command::CreateAdmin { email, name } => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password = line.trim_end_matches(['\n', '\r']).to_owned();
            create_admin(config, &email, &name, &password)?;
            println!("created administrator {}", email.trim().to_lowercase());
            Ok(())
        }
        Command::Import(ImportCommand::People {
            file,
            dry_run,
            partial,
        }) => import_people(config, &file, dry_run, partial),
        Command::Import(ImportCommand::Cx { file, dry_run }) => import_cx(config, &file, dry_run),
        Command::Demo { seed } => demo(config, seed),
        Command::Backup { file } => backup(config, &file),
        Command::Restore { file } => restore(config, &file),
    }
}

fn restore(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let r = crate::db::restore::restore(&config.database_url, file)?;
    println!(
        "restored {} into {}: integrity check ok, schema at migration {}, {} to apply at the \
         next start",
        file.display(),
        r.target.display(),
        r.applied,
        english_n(r.pending as u64, "{n} migration", "{n} migrations")
    );
    if config.master_key.is_none() && config.master_key_file.is_none() {
        let key = crate::keys::master_file_for(&r.target.to_string_lossy());
        if !key.exists() {
            println!(
                "the master key is not in the backup: put it at {} (or set \
                 PULSELINE_MASTER_KEY) before starting, or a new key is made and open \
                 rounds cannot be read",
                key.display()
            );
        }
    }
    Ok(())
}

fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let db = crate::db::Db::connect(&config.database_url, 1)?;
    db.backup_into(file)?;
    println!(
        "wrote a consistent copy of the database to {}",
        file.display()
    );
    match (&config.master_key, &config.master_key_file) {
        (Some(_), _) => println!(
            "the master key (PULSELINE_MASTER_KEY) is not in the backup: keep it as well, \
             apart from the backup"
        ),
        (None, Some(file)) => println!(
            "the master key is not in the backup: keep {} as well, apart from the backup",
            file.display()
        ),
        (None, None) => {
            let (_, path) = crate::db::Backend::from_url(&config.database_url);
            println!(
                "the master key is not in the backup: keep {} as well, apart from the backup",
                crate::keys::master_file_for(&path).display()
            );
        }
    }
    Ok(())
}

fn demo(config: &Config, seed: u64) -> anyhow::Result<()> {
    use base64::Engine;
    use rand::RngCore;
    let state = crate::startup::build_state_blocking(config)?;
    let mut bytes = [0u8; 15];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let password = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = state.hasher.hash_blocking(&password)?;
    let k = config.k().as_i32();
    let today = crate::clock::now().date();
    let s = crate::demo::seed(&state.db, hash, password, seed, today, k, &state.master)
        .map_err(user_error)?;
    println!(
        "demo: {} teams, {} people, {} rounds, {} responses, {} ratings",
        s.teams, s.people, s.rounds, s.responses, s.ratings
    );
    println!(
        "sign in as {} with password {}",
        s.admin_email, s.admin_password
    );
    println!(
        "employees (person1@acme.example, person2@…) have the same password, except every \
         tenth, who never activated"
    );
    Ok(())
}

fn import_cx(config: &Config, file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let state = crate::startup::build_state_blocking(config)?;
    let (bar, reader) = open_with_progress(file)?;
    let rows = crate::cx::ingest::parse_csv(reader).map_err(user_error)?;
    bar.finish_and_clear();
    let bar = progress_bar(rows.len() as u64, "storing  {bar:40} {pos}/{len} ratings");
    let progress_bar = bar.clone();
    let report = state
        .db
        .write_blocking(move |conn| {
            crate::cx::ingest::ingest(conn, rows, dry_run, &mut |n| progress_bar.set_position(n))
        })
        .map_err(user_error)?;
    bar.finish_and_clear();
    for e in &report.errors {
        eprintln!(
            "row {}: {}: {}",
            e.row.map_or(0, |r| r + 1),
            e.field,
            e.message
        );
    }
    eprintln!(
        "{}{} ratings: {} accepted, {} duplicates, {} refused",
        if report.dry_run { "dry run: " } else { "" },
        report.received,
        report.accepted,
        report.duplicates,
        report.errors.len()
    );
    Ok(())
}

/// A progress bar of `len` steps drawn with `template`.
fn progress_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Opens `file` for reading, with a progress bar that follows the bytes read.
fn open_with_progress(
    file: &std::path::Path,
) -> anyhow::Result<(
    indicatif::ProgressBar,
    indicatif::ProgressBarIter<std::io::BufReader<std::fs::File>>,
)> {
    let reader = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let size = reader.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size, "reading  {bar:40} {bytes}/{total_bytes}");
    let reader = bar.wrap_read(std::io::BufReader::new(reader));
    Ok((bar, reader))
}

fn user_error(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Validation { field, message } => anyhow::anyhow!("{field}: {message}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Creates an active administrator (admin and HR) with the given password.
pub fn create_admin(
    config: &Config,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<String> {
    let email = Email::parse(email, "email")
        .map_err(user_error)?
        .into_inner();
    let name = parse_text(name, "name", crate::org::domain::NAME_MAX).map_err(user_error)?;
    let password = Password::parse(password, "password").map_err(user_error)?;
    let state = crate::startup::build_state_blocking(config)?;
    let hash = state.hasher.hash_blocking(password.expose())?;
    let id = uuid::Uuid::new_v4().to_string();
    let new_id = id.clone();
    state
        .db
        .write_blocking(move |conn| {
            if store::find_person_by_email(conn, &email)?.is_some() {
                return Err(ApiError::Conflict(
                    Msg::new("{email} already exists").arg("email", &email),
                ));
            }
            store::insert_person(
                conn,
                &PersonRow {
                    id: new_id,
                    is_hr: true,
                    is_admin: true,
                    password_hash: Some(hash),
                    ..PersonRow::new(Some(email), name, now())
                },
            )
        })
        .map_err(user_error)?;
    Ok(id)
}

fn import_people(
    config: &Config,
    file: &std::path::Path,
    dry_run: bool,
    partial: bool,
) -> anyhow::Result<()> {
    let state = crate::startup::build_state_blocking(config)?;
    let (bar, reader) = open_with_progress(file)?;
    let rows = import::read_rows(reader).map_err(|e| match e {
        ApiError::ValidationMany(list) => anyhow::anyhow!(
            "{}",
            list.iter()
                .map(|e| format!("row {}: {}: {}", e.row.unwrap_or(0), e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => user_error(other),
    })?;
    bar.finish_and_clear();
    let opts = import::ImportOptions {
        dry_run,
        partial,
        caller_is_admin: true,
        activation_ttl: chrono::TimeDelta::hours(config.activation_ttl_hours),
        actor: "cli".into(),
        outbox_key: state.master.outbox_key(),
    };
    let bar = progress_bar(rows.len() as u64, "importing {bar:40} {pos}/{len} rows");
    let progress_bar = bar.clone();
    let result = state.db.write_blocking(move |conn| {
        import::apply_with_progress(conn, &rows, &opts, &mut |n| progress_bar.set_position(n))
    });
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(ApiError::ValidationMany(list)) => {
            for e in &list {
                eprintln!("row {}: {}: {}", e.row.unwrap_or(0), e.field, e.message);
            }
            anyhow::bail!(
                "{}; nothing was imported (use --partial to import the valid rows)",
                english_n(list.len() as u64, "{n} error", "{n} errors")
            );
        }
        Err(e) => return Err(user_error(e)),
    };
    for e in &report.errors {
        eprintln!("row {}: {}: {}", e.row.unwrap_or(0), e.field, e.message);
    }
    eprintln!(
        "{}{} rows: {} created, {} updated, {} skipped",
        if report.dry_run { "dry run: " } else { "" },
        report.rows,
        report.created,
        report.updated,
        report.skipped
    );
    if !report.activations.is_empty() {
        println!("person,activation_token");
        for a in &report.activations {
            println!("{},{}", a.identifier(), a.activation_token);
        }
    }
    Ok(())
}
