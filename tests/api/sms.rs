//! Text messages through an HTTP SMS gateway, for people with a phone number and no
//! e-mail address, proven against a real local HTTP receiver (`scripts/webhook_sink.py`,
//! which keeps each request's form fields and Authorization header) beside a real SMTP
//! server (`scripts/smtp_sink.py`).

use base64::Engine;
use pulseline::config::{Config, Secret};
use pulseline::notify::mail::SendError;
use pulseline::notify::sms::{SmsGateway, SmsSettings};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hooks::Receiver;
use crate::mail::{Sink, drained, link_token, mail_config, quick_sender, start_sender, statuses};
use crate::reach::open_enps_round;

/// The gateway at `receiver`'s endpoint `gw` (`query`: e.g. `?fail=1`), as user `AC1`
/// with password `s3cret`, sending from `Acme`.
fn sms_config(receiver: &Receiver, query: &str) -> impl FnOnce(&mut Config) + use<> {
    let url = receiver
        .url("gw", query)
        .replace("http://", "http://AC1:s3cret@");
    move |c: &mut Config| {
        c.sms_url = Some(Secret::new(url));
        c.sms_from = Some("Acme".into());
        quick_sender(c);
    }
}

/// Creates a person with `body`'s identifiers in `team`; their id.
async fn person(app: &TestApp, admin: &Actor, team: &str, mut body: Value) -> String {
    body["team_id"] = json!(team);
    let r = app.post("/api/v1/people", Some(&admin.token), body).await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

/// The admins' outbox page, and its messages to `person`.
async fn outbox_to(app: &TestApp, admin: &Actor, person: &str) -> (Value, Vec<Value>) {
    let page = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await
        .json();
    let to: Vec<Value> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["recipient_id"] == json!(person))
        .cloned()
        .collect();
    (page, to)
}

/// The form fields of the text messages the gateway received for `phone`.
fn texts_to(receiver: &Receiver, phone: &str) -> Vec<Value> {
    receiver
        .to("gw")
        .into_iter()
        .filter(|r| r["form"]["To"] == json!(phone))
        .collect()
}

