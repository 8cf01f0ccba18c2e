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

/// Past one page the list pages: every action is reachable, once, keeping the filter.
#[tokio::test]
async fn the_action_list_pages_past_fifty_keeping_its_filter() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let a = app.create_team(&hr, "Alpha", None, "frontline").await;
    let b = app.create_team(&hr, "Beta", None, "frontline").await;
    for i in 0..53 {
        app.post(
            "/api/v1/actions",
            Some(&hr.token),
            serde_json::json!({"team_id": a, "title": format!("Alpha step {i:02}"), "due_on": "2031-01-01"}),
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/v1/actions",
        Some(&hr.token),
        serde_json::json!({"team_id": b, "title": "Beta step", "due_on": "2031-01-01"}),
    )
    .await
    .expect(201);
    let mut hb = Browser::new(&app);
    hb.sign_in(&hr.email, PASSWORD).await;
    let first = hb.get(&format!("/actions?team_id={a}")).await;
    assert_html(&first, 200);
    let html = first.text();
    assert!(html.contains("53 actions · 1–50 of 53"), "{html}");
    let count = |h: &str| h.matches("Alpha step ").count();
    assert_eq!(count(&html), 50);
    assert!(!html.contains("rel=\"prev\""));
    let marker = "href=\"";
    let next_at = html.find("rel=\"next\"").expect("a next page");
    let start = html[..next_at].rfind(marker).expect("its link") + marker.len();
    let next = html[start..next_at]
        .trim_end_matches("\" ")
        .replace("&amp;", "&");
    assert!(
        next.contains(&format!("team_id={a}")),
        "keeps the filter: {next}"
    );
    let second = hb.get(&next).await;
    assert_html(&second, 200);
    let html2 = second.text();
    assert_eq!(count(&html2), 3);
    assert!(html2.contains("rel=\"prev\"") && !html2.contains("rel=\"next\""));
    assert!(!html2.contains("Beta step"));
    // Every action once across the two pages.
    for i in 0..53 {
        let title = format!("Alpha step {i:02}");
        assert_eq!(
            u8::from(html.contains(&title)) + u8::from(html2.contains(&title)),
            1,
            "{title}"
        );
    }
}

/// A team's report lists the team's actions beside the share who have seen action on
/// the last pulse (the bank item), computed by hand: of six answers 5, 5, 4, 3, 2, 1,
/// three are favourable (4 or 5), 50%.
#[tokio::test]
async fn a_team_report_shows_its_actions_beside_the_seen_action_item() {
    use serde_json::json;
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let people = app.seed_people(&team, 6, |_| (None, None, None)).await;
    let boss = app.manager_of(&hr, &team).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Pulse",
                "questions": [{"bank_item": "eo_proud"}, {"bank_item": "vo_seen_action"}],
                "audience": {"team_ids": [team]},
                "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json();
    let ids: Vec<String> = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("id").to_owned())
        .collect();
    let round = app
        .open_round_now(&hr, survey["id"].as_str().expect("id"))
        .await;
    for (p, seen) in people.iter().zip([5, 5, 4, 3, 2, 1]) {
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&p.token),
            json!({"answers": [{"question_id": ids[0], "value": 4},
                               {"question_id": ids[1], "value": seen}]}),
        )
        .await
        .expect(201);
    }
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&hr.token),
        json!(null),
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/actions",
        Some(&boss.token),
        json!({"team_id": team, "title": "Share the results in the Monday huddle",
               "due_on": "2099-01-31"}),
    )
    .await
    .expect(201);
    let elsewhere = app.create_team(&hr, "Sales", None, "frontline").await;
    app.post(
        "/api/v1/actions",
        Some(&hr.token),
        json!({"team_id": elsewhere, "title": "Another team's plan", "due_on": "2099-01-31"}),
    )
    .await
    .expect(201);

    let mut b = Browser::new(&app);
    b.sign_in(&boss.email, PASSWORD).await;
    let page = b.get(&format!("/reports/{round}?team_id={team}")).await;
    assert_html(&page, 200);
    let html = page.text();
    let section = &html[html
        .find("id=\"report-actions\"")
        .expect("the actions section")..];
    assert!(
        section.contains("Share the results in the Monday huddle"),
        "{section}"
    );
    assert!(!html.contains("Another team&#39;s plan") && !html.contains("Another team's plan"));
    assert!(
        section.contains("50% of the team have seen action on the results of the last pulse."),
        "{section}"
    );
}
