//! Automatic pulse reminders and "results ready" messages, driven by the scheduler's
//! jobs at chosen moments (`surveys::reminders::run`, `reports::results_ready::run`)
//! and delivered to the real SMTP sink of [`crate::mail`].
//!
//! The rounds' windows are moved into a week in the future after the answers are in,
//! so the moments are the test's to choose while the sender (which reads the real
//! clock) still finds each round open.

use chrono::{Datelike, NaiveDateTime, TimeDelta, Weekday};
use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::mail::{Sink, drained, mail_config, start_sender};
use crate::reach::{answer, open_enps_round};

/// A Monday at least a week ahead, at `hour`:`minute` UTC.
fn monday_ahead(hour: u32, minute: u32) -> NaiveDateTime {
    let mut d = chrono::Utc::now().date_naive() + TimeDelta::days(7);
    while d.weekday() != Weekday::Mon {
        d = d.succ_opt().expect("a day");
    }
    d.and_hms_opt(hour, minute, 0).expect("a time")
}

/// Moves round `round`'s window to `opens`..`closes`.
async fn set_window(app: &TestApp, round: &str, opens: NaiveDateTime, closes: NaiveDateTime) {
    use pulseline::db::schema::rounds;
    let id = round.to_owned();
    app.state
        .db
        .write(move |conn| {
            diesel::update(rounds::table.find(&id))
                .set((rounds::opens_at.eq(opens), rounds::closes_at.eq(closes)))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("window");
    app.state.round_facts.forget(round);
}

/// One pass of the reminder job at `at` on `app`'s database; how many rounds had a
/// reminder queued.
async fn remind_at(app: &TestApp, at: NaiveDateTime) -> usize {
    let (db, hours) = (app.state.db.clone(), app.state.config.hours());
    tokio::task::spawn_blocking(move || pulseline::surveys::reminders::run(&db, &hours, at))
        .await
        .expect("join")
        .expect("reminders")
}

/// The queued reminders as (recipient's e-mail, idempotency key), sorted.
async fn reminder_rows(app: &TestApp) -> Vec<(String, String)> {
    use pulseline::db::schema::{outbox, people};
    let mut rows: Vec<(String, String)> = app
        .state
        .db
        .read(|conn| {
            Ok(outbox::table
                .inner_join(people::table.on(people::id.eq(outbox::person_id)))
                .filter(outbox::kind.eq("reminder"))
                .select((people::email.assume_not_null(), outbox::idempotency_key))
                .load(conn)?)
        })
        .await
        .expect("rows");
    rows.sort();
    rows
}

fn emails(rows: &[(String, String)]) -> Vec<String> {
    rows.iter().map(|r| r.0.clone()).collect()
}

#[tokio::test]
async fn two_reminders_go_at_the_half_and_a_day_before_the_close_once_each_to_those_who_have_not_answered()
 {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let mut staff = Vec::new();
    for _ in 0..4 {
        staff.push(app.employee(&admin, Some(&team)).await);
    }
    let (survey, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    // Two reminders unless HR says otherwise.
    let s = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&admin.token))
        .await;
    s.expect(200);
    assert_eq!(s.json()["reminders"], json!(2));
    // One has answered, one has turned reminders off.
    answer(&app, &staff[0], &round, &q, 9).await;
    app.json(
        Method::PUT,
        "/api/v1/me/reminders",
        Some(&staff[1].token),
        json!({"enabled": false}),
    )
    .await
    .expect(200);

    // A four-day window, Monday 10:00 to Friday 10:00 UTC (the default working hours).
    let opens = monday_ahead(10, 0);
    let closes = opens + TimeDelta::days(4);
    set_window(&app, &round, opens, closes).await;
    let half = opens + TimeDelta::days(2);
    let day_before = closes - TimeDelta::days(1);

    assert_eq!(remind_at(&app, opens + TimeDelta::hours(1)).await, 0);
    assert_eq!(remind_at(&app, half - TimeDelta::minutes(1)).await, 0);
    assert!(
        reminder_rows(&app).await.is_empty(),
        "nothing before the half"
    );
    assert_eq!(remind_at(&app, half).await, 1);
    let first = reminder_rows(&app).await;
    let mut pending = vec![staff[2].email.clone(), staff[3].email.clone()];
    pending.sort();
    assert_eq!(emails(&first), pending, "only those who have not answered");
    // The same pass again, and two replicas at once, queue nothing more.
    assert_eq!(remind_at(&app, half).await, 0);
    let config = (*app.state.config).clone();
    let a = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let b = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let hours = config.hours();
    let later = half + TimeDelta::hours(3);
    let (da, db) = (a.db.clone(), b.db.clone());
    let t1 = std::thread::spawn(move || pulseline::surveys::reminders::run(&da, &hours, later));
    let t2 = std::thread::spawn(move || pulseline::surveys::reminders::run(&db, &hours, later));
    assert_eq!(t1.join().expect("join").expect("run"), 0);
    assert_eq!(t2.join().expect("join").expect("run"), 0);
    assert_eq!(reminder_rows(&app).await, first);

    // The second, one day before the close: again once each.
    assert_eq!(remind_at(&app, day_before - TimeDelta::minutes(1)).await, 0);
    assert_eq!(remind_at(&app, day_before).await, 1);
    assert_eq!(remind_at(&app, day_before + TimeDelta::hours(1)).await, 0);
    let both = reminder_rows(&app).await;
    assert_eq!(both.len(), 4);
    for e in &pending {
        let keys: Vec<&str> = both
            .iter()
            .filter(|r| &r.0 == e)
            .map(|r| r.1.as_str())
            .collect();
        assert_eq!(keys.len(), 2, "{e}");
        assert!(keys.iter().any(|k| k.ends_with(":#1")) && keys.iter().any(|k| k.ends_with(":#2")));
    }
    // Nothing after the close.
    assert_eq!(remind_at(&app, closes).await, 0);

    // What HR reads names nobody: the round and the outbox list no reminder.
    let rounds = app
        .get(
            &format!("/api/v1/surveys/{survey}/rounds"),
            Some(&admin.token),
        )
        .await
        .text();
    let outbox = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await
        .json();
    assert!(
        outbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["kind"] != json!("reminder"))
    );
    for e in &staff {
        assert!(!rounds.contains(&e.id) && !rounds.contains(&e.email));
    }

    let sender = start_sender(&app);
    drained(&app, 30).await;
    sender.stop().await;
    for e in &staff[2..] {
        let mails = sink.to(&e.email, "Reminder");
        assert_eq!(mails.len(), 2, "two reminders to {}", e.email);
        for m in &mails {
            let text = m["text"].as_str().expect("text");
            assert!(text.contains("http://pulse.test/p/"), "{text}");
        }
    }
    assert!(sink.to(&staff[0].email, "Reminder").is_empty(), "answered");
    assert!(
        sink.to(&staff[1].email, "Reminder").is_empty(),
        "turned off"
    );
}