#[tokio::test]
async fn someone_with_only_a_phone_gets_the_pulse_and_a_reminder_by_sms_and_the_link_answers() {
    let sink = Sink::start();
    let receiver = Receiver::start();
    let mail = mail_config(&sink);
    let sms = sms_config(&receiver, "");
    let app = spawn_app_with(move |c| {
        mail(c);
        sms(c);
    })
    .await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let desk = app.employee(&admin, Some(&team)).await;
    let floor = person(
        &app,
        &admin,
        &team,
        json!({"name": "Ola Floor", "phone": "+44 20 7946 0001", "language": "ru"}),
    )
    .await;
    // Neither an address nor a phone: nothing can reach them, so nothing is queued.
    let kiosk = person(
        &app,
        &admin,
        &team,
        json!({"name": "Kim Kiosk", "employee_number": "E-77"}),
    )
    .await;
    let (_, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    let queued = statuses(&app).await;
    assert_eq!(
        queued
            .iter()
            .filter(|m| m.3.as_deref() == Some("pulse_open"))
            .count(),
        2,
        "{queued:?}"
    );
    let s = start_sender(&app);
    drained(&app, 20).await;

    // The desk worker is e-mailed; the floor worker gets one text message, in Russian,
    // from the configured sender, with basic authentication and the personal link.
    assert_eq!(sink.to(&desk.email, "http://pulse.test/p/").len(), 1);
    let texts = texts_to(&receiver, "+442079460001");
    assert_eq!(texts.len(), 1, "{:?}", receiver.requests());
    assert_eq!(
        receiver.requests().len(),
        1,
        "only the floor worker is texted"
    );
    let t = &texts[0];
    assert_eq!(t["form"]["From"], json!("Acme"));
    let basic = base64::engine::general_purpose::STANDARD.encode("AC1:s3cret");
    assert_eq!(t["authorization"], json!(format!("Basic {basic}")));
    assert_eq!(
        t["content_type"],
        json!("application/x-www-form-urlencoded")
    );
    let text = t["form"]["Body"].as_str().expect("a body");
    assert!(
        text.contains("пульс-опрос «Reach pulse» открыт до"),
        "{text}"
    );
    let token = link_token(&t["form"]["Body"]);
    assert!(token.len() >= 22, "{text}");
    // The outbox shows the message as sent, to the phone number.
    let (outbox, to_floor) = outbox_to(&app, &admin, &floor).await;
    assert_eq!(to_floor.len(), 1, "{outbox}");
    assert_eq!(to_floor[0]["status"], json!("sent"));
    assert_eq!(to_floor[0]["recipient"], json!("+442079460001"));
    assert!(
        outbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["recipient_id"] != json!(kiosk)),
        "{outbox}"
    );

    // A reminder goes the same way, with the same link, to the two who have not
    // answered and can be reached.
    let hr = app.hr().await;
    let r = app
        .send(
            poem::http::Method::POST,
            &format!("/api/v1/rounds/{round}/reminders"),
            Some(&hr.token),
            None,
        )
        .await;
    r.expect(202);
    assert_eq!(r.json(), json!({"reminded": 2}));
    drained(&app, 20).await;
    s.stop().await;
    let texts = texts_to(&receiver, "+442079460001");
    assert_eq!(texts.len(), 2);
    let reminder = texts[1]["form"]["Body"].as_str().expect("a body");
    assert!(reminder.contains("напоминание"), "{reminder}");
    assert_eq!(link_token(&texts[1]["form"]["Body"]), token);

    // The texted link answers the pulse, once, without signing in.
    app.get(&format!("/api/v1/pulse-links/{token}"), None)
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/pulse-links/{token}/responses"),
        None,
        json!({"answers": [{"question_id": q, "value": 8}]}),
    )
    .await
    .expect(201);
    assert_eq!(app.count("participation").await, 1);
    app.post(
        &format!("/api/v1/pulse-links/{token}/responses"),
        None,
        json!({"answers": [{"question_id": q, "value": 2}]}),
    )
    .await
    .expect(409);
}

