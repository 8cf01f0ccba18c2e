//! The outbox sender: a task that claims due messages, sends them by SMTP (or, to
//! someone with a phone number and no e-mail address, by SMS) at the configured rate
//! (up to 8 at once, each on its own connection, so the server's latency does not cap
//! the rate), and records each outcome. A temporary failure (a 4xx answer, a lost
//! connection) is tried again after an exponential backoff with jitter; a permanent
//! one (5xx), or a temporary one on the last allowed try, fails the message with its
//! error kept. Stopping lets the messages being sent finish and be recorded, and hands
//! the rest of the claimed batch back to the queue, so a restart sends nothing twice.
//!
//! The one window in which a message can go out twice: the server has accepted it and
//! the process dies before the row is marked sent (at most the 8 messages in flight). The claim then lapses and another
//! sender sends it again. Nothing marks a message sent before the server accepts it, so
//! no message is lost either.
//!
//! Neither the log nor an error kept in the outbox names a recipient's address.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::{AnyConnection, Db};
use crate::error::ApiError;
use crate::keys::MasterKey;
use crate::notify::mail::{Letter, Mailer, SendError, SmtpSettings};
use crate::notify::model::{OutboxRow, PulseLinkRow, kind, status};
use crate::notify::queue::{
    self, ActionPayload, InvitationPayload, PulsePayload, ResultsPayload, SuggestionPayload,
};
use crate::notify::sms::{SmsGateway, SmsSettings};
use crate::notify::store::{self, Channels, Recipient};
use crate::notify::templates::{Content, render};
use crate::state::AppState;

/// Messages claimed at a time.
const BATCH: i64 = 16;
/// Messages being sent at once (each on its own SMTP connection).
const IN_FLIGHT: usize = 8;
/// The longest wait between two tries.
const MAX_BACKOFF_MS: u64 = 6 * 3600 * 1000;

/// A running sender: this outbox sender, or the webhook sender
/// ([`crate::hooks::sender`]).
pub struct SenderHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    /// What it sends, for the log.
    what: &'static str,
}

impl SenderHandle {
    /// The handle of `task`, stopped through `stop`.
    pub fn new(stop: watch::Sender<bool>, task: JoinHandle<()>, what: &'static str) -> Self {
        SenderHandle { stop, task, what }
    }

    /// Stops after what is in flight (if anything) is sent and recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, sender = self.what, "a sender panicked");
        }
    }
}

struct Sender {
    db: Db,
    master: Arc<MasterKey>,
    mailer: Option<Mailer>,
    sms: Option<SmsGateway>,
    public_url: String,
    org: String,
    max_tries: i32,
    retry_base_ms: u64,
    poll: Duration,
    every: Duration,
    /// How long a claim lasts: far longer than a batch takes to send.
    lease: TimeDelta,
    /// The organisation's time zone, for recipients who chose none.
    org_zone: chrono_tz::Tz,
}

/// The wait before try `tries + 1`: `base · 2^(tries-1)`, capped, half of it random
/// ("equal jitter"), from a `unit` in [0, 1).
pub fn backoff_ms(base_ms: u64, tries: i32, unit: f64) -> u64 {
    let exp = u32::try_from(tries.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
    let full = base_ms
        .saturating_mul(2u64.saturating_pow(exp))
        .min(MAX_BACKOFF_MS);
    let half = full / 2;
    half + (half as f64 * unit.clamp(0.0, 1.0)) as u64
}

/// A password kept in file `f` (named by setting `what`), without its line end.
fn password_file(what: &str, f: Option<&std::path::Path>) -> anyhow::Result<Option<String>> {
    let Some(f) = f else { return Ok(None) };
    Ok(Some(
        std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("{what} {}: {e}", f.display()))?
            .trim_end_matches(['\n', '\r'])
            .to_owned(),
    ))
}

