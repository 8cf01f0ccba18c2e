//! Anonymous pain points: raised, answered and read back by their code.

use serde_json::json;

use crate::helpers::*;
use crate::web::post_twice;

#[tokio::test]
async fn an_anonymous_pain_point_is_answered_and_read_back_by_its_code() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    for p in app.seed_people(&team, 5, |_| (None, None, None)).await {
        app.set_password(&p.id).await; // k who could write an anonymous one
    }
    let manager = app.manager_of(&hr, &team).await;
    let emp = app.employee(&hr, Some(&team)).await;

    let mut eb = Browser::new(&app);
    eb.sign_in(&emp.email, PASSWORD).await;
    let form = eb.get("/suggestions/new").await.text();
    assert!(form.contains("your name is not stored"));
    // A missing title is named beside its field.
    let r = eb
        .submit(
            "/suggestions/new",
            "/suggestions/new",
            &[
                ("title", ""),
                ("body", "Refunds take weeks"),
                ("touchpoint", "billing"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("id=\"f-title-err\""), "{}", r.text());
    let r = eb
        .submit(
            "/suggestions/new",
            "/suggestions/new",
            &[
                ("title", "Refunds are slow"),
                ("body", "Customers wait three weeks for a refund."),
                ("touchpoint", "billing"),
                ("anonymous", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = eb.get(&location(&r)).await;
    assert_html(&r, 200);
    let html = r.text();
    let marker = "id=\"followup-code\">";
    let start = html.find(marker).expect("the code is shown") + marker.len();
    let code = html[start..start + html[start..].find('<').expect("end")].to_owned();
    let stored: Vec<Option<String>> = {
        use diesel::prelude::*;
        use pulseline::db::schema::suggestions;
        app.state
            .db
            .read(|conn| {
                Ok(suggestions::table
                    .select(suggestions::author_id)
                    .load(conn)?)
            })
            .await
            .expect("rows")
    };
    assert_eq!(stored, vec![None], "no author stored");

    // Colleagues see it and vote.
    let list = eb.get("/suggestions").await.text();
    assert!(list.contains("Refunds are slow"));
    assert!(list.contains("Anonymous"));
    let id = {
        let v = app
            .get("/api/v1/suggestions", Some(&emp.token))
            .await
            .json();
        v["items"][0]["id"].as_str().expect("id").to_owned()
    };
    // The vote form comes back to its own card (the scroll position is kept).
    let back = format!("/suggestions#s-{id}");
    assert!(list.contains(&format!("id=\"s-{id}\"")), "{list}");
    assert!(
        list.contains(&format!("name=\"next\" value=\"{back}\"")),
        "{list}"
    );
    let r = eb
        .submit(
            "/suggestions",
            &format!("/suggestions/{id}/vote"),
            &[("next", &back)],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, back));
    let v = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&emp.token))
        .await
        .json();
    assert_eq!(
        (v["votes"].clone(), v["voted_by_me"].clone()),
        (json!(1), json!(true))
    );

    // The manager answers on the suggestion's page.
    let mut mb = Browser::new(&app);
    mb.sign_in(&manager.email, PASSWORD).await;
    let page = format!("/suggestions/{id}");
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[("status", "acknowledged"), ("reply", "short")],
        )
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("id=\"f-reply-err\""));
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[
                ("status", "acknowledged"),
                ("reply", "Thank you, we are looking at the refund queue."),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));

    // The author reads the reply with the code; a wrong code is named beside its field.
    let r = eb
        .submit(
            "/suggestions",
            "/suggestions/followup",
            &[("code", "wrong")],
        )
        .await;
    assert_html(&r, 404);
    assert!(r.text().contains("No suggestion has this code."));
    let r = eb
        .submit("/suggestions", "/suggestions/followup", &[("code", &code)])
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("looking at the refund queue"));
    assert!(r.text().contains("Acknowledged"));
}

/// The anonymous suggestions stored, by title.
async fn titles(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use pulseline::db::schema::suggestions;
    app.state
        .db
        .read(|conn| Ok(suggestions::table.select(suggestions::title).load(conn)?))
        .await
        .expect("rows")
}

