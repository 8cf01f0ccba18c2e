//! Anonymous pain points: raised, answered and read back by their code.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_anonymous_pain_point_is_answered_and_read_back_by_its_code() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
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
    assert_html(&r, 201);
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
    let r = eb
        .submit(
            "/suggestions",
            &format!("/suggestions/{id}/vote"),
            &[("next", "/suggestions")],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/suggestions"));
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