/// The SMTP mailer, when `PULSELINE_SMTP_URL` is set.
fn mailer(c: &crate::config::Config) -> anyhow::Result<Option<Mailer>> {
    let Some(url) = &c.smtp_url else {
        return Ok(None);
    };
    let settings = SmtpSettings::parse(url.expose())?;
    let password = password_file(
        "PULSELINE_SMTP_PASSWORD_FILE",
        c.smtp_password_file.as_deref(),
    )?;
    let ca = match &c.smtp_ca_file {
        Some(f) => Some(
            std::fs::read(f)
                .map_err(|e| anyhow::anyhow!("PULSELINE_SMTP_CA_FILE {}: {e}", f.display()))?,
        ),
        None => None,
    };
    let from = c.mail_from.clone().ok_or_else(|| {
        anyhow::anyhow!("PULSELINE_MAIL_FROM is required with PULSELINE_SMTP_URL")
    })?;
    tracing::info!(host = %settings.host, port = settings.port, "sending e-mail over SMTP");
    Ok(Some(Mailer::new(
        &settings,
        password,
        ca.as_deref(),
        &from,
    )?))
}

/// The SMS gateway, when `PULSELINE_SMS_URL` is set.
fn sms(c: &crate::config::Config) -> anyhow::Result<Option<SmsGateway>> {
    let Some(url) = &c.sms_url else {
        return Ok(None);
    };
    let settings = SmsSettings::parse(url.expose())?;
    let password = password_file(
        "PULSELINE_SMS_PASSWORD_FILE",
        c.sms_password_file.as_deref(),
    )?;
    let from = c
        .sms_from
        .clone()
        .ok_or_else(|| anyhow::anyhow!("PULSELINE_SMS_FROM is required with PULSELINE_SMS_URL"))?;
    // The host only: a gateway's URL may carry a key in its query.
    tracing::info!(host = %settings.host, "sending text messages through the SMS gateway");
    Ok(Some(SmsGateway::new(settings, password, &from)?))
}

