//! The HR survey pages: building a survey from the bank and from questions of its own, editing it until its first round opens, opening a round.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_employee_opening_an_hr_page_gets_a_403_page() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let emp = app.employee(&hr, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&emp.email, PASSWORD).await;
    for path in ["/hr/surveys", "/hr/surveys/new", "/hr/heatmap", "/reports"] {
        let r = b.get(path).await;
        assert_html(&r, 403);
        assert!(r.text().contains("Not allowed"), "{path}");
        // The navigation offers no HR links to an employee.
        assert!(!r.text().contains("href=\"/hr/surveys\""), "{path}");
    }
    // Posting an HR form with a valid token is refused by the role check too.
    let token = csrf_of(&b.get("/pulses").await.text());
    let r = b
        .post("/hr/surveys/new", &[("csrf", &token), ("title", "Mine")])
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("surveys").await, 0);
}

#[tokio::test]
async fn hr_creates_a_survey_from_the_bank_and_opens_a_round_on_the_pages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let today = chrono::Utc::now().date_naive().to_string();
    // A window longer than the cadence is refused beside its field.
    let base = vec![
        ("title", "Pulse from the pages"),
        ("bank_item", "eo_proud"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("cut", "location"),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("min_group", "5"),
    ];
    let mut bad = base.clone();
    bad.push(("schedule.window_days", "30"));
    let r = b.submit("/hr/surveys/new", "/hr/surveys/new", &bad).await;
    assert_html(&r, 422);
    let html = r.text();
    assert!(html.contains("id=\"f-schedule_window_days-err\""), "{html}");
    assert!(html.contains("checked"), "the ticked items are kept");
    let mut good = base.clone();
    good.push(("schedule.window_days", "5"));
    let r = b.submit("/hr/surveys/new", "/hr/surveys/new", &good).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = location(&r);
    let survey = page.trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["cuts"], json!(["location"]));
    assert_eq!(v["audience"]["team_ids"], json!([team]));

    let r = b.submit(&page, &format!("{page}/open"), &[]).await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    let html = b.get(&page).await.text();
    assert!(html.contains("Close the open round now"));
    assert!(html.contains("Live participation"));
    let rounds = app
        .get(&format!("/api/v1/surveys/{survey}/rounds"), Some(&hr.token))
        .await
        .json();
    assert_eq!(rounds[0]["status"], "open");
}

/// The fields of a weekly survey for `team` with the bank item `eo_proud`.
fn survey_fields<'a>(team: &'a str, today: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", "Customer pulse"),
        ("bank_item", "eo_proud"),
        ("team_id", team),
        ("starts_on", today),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "5"),
    ]
}

