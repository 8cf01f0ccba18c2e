//! Action plans: who may create, read and change them, the checks on what is written,
//! the list's filters and order, the audit of every change, and the messages they
//! queue (a new action to the team, a reminder to the owner before the due day).

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

struct Org {
    hr: Actor,
    support: String,
    sales: String,
    /// Manages Support.
    boss: Actor,
    /// A member of Support.
    member: Actor,
    /// Manages Sales.
    other_boss: Actor,
    /// A member of Sales.
    outsider: Actor,
}

async fn org(app: &TestApp) -> Org {
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let boss = app.manager_of(&hr, &support).await;
    let member = app.employee(&hr, Some(&support)).await;
    let other_boss = app.manager_of(&hr, &sales).await;
    let outsider = app.employee(&hr, Some(&sales)).await;
    Org {
        hr,
        support,
        sales,
        boss,
        member,
        other_boss,
        outsider,
    }
}

fn today() -> NaiveDate {
    pulseline::clock::today()
}

fn day(offset: i64) -> String {
    (today() + TimeDelta::days(offset)).to_string()
}

fn plan(team: Option<&str>, title: &str, due: i64) -> Value {
    json!({"team_id": team, "title": title, "description": "Weekly 1:1s.\nWith notes.",
           "driver": "recognition", "due_on": day(due)})
}

async fn create(app: &TestApp, by: &Actor, body: Value) -> String {
    let r = app.post("/api/v1/actions", Some(&by.token), body).await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

/// The audit rows of `action` whose target starts with `prefix`.
async fn audited(app: &TestApp, action: &'static str, prefix: String) -> Vec<(String, String)> {
    app.state
        .db
        .read(move |conn| {
            use pulseline::db::schema::audit_log as a;
            Ok(a::table
                .filter(a::action.eq(action))
                .filter(a::target.like(format!("{prefix}%")))
                .select((a::actor_id, a::target))
                .load::<(String, String)>(conn)?)
        })
        .await
        .expect("audit rows")
}

/// (person, kind) of every queued message.
async fn outbox(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .db
        .read(|conn| {
            use pulseline::db::schema::outbox as o;
            Ok(o::table
                .select((o::person_id, o::kind))
                .load::<(String, String)>(conn)?)
        })
        .await
        .expect("outbox")
}

#[tokio::test]
async fn a_manager_plans_for_their_team_which_its_members_read_and_no_one_else() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let r = app
        .post(
            "/api/v1/actions",
            Some(&o.boss.token),
            plan(Some(&o.support), "Recognise good work weekly", 30),
        )
        .await;
    r.expect(201);
    let a = r.json();
    let id = a["id"].as_str().expect("id").to_owned();
    assert_eq!(a["status"], json!("planned"));
    assert_eq!(a["owner"]["id"], json!(o.boss.id), "the creator owns it");
    assert_eq!(a["team"], json!("Support"));
    assert_eq!(a["driver"], json!("recognition"));
    assert_eq!(a["description"], json!("Weekly 1:1s.\nWith notes."));
    assert_eq!(a["overdue"], json!(false));
    let rows = audited(&app, "action.create", format!("actions/{id}")).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, o.boss.id);
    assert!(rows[0].1.contains(&o.support), "{}", rows[0].1);

    let path = format!("/api/v1/actions/{id}");
    // The team's member reads it but may not change it.
    let r = app.get(&path, Some(&o.member.token)).await;
    r.expect(200);
    assert_eq!(r.json()["can_edit"], json!(false));
    app.json(
        Method::PATCH,
        &path,
        Some(&o.member.token),
        json!({"status": "done"}),
    )
    .await
    .expect(403);
    app.post(
        &format!("{path}/updates"),
        Some(&o.member.token),
        json!({"text": "done"}),
    )
    .await
    .expect(403);
    // Another team's people see nothing, its manager included.
    for outsider in [&o.outsider, &o.other_boss] {
        app.get(&path, Some(&outsider.token)).await.expect(404);
        app.get(&format!("{path}/updates"), Some(&outsider.token))
            .await
            .expect(404);
        app.json(
            Method::PATCH,
            &path,
            Some(&outsider.token),
            json!({"status": "done"}),
        )
        .await
        .expect(404);
        let list = app.get("/api/v1/actions", Some(&outsider.token)).await;
        list.expect(200);
        assert_eq!(list.json()["total"], json!(0));
    }
    // An employee creates nothing; a manager nothing outside their teams, nor the
    // organisation's own.
    app.post(
        "/api/v1/actions",
        Some(&o.member.token),
        plan(Some(&o.support), "Mine", 3),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/actions",
        Some(&o.other_boss.token),
        plan(Some(&o.support), "Theirs", 3),
    )
    .await
    .expect(403);
    app.post(
        "/api/v1/actions",
        Some(&o.boss.token),
        plan(None, "Everyone's", 3),
    )
    .await
    .expect(403);
    // HR plans for the whole organisation: everyone reads it.
    let org_id = create(&app, &o.hr, plan(None, "A clearer bonus policy", 60)).await;
    let r = app.get("/api/v1/actions", Some(&o.outsider.token)).await;
    r.expect(200);
    assert_eq!(ids_of(&r), vec![org_id.clone()]);
    // The team's members heard of the team's action; the other team only of the
    // organisation's; nobody of their own.
    let sent = outbox(&app).await;
    let got = |who: &Actor| {
        sent.iter()
            .filter(|(p, k)| p == &who.id && k == "action_new")
            .count()
    };
    assert_eq!(got(&o.member), 2);
    assert_eq!(got(&o.outsider), 1);
    assert_eq!(got(&o.boss), 1, "only the organisation's");
    assert_eq!(got(&o.hr), 0, "the creator is not told");
}

