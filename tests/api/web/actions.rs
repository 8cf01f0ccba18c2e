//! Action plans on the web: a manager plans one (sent once however often the form is
//! posted), reports progress, and the team reads it on its start page and beside the
//! pulse it answers; employees cannot plan.

use crate::helpers::*;
use crate::web::post_twice;

#[tokio::test]
async fn a_manager_plans_an_action_and_the_team_sees_it_at_home_and_in_the_pulse() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, _survey, round) = team_with_open_round(&app, &hr, 3).await;
    let member = &people[0];
    app.set_password(&member.id).await;
    let team = app
        .get(&format!("/api/v1/people/{}", member.id), Some(&hr.token))
        .await
        .json()["team_id"]
        .as_str()
        .expect("team")
        .to_owned();
    let boss = app.manager_of(&hr, &team).await;

    let mut bb = Browser::new(&app);
    bb.sign_in(&boss.email, PASSWORD).await;
    let home = bb.get("/").await.text();
    assert!(home.contains("href=\"/actions\""), "managers have the link");
    let form = bb.get("/actions/new").await;
    assert_html(&form, 200);
    assert!(form.text().contains("Plan an action"));
    // A missing title is named beside its field; nothing is written.
    let r = bb
        .submit(
            "/actions/new",
            "/actions/new",
            &[("team_id", &team), ("title", ""), ("due_on", "2031-01-31")],
        )
        .await;
    assert_html(&r, 422);
    assert!(!error_beside(&r.text(), "f-title").is_empty());
    assert_eq!(app.count("actions").await, 0);
    // Posted twice (a double click): one action, both answers lead to it.
    let (first, second) = post_twice(
        &mut bb,
        "/actions/new",
        "/actions/new",
        &[
            ("team_id", &team),
            ("title", "Thank people by name every Friday"),
            ("description", "Friday stand-up.\r\n\r\nTen minutes."),
            ("driver", "recognition"),
            ("due_on", "2031-01-31"),
        ],
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.text());
    assert_eq!(location(&first), location(&second));
    assert_eq!(app.count("actions").await, 1);
    let page = location(&first);
    let r = bb.get(&page).await;
    assert_html(&r, 200);
    assert!(r.text().contains("Recognition"));
    assert!(r.text().contains("<p>Ten minutes.</p>"), "{}", r.text());
    // Progress, with a status move.
    let r = bb
        .submit(
            &page,
            &format!("{page}/updates"),
            &[("text", "First Friday done."), ("status", "in_progress")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = bb.get(&page).await.text();
    assert!(r.contains("First Friday done."));
    assert!(r.contains("In progress"));
    // The owner passes to a member of the team and the day moves; someone of another
    // team cannot own it.
    let outsider = app.employee(&hr, None).await;
    let r = bb
        .submit(
            &page,
            &format!("{page}/edit"),
            &[("owner_id", &outsider.id), ("due_on", "2031-02-28")],
        )
        .await;
    assert_html(&r, 422);
    assert!(!error_beside(&r.text(), "f-owner_id").is_empty());
    let r = bb
        .submit(
            &page,
            &format!("{page}/edit"),
            &[("owner_id", &member.id), ("due_on", "2031-02-28")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let id = page.trim_start_matches("/actions/");
    let a = app
        .get(&format!("/api/v1/actions/{id}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(a["owner"]["id"], serde_json::json!(member.id));
    assert_eq!(a["due_on"], serde_json::json!("2031-02-28"));

    // The team sees it on the start page and beside its pulse; it cannot change it.
    let mut mb = Browser::new(&app);
    mb.sign_in(&member.email, PASSWORD).await;
    let home = mb.get("/").await.text();
    assert!(home.contains("What we are doing about your feedback"));
    assert!(home.contains("Thank people by name every Friday"));
    assert!(
        !home.contains("href=\"/actions\">"),
        "no navigation link for employees"
    );
    let pulse = mb.get(&format!("/pulses/{round}")).await;
    assert_html(&pulse, 200);
    assert!(pulse.text().contains("Thank people by name every Friday"));
    let r = mb.get(&page).await;
    assert_html(&r, 200);
    assert!(
        !r.text().contains("/updates\""),
        "no update form for readers"
    );
    assert_html(&mb.get("/actions/new").await, 403);
    // In Russian.
    switch_language(&mut mb, "ru").await;
    let home = mb.get("/").await.text();
    assert!(home.contains("Что мы делаем по вашим отзывам"), "{home}");
    assert!(home.contains("В работе"));
}

#[tokio::test]
async fn hr_filters_the_list_with_overdue_actions_first() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let a = app.create_team(&hr, "Alpha", None, "frontline").await;
    let b = app.create_team(&hr, "Beta", None, "frontline").await;
    for (team, title, due) in [
        (&a, "Alpha later", "2031-01-01"),
        (&a, "Alpha late", "2020-01-01"),
        (&b, "Beta later", "2031-02-01"),
    ] {
        app.post(
            "/api/v1/actions",
            Some(&hr.token),
            serde_json::json!({"team_id": team, "title": title, "due_on": due}),
        )
        .await
        .expect(201);
    }
    let mut hb = Browser::new(&app);
    hb.sign_in(&hr.email, PASSWORD).await;
    let all = hb.get("/actions").await;
    assert_html(&all, 200);
    let html = all.text();
    let (late, later) = (
        html.find("Alpha late").expect("late"),
        html.find("Alpha later").expect("later"),
    );
    assert!(late < later, "overdue first");
    assert!(html.contains("Overdue"));
    let only_a = hb.get(&format!("/actions?team_id={a}")).await.text();
    assert!(only_a.contains("Alpha late") && !only_a.contains("Beta later"));
    let overdue = hb.get("/actions?overdue=1").await.text();
    assert!(overdue.contains("Alpha late") && !overdue.contains("Alpha later"));
}
