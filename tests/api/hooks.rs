//! Signed outgoing webhooks and Slack/Teams channels, proven against a real local HTTP
//! receiver: `scripts/webhook_sink.py`, started per test, records every request and
//! verifies each signature with the `standardwebhooks` PyPI package (in the python of
//! `PULSELINE_TEST_PYTHON`, which `.ci/run` sets up). Teams cards are checked against
//! Microsoft's Adaptive Card JSON schema by `scripts/adaptive_card_check.py`.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use poem::http::Method;
use pulseline::config::Config;
use pulseline::hooks::sender::{self, HookSenderHandle};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::reach::{answer, open_enps_round};

/// A running receiver.
pub struct Receiver {
    child: std::process::Child,
    port: u16,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    pub fn start() -> Receiver {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("requests.jsonl");
        let python = std::env::var("PULSELINE_TEST_PYTHON")
            .unwrap_or_else(|_| "/var/tmp/pulseline-ci-py/bin/python".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/webhook_sink.py");
        let mut child = std::process::Command::new(&python)
            .arg(script)
            .arg(&file)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {script}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receiver's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the receiver did not start (is standardwebhooks installed for {python}?): {line:?}"
            )
        });
        Receiver {
            child,
            port,
            file,
            _dir: dir,
        }
    }

    /// The URL of endpoint `name` (`query`: e.g. `?fail=2`).
    pub fn url(&self, name: &str, query: &str) -> String {
        format!("http://127.0.0.1:{}/h/{name}{query}", self.port)
    }

    /// Tells the receiver endpoint `name`'s signing secret.
    pub async fn secret(&self, name: &str, secret: &str) {
        let r = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/_secret/{name}", self.port))
            .body(secret.to_owned())
            .send()
            .await
            .expect("the receiver");
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// The requests to endpoint `name`.
    pub fn to(&self, name: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["name"] == json!(name))
            .collect()
    }
}

/// The body of a request, parsed.
fn body(r: &Value) -> Value {
    serde_json::from_str(r["body"].as_str().expect("body")).expect("a JSON body")
}

/// Quick retries: a short poll and backoff, three tries.
fn hooks_config(c: &mut Config) {
    c.public_url = Some("http://pulse.test/".into());
    c.mail_poll_ms = 50;
    c.mail_retry_base_ms = 100;
    c.mail_max_tries = 3;
}

fn start_sender(state: &pulseline::state::AppState) -> HookSenderHandle {
    sender::start(state).expect("hook sender")
}

/// Creates a hook of `kind` to `url` and returns its id and secret.
async fn hook(app: &TestApp, admin: &Actor, body: Value) -> (String, Option<String>) {
    let r = app.post("/api/v1/webhooks", Some(&admin.token), body).await;
    r.expect(201);
    let j = r.json();
    (
        j["id"].as_str().expect("id").to_owned(),
        j["secret"].as_str().map(str::to_owned),
    )
}

/// A signed webhook to endpoint `name` wanting `events` (all when empty).
async fn webhook(
    app: &TestApp,
    admin: &Actor,
    rx: &Receiver,
    name: &str,
    query: &str,
    events: &[&str],
) -> String {
    let mut b = json!({"kind": "webhook", "url": rx.url(name, query)});
    if !events.is_empty() {
        b["events"] = json!(events);
    }
    let (id, secret) = hook(app, admin, b).await;
    let secret = secret.expect("a webhook has a secret");
    assert!(secret.starts_with("whsec_"));
    rx.secret(name, &secret).await;
    id
}

/// Waits until `f` holds (or `secs` pass).
async fn until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < end, "{what}: not after {secs} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The hook's delivery log, through the API.
async fn log(app: &TestApp, admin: &Actor, hook: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            Some(&admin.token),
        )
        .await;
    r.expect(200);
    r.json()
}