#[tokio::test]
async fn hr_adds_questions_of_its_own_to_a_survey_on_the_pages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let page = b.get("/hr/surveys/new").await;
    assert_html(&page, 200);
    for label in [
        "f-custom_0_text",
        "f-custom_0_text_ru",
        "f-custom_0_kind",
        "f-custom_0_driver",
        "f-custom_0_required",
        "f-custom_0_options",
    ] {
        assert!(
            page.text().contains(&format!("<label for=\"{label}\">")),
            "{label}"
        );
    }

    // A choice question without options is refused beside its options field; the
    // question typed is kept.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Which channel do customers prefer?"),
        ("custom.0.kind", "choice"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.required", "1"),
        ("custom.0.options", ""),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_html(&r, 422);
    let html = r.text();
    assert_eq!(
        error_beside(&html, "f-custom_0_options"),
        "a choice question needs options"
    );
    assert!(html.contains("value=\"Which channel do customers prefer?\""));
    assert_eq!(app.count("surveys").await, 0);
    // Options on a scale question are refused there too.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "How easy was it?"),
        ("custom.0.kind", "scale11"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.options", "Easy\nHard"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-custom_0_options"),
        "only choice questions have options"
    );

    // A choice question and an optional free text, after the bank's item.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Which channel do customers prefer?"),
        ("custom.0.text_ru", "Какой канал предпочитают клиенты?"),
        ("custom.0.kind", "choice"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.required", "1"),
        ("custom.0.options", "Chat\r\nPhone\r\n\r\nMail"),
        ("custom.1.text", ""),
        ("custom.1.kind", "likert5"),
        ("custom.1.driver", "voice"),
        ("custom.2.text", "Anything else?"),
        ("custom.2.kind", "text"),
        ("custom.2.driver", "voice"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let survey = location(&r).trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    let qs = v["questions"].as_array().expect("questions");
    assert_eq!(qs.len(), 3, "the blank slot is skipped: {v}");
    assert_eq!(qs[0]["bank_item"], "eo_proud");
    assert_eq!(qs[1]["kind"], "choice");
    assert_eq!(qs[1]["driver"], "customer_focus");
    assert_eq!(qs[1]["required"], true);
    assert_eq!(qs[1]["options"], json!(["Chat", "Phone", "Mail"]));
    assert_eq!(qs[1]["text_ru"], "Какой канал предпочитают клиенты?");
    assert_eq!(qs[2]["kind"], "text");
    assert_eq!(qs[2]["required"], false);
    assert_eq!(qs[2]["text"], "Anything else?");
}

#[tokio::test]
async fn hr_edits_a_survey_until_its_first_round_opens_then_archives_it() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Anything else?"),
        ("custom.0.kind", "text"),
        ("custom.0.driver", "voice"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = location(&r);
    let survey = page.trim_start_matches("/hr/surveys/").to_owned();
    let api = format!("/api/v1/surveys/{survey}");
    let edit = format!("{page}/edit");
    assert!(
        b.get(&page)
            .await
            .text()
            .contains(&format!("href=\"{edit}\""))
    );

    // The edit form comes filled in from the survey.
    let form = b.get(&edit).await;
    assert_html(&form, 200);
    let html = form.text();
    assert!(html.contains("value=\"Customer pulse\""));
    assert!(html.contains("value=\"eo_proud\" checked"), "{html}");
    assert!(html.contains("value=\"Anything else?\""));
    assert!(
        html.contains("name=\"min_group\" type=\"number\" value=\"5\""),
        "{html}"
    );

    // Before the first round everything can change.
    let mut changed = vec![
        ("title", "Customer pulse, revised"),
        ("bank_item", "eo_proud"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("cut", "location"),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "6"),
    ];
    let r = b.submit(&edit, &edit, &changed).await;
    assert_eq!(
        (r.status, location(&r)),
        (303, page.clone()),
        "{}",
        r.text()
    );
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(v["title"], "Customer pulse, revised");
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["min_group"], 6);
    assert_eq!(v["cuts"], json!(["location"]));

    // A form drawn before the first round opened is refused after it, with the API's
    // own words, and nothing changes.
    let stale = csrf_of(&b.get(&edit).await.text());
    app.open_round_now(&hr, &survey).await;
    changed[0] = ("title", "Sneaked in");
    changed[8] = ("min_group", "9");
    let mut with_token = vec![("csrf", stale.as_str())];
    with_token.extend_from_slice(&changed);
    let r = b.post(&edit, &with_token).await;
    assert_html(&r, 409);
    assert!(
        r.text()
            .contains("questions, cuts and min_group are frozen once the first round has opened"),
        "{}",
        r.text()
    );
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(
        (v["title"].clone(), v["min_group"].clone()),
        (json!("Customer pulse, revised"), json!(6))
    );

    // Now the form says what is frozen and offers only what can still change.
    let html = b.get(&edit).await.text();
    assert!(html.contains("These are frozen"), "{html}");
    assert!(html.contains("name=\"frozen\" value=\"1\""));
    assert!(!html.contains("name=\"bank_item\""));
    assert!(!html.contains("name=\"min_group\""));
    assert!(!html.contains("name=\"cut\""));
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("frozen", "1"),
                ("title", "Customer pulse, autumn"),
                ("team_id", team.as_str()),
                ("starts_on", today.as_str()),
                ("cadence", "weekly"),
                ("schedule.window_days", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(v["title"], "Customer pulse, autumn");
    assert_eq!(v["schedule"]["window_days"], 4);
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["min_group"], 6);
    assert_eq!(v["cuts"], json!(["location"]));
    assert!(
        b.get(&page)
            .await
            .text()
            .contains("frozen since the first round opened")
    );

    // Archiving needs the form's token, then stops the survey for good.
    let r = b.post(&format!("{page}/archive"), &[]).await;
    assert_html(&r, 403);
    assert_eq!(
        app.get(&api, Some(&hr.token)).await.json()["archived"],
        false
    );
    let r = b.submit(&page, &format!("{page}/archive"), &[]).await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    assert_eq!(
        app.get(&api, Some(&hr.token)).await.json()["archived"],
        true
    );
    let html = b.get(&page).await.text();
    assert!(html.contains("This survey is archived"), "{html}");
    assert!(!html.contains(&format!("href=\"{edit}\"")));
    assert!(!html.contains("Archive this survey"));
    // The list leaves it out unless asked, then marks it.
    assert!(
        !b.get("/hr/surveys")
            .await
            .text()
            .contains("Customer pulse, autumn")
    );
    let html = b.get("/hr/surveys?archived=1").await.text();
    assert!(html.contains("Customer pulse, autumn"), "{html}");
    assert!(
        html.contains("<span class=\"badge\">archived</span>"),
        "{html}"
    );
    // An edit posted anyway gets the API's answer on the form.
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("frozen", "1"),
                ("title", "Back again"),
                ("starts_on", today.as_str()),
                ("cadence", "weekly"),
                ("schedule.window_days", "4"),
            ],
        )
        .await;
    assert_html(&r, 409);
    assert!(r.text().contains("the survey is archived"));
}

