//! E-mail through the outbox, proven against a real SMTP server: `scripts/smtp_sink.py`
//! (aiosmtpd) started per test, which writes every accepted message to a file. The
//! python that has aiosmtpd is `PULSELINE_TEST_PYTHON` (`.ci/run` sets it), else
//! `python3`.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use poem::http::Method;
use pulseline::config::{Config, Secret};
use pulseline::notify::sender::{self, SenderHandle};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::reach::open_enps_round;

/// A running SMTP sink.
pub struct Sink {
    child: std::process::Child,
    port: u16,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    pub fn start() -> Sink {
        Self::start_with(tempfile::tempdir().expect("temp dir"), &[])
    }

    /// A sink that requires STARTTLS with the certificate and key in `tls`.
    pub fn start_with(dir: tempfile::TempDir, tls: &[PathBuf]) -> Sink {
        let file = dir.path().join("mail.jsonl");
        let python = std::env::var("PULSELINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/smtp_sink.py");
        let mut child = std::process::Command::new(&python)
            .arg(script)
            .arg(&file)
            .args(tls)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {script}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the sink's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!("the sink did not start (is aiosmtpd installed for {python}?): {line:?}")
        });
        Sink {
            child,
            port,
            file,
            _dir: dir,
        }
    }

    fn read(path: &std::path::Path) -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Every message the server accepted.
    pub fn messages(&self) -> Vec<Value> {
        Self::read(&self.file)
    }

    /// Every RCPT answer (recipient and code).
    pub fn rcpts(&self) -> Vec<Value> {
        let mut p = self.file.clone().into_os_string();
        p.push(".rcpt");
        Self::read(std::path::Path::new(&p))
    }

    /// The messages to `email` whose subject or decoded text contains `needle`.
    pub fn to(&self, email: &str, needle: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["to"] == json!([email]))
            .filter(|m| {
                let s = |k: &str| m[k].as_str().unwrap_or("").contains(needle);
                s("subject") || s("text")
            })
            .collect()
    }
}

/// The settings of an app that sends to `sink` quickly (short poll, short backoff).
pub fn mail_config(sink: &Sink) -> impl FnOnce(&mut Config) + use<> {
    let port = sink.port;
    move |c: &mut Config| {
        c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}")));
        c.mail_from = Some("Pulse <pulse@example.org>".into());
        quick_sender(c);
    }
}

/// The sender's settings for tests, whatever it sends by: links to `http://pulse.test`,
/// a quick poll and retry, 3 tries, the organisation "Acme".
pub fn quick_sender(c: &mut Config) {
    c.public_url = Some("http://pulse.test/".into());
    c.mail_poll_ms = 50;
    c.mail_retry_base_ms = 100;
    c.mail_rate = 500;
    c.mail_max_tries = 3;
    c.org_name = "Acme".into();
}

pub fn start_sender(app: &TestApp) -> SenderHandle {
    sender::start(&app.state)
        .expect("sender settings")
        .expect("SMTP is configured")
}

/// The outbox's rows per status, read from the database.
pub async fn statuses(app: &TestApp) -> Vec<(String, String, i32, Option<String>)> {
    use pulseline::db::schema::{outbox, people};
    app.state
        .db
        .read(|conn| {
            Ok(outbox::table
                .inner_join(people::table.on(people::id.eq(outbox::person_id)))
                .select((people::email, outbox::status, outbox::tries, outbox::kind))
                .load::<(Option<String>, String, i32, String)>(conn)?
                .into_iter()
                .map(|(e, s, t, k)| (e.unwrap_or_default(), s, t, Some(k)))
                .collect())
        })
        .await
        .expect("outbox")
}

