//! The one place the application is assembled: [`build_state`] connects, migrates and
//! prepares secrets; [`build_app`] wires routes and middleware. `main` and the tests
//! both call these, so what is tested is what runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use poem::endpoint::make_sync;
use poem::listener::TcpListener;
use poem::middleware::AddData;
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route, Server};

use crate::auth::password::Hasher;
use crate::auth::throttle::Throttle;
use crate::auth::token::Tokens;
use crate::config::Config;
use crate::db::{Backend, Db};
use crate::error::poem_error_to_problem;
use crate::ops::body_limit::BodyLimit;
use crate::ops::metrics::{Metrics, Observe};
use crate::state::AppState;
use crate::surveys::writer::ResponseWriter;

/// Connects to the database, applies migrations and prepares keys and hashing.
pub async fn build_state(config: &Config) -> anyhow::Result<AppState> {
    config.validate()?;
    let config = config.clone();
    tokio::task::spawn_blocking(move || build_state_blocking(&config)).await?
}

/// The blocking form of [`build_state`], for subcommands.
pub fn build_state_blocking(config: &Config) -> anyhow::Result<AppState> {
    config.validate()?;
    let master = crate::keys::resolve(config)?;
    let scale_out = &config.scale_out;
    let mut db = Db::connect_with(
        &config.database_url,
        config.db_pool_size,
        !scale_out.db_behind_pgbouncer,
    )?;
    if let Some(url) = &scale_out.read_database_url {
        db = db.with_standby(
            url,
            config.db_pool_size,
            Duration::from_millis(scale_out.read_max_wait_ms),
        )?;
    }
    if config.migrate_on_start {
        let applied = db.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
    } else {
        match db.pending_migrations() {
            Ok(pending) if pending.is_empty() => {}
            Ok(pending) => tracing::warn!(
                pending = pending.len(),
                newest = pending.last().map(String::as_str).unwrap_or_default(),
                "migrations are pending and PULSELINE_MIGRATE_ON_START is false: not ready \
                 until `pulseline migrate` has run"
            ),
            Err(e) => tracing::warn!(error = %e, "the applied migrations cannot be read"),
        }
    }
    fill_name_keys(&db);
    let secret = resolve_token_key(config, &master)?;
    let concurrency =
        config.hash_threads(std::thread::available_parallelism().map_or(2, |n| n.get()));
    let hasher = Hasher::new(
        config.argon2_m_kib,
        config.argon2_t,
        config.argon2_p,
        concurrency,
    )?;
    Ok(AppState {
        db: db.clone(),
        tokens: Arc::new(Tokens::new(&secret, config.token_ttl_secs)),
        hasher: Arc::new(hasher),
        throttle: Arc::new(Throttle::new(
            Duration::from_secs(config.login_window_secs),
            config.login_max_failures,
            config.login_max_failures_per_addr,
        )),
        metrics: Arc::new(Metrics::default()),
        writer: ResponseWriter::start(db.clone())?,
        vote_key: Arc::new(master.vote_key()),
        // About 25 rounds of 8,000 responses.
        rounds: Arc::new(crate::reports::closed_rounds::RoundCache::new(200_000)),
        round_facts: Arc::default(),
        csrf_key: Arc::new(master.csrf_key()),
        answer_slots: Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(config.answer_concurrency).unwrap_or(usize::MAX),
        )),
        config: Arc::new(config.clone()),
        master: Arc::new(master),
        oidc: crate::auth::oidc::client::Provider::new(
            &config.oidc,
            config.public_url().as_deref(),
        )?
        .map(Arc::new),
    })
}

/// Gives people written without a sort key (bulk demo data, a previous version during
/// an upgrade) theirs, a thousand per transaction. Skipped while migrations are
/// pending (the column may not exist yet); a failure is logged, never fatal: those
/// people sort by their lower-cased name meanwhile.
fn fill_name_keys(db: &Db) {
    if !matches!(db.pending_migrations(), Ok(p) if p.is_empty()) {
        return;
    }
    loop {
        match db.write_blocking(|c| crate::org::store::fill_name_keys(c, 1000)) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the people's sort keys could not be written");
                return;
            }
        }
    }
}

/// Where the token signing key of an earlier version was kept for a SQLite database.
/// Read when present, so access tokens issued before the master key keep working; no
/// new one is written.
pub fn secret_file_for(sqlite_path: &str) -> PathBuf {
    PathBuf::from(format!("{sqlite_path}.jwt-secret"))
}

/// The HS256 key: `PULSELINE_JWT_SECRET` as given, an earlier version's key file beside a
/// SQLite database, or the key derived from the master key.
fn resolve_token_key(config: &Config, master: &crate::keys::MasterKey) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &config.jwt_secret {
        return Ok(s.expose().as_bytes().to_vec());
    }
    let (backend, path) = Backend::from_url(&config.database_url);
    if backend == Backend::Sqlite {
        let legacy = secret_file_for(&path);
        if legacy.exists() {
            return load_legacy_secret(&legacy);
        }
    }
    Ok(master.token_key())
}