#[tokio::test]
async fn editing_a_survey_on_the_pages_keeps_the_order_of_its_questions() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Mixed",
                "questions": [
                    {"kind": "choice", "driver": "voice", "text": "Which channel?",
                     "options": ["Chat", "Mail"]},
                    {"bank_item": "eo_proud"},
                    {"kind": "text", "driver": "voice", "text": "Anything else?", "required": false}
                ],
                "audience": {"team_ids": [team]},
                "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let edit = format!("/hr/surveys/{survey}/edit");
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&edit).await.text();
    let at = |tag: &str| {
        html.find(&format!("name=\"order\" value=\"{tag}\""))
            .unwrap_or_else(|| panic!("no order field {tag}: {html}"))
    };
    assert!(at("custom:0") < at("bank:eo_proud") && at("bank:eo_proud") < at("custom:1"));

    // The form as drawn, with a new title and one more bank item ticked.
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("order", "custom:0"),
                ("order", "bank:eo_proud"),
                ("order", "custom:1"),
                ("title", "Mixed, revised"),
                ("bank_item", "eo_proud"),
                ("bank_item", "eo_enps"),
                ("custom.0.text", "Which channel?"),
                ("custom.0.kind", "choice"),
                ("custom.0.driver", "voice"),
                ("custom.0.required", "1"),
                ("custom.0.options", "Chat\nMail"),
                ("custom.1.text", "Anything else?"),
                ("custom.1.kind", "text"),
                ("custom.1.driver", "voice"),
                ("team_id", team.as_str()),
                ("starts_on", today.as_str()),
                ("cadence", "monthly"),
                ("schedule.window_days", "7"),
                ("min_group", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["title"], "Mixed, revised");
    let order: Vec<String> = v["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| {
            q["bank_item"].as_str().map_or_else(
                || q["text"].as_str().unwrap_or("").to_owned(),
                str::to_owned,
            )
        })
        .collect();
    assert_eq!(
        order,
        ["Which channel?", "eo_proud", "Anything else?", "eo_enps"],
        "the old order kept, the new item after"
    );
}

#[tokio::test]
async fn a_survey_form_or_an_open_round_button_sent_twice_creates_one() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let (first, second) = crate::web::post_twice(
        &mut b,
        "/hr/surveys/new",
        "/hr/surveys/new",
        &survey_fields(&team, &today),
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.text());
    assert_eq!(
        (second.status, location(&second)),
        (303, location(&first)),
        "{}",
        second.text()
    );
    assert_eq!(app.count("surveys").await, 1);
    // Opening a round (its button is on the confirmation page): the second click of
    // the same button leads to the survey, not to a conflict, and one round is open.
    let page = location(&first);
    let confirm = format!("{page}/open");
    let (first, second) = crate::web::post_twice(&mut b, &confirm, &confirm, &[]).await;
    assert_eq!((first.status, location(&first)), (303, page.clone()));
    assert_eq!(
        (second.status, location(&second)),
        (303, page.clone()),
        "{}",
        second.text()
    );
    assert_eq!(app.count("rounds").await, 1);
}