#[tokio::test]
async fn what_is_written_is_checked_and_the_field_named() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let base = plan(Some(&o.support), "Fix the rota", 10);
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let long = "x".repeat(201);
    let cases: Vec<(Value, &str)> = vec![
        (with("title", json!("   ")), "title"),
        (with("title", json!(long)), "title"),
        (with("description", json!("y".repeat(5001))), "description"),
        (with("team_id", json!("no-such-team")), "team_id"),
        (with("owner_id", json!("no-such-person")), "owner_id"),
        (with("owner_id", json!(o.outsider.id)), "owner_id"),
        (with("theme", json!("refund delays")), "driver"),
        (with("driver", json!("luck")), "driver"),
        (
            {
                let mut b = with("suggestion_id", json!("no-such-suggestion"));
                b["driver"] = Value::Null;
                b
            },
            "suggestion_id",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/actions", Some(&o.boss.token), body).await;
        r.expect(422);
        assert_eq!(r.field(), field, "{}", r.text());
    }
    assert_eq!(app.count("actions").await, 0, "nothing was written");
    // A member of the team, or its manager, may own it; a theme alone is a link.
    let mut ok = with("owner_id", json!(o.member.id));
    ok["driver"] = Value::Null;
    ok["theme"] = json!("rota changes");
    let r = app.post("/api/v1/actions", Some(&o.boss.token), ok).await;
    r.expect(201);
    assert_eq!(r.json()["owner"]["id"], json!(o.member.id));
    assert_eq!(r.json()["theme"], json!("rota changes"));
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/actions/{id}"),
            Some(&o.boss.token),
            json!({"owner_id": o.other_boss.id}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "owner_id");
    let r = app
        .post(
            &format!("/api/v1/actions/{id}/updates"),
            Some(&o.boss.token),
            json!({"text": " "}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "text");
}

#[tokio::test]
async fn updates_move_the_status_record_the_day_and_are_audited() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let id = create(&app, &o.boss, plan(Some(&o.support), "Quiet hours", 10)).await;
    let path = format!("/api/v1/actions/{id}");
    let r = app
        .post(
            &format!("{path}/updates"),
            Some(&o.boss.token),
            json!({"text": "Started on Monday.", "status": "in_progress"}),
        )
        .await;
    r.expect(201);
    assert_eq!(r.json()["from_status"], json!("planned"));
    assert_eq!(r.json()["to_status"], json!("in_progress"));
    let r = app
        .post(
            &format!("{path}/updates"),
            Some(&o.hr.token),
            json!({"text": "Every team now has quiet hours.", "status": "done"}),
        )
        .await;
    r.expect(201);
    let a = app.get(&path, Some(&o.member.token)).await;
    a.expect(200);
    assert_eq!(a.json()["status"], json!("done"));
    assert_eq!(a.json()["closed_on"], json!(today().to_string()));
    let r = app
        .get(&format!("{path}/updates"), Some(&o.member.token))
        .await;
    r.expect(200);
    let list = r.json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["text"], json!("Started on Monday."));
    assert_eq!(list[1]["author"]["id"], json!(o.hr.id));
    assert_eq!(
        audited(&app, "action.note", format!("actions/{id}/updates/"))
            .await
            .len(),
        2
    );
    // Reopened: the day is cleared; the due day moves; each change is audited with the
    // fields it changed.
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&o.boss.token),
            json!({"status": "in_progress", "due_on": day(20)}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["closed_on"], Value::Null);
    assert_eq!(r.json()["due_on"], json!(day(20)));
    let rows = audited(&app, "action.update", format!("actions/{id}")).await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].1.contains("fields=due_on%2Cstatus"),
        "{}",
        rows[0].1
    );
    assert!(rows[0].1.contains("to_status=in_progress"), "{}", rows[0].1);
    // The move is on the action's timeline too, as an update without text.
    let list = app
        .get(&format!("{path}/updates"), Some(&o.member.token))
        .await
        .json();
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 3);
    assert_eq!(list[2]["text"], json!(""));
    assert_eq!(list[2]["from_status"], json!("done"));
    assert_eq!(list[2]["to_status"], json!("in_progress"));
    assert_eq!(list[2]["author"]["id"], json!(o.boss.id));
    // A change that changes nothing records nothing.
    app.json(
        Method::PATCH,
        &path,
        Some(&o.boss.token),
        json!({"due_on": day(20)}),
    )
    .await
    .expect(200);
    assert_eq!(
        audited(&app, "action.update", format!("actions/{id}"))
            .await
            .len(),
        1
    );
    let list = app
        .get(&format!("{path}/updates"), Some(&o.member.token))
        .await
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