#[tokio::test]
async fn without_smtp_only_text_messages_go_and_a_busy_gateway_is_tried_again() {
    let receiver = Receiver::start();
    // The gateway answers 500 to its first request.
    let app = spawn_app_with(sms_config(&receiver, "?fail=1")).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let desk = app.employee(&admin, Some(&team)).await;
    for phone in ["+14155550101", "+14155550102"] {
        person(
            &app,
            &admin,
            &team,
            json!({"name": format!("Floor {phone}"), "phone": phone}),
        )
        .await;
    }
    open_enps_round(&app, &admin, &[&team]).await;
    let s = pulseline::notify::sender::start(&app.state)
        .expect("sender settings")
        .expect("an SMS gateway is configured");
    // Until both text messages are sent; the e-mail stays queued, untouched.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let rows = statuses(&app).await;
        let sent = rows.iter().filter(|m| m.1 == "sent").count();
        if sent == 2 {
            break;
        }
        assert!(std::time::Instant::now() < until, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s.stop().await;
    let rows = statuses(&app).await;
    let to_desk: Vec<_> = rows.iter().filter(|m| m.0 == desk.email).collect();
    assert!(
        to_desk.iter().all(|m| m.1 == "queued" && m.2 == 0),
        "nothing pretends the e-mails went: {rows:?}"
    );
    assert!(to_desk.iter().any(|m| m.3.as_deref() == Some("pulse_open")));
    let requests = receiver.to("gw");
    assert_eq!(requests.len(), 3, "one 500, then two sent: {requests:?}");
    assert_eq!(requests[0]["answered"], json!(500));
    let mut phones: Vec<&str> = requests[1..]
        .iter()
        .map(|r| r["form"]["To"].as_str().expect("To"))
        .collect();
    phones.sort_unstable();
    assert_eq!(phones, ["+14155550101", "+14155550102"]);
    // The retried message took two tries.
    let tries: Vec<i32> = rows.iter().filter(|m| m.1 == "sent").map(|m| m.2).collect();
    assert!(tries.contains(&2), "{rows:?}");
}

#[tokio::test]
async fn a_gateway_refusal_is_final_a_busy_one_temporary_and_neither_names_the_number() {
    let receiver = Receiver::start();
    let gateway = |query: &str| {
        let settings = SmsSettings::parse(&receiver.url("gw", query)).expect("a URL");
        SmsGateway::new(settings, None, "Acme").expect("a gateway")
    };
    match gateway("?answer=400").send("+14155550199", "hello").await {
        Err(SendError::Permanent(e)) => {
            assert!(e.contains("HTTP 400"), "{e}");
            assert!(e.contains("refused: <recipient>"), "{e}");
            assert!(!e.contains("+14155550199"), "{e}");
        }
        _ => panic!("a 400 fails the message"),
    }
    match gateway("?answer=429").send("+14155550199", "hello").await {
        Err(SendError::Temporary(e)) => {
            assert!(e.contains("HTTP 429"), "{e}");
            assert!(!e.contains("+14155550199"), "{e}");
        }
        _ => panic!("a 429 is tried again"),
    }
    assert!(gateway("").send("+14155550199", "hello").await.is_ok());
    // No user in the URL: no Authorization header.
    let sent = receiver.to("gw");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["authorization"], json!(null));
    assert_eq!(
        sent[2]["form"],
        json!({"To": "+14155550199", "From": "Acme", "Body": "hello"})
    );
    // Nothing listens here: temporary.
    let closed = SmsGateway::new(
        SmsSettings::parse("http://127.0.0.1:9/sms").expect("a URL"),
        None,
        "Acme",
    )
    .expect("a gateway");
    assert!(matches!(
        closed.send("+14155550199", "hello").await,
        Err(SendError::Temporary(_))
    ));
}

#[tokio::test]
async fn a_server_without_a_gateway_keeps_text_messages_queued_and_says_how_many_wait() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let desk = app.employee(&admin, Some(&team)).await;
    let floor = person(
        &app,
        &admin,
        &team,
        json!({"name": "Ola Floor", "phone": "+44 20 7946 0001"}),
    )
    .await;
    open_enps_round(&app, &admin, &[&team]).await;
    let s = start_sender(&app);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sink.to(&desk.email, "http://pulse.test/p/").is_empty() {
        assert!(std::time::Instant::now() < until, "the e-mail was not sent");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Several more polls: the text message is never claimed by a server without a
    // gateway, so nothing pretends it went.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    s.stop().await;
    let (page, to_floor) = outbox_to(&app, &admin, &floor).await;
    assert_eq!(page["sending"], json!(true));
    assert_eq!(page["texting"], json!(false));
    assert_eq!(page["waiting_for_sms"], json!(1));
    assert_eq!(to_floor.len(), 1, "{page}");
    assert_eq!(to_floor[0]["status"], json!("queued"));
    assert_eq!(to_floor[0]["tries"], json!(0));

    let mut b = Browser::new(&app);
    b.sign_in(&admin.email, PASSWORD).await;
    let r = b.get("/admin/outbox").await;
    assert_html(&r, 200);
    assert!(
        r.text()
            .contains("1 pulse opening waits for an SMS gateway (PULSELINE_SMS_URL)"),
        "{}",
        r.text()
    );
    switch_language(&mut b, "ru").await;
    let r = b.get("/admin/outbox").await;
    assert!(
        r.text()
            .contains("1 сообщение об открытии опроса ждёт SMS-шлюза"),
        "{}",
        r.text()
    );
}