#[tokio::test]
async fn a_reminder_due_at_3_at_night_in_the_time_zone_waits_until_9() {
    let app = spawn_app_with(|c| {
        c.time_zone = "Asia/Tokyo".into();
        c.working_hours = "9-17".into();
    })
    .await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    let e = app.employee(&admin, Some(&team)).await;
    let (_, round, _) = open_enps_round(&app, &admin, &[&team]).await;
    // The half of the window is Tuesday 18:00 UTC: Wednesday 03:00 in Tokyo (UTC+9).
    let half = monday_ahead(18, 0) + TimeDelta::days(1);
    set_window(
        &app,
        &round,
        half - TimeDelta::days(2),
        half + TimeDelta::days(2),
    )
    .await;
    assert_eq!(remind_at(&app, half).await, 0, "03:00 in Tokyo");
    assert_eq!(
        remind_at(&app, half + TimeDelta::minutes(5 * 60 + 59)).await,
        0,
        "08:59 in Tokyo"
    );
    assert!(reminder_rows(&app).await.is_empty());
    assert_eq!(
        remind_at(&app, half + TimeDelta::hours(6)).await,
        1,
        "09:00 in Tokyo"
    );
    let rows = reminder_rows(&app).await;
    assert_eq!(emails(&rows), vec![e.email.clone()]);
    assert!(rows[0].1.ends_with(":#1"));
}

#[tokio::test]
async fn a_survey_with_no_reminders_sends_none_and_other_numbers_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;
    app.employee(&admin, Some(&team)).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let body = |reminders: Value| {
        json!({"title": "Quiet pulse", "questions": [{"bank_item": "eo_enps"}],
               "audience": {"team_ids": [team]}, "reminders": reminders,
               "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}})
    };
    for bad in [json!(4), json!(-1)] {
        let r = app
            .post("/api/v1/surveys", Some(&admin.token), body(bad.clone()))
            .await;
        r.expect(422);
        assert_eq!(r.field(), "reminders", "{bad}: {}", r.text());
    }
    let r = app
        .post("/api/v1/surveys", Some(&admin.token), body(json!(0)))
        .await;
    r.expect(201);
    assert_eq!(r.json()["reminders"], json!(0));
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/surveys/{survey}");
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&admin.token),
            json!({"reminders": 9}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "reminders");
    let round = app.open_round_now(&admin, &survey).await;
    let opens = monday_ahead(0, 0);
    let closes = opens + TimeDelta::days(4);
    set_window(&app, &round, opens, closes).await;
    let mut at = opens;
    while at < closes {
        assert_eq!(remind_at(&app, at).await, 0, "{at}");
        at += TimeDelta::hours(3);
    }
    assert!(reminder_rows(&app).await.is_empty());

    // Turned on for the round under way, the reminder that has come goes once.
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&admin.token),
            json!({"reminders": 1}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["reminders"], json!(1));
    assert_eq!(remind_at(&app, opens + TimeDelta::days(3)).await, 1);
    assert_eq!(reminder_rows(&app).await.len(), 1);
}

