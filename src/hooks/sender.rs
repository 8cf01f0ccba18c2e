//! The hook sender: a task that claims due deliveries, sends each as an HTTP POST and
//! records the outcome, with the e-mail sender's rules
//! ([`crate::notify::sender::backoff_ms`], `PULSELINE_MAIL_MAX_TRIES`,
//! `PULSELINE_MAIL_RETRY_BASE_MS`): an answer other than 2xx, or no answer, is tried
//! again after an exponential backoff with jitter, and on the last allowed try the
//! delivery fails with its error kept. Claims work as the outbox's, so two replicas
//! never send one delivery at once; the one window for a second send is the same as
//! e-mail's (the receiver accepted it and the process died before the row was marked).
//!
//! A webhook is signed (Standard Webhooks): `webhook-id` is the delivery's id, the
//! same on every try, so a receiver can drop a repeat. Neither the log nor a kept error
//! names a hook's URL (a Slack or Teams URL is a credential).

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use openidconnect::reqwest;
use rand::Rng;
use tokio::sync::watch;

use crate::db::Db;
use crate::error::ApiError;
use crate::hooks::chat::{self, ChatNews};
use crate::hooks::model::{DeliveryRow, HookRow, kind};
use crate::hooks::{sign, store};
use crate::keys::MasterKey;
use crate::notify::model::status;
use crate::notify::sender::{backoff_ms, release_claimed};
use crate::state::AppState;

/// How long a claim lasts: far longer than a batch takes.
const LEASE_SECS: i64 = 300;
/// Deliveries claimed at a time.
const BATCH: i64 = 16;
/// How long one request may take.
const TIMEOUT_SECS: u64 = 10;

/// A running hook sender: it stops after the delivery in flight (if any) is sent and
/// recorded.
pub type HookSenderHandle = crate::notify::sender::SenderHandle;

struct Sender {
    db: Db,
    master: Arc<MasterKey>,
    http: reqwest::Client,
    public_url: Option<String>,
    max_tries: i32,
    retry_base_ms: u64,
    poll: Duration,
}

/// Starts the hook sender.
pub fn start(state: &AppState) -> anyhow::Result<HookSenderHandle> {
    let c = &state.config;
    let http = reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(TIMEOUT_SECS))
        .user_agent(concat!("pulseline/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let sender = Sender {
        db: state.db.clone(),
        master: state.master.clone(),
        http,
        public_url: c.public_url(),
        max_tries: i32::try_from(c.mail_max_tries).unwrap_or(i32::MAX),
        retry_base_ms: c.mail_retry_base_ms,
        poll: Duration::from_millis(c.mail_poll_ms.max(10)),
    };
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(sender.run(stopped));
    Ok(HookSenderHandle::new(stop, task, "hooks"))
}