/// Waits until nothing is queued or being sent (or `secs` pass).
pub async fn drained(app: &TestApp, secs: u64) {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let busy = statuses(app)
            .await
            .iter()
            .filter(|r| r.1 == "queued" || r.1 == "sending")
            .count();
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < until,
            "{busy} messages still queued after {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The personal answer link's token in a message body.
pub fn link_token(data: &Value) -> String {
    let data = data.as_str().expect("text");
    let at =
        data.find("http://pulse.test/p/").expect("a personal link") + "http://pulse.test/p/".len();
    data[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn answer_body(q: &str, v: u8) -> Value {
    json!({"answers": [{"question_id": q, "value": v}]})
}

#[tokio::test]
async fn each_invitee_gets_one_pulse_open_message_whose_link_answers_once() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let mut staff = Vec::new();
    for _ in 0..3 {
        staff.push(app.employee(&admin, Some(&team)).await);
    }
    // One reads times in Tokyo (UTC+9, no daylight saving); the others in the
    // organisation's zone (UTC here).
    app.json(
        Method::PUT,
        "/api/v1/me/time-zone",
        Some(&staff[1].token),
        json!({"time_zone": "Asia/Tokyo"}),
    )
    .await
    .expect(200);
    let (survey, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    let rounds = format!("/api/v1/surveys/{survey}/rounds");
    let listed = app.get(&rounds, Some(&admin.token)).await.json();
    assert_eq!(
        listed[0]["messages"],
        json!({"queued": 3, "sent": 0, "failed": 0, "cancelled": 0})
    );
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let listed = app.get(&rounds, Some(&admin.token)).await.json();
    assert_eq!(
        listed[0]["messages"],
        json!({"queued": 0, "sent": 3, "failed": 0, "cancelled": 0})
    );

    for e in &staff {
        let mails = sink.to(&e.email, "http://pulse.test/p/");
        assert_eq!(mails.len(), 1, "one pulse-open message to {}", e.email);
        let m = &mails[0];
        assert_eq!(m["content_type"], json!("multipart/alternative"), "{m}");
        let html = m["html"].as_str().expect("an HTML part");
        assert!(html.contains("http://pulse.test/p/"), "{html}");
        assert!(!html.contains("<img"), "no tracking pixel");
    }
    // "Open until" in each recipient's zone.
    let closes = listed[0]["closes_at"].as_str().expect("closes_at");
    let closes =
        chrono::NaiveDateTime::parse_from_str(closes, "%Y-%m-%dT%H:%M:%S%.f").expect("a timestamp");
    let utc = format!("open until {} UTC", closes.format("%Y-%m-%d %H:%M"));
    let tokyo = format!(
        "open until {} JST",
        (closes + chrono::TimeDelta::hours(9)).format("%Y-%m-%d %H:%M")
    );
    let text = |e: &str| {
        sink.to(e, "http://pulse.test/p/")[0]["text"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        text(&staff[0].email).contains(&utc),
        "{}",
        text(&staff[0].email)
    );
    assert!(
        text(&staff[1].email).contains(&tokyo),
        "{}",
        text(&staff[1].email)
    );
    // The invitations of people who activated at once were not sent.
    assert!(sink.to(&staff[0].email, "/activate?token=").is_empty());

    let token = link_token(&sink.to(&staff[0].email, "http://pulse.test/p/")[0]["text"]);
    assert!(token.len() >= 22, "at least 128 bits: {token}");
    // The database keeps only the token's hash.
    let stored: Vec<String> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::pulse_links;
            Ok(pulse_links::table
                .select(pulse_links::token_hash)
                .load(conn)?)
        })
        .await
        .expect("links");
    assert_eq!(stored.len(), 3);
    assert!(!stored.contains(&token));

    let r = app.get(&format!("/api/v1/pulse-links/{token}"), None).await;
    r.expect(200);
    assert_eq!(r.json()["round_id"], json!(round));
    assert_eq!(r.json()["questions"][0]["id"], json!(q));
    // The link signs nobody in.
    app.get("/api/v1/me", Some(&token)).await.expect(401);
    app.post(
        &format!("/api/v1/pulse-links/{token}/responses"),
        None,
        answer_body(&q, 9),
    )
    .await
    .expect(201);
    // Stored like any answer: participation recorded, a sealed ballot, once.
    assert_eq!(app.count("participation").await, 1);
    assert_eq!(app.count("ballots").await, 1);
    let mine = app.get("/api/v1/me/pulses", Some(&staff[0].token)).await;
    assert_eq!(mine.json(), json!([]));
    app.post(
        &format!("/api/v1/pulse-links/{token}/responses"),
        None,
        answer_body(&q, 3),
    )
    .await
    .expect(409);
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&staff[0].token),
        answer_body(&q, 3),
    )
    .await
    .expect(409);
    app.get(&format!("/api/v1/pulse-links/{token}"), None)
        .await
        .expect(409);
    assert_eq!(app.count("participation").await, 1);

    // Both answers count, each once.
    let other = link_token(&sink.to(&staff[1].email, "http://pulse.test/p/")[0]["text"]);
    app.post(
        &format!("/api/v1/pulse-links/{other}/responses"),
        None,
        answer_body(&q, 7),
    )
    .await
    .expect(201);
    assert_eq!(app.count("participation").await, 2);
    assert_eq!(app.count("ballots").await, 2);
}