/// Waits until none of the hook deliveries is queued or being sent.
async fn drained(app: &TestApp, secs: u64) {
    use pulseline::db::schema::hook_deliveries;
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let busy: i64 = app
            .state
            .db
            .read(|conn| {
                Ok(hook_deliveries::table
                    .filter(hook_deliveries::status.eq_any(["queued", "sending"]))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .expect("count");
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < end,
            "{busy} deliveries busy after {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn suggest(app: &TestApp, who: &Actor, anonymous: bool) -> String {
    let r = app
        .post(
            "/api/v1/suggestions",
            Some(&who.token),
            json!({"title": "Refund delays", "body": "Customers wait three weeks.",
                   "touchpoint": "billing", "anonymous": anonymous}),
        )
        .await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn each_event_reaches_a_subscribed_endpoint_once_with_a_valid_signature() {
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    let all = webhook(&app, &admin, &rx, "all", "", &[]).await;
    webhook(&app, &admin, &rx, "ideas", "", &["suggestion.created"]).await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let staff = app.employee(&admin, Some(&team)).await;
    let (_, round, _) = open_enps_round(&app, &admin, &[&team]).await;
    let idea = suggest(&app, &staff, false).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{idea}"),
        Some(&admin.token),
        json!({"status": "acknowledged", "reply": "We are looking into refund times."}),
    )
    .await
    .expect(200);
    app.close_round_now(&admin, &round).await;

    let s = start_sender(&app.state);
    drained(&app, 20).await;
    s.stop().await;

    let got = rx.to("all");
    let types: Vec<String> = got
        .iter()
        .map(|r| body(r)["type"].as_str().expect("type").to_owned())
        .collect();
    for ev in [
        "round.opened",
        "suggestion.created",
        "suggestion.status_changed",
        "round.closed",
    ] {
        assert_eq!(
            types.iter().filter(|t| *t == ev).count(),
            1,
            "{ev} once: {types:?}"
        );
    }
    assert_eq!(got.len(), 4, "{types:?}");
    let mut ids = std::collections::HashSet::new();
    for r in &got {
        assert_eq!(r["verified"], json!(true), "a valid signature: {r}");
        assert_eq!(
            r["verified_with_wrong_secret"],
            json!(false),
            "the verifier rejects a wrong secret: {r}"
        );
        assert_eq!(r["content_type"], json!("application/json"));
        assert!(ids.insert(r["headers"]["webhook-id"].clone()));
    }
    let opened = got
        .iter()
        .map(body)
        .find(|b| b["type"] == json!("round.opened"))
        .expect("opened");
    assert_eq!(opened["data"]["round_id"], json!(round));
    let created = got
        .iter()
        .map(body)
        .find(|b| b["type"] == json!("suggestion.created"))
        .expect("created");
    assert_eq!(created["data"]["author_id"], json!(staff.id));
    let moved = got
        .iter()
        .map(body)
        .find(|b| b["type"] == json!("suggestion.status_changed"))
        .expect("moved");
    assert_eq!(moved["data"]["status"], json!("acknowledged"));
    assert_eq!(moved["data"]["previous_status"], json!("new"));

    // The second endpoint wanted suggestions only.
    let ideas = rx.to("ideas");
    assert_eq!(ideas.len(), 1);
    assert_eq!(body(&ideas[0])["type"], json!("suggestion.created"));
    assert_eq!(ideas[0]["verified"], json!(true));

    // The delivery log agrees: each sent once, on the first try.
    let l = log(&app, &admin, &all).await;
    assert_eq!(l["total"], json!(4));
    for d in l["items"].as_array().expect("items") {
        assert_eq!(d["status"], json!("sent"));
        assert_eq!(d["tries"], json!(1));
        assert_eq!(d["response_status"], json!(204));
    }

    // Erasing the author removes the deliveries that named them.
    app.post(
        &format!("/api/v1/people/{}/erase", staff.id),
        Some(&admin.token),
        json!({}),
    )
    .await
    .expect(200);
    let l = log(&app, &admin, &all).await;
    assert_eq!(l["total"], json!(2), "the two suggestion events are gone");
}

#[tokio::test]
async fn a_500_is_retried_until_it_succeeds_and_a_dead_endpoint_gives_up_with_the_error_logged() {
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    let flaky = webhook(&app, &admin, &rx, "flaky", "?fail=2", &["round.opened"]).await;
    let dead = webhook(&app, &admin, &rx, "dead", "?fail=always", &["round.opened"]).await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    app.employee(&admin, Some(&team)).await;
    open_enps_round(&app, &admin, &[&team]).await;

    let s = start_sender(&app.state);
    drained(&app, 30).await;
    s.stop().await;

    let f = rx.to("flaky");
    assert_eq!(f.len(), 3, "two 500s, then accepted");
    let answers: Vec<&Value> = f.iter().map(|r| &r["answered"]).collect();
    assert_eq!(answers, [&json!(500), &json!(500), &json!(204)]);
    // Every try is the same message, each signed afresh.
    assert!(
        f.iter()
            .all(|r| r["headers"]["webhook-id"] == f[0]["headers"]["webhook-id"])
    );
    assert!(f.iter().all(|r| r["verified"] == json!(true)));
    let l = log(&app, &admin, &flaky).await;
    assert_eq!(l["items"][0]["status"], json!("sent"));
    assert_eq!(l["items"][0]["tries"], json!(3));

    assert_eq!(rx.to("dead").len(), 3, "three tries, no more");
    let l = log(&app, &admin, &dead).await;
    let d = &l["items"][0];
    assert_eq!(d["status"], json!("failed"));
    assert_eq!(d["tries"], json!(3));
    assert_eq!(d["response_status"], json!(500));
    let err = d["last_error"].as_str().expect("an error");
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(err.contains("gave up after 3 tries"), "{err}");
    assert!(!err.contains("127.0.0.1"), "no URL in the error: {err}");
}

#[tokio::test]
async fn an_anonymous_suggestions_event_names_no_author_and_goes_the_next_day() {
    use pulseline::db::schema::hook_deliveries;
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    webhook(&app, &admin, &rx, "ideas", "", &["suggestion.created"]).await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let staff = app.employee(&admin, Some(&team)).await;
    // Enough colleagues that the suggestion stays with its team.
    for p in app.seed_people(&team, 5, |_| (None, None, None)).await {
        app.set_password(&p.id).await;
    }
    let idea = suggest(&app, &staff, true).await;

    // Queued for the start of the next day (UTC), not now.
    let due: Vec<chrono::NaiveDateTime> = app
        .state
        .db
        .read(|conn| {
            Ok(hook_deliveries::table
                .select(hook_deliveries::next_attempt_at)
                .load(conn)?)
        })
        .await
        .expect("due");
    let tomorrow = pulseline::clock::today()
        .succ_opt()
        .expect("tomorrow")
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    assert_eq!(due, [tomorrow]);
    let s = start_sender(&app.state);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(rx.to("ideas").is_empty(), "nothing before the next day");
    // The next day comes.
    app.state
        .db
        .write(|conn| {
            diesel::update(hook_deliveries::table)
                .set(hook_deliveries::next_attempt_at.eq(pulseline::clock::now()))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("move");
    until(10, "the delivery", || rx.to("ideas").len() == 1).await;
    s.stop().await;
    let r = &rx.to("ideas")[0];
    assert_eq!(r["verified"], json!(true));
    let b = body(r);
    assert_eq!(b["data"]["suggestion_id"], json!(idea));
    assert_eq!(b["data"]["anonymous"], json!(true));
    assert_eq!(b["data"]["author_id"], Value::Null);
    assert_eq!(b["data"]["team_id"], json!(team));
    // The day only, nowhere a time of day.
    let day = pulseline::clock::today().to_string();
    assert_eq!(b["timestamp"], json!(day));
    assert_eq!(b["data"]["created_on"], json!(day));
    let raw = r["body"].as_str().expect("body");
    assert!(
        !raw.contains(&staff.id) && !raw.contains(&staff.email),
        "{raw}"
    );
    assert!(
        !raw.contains("T0") && !raw.contains("T1") && !raw.contains("T2"),
        "{raw}"
    );
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    webhook(&app, &admin, &rx, "all", "", &[]).await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let staff = app.employee(&admin, Some(&team)).await;
    for _ in 0..20 {
        suggest(&app, &staff, false).await;
    }
    let config = (*app.state.config).clone();
    let one = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let two = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let (s1, s2) = (start_sender(&one), start_sender(&two));
    drained(&app, 30).await;
    s1.stop().await;
    s2.stop().await;
    let got = rx.to("all");
    let ids: std::collections::HashSet<String> = got
        .iter()
        .map(|r| r["headers"]["webhook-id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(got.len(), 20, "each event once");
    assert_eq!(ids.len(), 20);
    assert!(got.iter().all(|r| r["verified"] == json!(true)));
}

/// Runs `scripts/adaptive_card_check.py` (Microsoft's Adaptive Card JSON schema, from
/// the npm package adaptivecards-designer, found through
/// `PULSELINE_TEST_ADAPTIVE_CARD_SCHEMA`; `.ci/run` fetches it) on `docs`: whether all
/// are valid, and what it said.
fn schema_check(docs: &[Value]) -> (bool, String) {
    let python = std::env::var("PULSELINE_TEST_PYTHON")
        .unwrap_or_else(|_| "/var/tmp/pulseline-ci-py/bin/python".into());
    let schema = std::env::var("PULSELINE_TEST_ADAPTIVE_CARD_SCHEMA").unwrap_or_else(|_| {
        "/var/tmp/pulseline-ci-py/adaptivecards-designer-2.4.4/package/src/adaptive-card-schema.ts"
            .into()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<PathBuf> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let f = dir.path().join(format!("card{i}.json"));
            std::fs::write(&f, d.to_string()).expect("write");
            f
        })
        .collect();
    let out = std::process::Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/adaptive_card_check.py"
        ))
        .arg(&schema)
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_ne!(out.status.code(), Some(2), "no schema at {schema}: {said}");
    assert!(
        out.status.code().is_some(),
        "the check did not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// Checks a Microsoft Teams message by hand against what the Adaptive Card schema
/// (1.4) and the Teams Workflows webhook require.
fn check_teams_card(m: &Value) -> &Value {
    assert_eq!(m["type"], json!("message"));
    let a = &m["attachments"][0];
    assert_eq!(
        a["contentType"],
        json!("application/vnd.microsoft.card.adaptive")
    );
    let card = &a["content"];
    assert_eq!(card["type"], json!("AdaptiveCard"));
    assert_eq!(card["version"], json!("1.4"));
    assert_eq!(
        card["$schema"],
        json!("http://adaptivecards.io/schemas/adaptive-card.json")
    );
    for el in card["body"].as_array().expect("body") {
        assert_eq!(el["type"], json!("TextBlock"));
        assert!(el["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    for act in card["actions"].as_array().expect("actions") {
        assert_eq!(act["type"], json!("Action.OpenUrl"));
        assert!(act["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(act["url"].as_str().is_some_and(|u| u.starts_with("http")));
    }
    card
}

#[tokio::test]
async fn slack_and_teams_channels_hear_of_an_open_pulse_and_of_results_without_links_or_scores() {
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let hr = app.admin().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let other = app.create_team(&hr, "Other", None, "frontline").await;
    // Slack for the organisation in English; Teams for Sales in Russian; Teams for a
    // team the round does not reach.
    let (slack, secret) = hook(
        &app,
        &hr,
        json!({"kind": "slack", "url": rx.url("slack", "")}),
    )
    .await;
    assert_eq!(secret, None, "a channel has no signing secret");
    hook(
        &app,
        &hr,
        json!({"kind": "teams", "url": rx.url("teams", ""), "team_id": sales, "language": "ru"}),
    )
    .await;
    hook(
        &app,
        &hr,
        json!({"kind": "teams", "url": rx.url("elsewhere", ""), "team_id": other}),
    )
    .await;
    let sellers = app.seed_people(&sales, 7, |_| (None, None, None)).await;
    let (_, round, q) = open_enps_round(&app, &hr, &[&company]).await;
    for (i, who) in sellers.iter().enumerate() {
        answer(&app, who, &round, &q, u8::try_from(i + 3).expect("score")).await;
    }
    app.close_round_now(&hr, &round).await;
    let (db, cache) = (app.state.db.clone(), app.state.rounds.clone());
    let now = pulseline::clock::now();
    tokio::task::spawn_blocking(move || pulseline::reports::results_ready::run(&db, &cache, now))
        .await
        .expect("join")
        .expect("results ready");

    let s = start_sender(&app.state);
    drained(&app, 20).await;
    s.stop().await;

    let sl = rx.to("slack");
    assert_eq!(sl.len(), 2, "pulse open and results ready: {sl:?}");
    let texts: Vec<String> = sl
        .iter()
        .map(|r| body(r)["text"].as_str().expect("text").to_owned())
        .collect();
    assert!(
        texts[0].contains("A pulse is open — answer it"),
        "{}",
        texts[0]
    );
    assert!(
        texts[0].contains("<http://pulse.test/pulses|Answer>"),
        "{}",
        texts[0]
    );
    assert!(texts[1].contains("Results are ready"), "{}", texts[1]);
    assert!(
        texts[1].contains("<http://pulse.test/reports|"),
        "{}",
        texts[1]
    );
    assert!(
        sl.iter().all(|r| r["headers"] == json!({})),
        "a channel is not signed"
    );

    let te = rx.to("teams");
    assert_eq!(te.len(), 2, "{te:?}");
    let opened = body(&te[0]);
    let card = check_teams_card(&opened);
    assert_eq!(
        card["body"][0]["text"],
        json!("Открыт пульс-опрос — ответьте на него")
    );
    assert_eq!(card["actions"][0]["url"], json!("http://pulse.test/pulses"));
    let results = body(&te[1]);
    let card = check_teams_card(&results);
    assert_eq!(card["body"][0]["text"], json!("Результаты готовы"));
    assert_eq!(
        card["actions"][0]["url"],
        json!("http://pulse.test/reports")
    );
    assert!(
        rx.to("elsewhere").is_empty(),
        "a team the round does not reach"
    );
    // Both cards are valid under the Adaptive Card schema; a broken one is not (the
    // check can fail).
    let (ok, said) = schema_check(&[opened.clone(), results.clone()]);
    assert!(ok, "{said}");
    let mut broken = opened.clone();
    broken["attachments"][0]["content"]["body"][0] = json!({"type": "TextBlock"});
    broken["attachments"][0]["content"]["actions"][0] = json!({"type": "Action.OpenUrl"});
    let (ok, said) = schema_check(&[broken]);
    assert!(!ok, "a card without text or url passed: {said}");

    // Never a personal link, a score or a count.
    for r in sl.iter().chain(&te) {
        let raw = r["body"].as_str().expect("body");
        assert!(!raw.contains("/p/"), "{raw}");
        assert!(!raw.contains("score") && !raw.contains("eNPS"), "{raw}");
        assert!(!raw.contains(" 7 ") && !raw.contains("(7)"), "{raw}");
    }
    let l = log(&app, &hr, &slack).await;
    assert_eq!(l["total"], json!(2));
}

#[tokio::test]
async fn the_webhook_api_is_for_admins_checks_its_input_and_shows_a_secret_once() {
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let body = json!({"kind": "webhook", "url": "https://hr.example.org/hooks"});
    app.post("/api/v1/webhooks", Some(&hr.token), body.clone())
        .await
        .expect(403);
    for (bad, field) in [
        (
            json!({"kind": "webhook", "url": "ftp://example.org/x"}),
            "url",
        ),
        (json!({"kind": "webhook", "url": "https:///x"}), "url"),
        (json!({"kind": "slack", "url": "https://h/a b"}), "url"),
        (
            json!({"kind": "webhook", "url": "https://h", "events": ["nope"]}),
            "events",
        ),
        (
            json!({"kind": "webhook", "url": "https://h", "events": []}),
            "events",
        ),
        (
            json!({"kind": "teams", "url": "https://h", "team_id": "missing"}),
            "team_id",
        ),
        (json!({"kind": "pager", "url": "https://h"}), "kind"),
        (
            json!({"kind": "teams", "url": "https://h", "team_id": "a\u{0}b"}),
            "team_id",
        ),
    ] {
        let r = app
            .post("/api/v1/webhooks", Some(&admin.token), bad.clone())
            .await;
        r.expect(422);
        assert!(r.field().starts_with(field), "{bad}: {}", r.field());
    }
    let r = app.post("/api/v1/webhooks", Some(&admin.token), body).await;
    r.expect(201);
    let created = r.json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(
        created["secret"]
            .as_str()
            .expect("secret")
            .starts_with("whsec_")
    );
    assert_eq!(created["events"].as_array().expect("events").len(), 5);
    let one = app
        .get(&format!("/api/v1/webhooks/{id}"), Some(&admin.token))
        .await;
    one.expect(200);
    assert!(one.json().get("secret").is_none(), "shown once");
    assert!(!one.text().contains("whsec_"));
    // Nor is it in the database as it was shown.
    use pulseline::db::schema::hooks;
    let sealed: Option<String> = app
        .state
        .db
        .read(|conn| Ok(hooks::table.select(hooks::secret).first(conn)?))
        .await
        .expect("row");
    let shown = created["secret"].as_str().expect("secret");
    assert!(!sealed.expect("sealed").contains(&shown["whsec_".len()..]));

    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin.token),
            json!({"enabled": false, "events": ["round.closed"]}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["enabled"], json!(false));
    assert_eq!(r.json()["events"], json!(["round.closed"]));
    app.json(
        Method::PATCH,
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin.token),
        json!({"url": "javascript:alert(1)"}),
    )
    .await
    .expect(422);

    // A channel's team can still be deleted; the channel then hears of nothing.
    let gone = app
        .create_team(&admin, "Short-lived", None, "frontline")
        .await;
    let (teams_hook, _) = hook(
        &app,
        &admin,
        json!({"kind": "teams", "url": "https://example.org/flow", "team_id": gone, "enabled": false}),
    )
    .await;
    app.send(
        Method::DELETE,
        &format!("/api/v1/teams/{gone}"),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    app.get(
        &format!("/api/v1/webhooks/{teams_hook}"),
        Some(&admin.token),
    )
    .await
    .expect(200);

    // A chat URL is a credential: shown as its origin only.
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&admin.token),
            json!({"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/s3cr3t"}),
        )
        .await;
    r.expect(201);
    assert_eq!(r.json()["url"], json!("https://hooks.slack.com/…"));
    assert!(
        !app.get("/api/v1/webhooks", Some(&admin.token))
            .await
            .text()
            .contains("s3cr3t")
    );

    app.send(
        Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    app.get(
        &format!("/api/v1/webhooks/{id}/deliveries"),
        Some(&admin.token),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn the_webhooks_page_lists_hooks_and_their_deliveries_for_admins_in_english_and_russian() {
    let rx = Receiver::start();
    let app = spawn_app_with(hooks_config).await;
    let admin = app.admin().await;
    webhook(&app, &admin, &rx, "dead", "?fail=always", &["round.opened"]).await;
    hook(
        &app,
        &admin,
        json!({"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/s3cr3t",
               "enabled": false}),
    )
    .await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    app.employee(&admin, Some(&team)).await;
    open_enps_round(&app, &admin, &[&team]).await;
    let s = start_sender(&app.state);
    drained(&app, 30).await;
    s.stop().await;

    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in(&admin.email, PASSWORD).await.status, 303);
    let page = b.get("/admin/webhooks").await;
    assert_html(&page, 200);
    let text = page.text();
    for needle in [
        "Webhooks and chat",
        "Signed webhook",
        "Slack channel",
        "round.opened",
        "failed",
        "HTTP 500",
        "https://hooks.slack.com/…",
        "disabled",
        "Nothing delivered yet.",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert!(!text.contains("s3cr3t") && !text.contains("whsec_"));
    switch_language(&mut b, "ru").await;
    let page = b.get("/admin/webhooks").await;
    assert!(page.text().contains("Вебхуки и чаты"), "{}", page.text());
    assert!(page.text().contains("не доставлено"));

    // HR who is not an admin gets the 403 page.
    let hr = app.hr().await;
    let mut b = Browser::new(&app);
    assert_eq!(b.sign_in(&hr.email, PASSWORD).await.status, 303);
    assert_eq!(b.get("/admin/webhooks").await.status, 403);
}
