//! E-mail delivery as admins and HR see it in the browser, against a real SMTP server
//! (`scripts/smtp_sink.py`): the outbox page with its filter and "Send again", the
//! message counts of a survey's rounds, and a person's page saying whether their address
//! takes mail — which must never move with a reminder (who gets one has not answered).

use diesel::prelude::*;
use poem::http::Method;
use serde_json::json;

use crate::helpers::*;
use crate::mail::{Sink, drained, mail_config, start_sender};
use crate::reach::{answer, open_enps_round};

/// The text of the person page's "Messages" cell.
fn delivery_cell(html: &str) -> String {
    let marker = "<td id=\"delivery\">";
    let start = html.find(marker).expect("a Messages row") + marker.len();
    html[start..start + html[start..].find("</td>").expect("end")].to_owned()
}

/// The id and status of each message to `email` of `kind`, read from the database.
async fn messages_to(app: &TestApp, email: &str, kind: &str) -> Vec<(String, String)> {
    use pulseline::db::schema::{outbox, people};
    let (email, kind) = (email.to_owned(), kind.to_owned());
    app.state
        .db
        .read(move |conn| {
            Ok(outbox::table
                .inner_join(people::table.on(people::id.eq(outbox::person_id)))
                .filter(people::email.eq(email))
                .filter(outbox::kind.eq(kind))
                .select((outbox::id, outbox::status))
                .load(conn)?)
        })
        .await
        .expect("outbox")
}

/// The statuses of the messages to `email` of `kind`.
async fn status_of(app: &TestApp, email: &str, kind: &str) -> Vec<String> {
    let rows = messages_to(app, email, kind).await;
    rows.into_iter().map(|(_, s)| s).collect()
}

/// The id of the (first) message to `email` of `kind`.
async fn message_id(app: &TestApp, email: &str, kind: &str) -> String {
    let rows = messages_to(app, email, kind).await;
    rows.into_iter().next().expect("a message").0
}

#[tokio::test]
async fn admins_read_the_outbox_and_send_again_and_a_reminder_never_shows_on_a_person_page() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let ann = app.employee(&admin, Some(&team)).await;
    let bob = app.employee(&admin, Some(&team)).await;
    // The sink refuses this address for good (550).
    let refused = format!("permfail-{}@example.org", short());
    let (refused_id, _) = app.create_person(&admin, &refused, None).await;
    let (survey, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    let sender = start_sender(&app);
    drained(&app, 30).await;
    assert_eq!(status_of(&app, &bob.email, "pulse_open").await, ["sent"]);
    assert_eq!(status_of(&app, &refused, "invitation").await, ["failed"]);

    let mut b = Browser::new(&app);
    b.sign_in(&admin.email, PASSWORD).await;

    // The survey page counts the round's messages.
    let r = b.get(&format!("/hr/surveys/{survey}")).await;
    assert_html(&r, 200);
    assert!(r.text().contains("2 sent"), "{}", r.text());

    // The outbox: every message; the failed one with its error and a way to send again.
    let r = b.get("/admin/outbox").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(
        html.contains(&refused) && html.contains(&bob.email),
        "{html}"
    );
    assert!(html.contains("A pulse opened") && html.contains("Invitation to activate"));
    assert!(html.contains("550"), "the error is shown: {html}");
    assert!(!html.contains("No SMTP server is configured"));
    let r = b.get("/admin/outbox?status=failed").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("1 message<"), "{html}");
    assert!(
        html.contains(&refused) && !html.contains(&bob.email),
        "{html}"
    );
    assert_eq!(html.matches("Send again").count(), 1);
    // An unknown status is no filter at all (never passed on to the query).
    let r = b.get("/admin/outbox?status=nonsense").await;
    assert_html(&r, 200);
    assert!(r.text().contains(&bob.email));

    // A person's page says whether their address takes mail.
    let r = b.get(&format!("/hr/people/{refused_id}")).await;
    assert_html(&r, 200);
    let cell = delivery_cell(&r.text());
    assert!(
        cell.contains("Could not be delivered") && cell.contains("550"),
        "{cell}"
    );
    let bob_page = format!("/hr/people/{}", bob.id);
    let before = delivery_cell(&b.get(&bob_page).await.text());
    assert!(before.starts_with("Delivered on "), "{before}");
    let ann_cell = delivery_cell(&b.get(&format!("/hr/people/{}", ann.id)).await.text());
    assert!(ann_cell.starts_with("Delivered on "), "{ann_cell}");

    // Send again: queued, back to the same filter, then refused again.
    let r = b
        .submit(
            "/admin/outbox?status=failed",
            &format!(
                "/admin/outbox/{}/retry",
                message_id(&app, &refused, "invitation").await
            ),
            &[("status", "failed")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/admin/outbox?status=failed&retried=1");
    let r = b.get(&location(&r)).await;
    assert!(r.text().contains("queued to be sent again"), "{}", r.text());
    drained(&app, 20).await;
    assert_eq!(status_of(&app, &refused, "invitation").await, ["failed"]);
    let tries = sink
        .rcpts()
        .iter()
        .filter(|r| r["to"] == json!(refused))
        .count();
    assert_eq!(tries, 2, "tried once more");

    // The attack: Ann answers, Bob does not; the mail server goes away; a reminder (to
    // Bob only) fails. Bob's page must read as it did — and as Ann's does — or it tells
    // HR who has not answered.
    answer(&app, &ann, &round, &q, 9).await;
    drop(sink);
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
    assert_eq!(r.json(), json!({"reminded": 1}));
    drained(&app, 30).await;
    sender.stop().await;
    assert_eq!(status_of(&app, &bob.email, "reminder").await, ["failed"]);
    let after = delivery_cell(&b.get(&bob_page).await.text());
    assert_eq!(after, before, "a failed reminder changed Bob's page");
    let ann_after = delivery_cell(&b.get(&format!("/hr/people/{}", ann.id)).await.text());
    assert_eq!(ann_after, ann_cell);
    // Nor does the outbox list it or count it.
    let html = b.get("/admin/outbox?status=failed").await.text();
    assert!(
        html.contains("1 message<") && !html.contains(&bob.email),
        "{html}"
    );

    // In Russian.
    switch_language(&mut b, "ru").await;
    let html = b.get("/admin/outbox").await.text();
    assert!(
        html.contains("Исходящие") && html.contains("не доставлено"),
        "{html}"
    );
    let cell = delivery_cell(&b.get(&bob_page).await.text());
    assert!(cell.starts_with("Доставлено "), "{cell}");

    // HR who are not admins see neither the outbox nor its button.
    let mut h = Browser::new(&app);
    h.sign_in(&hr.email, PASSWORD).await;
    let r = h.get("/admin/outbox").await;
    assert_html(&r, 403);
    let token = csrf_of(&h.get(&bob_page).await.text());
    let id = message_id(&app, &refused, "invitation").await;
    let r = h
        .post(
            &format!("/admin/outbox/{id}/retry"),
            &[("csrf", token.as_str())],
        )
        .await;
    assert_html(&r, 403);
    assert_eq!(status_of(&app, &refused, "invitation").await, ["failed"]);
}