#[tokio::test]
async fn a_link_answers_only_its_own_round_and_not_after_close() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let e = app.employee(&admin, Some(&team)).await;
    let (_, round_a, q_a) = open_enps_round(&app, &admin, &[&team]).await;
    let (_, round_b, _) = open_enps_round(&app, &admin, &[&team]).await;
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let mails = sink.to(&e.email, "http://pulse.test/p/");
    assert_eq!(mails.len(), 2);
    let tokens: Vec<String> = mails.iter().map(|m| link_token(&m["text"])).collect();
    assert_ne!(tokens[0], tokens[1]);
    let mut by_round = std::collections::HashMap::new();
    for t in &tokens {
        let r = app.get(&format!("/api/v1/pulse-links/{t}"), None).await;
        r.expect(200);
        by_round.insert(
            r.json()["round_id"].as_str().expect("id").to_owned(),
            t.clone(),
        );
    }
    let (token_a, token_b) = (&by_round[&round_a], &by_round[&round_b]);

    // Round A's link answered A; round B is still waiting for this person.
    app.post(
        &format!("/api/v1/pulse-links/{token_a}/responses"),
        None,
        answer_body(&q_a, 8),
    )
    .await
    .expect(201);
    let mine = app.get("/api/v1/me/pulses", Some(&e.token)).await.json();
    let open: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["round_id"].as_str())
        .collect();
    assert_eq!(open, vec![round_b.as_str()]);

    // A forged or altered token names nothing.
    let mut altered = token_b.clone();
    let last = if altered.ends_with('A') { 'B' } else { 'A' };
    altered.pop();
    altered.push(last);
    app.get(&format!("/api/v1/pulse-links/{altered}"), None)
        .await
        .expect(404);

    // After round B closes its link is refused, for reading and for answering.
    app.close_round_now(&admin, &round_b).await;
    app.get(&format!("/api/v1/pulse-links/{token_b}"), None)
        .await
        .expect(410);
    app.post(
        &format!("/api/v1/pulse-links/{token_b}/responses"),
        None,
        answer_body(&q_a, 8),
    )
    .await
    .expect(410);
}

async fn outbox_of(app: &TestApp, admin: &Actor, email: &str) -> Value {
    let page = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await;
    page.expect(200);
    page.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["recipient"] == json!(email))
        .cloned()
        .unwrap_or_else(|| panic!("no message to {email}"))
}