/// The report's view of team `team` in round `round`: whether its group is shown.
async fn released(app: &TestApp, hr: &Actor, round: &str, team: &str) -> bool {
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/report?team_id={team}"),
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    r.json()["group"]["suppressed"] == json!(false)
}

async fn results_at(app: &TestApp, at: NaiveDateTime) -> usize {
    let (db, cache) = (app.state.db.clone(), app.state.rounds.clone());
    tokio::task::spawn_blocking(move || pulseline::reports::results_ready::run(&db, &cache, at))
        .await
        .expect("join")
        .expect("results ready")
}

#[tokio::test]
async fn results_ready_goes_once_to_the_managers_of_released_teams_only() {
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let hr = app.admin().await;
    // Company: Sales (7 answers) is shown; Support (6) is hidden so that Company minus
    // its children does not reveal Legal (2, fewer than k).
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let legal = app
        .create_team(&hr, "Legal", Some(&company), "internal")
        .await;
    let boss = app.manager_of(&hr, &company).await;
    let sales_mgr = app.manager_of(&hr, &sales).await;
    let support_mgr = app.manager_of(&hr, &support).await;
    let legal_mgr = app.manager_of(&hr, &legal).await;
    // The Sales manager reads Russian.
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", sales_mgr.id),
        Some(&hr.token),
        json!({"language": "ru"}),
    )
    .await
    .expect(200);
    let sellers = app.seed_people(&sales, 7, |_| (None, None, None)).await;
    let helpers = app.seed_people(&support, 6, |_| (None, None, None)).await;
    let lawyers = app.seed_people(&legal, 2, |_| (None, None, None)).await;
    let (_, round, q) = open_enps_round(&app, &hr, &[&company]).await;
    for (i, who) in sellers.iter().chain(&helpers).chain(&lawyers).enumerate() {
        answer(&app, who, &round, &q, u8::try_from(i % 11).expect("score")).await;
    }
    // Nothing before the round closes.
    let now = pulseline::clock::now();
    assert_eq!(results_at(&app, now).await, 0);
    app.close_round_now(&hr, &round).await;
    let now = pulseline::clock::now();
    assert_eq!(results_at(&app, now).await, 1);
    assert_eq!(results_at(&app, now).await, 0, "once per round");
    let config = (*app.state.config).clone();
    let other = pulseline::startup::build_state(&config)
        .await
        .expect("state");
    let (db, cache) = (other.db.clone(), other.rounds.clone());
    let again = tokio::task::spawn_blocking(move || {
        pulseline::reports::results_ready::run(&db, &cache, now)
    })
    .await
    .expect("join")
    .expect("run");
    assert_eq!(again, 0, "a second replica finds it announced");

    // The plan the reports show.
    assert!(released(&app, &hr, &round, &company).await);
    assert!(released(&app, &hr, &round, &sales).await);
    assert!(!released(&app, &hr, &round, &support).await);
    assert!(!released(&app, &hr, &round, &legal).await);

    let sender = start_sender(&app);
    drained(&app, 30).await;
    sender.stop().await;
    let news = |who: &Actor| sink.to(&who.email, "/reports/");
    let to_sales = news(&sales_mgr);
    assert_eq!(to_sales.len(), 1);
    let m = &to_sales[0];
    assert!(
        m["subject"]
            .as_str()
            .expect("subject")
            .contains("Результаты"),
        "{m}"
    );
    let text = m["text"].as_str().expect("text");
    let link = format!("http://pulse.test/reports/{round}?team_id={sales}");
    assert!(text.contains(&link), "{text}");
    assert!(!text.contains('%'), "no score: {text}");
    let to_boss = news(&boss);
    assert_eq!(to_boss.len(), 1);
    let text = to_boss[0]["text"].as_str().expect("text");
    assert!(
        text.contains(&format!(
            "http://pulse.test/reports/{round}?team_id={company}"
        )),
        "{text}"
    );
    assert!(
        to_boss[0]["subject"]
            .as_str()
            .expect("subject")
            .contains("Results")
    );
    assert!(news(&support_mgr).is_empty(), "Support is hidden");
    assert!(
        news(&legal_mgr).is_empty(),
        "Legal has fewer than k answers"
    );
    // Nobody else hears of it.
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m["text"].as_str().is_some_and(|t| t.contains("/reports/")))
            .count(),
        2
    );
    // The link leads to the manager's report page.
    let mut b = Browser::new(&app);
    b.sign_in(&boss.email, PASSWORD).await;
    let page = b.get(&format!("/reports/{round}?team_id={company}")).await;
    assert_html(&page, 200);
}