fn ids_of(r: &Resp) -> Vec<String> {
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn filters_return_exactly_their_actions_with_overdue_ones_first() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let later = create(&app, &o.hr, plan(Some(&o.support), "Later", 30)).await;
    let late = create(&app, &o.hr, plan(Some(&o.support), "Late", -2)).await;
    let later_still = create(&app, &o.hr, plan(Some(&o.sales), "Sales", 40)).await;
    let latest = create(&app, &o.hr, plan(Some(&o.sales), "Very late", -9)).await;
    let org_wide = create(&app, &o.hr, plan(None, "Everyone", 5)).await;
    let mut owned = plan(Some(&o.support), "Owned", 8);
    owned["owner_id"] = json!(o.member.id);
    let owned = create(&app, &o.hr, owned).await;
    app.post(
        &format!("/api/v1/actions/{later_still}/updates"),
        Some(&o.hr.token),
        json!({"text": "Done early.", "status": "done"}),
    )
    .await
    .expect(201);
    let hr = |q: &str| {
        let q = q.to_owned();
        let token = o.hr.token.clone();
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/actions{q}"), Some(&token)).await;
            r.expect(200);
            ids_of(&r)
        }
    };
    // Overdue first (the oldest due day first), then open by due day, then closed.
    assert_eq!(
        hr("").await,
        vec![
            latest.clone(),
            late.clone(),
            org_wide.clone(),
            owned.clone(),
            later.clone(),
            later_still.clone()
        ]
    );
    assert_eq!(
        hr(&format!("?team_id={}", o.support)).await,
        vec![late.clone(), owned.clone(), later.clone()]
    );
    assert_eq!(
        hr("?overdue=true").await,
        vec![latest.clone(), late.clone()]
    );
    assert_eq!(hr("?status=done").await, vec![later_still.clone()]);
    assert_eq!(
        hr(&format!("?owner_id={}", o.member.id)).await,
        vec![owned.clone()]
    );
    assert_eq!(hr("?organisation=true").await, vec![org_wide.clone()]);
    assert_eq!(
        hr("?limit=2&offset=1").await,
        vec![late.clone(), org_wide.clone()]
    );
    // A manager: their team's and the organisation's; another team is 404.
    let r = app.get("/api/v1/actions", Some(&o.other_boss.token)).await;
    r.expect(200);
    assert_eq!(
        ids_of(&r),
        vec![latest.clone(), org_wide.clone(), later_still.clone()]
    );
    app.get(
        &format!("/api/v1/actions?team_id={}", o.support),
        Some(&o.other_boss.token),
    )
    .await
    .expect(404);
    // An employee: their team's and the organisation's.
    let r = app.get("/api/v1/actions", Some(&o.member.token)).await;
    r.expect(200);
    assert_eq!(ids_of(&r), vec![late, org_wide, owned, later]);
    app.get("/api/v1/actions?status=someday", Some(&o.hr.token))
        .await
        .expect(400);
}