#[tokio::test]
async fn a_4xx_is_retried_and_a_5xx_fails_with_its_error_kept() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let once = format!("tempfail-once-{}@example.org", short());
    let always = format!("tempfail-{}@example.org", short());
    let refused = format!("permfail-{}@example.org", short());
    for email in [&once, &always, &refused] {
        app.create_person(&admin, email, None).await;
    }
    let s = start_sender(&app);
    drained(&app, 30).await;

    // 451 once, then accepted: sent on the second try, delivered once.
    let m = outbox_of(&app, &admin, &once).await;
    assert_eq!(
        (m["status"].clone(), m["tries"].clone()),
        (json!("sent"), json!(2))
    );
    let codes: Vec<i64> = sink
        .rcpts()
        .iter()
        .filter(|r| r["to"] == json!(once))
        .filter_map(|r| r["code"].as_i64())
        .collect();
    assert_eq!(codes, vec![451, 250]);
    let invitation = sink.to(&once, "http://pulse.test/activate?token=");
    assert_eq!(invitation.len(), 1);

    // 451 every time: given up after the bounded tries (3), the error kept.
    let m = outbox_of(&app, &admin, &always).await;
    assert_eq!(
        (m["status"].clone(), m["tries"].clone()),
        (json!("failed"), json!(3))
    );
    let err = m["last_error"].as_str().expect("error kept");
    assert!(err.contains("451") && err.contains("gave up"), "{err}");
    assert!(!err.contains(&always), "no address in the error: {err}");

    // 550: a permanent refusal fails at once, the error kept.
    let m = outbox_of(&app, &admin, &refused).await;
    assert_eq!(
        (m["status"].clone(), m["tries"].clone()),
        (json!("failed"), json!(1))
    );
    assert!(m["last_error"].as_str().expect("error").contains("550"));
    assert!(sink.to(&refused, "").is_empty() && sink.to(&always, "").is_empty());

    // Failed messages are listed for admins only; one may be queued again.
    let failed = app
        .get("/api/v1/outbox?status=failed", Some(&admin.token))
        .await;
    failed.expect(200);
    assert_eq!(failed.json()["total"], json!(2));
    assert_eq!(failed.json()["sending"], json!(true));
    let hr = app.hr().await;
    app.get("/api/v1/outbox", Some(&hr.token)).await.expect(403);
    let id = m["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&hr.token),
        json!({}),
    )
    .await
    .expect(403);
    let r = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["status"], json!("queued"));
    drained(&app, 20).await;
    let m = outbox_of(&app, &admin, &refused).await;
    assert_eq!(
        (m["status"].clone(), m["tries"].clone()),
        (json!("failed"), json!(1))
    );
    let sent = outbox_of(&app, &admin, &once).await;
    let id = sent["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&admin.token),
        json!({}),
    )
    .await
    .expect(409);
    s.stop().await;
}

#[tokio::test]
async fn a_resent_invitation_replaces_the_first_and_its_link_activates() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let email = format!("new-{}@example.org", short());
    let (id, first) = app.create_person(&admin, &email, None).await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/people/{id}/activation"),
            Some(&admin.token),
            None,
        )
        .await;
    assert!(r.status < 300, "{}", r.text());
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let mails = sink.to(&email, "http://pulse.test/activate?token=");
    assert_eq!(mails.len(), 1, "only the newer invitation goes out");
    let kinds: Vec<String> = statuses(&app)
        .await
        .into_iter()
        .filter(|r| r.0 == email)
        .map(|r| r.1)
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"cancelled".to_owned()) && kinds.contains(&"sent".to_owned()));
    let text = mails[0]["text"].as_str().expect("text");
    assert_eq!(
        mails[0]["subject"],
        json!("Acme: your pulseline invitation")
    );
    let at = text.find("token=").expect("token") + "token=".len();
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_ne!(token, first);
    // The first link no longer works; the e-mailed one does.
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": first, "password": PASSWORD}),
    )
    .await
    .expect(404);
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(200);
    // The sealed token is not in the database in the clear.
    let payloads: Vec<String> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::outbox;
            Ok(outbox::table.select(outbox::payload).load(conn)?)
        })
        .await
        .expect("payloads");
    assert!(payloads.iter().all(|p| !p.contains(&token)));
}

#[tokio::test]
async fn without_smtp_messages_stay_queued_and_say_so() {
    let app = spawn_app().await;
    assert!(sender::start(&app.state).expect("settings").is_none());
    let admin = app.admin().await;
    let email = format!("new-{}@example.org", short());
    app.create_person(&admin, &email, None).await;
    let page = app.get("/api/v1/outbox", Some(&admin.token)).await;
    page.expect(200);
    assert_eq!(page.json()["sending"], json!(false));
    let m = outbox_of(&app, &admin, &email).await;
    assert_eq!(m["status"], json!("queued"));
    assert_eq!(m["sent_at"], json!(null));
    assert_eq!(m["kind"], json!("invitation"));
}