fn load_legacy_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    let key = std::fs::read(path)?;
    let key: Vec<u8> = key.trim_ascii().to_vec();
    if key.len() < 32 {
        anyhow::bail!(
            "the signing key in {} is shorter than 32 bytes",
            path.display()
        );
    }
    Ok(key)
}

/// Routes and middleware: the web pages at `/`, the API under `/api/v1`, probes,
/// `/openapi.json`, `/docs`.
pub fn build_app(state: AppState) -> impl Endpoint + use<> {
    let api = crate::api::service(&state);
    let generated = api.spec();
    let spec = crate::contract::finish(&generated).unwrap_or(generated);
    let allowed = Arc::new(crate::contract::AllowedMethods::from_spec(&spec).unwrap_or_default());
    let docs = api.swagger_ui();
    let limits = BodyLimit {
        default: state.config.max_body_bytes,
        import: state.config.import_max_bytes,
    };
    let metrics = state.metrics.clone();
    let routes = Route::new()
        .nest("/docs", docs)
        .at(
            "/openapi.json",
            make_sync(move |_| {
                IntoResponse::with_content_type(spec.clone(), "application/json").into_response()
            }),
        )
        .nest("/scim/v2", crate::scim::routes::endpoint())
        .nest(
            "/",
            api.into_endpoint()
                .catch_all_error(|e| async move { poem_error_to_problem(e) }),
        );
    crate::web::WithIndex::new(crate::web::mount(routes))
        .catch_all_error(|e| async move { poem_error_to_problem(e) })
        .around(move |ep, req| {
            let allowed = allowed.clone();
            async move {
                let path = req.uri().path().to_owned();
                let mut resp = ep.call(req).await?;
                if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
                    && let Some(allow) = allowed.for_path(&path)
                    && let Ok(v) = poem::http::HeaderValue::from_str(allow)
                {
                    resp.headers_mut().insert(poem::http::header::ALLOW, v);
                }
                Ok(resp)
            }
        })
        .with(limits)
        .with(AddData::new(state))
        .with(Observe(metrics))
}

/// Plans recently closed rounds in the background, on the scheduler's period, so the
/// first report read after a round closes does not wait for its plan.
fn spawn_report_warmer(state: &AppState) {
    let (db, cache) = (state.db.clone(), state.rounds.clone());
    let every = Duration::from_secs(state.config.scheduler_secs.max(1));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let (db, cache) = (db.clone(), cache.clone());
            let outcome =
                tokio::task::spawn_blocking(move || cache.warm(&db, crate::clock::now())).await;
            match outcome {
                Ok(Err(e)) => tracing::warn!(error = %e, "planning closed rounds failed"),
                Err(e) => tracing::warn!(error = %e, "planning closed rounds panicked"),
                Ok(Ok(_)) => {}
            }
        }
    });
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let bind = state.config.bind.clone();
    crate::surveys::round_opener::spawn(
        state.db.clone(),
        crate::surveys::round_opener::Pass {
            master: state.master.clone(),
            cache: state.rounds.clone(),
            hours: state.config.hours(),
        },
        Duration::from_secs(state.config.scheduler_secs.max(1)),
    );
    spawn_report_warmer(&state);
    crate::ops::retention::spawn(state.db.clone(), state.rounds.clone());
    crate::actions::reminders::spawn(state.db.clone());
    // Without SMTP there is no sender: messages stay queued, listed for admins.
    let sender = crate::notify::sender::start(&state)?;
    if sender.is_none() {
        tracing::info!("no PULSELINE_SMTP_URL: messages stay queued in the outbox");
    }
    let hooks = crate::hooks::sender::start(&state)?;
    let db = state.db.clone();
    let app = build_app(state);
    tracing::info!(%bind, "pulseline listening");
    Server::new(TcpListener::bind(bind))
        .run_with_graceful_shutdown(app, shutdown_signal(), Some(Duration::from_secs(30)))
        .await?;
    // The message in flight is sent and recorded; the rest of its batch goes back to
    // the queue for the next start.
    if let Some(s) = sender {
        s.stop().await;
    }
    hooks.stop().await;
    // Every answered request is committed by now; a stopped server's files keep no
    // write-ahead log of who committed when.
    match tokio::task::spawn_blocking(move || db.checkpoint_truncate()).await {
        Ok(Ok(())) => {}
        // Another process kept the database busy: everything is committed, only the
        // log's residue stays until the next stop.
        Ok(Err(e)) => tracing::warn!(error = %e, "the write-ahead log was not emptied"),
        Err(e) => tracing::warn!(error = %e, "emptying the write-ahead log panicked"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