#[tokio::test]
async fn an_owner_is_reminded_once_before_the_due_day() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let soon = create(&app, &o.boss, plan(Some(&o.support), "Soon", 2)).await;
    create(&app, &o.boss, plan(Some(&o.support), "Not yet", 10)).await;
    create(&app, &o.boss, plan(Some(&o.support), "Too late", -1)).await;
    let done = create(&app, &o.boss, plan(Some(&o.support), "Done", 1)).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/actions/{done}"),
        Some(&o.boss.token),
        json!({"status": "done"}),
    )
    .await
    .expect(200);
    let db = app.state.db.clone();
    let first = tokio::task::spawn_blocking(move || {
        pulseline::actions::reminders::run(&db, pulseline::clock::today())
    })
    .await
    .expect("join")
    .expect("reminders");
    let db = app.state.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        pulseline::actions::reminders::run(&db, pulseline::clock::today())
    })
    .await
    .expect("join")
    .expect("reminders");
    assert_eq!((first, again), (1, 0));
    let due: Vec<(String, String)> = outbox(&app)
        .await
        .into_iter()
        .filter(|(_, k)| k == "action_due")
        .collect();
    assert_eq!(due, vec![(o.boss.id.clone(), "action_due".to_owned())]);
    let payload: String = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::outbox as ob;
            Ok(ob::table
                .filter(ob::kind.eq("action_due"))
                .select(ob::payload)
                .first::<String>(conn)?)
        })
        .await
        .expect("payload");
    assert!(payload.contains(&soon), "{payload}");
}

/// The messages reach people through SMTP, in their language, with the action's link.
#[tokio::test]
async fn the_team_and_the_owner_get_their_messages_with_the_action_s_link() {
    use crate::mail::{Sink, drained, mail_config, start_sender};
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let o = org(&app).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", o.member.id),
        Some(&o.hr.token),
        json!({"language": "ru"}),
    )
    .await
    .expect(200);
    let id = create(&app, &o.boss, plan(Some(&o.support), "Shorter queues", 1)).await;
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        pulseline::actions::reminders::run(&db, pulseline::clock::today())
    })
    .await
    .expect("join")
    .expect("reminders");
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;
    let link = format!("http://pulse.test/actions/{id}");
    let told = sink.to(&o.member.email, &link);
    assert_eq!(told.len(), 1, "{:?}", sink.messages());
    assert!(
        told[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Новое действие")),
        "{}",
        told[0]
    );
    let reminded = sink.to(&o.boss.email, &link);
    assert_eq!(reminded.len(), 1, "the owner: a reminder, not the news");
    assert!(
        reminded[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("is due on")),
        "{}",
        reminded[0]
    );
    assert!(sink.to(&o.outsider.email, &link).is_empty());
}

/// One round of `survey` for the team: person i answers pride and recognition with
/// `values[i % len]`; closed at once.
async fn answered_round(app: &TestApp, hr: &Actor, survey: &str, people: &[Actor], values: &[u8]) {
    let round = app.open_round_now(hr, survey).await;
    let qs = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json()["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect::<Vec<_>>();
    for (i, p) in people.iter().enumerate() {
        let value = values[i % values.len()];
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&p.token),
            json!({"answers": qs.iter().map(|q| json!({"question_id": q, "value": value}))
                   .collect::<Vec<_>>()}),
        )
        .await
        .expect(201);
    }
    app.close_round_now(hr, &round).await;
}