#[tokio::test]
async fn smtp_without_a_public_url_is_refused_at_start() {
    let mut c = Config::for_database("x.db");
    c.smtp_url = Some(Secret::new("smtp://127.0.0.1:2525".into()));
    c.mail_from = Some("pulse@example.org".into());
    let e = pulseline::startup::build_state(&c)
        .await
        .map(|_| ())
        .expect_err("refused");
    assert!(e.to_string().contains("PULSELINE_PUBLIC_URL"), "{e}");
}

#[tokio::test]
async fn reminders_go_to_those_who_have_not_answered_and_name_nobody() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let mut staff = Vec::new();
    for _ in 0..3 {
        staff.push(app.employee(&admin, Some(&team)).await);
    }
    let (_, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&staff[0].token),
        answer_body(&q, 9),
    )
    .await
    .expect(201);
    let hr = app.hr().await;
    let path = format!("/api/v1/rounds/{round}/reminders");
    let r = app.send(Method::POST, &path, Some(&hr.token), None).await;
    r.expect(202);
    assert_eq!(r.json(), json!({"reminded": 2}));
    // At most once a day per round.
    let again = app.send(Method::POST, &path, Some(&hr.token), None).await;
    assert_eq!(again.json(), json!({"reminded": 0}));
    // The admins' outbox does not list reminders at all (nor count them).
    let before = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await
        .json();
    assert!(
        before["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["kind"] != json!("reminder"))
    );
    assert_eq!(
        before["total"],
        json!(before["items"].as_array().expect("items").len())
    );
    let reminder_ids: Vec<String> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::outbox;
            Ok(outbox::table
                .filter(outbox::kind.eq("reminder"))
                .select(outbox::id)
                .load(conn)?)
        })
        .await
        .expect("ids");
    assert_eq!(reminder_ids.len(), 2);
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    assert!(sink.to(&staff[0].email, "Reminder").is_empty());
    // Even a reminder's id does not open it to an admin.
    for id in &reminder_ids {
        app.post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await
        .expect(404);
    }
    for e in &staff[1..] {
        let mails = sink.to(&e.email, "Reminder");
        assert_eq!(mails.len(), 1, "one reminder to {}", e.email);
        assert!(
            mails[0]["text"]
                .as_str()
                .expect("text")
                .contains("http://pulse.test/p/")
        );
    }
}