/// A request's body and extra headers.
type Request = (String, Vec<(&'static str, String)>);

/// What became of one delivery: the status to record, the error, the HTTP status.
enum Outcome {
    Sent(i32),
    Retry(String, Option<i32>),
    Final(String),
}

impl Sender {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        loop {
            if *stopped.borrow() {
                break;
            }
            let batch = match self.claim().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming hook deliveries failed");
                    Vec::new()
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = stopped.changed() => {}
                }
                continue;
            }
            for (i, row) in batch.iter().enumerate() {
                if *stopped.borrow() {
                    self.release(&batch[i..]).await;
                    break;
                }
                let outcome = self.deliver(row).await;
                if let Err(e) = self.record(row, outcome).await {
                    tracing::warn!(error = %e, id = %row.id, "recording a delivery failed");
                }
            }
        }
        tracing::info!("hook sender stopped");
    }

    async fn claim(&self) -> Result<Vec<DeliveryRow>, ApiError> {
        self.db
            .write(|conn| {
                let at = crate::clock::now();
                store::claim_due(conn, at, at + TimeDelta::seconds(LEASE_SECS), BATCH)
            })
            .await
    }

    async fn release(&self, rows: &[DeliveryRow]) {
        let ids = rows.iter().map(|r| r.id.clone()).collect();
        let failed = "handing claimed deliveries back failed";
        release_claimed(&self.db, ids, store::release, failed).await;
    }

    /// The request's body and headers, or why there is none.
    fn compose(&self, hook: &HookRow, row: &DeliveryRow) -> Result<Request, String> {
        if hook.kind == kind::WEBHOOK {
            let sealed = hook.secret.as_deref().ok_or("the webhook has no secret")?;
            let secret = crate::notify::queue::open(&self.master.hook_key(), &hook.id, sealed)
                .ok_or("the secret does not open (was the master key changed?)")?;
            let ts = crate::clock::unix_now();
            let sig = sign::signature(&secret, &row.id, ts, &row.payload)
                .ok_or("the secret is not a whsec_ secret")?;
            let headers = vec![
                ("webhook-id", row.id.clone()),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", sig),
            ];
            return Ok((row.payload.clone(), headers));
        }
        let public = self
            .public_url
            .as_deref()
            .ok_or("PULSELINE_PUBLIC_URL is not set: a chat message needs the site's address")?;
        let news: ChatNews =
            serde_json::from_str(&row.payload).map_err(|_| "unreadable payload".to_owned())?;
        let body = chat::message(&hook.kind, &hook.language, &row.event, &news, public)
            .ok_or("the channel says nothing of this event")?;
        Ok((body.to_string(), Vec::new()))
    }

    async fn deliver(&self, row: &DeliveryRow) -> Outcome {
        let hook_id = row.hook_id.clone();
        let hook = match self.db.read(move |conn| store::find(conn, &hook_id)).await {
            Ok(Some(h)) => h,
            Ok(None) => return Outcome::Final("the hook was deleted".into()),
            Err(e) => return Outcome::Retry(e.to_string(), None),
        };
        if !hook.enabled {
            return Outcome::Final("the hook is disabled".into());
        }
        let (body, headers) = match self.compose(&hook, row) {
            Ok(x) => x,
            Err(e) => return Outcome::Final(e),
        };
        let mut req = self
            .http
            .post(&hook.url)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => Outcome::Sent(i32::from(r.status().as_u16())),
            Ok(r) => Outcome::Retry(
                format!("the endpoint answered HTTP {}", r.status()),
                Some(i32::from(r.status().as_u16())),
            ),
            Err(e) => Outcome::Retry(format!("no answer: {}", e.without_url()), None),
        }
    }

    async fn record(&self, row: &DeliveryRow, outcome: Outcome) -> Result<(), ApiError> {
        let (id, tries) = (row.id.clone(), row.tries);
        let (max, base) = (self.max_tries, self.retry_base_ms);
        let unit: f64 = rand::thread_rng().r#gen();
        match &outcome {
            Outcome::Sent(_) => tracing::debug!(id = %id, event = %row.event, "hook delivered"),
            Outcome::Retry(e, _) => {
                tracing::info!(id = %id, tries, error = %e, "hook not delivered; retrying")
            }
            Outcome::Final(e) => tracing::warn!(id = %id, error = %e, "hook not delivered"),
        }
        self.db
            .write(move |conn| {
                let now = crate::clock::now();
                match outcome {
                    Outcome::Sent(code) => {
                        store::record(conn, &id, status::SENT, None, None, Some(code), now)
                    }
                    Outcome::Retry(e, code) if tries >= max => {
                        let e = format!("{e} (gave up after {tries} tries)");
                        store::record(conn, &id, status::FAILED, None, Some(&e), code, now)
                    }
                    Outcome::Retry(e, code) => {
                        let wait = backoff_ms(base, tries, unit);
                        let next =
                            now + TimeDelta::milliseconds(i64::try_from(wait).unwrap_or(i64::MAX));
                        store::record(conn, &id, status::QUEUED, Some(next), Some(&e), code, now)
                    }
                    Outcome::Final(e) => {
                        store::record(conn, &id, status::FAILED, None, Some(&e), None, now)
                    }
                }
            })
            .await
    }
}