#[tokio::test]
async fn a_done_action_s_effect_compares_the_rounds_around_it_and_says_when_it_cannot() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let people = app.seed_people(&o.support, 6, |_| (None, None, None)).await;
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&o.hr.token),
            json!({"title": "Monthly pulse",
                   "questions": [{"bank_item": "eo_proud"}, {"bank_item": "rc_noticed"}],
                   "audience": {"team_ids": [o.support]}, "cuts": [],
                   "schedule": {"starts_on": day(0), "cadence": "monthly", "window_days": 7}}),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    answered_round(&app, &o.hr, &survey, &people, &[1, 2, 3]).await;
    let id = create(&app, &o.boss, plan(Some(&o.support), "Thank people", 10)).await;
    let effect = format!("/api/v1/actions/{id}/effect");
    let r = app.get(&effect, Some(&o.boss.token)).await;
    r.expect(200);
    assert_eq!(r.json()["verdict"], json!("not_done"));
    app.json(
        Method::PATCH,
        &format!("/api/v1/actions/{id}"),
        Some(&o.boss.token),
        json!({"status": "done"}),
    )
    .await
    .expect(200);
    let r = app.get(&effect, Some(&o.boss.token)).await;
    r.expect(200);
    assert_eq!(r.json()["verdict"], json!("no_results_after"));
    assert!(
        r.json()["note"]
            .as_str()
            .is_some_and(|n| n.contains("cannot show"))
    );
    assert_eq!(
        r.json()["before"][0]["engagement_index"],
        json!(25.0),
        "{}",
        r.text()
    );
    answered_round(&app, &o.hr, &survey, &people, &[3, 4, 5]).await;
    let r = app.get(&effect, Some(&o.boss.token)).await;
    r.expect(200);
    let e = r.json();
    assert_eq!(e["verdict"], json!("compared"), "{e}");
    assert_eq!(e["engagement_change"], json!(50.0));
    // The intervals, worked here from the answers: each round's indexes are 0, 25, 50,
    // 0, 25, 50 (50 more after), sample variance 2500 / 5 = 500. A round's: t(0.975, 5)
    // = 2.570581835636314 → 25 ± t·√(500 / 6). The change's (Welch): equal spreads and
    // counts give 10 degrees of freedom, t(0.975, 10) = 2.2281388519649385 (a t table)
    // → 50 ± t·√(2 · 500 / 6). The API works from the reports' spread, shown to one
    // decimal (22.4 for 22.36), hence the tolerance.
    let round_half = 2.570_581_835_636_314 * (500.0_f64 / 6.0).sqrt();
    let change_half = 2.228_138_851_964_938_5 * (1000.0_f64 / 6.0).sqrt();
    let near = |v: &Value, want: f64, tol: f64| {
        let got = v.as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() <= tol, "{got} vs {want}");
    };
    near(
        &e["before"][0]["engagement_index_low"],
        25.0 - round_half,
        0.051,
    );
    near(
        &e["before"][0]["engagement_index_high"],
        25.0 + round_half,
        0.051,
    );
    near(
        &e["after"][0]["engagement_index_low"],
        75.0 - round_half,
        0.051,
    );
    near(&e["engagement_change_low"], 50.0 - change_half, 0.1);
    near(&e["engagement_change_high"], 50.0 + change_half, 0.1);
    // The driver (recognition, answered as proud was): 1, 2, 3, ... then 3, 4, 5, ...;
    // sample variance 4 / 5 each, the change 2 ± t(0.975, 10)·√(2 · 0.8 / 6). The API
    // works from the reports' spread to 2 decimals (0.89 for 0.894), hence the tolerance.
    assert_eq!(e["driver_mean_change"], json!(2.0));
    let driver_half = 2.228_138_851_964_938_5 * (1.6_f64 / 6.0).sqrt();
    near(&e["driver_mean_change_low"], 2.0 - driver_half, 0.02);
    near(&e["driver_mean_change_high"], 2.0 + driver_half, 0.02);
    assert_eq!(e["driver_favorable_change"], json!(66.7));
    assert_eq!(e["after"][0]["n"], json!(6));
    assert!(
        e["note"]
            .as_str()
            .is_some_and(|n| n.contains("proves nothing"))
    );
    // Each round read is a report read in the audit log.
    let reads = audited(&app, "report.read", String::new()).await;
    assert!(reads.iter().filter(|(a, _)| a == &o.boss.id).count() >= 3);
    // Its team's members read the action, not the effect; other teams not even that.
    app.get(&effect, Some(&o.member.token)).await.expect(403);
    app.get(&effect, Some(&o.other_boss.token))
        .await
        .expect(404);
    // On the page, for its manager.
    let mut bb = Browser::new(&app);
    bb.sign_in(&o.boss.email, PASSWORD).await;
    let page = bb.get(&format!("/actions/{id}")).await.text();
    assert!(page.contains("proves nothing by itself"), "{page}");
    assert!(page.contains("Monthly pulse"));
}