#[tokio::test]
async fn a_restart_mid_queue_and_a_second_sender_send_nothing_twice() {
    let sink = Sink::start();
    let app = spawn_app_with(|c| {
        mail_config(&sink)(c);
        c.mail_rate = 20;
    })
    .await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let staff = app.seed_people(&team, 30, |_| (None, None, None)).await;
    open_enps_round(&app, &admin, &[&team]).await;
    let first = start_sender(&app);
    let until = Instant::now() + Duration::from_secs(20);
    while sink.messages().len() < 5 {
        assert!(Instant::now() < until, "nothing sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A graceful stop: the message in flight is recorded, the rest handed back.
    first.stop().await;
    let after_stop = sink.messages().len();
    assert!(after_stop < 30, "stopped mid-queue ({after_stop} sent)");
    assert!(
        statuses(&app).await.iter().all(|r| r.1 != "sending"),
        "no claim left behind"
    );
    // The restarted server, and a second replica beside it, on the same database.
    let config = (*app.state.config).clone();
    let again = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let other = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let s1 = sender::start(&again).expect("ok").expect("smtp");
    let s2 = sender::start(&other).expect("ok").expect("smtp");
    drained(&app, 30).await;
    s1.stop().await;
    s2.stop().await;
    for e in &staff {
        assert_eq!(
            sink.to(&e.email, "http://pulse.test/p/").len(),
            1,
            "exactly one pulse-open message to {}",
            e.email
        );
    }
    assert_eq!(sink.messages().len(), 30);
}

#[tokio::test]
async fn the_emailed_link_opens_the_pulse_page_and_answers_without_signing_in() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let e = app.employee(&admin, Some(&team)).await;
    // The person reads Russian: the page follows their language, not the browser's.
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", e.id),
        Some(&admin.token),
        json!({"language": "ru"}),
    )
    .await
    .expect(200);
    let (_, _, q) = open_enps_round(&app, &admin, &[&team]).await;
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let mails = sink.to(&e.email, "http://pulse.test/p/");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]["subject"]
            .as_str()
            .expect("subject")
            .contains("открыт")
    );
    let token = link_token(&mails[0]["text"]);
    let page = format!("/p/{token}");

    let mut b = Browser::new(&app);
    let r = b.get(&page).await;
    assert_html(&r, 200);
    assert!(r.text().contains("lang=\"ru\""), "{}", r.text());
    assert!(r.text().contains(&format!("action=\"{page}\"")));
    let field = format!("answers.{q}");
    // A form without the page's CSRF token is refused and records nothing.
    let r = b.post(&page, &[(&field, "8")]).await;
    assert!(r.status >= 400, "{}", r.text());
    assert_eq!(app.count("participation").await, 0);
    let r = b.submit(&page, &page, &[(&field, "8")]).await;
    assert_html(&r, 200);
    assert_eq!(app.count("participation").await, 1);
    assert_eq!(app.count("ballots").await, 1);
    // Opened again: answered, thank you; no form.
    let r = b.get(&page).await;
    assert_html(&r, 200);
    assert!(!r.text().contains("<form method=\"post\" action=\"/p/"));
    // Nobody was signed in.
    assert!(
        r.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .all(|c| !c.starts_with("pulseline_session="))
    );
    // An unknown link is a plain 404 page.
    let r = b.get("/p/not-a-real-token").await;
    assert_html(&r, 404);
}

#[tokio::test]
async fn messages_claimed_by_a_sender_that_died_are_sent_once_when_the_claim_lapses() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let staff = app.seed_people(&team, 6, |_| (None, None, None)).await;
    open_enps_round(&app, &admin, &[&team]).await;
    // A sender claims four messages and dies (kill -9) before sending any: its claims
    // stay `sending` until they lapse.
    let claimed = app
        .state
        .db
        .write(|conn| {
            let now = pulseline::clock::now();
            pulseline::notify::store::claim_due(
                conn,
                pulseline::notify::store::Channels {
                    mail: true,
                    sms: false,
                },
                now,
                now + chrono::TimeDelta::seconds(5),
                4,
            )
        })
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 4);
    let s = start_sender(&app);
    // The other two go out at once; the four wait for their claim to lapse.
    let until = Instant::now() + Duration::from_secs(4);
    let count = |rows: &[(String, String, i32, Option<String>)], st: &str| {
        rows.iter().filter(|r| r.1 == st).count()
    };
    while count(&statuses(&app).await, "sent") < 2 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rows = statuses(&app).await;
    assert_eq!(count(&rows, "sent"), 2);
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(
        count(&rows, "sending"),
        4,
        "the dead sender's claims are not taken early"
    );
    drained(&app, 20).await;
    s.stop().await;
    for e in &staff {
        assert_eq!(
            sink.to(&e.email, "http://pulse.test/p/").len(),
            1,
            "{}",
            e.email
        );
    }
    let tries: Vec<i32> = statuses(&app).await.iter().map(|r| r.2).collect();
    assert!(tries.iter().all(|t| *t == 1 || *t == 2), "{tries:?}");
}