#[tokio::test]
async fn sending_an_anonymous_suggestion_twice_with_one_form_creates_one_and_shows_its_code() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    for p in app.seed_people(&team, 5, |_| (None, None, None)).await {
        app.set_password(&p.id).await; // k who could write an anonymous one
    }
    let emp = app.employee(&hr, Some(&team)).await;
    let other = app.employee(&hr, Some(&team)).await;
    let mut eb = Browser::new(&app);
    eb.sign_in(&emp.email, PASSWORD).await;
    let fields = [
        ("title", "Invoices arrive late"),
        ("body", "Customers get the invoice after the due date."),
        ("touchpoint", "billing"),
        ("anonymous", "1"),
    ];
    // Post/redirect/get: the POST answers with a redirect, and a reload of the form's
    // POST (same key) leads to the same confirmation without a second suggestion.
    let (first, second) =
        post_twice(&mut eb, "/suggestions/new", "/suggestions/new", &fields).await;
    assert_eq!(first.status, 303, "{}", first.text());
    assert_eq!(second.status, 303, "{}", second.text());
    let sent = location(&first);
    assert_eq!(location(&second), sent);
    assert!(sent.starts_with("/suggestions/sent?once="), "{sent}");
    assert_eq!(titles(&app).await, vec!["Invoices arrive late".to_owned()]);
    // The confirmation page shows the code; reloading it shows it again, and posts
    // nothing.
    let code_of = |html: &str| {
        let marker = "id=\"followup-code\">";
        let start = html.find(marker).expect("the code is shown") + marker.len();
        html[start..start + html[start..].find('<').expect("end")].to_owned()
    };
    let one = eb.get(&sent).await;
    assert_html(&one, 200);
    let again = eb.get(&sent).await;
    assert_eq!(code_of(&one.text()), code_of(&again.text()));
    assert_eq!(app.count("suggestions").await, 1);
    // The code reads the suggestion back.
    let r = eb
        .submit(
            "/suggestions",
            "/suggestions/followup",
            &[("code", &code_of(&one.text()))],
        )
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("Invoices arrive late"));
    // Nobody else sees the code at that address.
    let mut ob = Browser::new(&app);
    ob.sign_in(&other.email, PASSWORD).await;
    let r = ob.get(&sent).await;
    assert_html(&r, 404);
    assert!(!r.text().contains("followup-code"), "{}", r.text());
    // A new form (a new key) sends a new suggestion.
    let (r, _) = post_twice(
        &mut eb,
        "/suggestions/new",
        "/suggestions/new",
        &[
            ("title", "Refunds are slow"),
            ("body", "Customers wait three weeks for a refund."),
            ("touchpoint", "billing"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(app.count("suggestions").await, 2);
}

/// A desk of five with its manager and an employee who raised a signed suggestion:
/// (HR, the manager, the employee, the suggestion's id).
async fn desk_with_a_signed_suggestion(app: &TestApp) -> (Actor, Actor, Actor, String) {
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
    let manager = app.manager_of(&hr, &team).await;
    let emp = app.employee(&hr, Some(&team)).await;
    let r = app
        .post(
            "/api/v1/suggestions",
            Some(&emp.token),
            json!({"title": "Slow refunds", "body": "Customers wait weeks.",
                   "touchpoint": "billing", "anonymous": false}),
        )
        .await;
    r.expect(201);
    let id = r.json()["id"].as_str().expect("id").to_owned();
    (hr, manager, emp, id)
}

#[tokio::test]
async fn a_reply_sent_twice_with_one_form_is_added_once() {
    let app = spawn_app().await;
    let (hr, _, _, id) = desk_with_a_signed_suggestion(&app).await;
    let mut hb = Browser::new(&app);
    hb.sign_in(&hr.email, PASSWORD).await;
    let page = format!("/suggestions/{id}");
    let (first, second) = post_twice(
        &mut hb,
        &page,
        &format!("{page}/reply"),
        &[
            ("status", "acknowledged"),
            ("reply", "Thank you, we are looking at the refund queue."),
        ],
    )
    .await;
    assert_eq!((first.status, location(&first)), (303, page.clone()));
    assert_eq!(
        (second.status, location(&second)),
        (303, page.clone()),
        "{}",
        second.text()
    );
    let v = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["replies"].as_array().map(Vec::len), Some(1), "{v}");
}

#[tokio::test]
async fn a_manager_replies_keeping_the_status_as_it_is() {
    let app = spawn_app().await;
    let (_, manager, emp, id) = desk_with_a_signed_suggestion(&app).await;
    let mut mb = Browser::new(&app);
    mb.sign_in(&manager.email, PASSWORD).await;
    let page = format!("/suggestions/{id}");
    let html = mb.get(&page).await.text();
    assert!(
        html.contains("<option value=\"new\" selected>Keep as it is (New)</option>"),
        "{html}"
    );
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[
                ("status", "new"),
                (
                    "reply",
                    "Which customers are affected? Please add an example.",
                ),
            ],
        )
        .await;
    assert_eq!(
        (r.status, location(&r)),
        (303, page.clone()),
        "{}",
        r.text()
    );
    let v = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&emp.token))
        .await
        .json();
    assert_eq!(v["status"], "new", "{v}");
    assert_eq!(v["replies"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(
        (
            v["replies"][0]["from_status"].clone(),
            v["replies"][0]["to_status"].clone()
        ),
        (json!("new"), json!("new"))
    );
    let html = mb.get(&page).await.text();
    assert!(html.contains("Which customers are affected?"));
    assert!(html.contains("(status kept)"), "{html}");
    // The status still moves forward when chosen, and in Russian the choice reads so.
    switch_language(&mut mb, "ru").await;
    let html = mb.get(&page).await.text();
    assert!(html.contains("Оставить как есть (Новое)"), "{html}");
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[
                ("status", "acknowledged"),
                ("reply", "Thank you, we are looking at the refund queue."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&emp.token))
        .await
        .json();
    assert_eq!(v["status"], "acknowledged");
}