/// Hands the claimed rows `ids` back unsent with `release` (a sender is stopping), in
/// one transaction; a failure is only logged (`failed`): the rows are claimed again when
/// their claim lapses.
pub(crate) async fn release_claimed(
    db: &Db,
    ids: Vec<String>,
    release: fn(&mut AnyConnection, &str, NaiveDateTime) -> Result<(), ApiError>,
    failed: &'static str,
) {
    let released = db
        .write(move |conn| {
            let at = crate::clock::now();
            for id in &ids {
                release(conn, id, at)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "{failed}");
    }
}

/// Starts the sender when SMTP or an SMS gateway is configured (`None` otherwise:
/// messages stay queued). A message whose way is not configured stays queued too.
pub fn start(state: &AppState) -> anyhow::Result<Option<SenderHandle>> {
    let c = &state.config;
    let (mailer, sms) = (mailer(c)?, sms(c)?);
    if mailer.is_none() && sms.is_none() {
        return Ok(None);
    }
    let public_url = c.public_url().ok_or_else(|| {
        anyhow::anyhow!(
            "PULSELINE_PUBLIC_URL is required with PULSELINE_SMTP_URL or PULSELINE_SMS_URL"
        )
    })?;
    let sender = Sender {
        db: state.db.clone(),
        master: state.master.clone(),
        mailer,
        sms,
        public_url,
        org: c.org_name.clone(),
        max_tries: i32::try_from(c.mail_max_tries).unwrap_or(i32::MAX),
        retry_base_ms: c.mail_retry_base_ms,
        poll: Duration::from_millis(c.mail_poll_ms.max(10)),
        every: Duration::from_secs_f64(1.0 / f64::from(c.mail_rate.max(1))),
        lease: TimeDelta::seconds(i64::from(c.mail_lease_secs.max(5))),
        org_zone: c.hours().zone,
    };
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(sender.run(stopped));
    tracing::info!("outbox sender started");
    Ok(Some(SenderHandle::new(stop, task, "outbox")))
}

/// What became of one message.
enum Outcome {
    Sent,
    Retry(String),
    Final(&'static str, String),
}

impl Sender {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut pace = tokio::time::interval(self.every);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        'outer: loop {
            if *stopped.borrow() {
                break;
            }
            let batch = match self.claim().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming outbox messages failed");
                    Vec::new()
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    // A dropped handle can never stop the sender: it stops now.
                    changed = stopped.changed() => if changed.is_err() { break 'outer; },
                }
                continue;
            }
            // Up to IN_FLIGHT messages at once, each started on its turn of the pace, so
            // one slow SMTP exchange does not hold the others up.
            let mut in_flight = FuturesUnordered::new();
            let mut next = 0;
            let (mut stopping, mut orphaned) = (false, false);
            while next < batch.len() || !in_flight.is_empty() {
                let more = next < batch.len() && in_flight.len() < IN_FLIGHT && !stopping;
                tokio::select! {
                    Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                    _ = pace.tick(), if more => {
                        let row = &batch[next];
                        next += 1;
                        in_flight.push(self.send_one(row));
                    }
                    changed = stopped.changed(), if !stopping => orphaned = changed.is_err(),
                }
                if (orphaned || *stopped.borrow()) && !stopping {
                    // The messages being sent finish and are recorded; the rest go back.
                    stopping = true;
                    self.release(&batch[next..]).await;
                    next = batch.len();
                }
            }
            if stopping {
                break 'outer;
            }
        }
        tracing::info!("outbox sender stopped");
    }

    /// Sends one claimed message and records what became of it.
    async fn send_one(&self, row: &OutboxRow) {
        let outcome = self.deliver(row).await;
        if let Err(e) = self.record(row, outcome).await {
            tracing::warn!(error = %e, id = %row.id, "recording a message's outcome failed");
        }
    }

    async fn claim(&self) -> Result<Vec<OutboxRow>, ApiError> {
        let (master, lease) = (self.master.clone(), self.lease);
        let channels = Channels {
            mail: self.mailer.is_some(),
            sms: self.sms.is_some(),
        };
        self.db
            .write(move |conn| {
                let at = crate::clock::now();
                let rows = store::claim_due(conn, channels, at, at + lease, BATCH)?;
                // The personal link's hash is recorded before the link can go out.
                for r in &rows {
                    if r.kind == kind::PULSE_OPEN || r.kind == kind::REMINDER {
                        let Ok(p) = serde_json::from_str::<PulsePayload>(&r.payload) else {
                            continue;
                        };
                        let token =
                            queue::link_token(&master.pulse_link_bytes(&p.round_id, &r.person_id));
                        store::insert_link(
                            conn,
                            &PulseLinkRow {
                                token_hash: queue::link_hash(&token),
                                round_id: p.round_id,
                                person_id: r.person_id.clone(),
                            },
                        )?;
                    }
                }
                Ok(rows)
            })
            .await
    }

    async fn release(&self, rows: &[OutboxRow]) {
        let ids = rows.iter().map(|r| r.id.clone()).collect();
        release_claimed(
            &self.db,
            ids,
            store::release,
            "handing claimed messages back failed; they are sent when the claim lapses",
        )
        .await;
    }

    async fn deliver(&self, row: &OutboxRow) -> Outcome {
        if row.tries > self.max_tries {
            return Outcome::Final(
                status::FAILED,
                format!("gave up after {} tries", self.max_tries),
            );
        }
        let person = row.person_id.clone();
        let recipient = self
            .db
            .read(move |conn| store::recipient(conn, &person))
            .await;
        let (to, name, zone) = match recipient {
            Ok(Some(r)) if r.active && r.activated && row.kind == kind::INVITATION => {
                return Outcome::Final(
                    status::CANCELLED,
                    "the account was activated before the invitation was sent".into(),
                );
            }
            Ok(Some(Recipient {
                email: None,
                phone: Some(phone),
                active: true,
                time_zone,
                ..
            })) if row.kind == kind::PULSE_OPEN || row.kind == kind::REMINDER => {
                let zone = time_zone
                    .and_then(|z| z.parse().ok())
                    .unwrap_or(self.org_zone);
                return self.text(row, &phone, zone).await;
            }
            Ok(Some(Recipient {
                email: None,
                active: true,
                ..
            })) => {
                return Outcome::Final(
                    status::CANCELLED,
                    "the person has no e-mail address".into(),
                );
            }
            Ok(Some(Recipient {
                email: Some(email),
                name,
                active: true,
                time_zone,
                ..
            })) => {
                let zone = time_zone
                    .and_then(|z| z.parse().ok())
                    .unwrap_or(self.org_zone);
                (email, name, zone)
            }
            Ok(_) => {
                return Outcome::Final(status::CANCELLED, "the person is deactivated".into());
            }
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        // Claimed before the person's e-mail address was added, by a server without SMTP.
        let Some(mailer) = &self.mailer else {
            return Outcome::Retry("no SMTP server is configured on this server".into());
        };
        let now = crate::clock::now();
        let letter = match self.compose(row, &name, zone, now) {
            Ok(r) => r,
            Err(o) => return o,
        };
        let letter = Letter {
            to: to.clone(),
            to_name: name,
            subject: letter.subject,
            text: letter.text,
            html: letter.html,
        };
        match mailer.send(&letter).await {
            Ok(()) => Outcome::Sent,
            Err(SendError::Temporary(e)) => Outcome::Retry(e.replace(&to, "<recipient>")),
            Err(SendError::Permanent(e)) => {
                Outcome::Final(status::FAILED, e.replace(&to, "<recipient>"))
            }
        }
    }

    /// Sends a pulse-open message or reminder by SMS to `phone`.
    async fn text(&self, row: &OutboxRow, phone: &str, zone: chrono_tz::Tz) -> Outcome {
        // Claimed before the person's e-mail address was removed, by a server without a
        // gateway.
        let Some(gateway) = &self.sms else {
            return Outcome::Retry("no SMS gateway is configured on this server".into());
        };
        let Ok(p) = serde_json::from_str::<PulsePayload>(&row.payload) else {
            return Outcome::Final(status::FAILED, "unreadable payload".into());
        };
        if p.closes_at <= crate::clock::now() {
            return Outcome::Final(
                status::CANCELLED,
                "the round closed before the message was sent".into(),
            );
        }
        let token = queue::link_token(&self.master.pulse_link_bytes(&p.round_id, &row.person_id));
        let link = format!("{}/p/{token}", self.public_url);
        let body = crate::notify::sms::pulse_text(
            row.kind == kind::REMINDER,
            &row.language,
            &self.org,
            &p.title,
            p.closes_at,
            zone,
            &link,
        );
        match gateway.send(phone, &body).await {
            Ok(()) => Outcome::Sent,
            Err(SendError::Temporary(e)) => Outcome::Retry(e),
            Err(SendError::Permanent(e)) => Outcome::Final(status::FAILED, e),
        }
    }

    fn compose(
        &self,
        row: &OutboxRow,
        name: &str,
        zone: chrono_tz::Tz,
        now: NaiveDateTime,
    ) -> Result<crate::notify::templates::Rendered, Outcome> {
        let bad = |what: &str| Outcome::Final(status::FAILED, format!("unreadable {what}"));
        let lang = row.language.as_str();
        match row.kind.as_str() {
            kind::INVITATION => {
                let p: InvitationPayload =
                    serde_json::from_str(&row.payload).map_err(|_| bad("payload"))?;
                if p.expires_at <= now {
                    return Err(Outcome::Final(
                        status::CANCELLED,
                        "the activation link expired before it was sent".into(),
                    ));
                }
                let token = queue::open(&self.master.outbox_key(), &row.idempotency_key, &p.secret)
                    .ok_or_else(|| bad("activation token (was the master key changed?)"))?;
                let link = format!("{}/activate?token={token}", self.public_url);
                let content = Content::Invitation {
                    expires_at: p.expires_at,
                };
                Ok(render(&content, lang, &self.org, name, &link, zone))
            }
            kind::PULSE_OPEN | kind::REMINDER => {
                let p: PulsePayload =
                    serde_json::from_str(&row.payload).map_err(|_| bad("payload"))?;
                if p.closes_at <= now {
                    return Err(Outcome::Final(
                        status::CANCELLED,
                        "the round closed before the message was sent".into(),
                    ));
                }
                let token =
                    queue::link_token(&self.master.pulse_link_bytes(&p.round_id, &row.person_id));
                let link = format!("{}/p/{token}", self.public_url);
                let content = if row.kind == kind::PULSE_OPEN {
                    Content::PulseOpen {
                        title: &p.title,
                        closes_at: p.closes_at,
                    }
                } else {
                    Content::Reminder {
                        title: &p.title,
                        closes_at: p.closes_at,
                    }
                };
                Ok(render(&content, lang, &self.org, name, &link, zone))
            }
            kind::ACTION_NEW | kind::ACTION_DUE => {
                let p: ActionPayload =
                    serde_json::from_str(&row.payload).map_err(|_| bad("payload"))?;
                let link = format!("{}/actions/{}", self.public_url, p.action_id);
                let content = match p.due_on {
                    Some(due_on) if row.kind == kind::ACTION_DUE => Content::ActionDue {
                        title: &p.title,
                        due_on,
                    },
                    _ => Content::ActionNew {
                        title: &p.title,
                        team: p.team.as_deref(),
                    },
                };
                Ok(render(&content, lang, &self.org, name, &link, zone))
            }
            kind::SUGGESTION_REPLY => {
                let p: SuggestionPayload =
                    serde_json::from_str(&row.payload).map_err(|_| bad("payload"))?;
                let link = format!("{}/suggestions/{}", self.public_url, p.suggestion_id);
                let content = Content::SuggestionReply {
                    title: &p.title,
                    status: &p.status,
                };
                Ok(render(&content, lang, &self.org, name, &link, zone))
            }
            kind::RESULTS_READY => {
                let p: ResultsPayload =
                    serde_json::from_str(&row.payload).map_err(|_| bad("payload"))?;
                let link = format!(
                    "{}/reports/{}?team_id={}",
                    self.public_url, p.round_id, p.team_id
                );
                let content = Content::ResultsReady {
                    title: &p.title,
                    team: &p.team,
                };
                Ok(render(&content, lang, &self.org, name, &link, zone))
            }
            _ => Err(bad("kind")),
        }
    }

    async fn record(&self, row: &OutboxRow, outcome: Outcome) -> Result<(), ApiError> {
        let id = row.id.clone();
        let tries = row.tries;
        let (max, base) = (self.max_tries, self.retry_base_ms);
        let unit: f64 = rand::thread_rng().r#gen();
        match &outcome {
            Outcome::Sent => tracing::debug!(id = %id, kind = %row.kind, "message sent"),
            Outcome::Retry(e) => {
                tracing::info!(id = %id, tries, error = %e, "message not sent; retrying")
            }
            Outcome::Final(s, e) => {
                tracing::warn!(id = %id, status = %s, error = %e, "message not sent")
            }
        }
        self.db
            .write(move |conn| {
                let now = crate::clock::now();
                match outcome {
                    Outcome::Sent => store::mark_sent(conn, &id, now),
                    Outcome::Retry(e) if tries >= max => store::mark_final(
                        conn,
                        &id,
                        status::FAILED,
                        &format!("{e} (gave up after {tries} tries)"),
                    ),
                    Outcome::Retry(e) => {
                        let wait = backoff_ms(base, tries, unit);
                        let next =
                            now + TimeDelta::milliseconds(i64::try_from(wait).unwrap_or(i64::MAX));
                        store::mark_retry(conn, &id, next, &e)
                    }
                    Outcome::Final(s, e) => store::mark_final(conn, &id, s, &e),
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff_ms(1000, 1, 0.0), 500);
        assert_eq!(backoff_ms(1000, 1, 1.0), 1000);
        assert_eq!(backoff_ms(1000, 3, 0.0), 2000);
        assert_eq!(backoff_ms(1000, 3, 0.999_999), 3999);
        assert_eq!(backoff_ms(1000, 60, 1.0), 6 * 3600 * 1000);
    }
}