#[tokio::test]
async fn the_survey_form_sets_the_reminders_in_english_and_russian() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let page = b.get("/hr/surveys/new").await;
    assert_html(&page, 200);
    let html = page.text();
    assert!(html.contains("<label for=\"f-reminders\">"), "{html}");
    assert!(
        html.contains("<option value=\"2\" selected>"),
        "two by default"
    );
    let fields = vec![
        ("title", "Quiet pulse"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "5"),
        ("reminders", "1"),
    ];
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let survey = location(&r).trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["reminders"], json!(1));
    let shown = b.get(&format!("/hr/surveys/{survey}")).await.text();
    assert!(shown.contains("1 reminder per round"), "{shown}");
    let edit = b.get(&format!("/hr/surveys/{survey}/edit")).await.text();
    assert!(edit.contains("<option value=\"1\" selected>"), "{edit}");
    switch_language(&mut b, "ru").await;
    let ru = b.get("/hr/surveys/new").await.text();
    assert!(
        ru.contains("Автоматические напоминания тем, кто не ответил"),
        "{ru}"
    );
    let shown = b.get(&format!("/hr/surveys/{survey}")).await.text();
    assert!(shown.contains("1 напоминание за раунд"), "{shown}");
}

/// The latest weekday noon (UTC) at least an hour before now.
fn last_weekday_noon() -> NaiveDateTime {
    let now = pulseline::clock::now() - TimeDelta::hours(1);
    let mut d = now.date();
    loop {
        let noon = d.and_hms_opt(12, 0, 0).expect("noon");
        if noon <= now && d.weekday().number_from_monday() <= 5 {
            return noon;
        }
        d = d.pred_opt().expect("a day");
    }
}

/// A survey of `team` with one reminder and its round, open now, whose reminder (at
/// the half of an eight-day window) came at the latest weekday noon.
async fn round_whose_reminder_has_come(app: &TestApp, hr: &Actor, team: &str) -> String {
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({"title": "One reminder", "questions": [{"bank_item": "eo_enps"}],
                   "audience": {"team_ids": [team]}, "reminders": 1,
                   "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}}),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let round = app.open_round_now(hr, &survey).await;
    let half = last_weekday_noon();
    set_window(
        app,
        &round,
        half - TimeDelta::days(4),
        half + TimeDelta::days(4),
    )
    .await;
    round
}

#[tokio::test]
async fn nobody_gets_a_reminder_by_hand_and_an_automatic_one_within_12_hours() {
    let app = spawn_app().await;
    let hr = app.admin().await;
    let team = app.create_team(&hr, "Floor", None, "frontline").await;
    for _ in 0..2 {
        app.employee(&hr, Some(&team)).await;
    }
    let remind_by_hand = |round: String| {
        let (app, token) = (&app, hr.token.clone());
        async move {
            let r = app
                .send(
                    Method::POST,
                    &format!("/api/v1/rounds/{round}/reminders"),
                    Some(&token),
                    None,
                )
                .await;
            r.expect(202);
            r.json()["reminded"].clone()
        }
    };
    // HR reminded everyone by hand: the automatic reminder that has come sends nothing.
    let first = round_whose_reminder_has_come(&app, &hr, &team).await;
    assert_eq!(remind_by_hand(first.clone()).await, json!(2));
    assert_eq!(remind_at(&app, pulseline::clock::now()).await, 1);
    assert_eq!(reminder_rows(&app).await.len(), 2);
    // The automatic reminder went first: reminding by hand sends nothing.
    let second = round_whose_reminder_has_come(&app, &hr, &team).await;
    assert_eq!(remind_at(&app, pulseline::clock::now()).await, 1);
    assert_eq!(reminder_rows(&app).await.len(), 4);
    assert_eq!(remind_by_hand(second).await, json!(0));
    assert_eq!(reminder_rows(&app).await.len(), 4);
}