/// Runs `openssl` with `args` in `dir`.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn starttls_to_a_private_server_trusts_only_the_configured_ca() {
    // A private CA and the server's certificate for 127.0.0.1, signed by it.
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=pulseline test CA",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(d, &ca);
    let mut csr = vec!["req", "-subj", "/CN=127.0.0.1"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(d, &csr);
    std::fs::write(
        d.join("ext.cnf"),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\n",
    )
    .expect("ext");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ],
    );
    let ca_file = d.join("ca.pem");
    let tls = [d.join("server.pem"), d.join("server.key")];
    let sink = Sink::start_with(dir, &tls);
    let port = sink.port;

    // Without the CA the certificate is not trusted: nothing is sent, the try is kept.
    let base = mail_config(&sink);
    let app = spawn_app_with(move |c| {
        base(c);
        c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}?tls=required")));
        c.mail_max_tries = 1;
    })
    .await;
    let admin = app.admin().await;
    let email = format!("new-{}@example.org", short());
    app.create_person(&admin, &email, None).await;
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let m = outbox_of(&app, &admin, &email).await;
    assert_eq!(m["status"], json!("failed"), "{m}");
    let err = m["last_error"].as_str().expect("error kept");
    assert!(err.contains("certificate"), "{err}");
    assert!(sink.messages().is_empty());

    // With the CA: sent over STARTTLS (the sink refuses MAIL before STARTTLS).
    let mut config = (*app.state.config).clone();
    config.smtp_ca_file = Some(ca_file);
    let state = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let id = m["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&admin.token),
        json!({}),
    )
    .await
    .expect(200);
    let s = sender::start(&state).expect("ok").expect("smtp");
    drained(&app, 20).await;
    s.stop().await;
    assert_eq!(
        outbox_of(&app, &admin, &email).await["status"],
        json!("sent")
    );
    assert_eq!(
        sink.to(&email, "http://pulse.test/activate?token=").len(),
        1
    );
}

/// A person who turns reminders off gets none (turned off on the API by one, on the
/// account page by another); the others still do, and HR's count says how many were
/// reminded. Turning them back on is read back by `/me`.
#[tokio::test]
async fn a_person_who_turns_reminders_off_gets_none() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let mut staff = Vec::new();
    for _ in 0..4 {
        staff.push(app.employee(&admin, Some(&team)).await);
    }
    let me = app.get("/api/v1/me", Some(&staff[0].token)).await.json();
    assert_eq!(me["reminders"], json!(true), "on unless turned off");
    app.json(
        Method::PUT,
        "/api/v1/me/reminders",
        Some(&staff[0].token),
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    let r = app
        .json(
            Method::PUT,
            "/api/v1/me/reminders",
            Some(&staff[0].token),
            json!({"enabled": "no"}),
        )
        .await;
    r.expect(422);
    assert_eq!(
        app.get("/api/v1/me", Some(&staff[0].token)).await.json()["reminders"],
        json!(false)
    );
    // The second turns them off on the account page.
    let mut b = Browser::new(&app);
    b.sign_in(&staff[1].email, PASSWORD).await;
    let page = b.get("/password").await.text();
    assert!(
        page.contains(
            "id=\"f-reminders\" type=\"checkbox\" name=\"reminders\" value=\"1\" checked"
        ),
        "{page}"
    );
    let token = csrf_of(&page);
    let r = b.post("/account/reminders", &[("csrf", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = b.get("/password").await.text();
    assert!(
        !page.contains("name=\"reminders\" value=\"1\" checked"),
        "{page}"
    );

    let (_, round, _) = open_enps_round(&app, &admin, &[&team]).await;
    let hr = app.hr().await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/rounds/{round}/reminders"),
            Some(&hr.token),
            None,
        )
        .await;
    r.expect(202);
    assert_eq!(r.json(), json!({"reminded": 2}));
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let reminded = |who: &Actor| {
        sink.messages()
            .iter()
            .filter(|m| {
                m.to_string().contains(&who.email)
                    && m.to_string().to_lowercase().contains("reminder")
            })
            .count()
    };
    assert_eq!(reminded(&staff[0]), 0, "{:?}", sink.messages());
    assert_eq!(reminded(&staff[1]), 0);
    assert_eq!(reminded(&staff[2]), 1, "{:?}", sink.messages());
    assert_eq!(reminded(&staff[3]), 1);
    // Back on.
    app.json(
        Method::PUT,
        "/api/v1/me/reminders",
        Some(&staff[0].token),
        json!({"enabled": true}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.get("/api/v1/me", Some(&staff[0].token)).await.json()["reminders"],
        json!(true)
    );
}