/// The customer side of a done action's effect: an internal team's action is read in
/// the ratings of the frontline team it serves, 90 days before the day it was done and
/// from that day, with the change and its 95% interval — the same figures as worked by
/// hand in `cx_effect`'s unit test (CSAT 50% of 30 before, 75% of 40 after: +25, interval
/// 2.29 to 47.71). Ratings of a team it does not serve, and older than 90 days, do not
/// count.
#[tokio::test]
async fn a_done_action_s_effect_reads_the_ratings_of_the_teams_served() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let it = app.create_team(&hr, "IT", None, "internal").await;
    app.json(
        Method::PUT,
        &format!("/api/v1/teams/{it}/serves"),
        Some(&hr.token),
        json!([{"team_id": support, "weight": 1.0}]),
    )
    .await
    .expect(200);
    let id = create(
        &app,
        &hr,
        json!({"team_id": it, "title": "Faster laptop swaps", "due_on": day(10)}),
    )
    .await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/actions/{id}"),
        Some(&hr.token),
        json!({"status": "done"}),
    )
    .await
    .expect(200);
    // Done 60 days ago.
    let done = pulseline::clock::now() - chrono::Duration::days(60);
    let action = id.clone();
    app.state
        .db
        .write(move |conn| {
            use pulseline::db::schema::actions;
            diesel::update(actions::table.find(&action))
                .set((
                    actions::closed_at.eq(Some(done)),
                    actions::closed_on.eq(Some(done.date())),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("backdate");
    let d = done.date();
    let mut ratings = Vec::new();
    let mut rate = |team: &str, score: f64, on: chrono::NaiveDate| {
        ratings.push(
            json!({"external_id": format!("r{}", ratings.len()), "team_id": team,
                            "metric": "csat", "score": score, "occurred_on": on}),
        );
    };
    for i in 0..30 {
        rate(
            &support,
            if i < 15 { 5.0 } else { 2.0 },
            d - chrono::Duration::days(1 + i % 80),
        );
    }
    for i in 0..40 {
        rate(
            &support,
            if i < 30 { 4.0 } else { 1.0 },
            d + chrono::Duration::days(i % 50),
        );
    }
    // Not served, and too old: neither counts.
    for i in 0..10 {
        rate(&sales, 1.0, d + chrono::Duration::days(i));
        rate(&support, 1.0, d - chrono::Duration::days(91 + i));
    }
    app.post(
        "/api/v1/cx/ratings",
        Some(&hr.token),
        json!({"ratings": ratings}),
    )
    .await
    .expect(200);

    let r = app
        .get(&format!("/api/v1/actions/{id}/effect"), Some(&hr.token))
        .await;
    r.expect(200);
    let e = r.json();
    assert_eq!(e["cx_teams"], json!([support]));
    assert_eq!(
        e["cx"],
        json!([{"metric": "csat", "before_n": 30, "before": 50.0, "after_n": 40, "after": 75.0,
                "change": 25.0, "change_low": 2.29, "change_high": 47.71, "verdict": "changed"}])
    );
    // The action's page shows the same, in words.
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&format!("/actions/{id}")).await.text();
    let cx = &html[html.find("id=\"effect-cx\"").expect("the customer section")..];
    assert!(cx.contains("<th scope=\"row\">CSAT</th>"), "{cx}");
    assert!(cx.contains("50.0 (30)") && cx.contains("75.0 (40)"), "{cx}");
    assert!(cx.contains("+25.0 (2.3 … 47.7)"), "{cx}");
    assert!(cx.contains("A change beyond the noise"), "{cx}");
}
