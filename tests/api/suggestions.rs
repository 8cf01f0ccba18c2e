//! Frontline suggestions: anonymity of anonymous ones, votes, the workflow, visibility.

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn idea(anonymous: bool) -> Value {
    json!({"title": "Refund delays", "body": "Customers wait three weeks for refunds.",
           "touchpoint": "billing", "customer_segment": "SMB", "anonymous": anonymous})
}

struct Org {
    hr: Actor,
    company: String,
    support: String,
    tier1: String,
    sales: String,
}

async fn org(app: &TestApp) -> Org {
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let tier1 = app
        .create_team(&hr, "Tier 1", Some(&support), "frontline")
        .await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    Org {
        hr,
        company,
        support,
        tier1,
        sales,
    }
}

/// Only people who have activated their account can write a suggestion, and HR sees
/// who has: a team of one activated member and five who never activated is a team of
/// one for an anonymous suggestion.
#[tokio::test]
async fn an_anonymous_suggestion_counts_only_activated_members() {
    let app = spawn_app().await;
    let o = org(&app).await;
    // Tier 1: 6 active members (≥ k = 5), of whom only the author ever activated.
    let tier1 = app.seed_people(&o.tier1, 6, |_| (None, None, None)).await;
    app.set_password(&tier1[0].id).await;
    let author = &tier1[0];
    let anonymous_team = |r: &Resp| r.json()["team_id"].as_str().unwrap_or("").to_owned();
    // Support has 4 more members, none activated: 1 activated in the whole tree, so
    // nowhere could it be anonymous: it is refused, not filed at Tier 1 or Company.
    let support = app.seed_people(&o.support, 4, |_| (None, None, None)).await;
    let r = app
        .post("/api/v1/suggestions", Some(&author.token), idea(true))
        .await;
    r.expect(422);
    assert_eq!(r.field(), "anonymous", "one could have written it");
    // Once Support's members activate, its catchment holds 1 (passed up) + 4 = 5.
    for p in &support {
        app.set_password(&p.id).await;
    }
    let r = app
        .post("/api/v1/suggestions", Some(&author.token), idea(true))
        .await;
    r.expect(201);
    assert_eq!(anonymous_team(&r), o.support);
}

#[tokio::test]
async fn an_anonymous_suggestion_keeps_no_author_and_only_the_day() {
    let app = spawn_app().await;
    let o = org(&app).await;
    // Tier 1 has 2 people, who pass up to Support: its catchment is 2 + 4 = 6 ≥ k = 5.
    let tier1 = app.seed_people(&o.tier1, 2, |_| (None, None, None)).await;
    let support = app.seed_people(&o.support, 4, |_| (None, None, None)).await;
    for p in tier1.iter().chain(&support) {
        app.set_password(&p.id).await;
    }
    let author = &tier1[0];
    let r = app
        .post("/api/v1/suggestions", Some(&author.token), idea(true))
        .await;
    r.expect(201);
    let created = r.json();
    assert_eq!(created["author"], Value::Null);
    assert_eq!(created["anonymous"], json!(true));
    assert_eq!(
        created["team_id"],
        json!(o.support),
        "the nearest team whose catchment holds k"
    );
    let code = created["followup_code"].as_str().expect("code").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    // The row: no author, no time, and the code only as a hash.
    let (author_id, created_at, hash): (
        Option<String>,
        Option<chrono::NaiveDateTime>,
        Option<String>,
    ) = app
        .state
        .db
        .read({
            let id = id.clone();
            move |conn| {
                use pulseline::db::schema::suggestions as s;
                Ok(s::table
                    .find(&id)
                    .select((s::author_id, s::created_at, s::followup_hash))
                    .first(conn)?)
            }
        })
        .await
        .expect("row");
    assert_eq!(author_id, None);
    assert_eq!(created_at, None);
    assert_ne!(hash.as_deref(), Some(code.as_str()));
    assert!(
        !app.get(&format!("/api/v1/suggestions/{id}"), Some(&author.token))
            .await
            .text()
            .contains(&author.id)
    );
    // A manager replies; the author follows up with the code.
    let manager = app.manager_of(&o.hr, &o.support).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&manager.token),
        json!({"status": "acknowledged", "reply": "We are looking into refund times."}),
    )
    .await
    .expect(200);
    let f = app
        .get(
            &format!("/api/v1/suggestions/followup/{code}"),
            Some(&author.token),
        )
        .await;
    f.expect(200);
    assert_eq!(
        f.json()["replies"][0]["reply"],
        json!("We are looking into refund times.")
    );
    assert_eq!(f.json()["status"], json!("acknowledged"));
    app.get(
        "/api/v1/suggestions/followup/not-the-code",
        Some(&author.token),
    )
    .await
    .expect(404);
    // A signed one shows its author and has no follow-up code.
    let r = app
        .post("/api/v1/suggestions", Some(&author.token), idea(false))
        .await;
    r.expect(201);
    assert_eq!(r.json()["author"]["id"], json!(author.id));
    assert_eq!(r.json()["followup_code"], Value::Null);
    assert_eq!(r.json()["team_id"], json!(o.tier1));
}

#[tokio::test]
async fn votes_toggle_and_count_each_person_once_even_when_racing() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let staff = app
        .seed_people(&o.support, 50, |_| (None, None, None))
        .await;
    let id = app
        .post("/api/v1/suggestions", Some(&staff[0].token), idea(false))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/suggestions/{id}/votes");
    let r = app
        .send(Method::POST, &path, Some(&staff[0].token), None)
        .await;
    r.expect(200);
    assert_eq!(r.json(), json!({"voted": true, "votes": 1}));
    let r = app
        .send(Method::POST, &path, Some(&staff[0].token), None)
        .await;
    assert_eq!(r.json(), json!({"voted": false, "votes": 0}));
    let all = futures_util::future::join_all(
        staff
            .iter()
            .map(|s| app.send(Method::POST, &path, Some(&s.token), None)),
    )
    .await;
    assert!(all.iter().all(|r| r.status == 200));
    let s = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&staff[1].token))
        .await
        .json();
    assert_eq!(s["votes"], json!(50));
    assert_eq!(s["voted_by_me"], json!(true));
    assert_eq!(app.count("suggestion_votes").await, 50);
    // The same person racing two requests never holds two votes.
    let racer = &staff[7];
    let twice = futures_util::future::join_all(
        (0..2).map(|_| app.send(Method::POST, &path, Some(&racer.token), None)),
    )
    .await;
    assert!(twice.iter().all(|r| r.status == 200));
    let votes = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&racer.token))
        .await
        .json()["votes"]
        .as_i64()
        .unwrap_or(-1);
    assert!(votes == 50 || votes == 49, "{votes}");
    assert_eq!(app.count("suggestion_votes").await, votes);
    // The vote table holds keyed hashes, never a person's id.
    let hashes: Vec<String> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::suggestion_votes as v;
            Ok(v::table.select(v::voter_hash).load(conn)?)
        })
        .await
        .expect("hashes");
    assert!(
        hashes
            .iter()
            .all(|h| staff.iter().all(|s| !h.contains(&s.id)))
    );
}

#[tokio::test]
async fn the_workflow_refuses_illegal_moves_and_short_replies() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let staff = app.seed_people(&o.tier1, 1, |_| (None, None, None)).await;
    let id = app
        .post("/api/v1/suggestions", Some(&staff[0].token), idea(false))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/suggestions/{id}");
    let manager = app.manager_of(&o.hr, &o.support).await;
    let other = app.manager_of(&o.hr, &o.sales).await;
    let reply = "Thanks, we have planned this work.";
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&manager.token),
            json!({"status": "done", "reply": reply}),
        )
        .await;
    r.expect(409);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("acknowledged, declined")
    );
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&manager.token),
            json!({"status": "acknowledged", "reply": "ok"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "reply");
    app.json(
        Method::PATCH,
        &path,
        Some(&other.token),
        json!({"status": "acknowledged", "reply": reply}),
    )
    .await
    .expect(404);
    app.json(
        Method::PATCH,
        &path,
        Some(&staff[0].token),
        json!({"status": "acknowledged", "reply": reply}),
    )
    .await
    .expect(403);
    for (to, status) in [
        ("acknowledged", 200),
        ("new", 409),
        ("in_progress", 200),
        ("acknowledged", 409),
        ("done", 200),
        ("declined", 409),
    ] {
        app.json(
            Method::PATCH,
            &path,
            Some(&manager.token),
            json!({"status": to, "reply": reply}),
        )
        .await
        .expect(status);
    }
    // HR may answer too; the history is kept and visible to the author.
    let s = app.get(&path, Some(&staff[0].token)).await.json();
    let steps: Vec<&str> = s["replies"]
        .as_array()
        .expect("replies")
        .iter()
        .map(|r| r["to_status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(steps, vec!["acknowledged", "in_progress", "done"]);
    assert_eq!(s["status"], json!("done"));
}

#[tokio::test]
async fn employees_see_their_subtree_and_ancestors_only() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let t1 = app
        .seed_people(&o.tier1, 1, |_| (None, None, None))
        .await
        .remove(0);
    let sup = app
        .seed_people(&o.support, 1, |_| (None, None, None))
        .await
        .remove(0);
    let seller = app
        .seed_people(&o.sales, 1, |_| (None, None, None))
        .await
        .remove(0);
    let boss = app
        .seed_people(&o.company, 1, |_| (None, None, None))
        .await
        .remove(0);
    let mut ids = std::collections::HashMap::new();
    for (name, who) in [
        ("tier1", &t1),
        ("support", &sup),
        ("sales", &seller),
        ("company", &boss),
    ] {
        let r = app
            .post("/api/v1/suggestions", Some(&who.token), idea(false))
            .await;
        ids.insert(name, r.json()["id"].as_str().expect("id").to_owned());
    }
    let sees = |list: &Value| -> Vec<String> {
        let mut v: Vec<String> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|s| s["id"].as_str().unwrap_or("").to_owned())
            .collect();
        v.sort();
        v
    };
    let expect = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| ids[n].clone()).collect();
        v.sort();
        v
    };
    // Support: its subtree (Support, Tier 1) and its ancestors (Company); not Sales.
    assert_eq!(
        sees(
            &app.get("/api/v1/suggestions", Some(&sup.token))
                .await
                .json()
        ),
        expect(&["support", "tier1", "company"])
    );
    // Tier 1: itself, and up the chain: Support and Company.
    assert_eq!(
        sees(&app.get("/api/v1/suggestions", Some(&t1.token)).await.json()),
        expect(&["tier1", "support", "company"])
    );
    // Company: its subtree is everything.
    assert_eq!(
        sees(
            &app.get("/api/v1/suggestions", Some(&boss.token))
                .await
                .json()
        ),
        expect(&["tier1", "support", "sales", "company"])
    );
    app.get(
        &format!("/api/v1/suggestions/{}", ids["sales"]),
        Some(&sup.token),
    )
    .await
    .expect(404);
    app.send(
        Method::POST,
        &format!("/api/v1/suggestions/{}/votes", ids["sales"]),
        Some(&sup.token),
        None,
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/v1/suggestions?team_id={}", o.sales),
        Some(&sup.token),
    )
    .await
    .expect(404);
    // Filters and sorting.
    let r = app
        .get(
            &format!(
                "/api/v1/suggestions?team_id={}&touchpoint=billing&status=new&q=REFUND&sort=votes",
                o.support
            ),
            Some(&o.hr.token),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["total"], json!(2));
    app.get("/api/v1/suggestions?touchpoint=fax", Some(&o.hr.token))
        .await
        .expect(400);
}

#[tokio::test]
async fn bad_suggestions_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let who = app
        .seed_people(&o.support, 1, |_| (None, None, None))
        .await
        .remove(0);
    for (body, field) in [
        (
            json!({"title": "x".repeat(141), "body": "b", "touchpoint": "billing", "anonymous": false}),
            "title",
        ),
        (
            json!({"title": "t", "body": "b".repeat(5001), "touchpoint": "billing", "anonymous": false}),
            "body",
        ),
        (
            json!({"title": "t", "body": "b", "touchpoint": "fax", "anonymous": false}),
            "touchpoint",
        ),
        (
            json!({"title": "t", "body": "b", "touchpoint": "billing"}),
            "anonymous",
        ),
    ] {
        let r = app
            .post("/api/v1/suggestions", Some(&who.token), body)
            .await;
        r.expect(422);
        assert_eq!(r.field(), field);
    }
    // Without a team there is nobody to route it to.
    let loner = app.hr().await;
    let r = app
        .post("/api/v1/suggestions", Some(&loner.token), idea(false))
        .await;
    r.expect(422);
    assert_eq!(app.count("suggestions").await, 0);
}

/// Inserts a suggestion raised on `day` (and, if given, its first reply on `reply`)
/// straight into the database, so dates can be chosen.
async fn raised(
    app: &TestApp,
    team: &str,
    author: &str,
    title: &str,
    day: chrono::NaiveDate,
    reply: Option<chrono::NaiveDate>,
) -> String {
    use pulseline::db::schema::{suggestion_events as e, suggestions as s};
    let id = uuid::Uuid::new_v4().to_string();
    let (sid, team, author, title) = (
        id.clone(),
        team.to_owned(),
        author.to_owned(),
        title.to_owned(),
    );
    app.state
        .db
        .write(move |conn| {
            diesel::insert_into(s::table)
                .values((
                    s::id.eq(&sid),
                    s::team_id.eq(&team),
                    s::author_id.eq(Some(&author)),
                    s::title.eq(&title),
                    s::body.eq(&title),
                    s::touchpoint.eq("billing"),
                    s::anonymous.eq(false),
                    s::status.eq(if reply.is_some() {
                        "acknowledged"
                    } else {
                        "new"
                    }),
                    s::votes.eq(0),
                    s::created_on.eq(day),
                ))
                .execute(conn)?;
            if let Some(r) = reply {
                diesel::insert_into(e::table)
                    .values((
                        e::id.eq(uuid::Uuid::new_v4().to_string()),
                        e::suggestion_id.eq(&sid),
                        e::from_status.eq("new"),
                        e::to_status.eq("acknowledged"),
                        e::reply.eq("We are on it, thank you."),
                        e::replied_by.eq(&author),
                        e::replied_on.eq(r),
                        e::replied_at.eq(r.and_hms_opt(12, 0, 0).unwrap_or_default()),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .expect("insert");
    id
}

#[tokio::test]
async fn the_manager_view_has_themes_touchpoints_and_loop_closure() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let manager = app.manager_of(&o.hr, &o.support).await;
    let today = chrono::Utc::now().date_naive();
    let ago = |d: i64| today - chrono::TimeDelta::days(d);
    // In the last 30 days: raised → first reply after 3, 10, 1 and 7 days; two without a
    // reply, raised 20 and 5 days ago. Hand-computed: within 7 days 3/6 = 0.5; days
    // sorted 1, 3, 7, 10 → median 5; waiting over 14 days: 1.
    let m = &manager.id;
    raised(
        &app,
        &o.support,
        m,
        "Refund delays for annual plans",
        ago(25),
        Some(ago(22)),
    )
    .await;
    raised(
        &app,
        &o.support,
        m,
        "Delayed refunds after cancellation",
        ago(24),
        Some(ago(14)),
    )
    .await;
    raised(
        &app,
        &o.tier1,
        m,
        "Возврат денег задерживается",
        ago(12),
        Some(ago(11)),
    )
    .await;
    raised(
        &app,
        &o.tier1,
        m,
        "Задержки возвратов у клиентов",
        ago(15),
        Some(ago(8)),
    )
    .await;
    raised(
        &app,
        &o.support,
        m,
        "Login page rejects valid passwords",
        ago(20),
        None,
    )
    .await;
    raised(
        &app,
        &o.support,
        m,
        "Chat widget hides the order number",
        ago(5),
        None,
    )
    .await;
    // Outside the subtree, and in the previous period: not counted in this period.
    raised(
        &app,
        &o.sales,
        m,
        "Refund delays in sales deals",
        ago(3),
        None,
    )
    .await;
    raised(
        &app,
        &o.support,
        m,
        "Refund delays last quarter",
        ago(40),
        None,
    )
    .await;
    let path = format!(
        "/api/v1/insights/frontline?team_id={}&from={}&to={}",
        o.support,
        ago(29),
        today
    );
    let r = app.get(&path, Some(&manager.token)).await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["total"], json!(6));
    assert_eq!(v["loop_closure"]["answered_within_7_days"], json!(0.5));
    assert_eq!(v["loop_closure"]["median_days_to_first_reply"], json!(5.0));
    assert_eq!(v["loop_closure"]["waiting_over_14_days"], json!(1));
    let billing = v["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|c| c["key"] == json!("billing")).cloned())
        .expect("billing");
    assert_eq!(billing["count"], json!(6));
    // "Refund delays" and "Delayed refunds" form one theme; so do the two Russian ones.
    let themes = v["themes"].as_array().expect("themes");
    let with = |n: usize| themes.iter().filter(|t| t["count"] == json!(n)).count();
    assert!(with(2) >= 2, "{themes:?}");
    // Managers of other subtrees get 404; employees 403.
    let other = app.manager_of(&o.hr, &o.sales).await;
    app.get(&path, Some(&other.token)).await.expect(404);
    let emp = app
        .seed_people(&o.support, 1, |_| (None, None, None))
        .await
        .remove(0);
    app.get(&path, Some(&emp.token)).await.expect(403);
    let csv = app
        .client
        .get(path.clone())
        .header("authorization", format!("Bearer {}", manager.token))
        .header("accept", "text/csv")
        .send()
        .await;
    let text = csv.0.into_body().into_string().await.expect("csv");
    assert!(
        text.contains("loop_closure,waiting_over_14_days,1,"),
        "{text}"
    );
    app.get(
        &format!("/api/v1/insights/frontline?from={}&to={}", today, ago(1)),
        Some(&o.hr.token),
    )
    .await
    .expect(422);
}

/// Company (5 people) ─ Support (nobody) ─ {Tier 1 (5), Night desk (1)}: everyone has
/// activated their account. Under the old rule the Night desk's lone member was filed at
/// Support (its subtree holds 6 ≥ k = 5), where nobody else files: Tier 1 keeps its own.
struct Small {
    hr: Actor,
    company: String,
    support: String,
    tier1: String,
    night: String,
    /// Every eligible person, the lone Night desk member last.
    everyone: Vec<Actor>,
}

async fn small_team_org(app: &TestApp) -> Small {
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let support = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let tier1 = app
        .create_team(&hr, "Tier 1", Some(&support), "frontline")
        .await;
    let night = app
        .create_team(&hr, "Night desk", Some(&support), "frontline")
        .await;
    let mut everyone = app.seed_people(&company, 5, |_| (None, None, None)).await;
    everyone.extend(app.seed_people(&tier1, 5, |_| (None, None, None)).await);
    everyone.extend(app.seed_people(&night, 1, |_| (None, None, None)).await);
    for p in &everyone {
        app.set_password(&p.id).await;
    }
    Small {
        hr,
        company,
        support,
        tier1,
        night,
        everyone,
    }
}

/// HR's view: the anonymous suggestions listed, as (team, title).
async fn anonymous_by_team(app: &TestApp, hr: &Actor, query: &str) -> Vec<(String, String)> {
    let v = app
        .get(
            &format!("/api/v1/suggestions?limit=200{query}"),
            Some(&hr.token),
        )
        .await
        .json();
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|s| s["anonymous"] == json!(true))
        .map(|s| {
            (
                s["team_id"].as_str().unwrap_or("").to_owned(),
                s["title"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// HR's frontline insights total for a team's subtree over the last 30 days.
async fn insights_total(app: &TestApp, hr: &Actor, team: &str) -> i64 {
    let r = app
        .get(
            &format!("/api/v1/insights/frontline?team_id={team}"),
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    r.json()["total"].as_i64().unwrap_or(-1)
}

/// The attack (issue 23, 2): everyone raises one anonymous suggestion, so the number
/// that land on a team is the number of people who could have written each of them. HR
/// reads where they are filed, and the frontline insights of Support minus those of its
/// children. Under the old rule Support held exactly one — the Night desk member's,
/// attributable to them by name; now every team that holds any holds at least k.
#[tokio::test]
async fn the_lone_member_of_a_small_team_is_never_the_only_possible_author() {
    let app = spawn_app().await;
    let o = small_team_org(&app).await;
    let k = 5;
    for (i, p) in o.everyone.iter().enumerate() {
        let mut body = idea(true);
        body["title"] = json!(format!("Pain point {i}"));
        app.post("/api/v1/suggestions", Some(&p.token), body)
            .await
            .expect(201);
    }
    let lone_title = format!("Pain point {}", o.everyone.len() - 1);
    let listed = anonymous_by_team(&app, &o.hr, "").await;
    assert_eq!(listed.len(), o.everyone.len());
    let mut per_team: std::collections::HashMap<&str, usize> = Default::default();
    for (team, _) in &listed {
        *per_team.entry(team.as_str()).or_default() += 1;
    }
    let (lone_team, _) = listed
        .iter()
        .find(|(_, t)| *t == lone_title)
        .expect("the lone member's suggestion");
    assert!(
        per_team[lone_team.as_str()] >= k,
        "the lone member's suggestion is filed at {lone_team} (Support is {}) with {} \
         possible author(s): HR knows who wrote it",
        o.support,
        per_team[lone_team.as_str()]
    );
    for (team, n) in &per_team {
        assert!(*n >= k, "{team} holds the suggestions of {n} < {k} people");
    }
    // Filed at the nearest team whose catchment holds k: Company (its 5 and the lone one).
    assert_eq!(lone_team, &o.company);
    assert_eq!(per_team.get(o.tier1.as_str()), Some(&5));
    assert_eq!(per_team.get(o.support.as_str()), None);
    // Differencing the insights: what is filed at Support itself is none or ≥ k.
    let support = insights_total(&app, &o.hr, &o.support).await;
    let below =
        insights_total(&app, &o.hr, &o.tier1).await + insights_total(&app, &o.hr, &o.night).await;
    let at_support = support - below;
    assert!(
        at_support == 0 || at_support >= k as i64,
        "Support's own suggestions: {at_support}"
    );
    assert_eq!(insights_total(&app, &o.hr, &o.night).await, 0);
    assert_eq!(insights_total(&app, &o.hr, &o.company).await, 11);
    // The same for the list filtered by team.
    assert!(
        anonymous_by_team(&app, &o.hr, &format!("&team_id={}", o.night))
            .await
            .is_empty()
    );
}

/// A suggestion filed under the old rule (at Support, where only the Night desk member
/// filed) is shown and counted where its catchment holds k now: at Company, in lists,
/// in the insights and to a manager answering it.
#[tokio::test]
async fn an_anonymous_suggestion_filed_under_the_old_rule_is_rolled_up_where_k_can_have_written_it()
{
    let app = spawn_app().await;
    let o = small_team_org(&app).await;
    let today = chrono::Utc::now().date_naive();
    let id = uuid::Uuid::new_v4().to_string();
    let (sid, team) = (id.clone(), o.support.clone());
    app.state
        .db
        .write(move |conn| {
            use pulseline::db::schema::suggestions as s;
            diesel::insert_into(s::table)
                .values((
                    s::id.eq(&sid),
                    s::team_id.eq(&team),
                    s::author_id.eq(None::<String>),
                    s::title.eq("Night shift handover loses tickets"),
                    s::body.eq("Tickets opened at night are lost at the morning handover."),
                    s::touchpoint.eq("support"),
                    s::anonymous.eq(true),
                    s::status.eq("new"),
                    s::votes.eq(0),
                    s::created_on.eq(today),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("insert");
    let r = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&o.hr.token))
        .await;
    r.expect(200);
    assert_eq!(r.json()["team_id"], json!(o.company), "not Support");
    assert_eq!(r.json()["team"], json!("Company"));
    assert_eq!(
        anonymous_by_team(&app, &o.hr, "").await,
        vec![(
            o.company.clone(),
            "Night shift handover loses tickets".to_owned()
        )]
    );
    assert!(
        anonymous_by_team(&app, &o.hr, &format!("&team_id={}", o.support))
            .await
            .is_empty()
    );
    assert_eq!(insights_total(&app, &o.hr, &o.support).await, 0);
    assert_eq!(insights_total(&app, &o.hr, &o.company).await, 1);
    // Support's manager no longer answers it as their team's; Company's does.
    let reply = json!({"status": "acknowledged", "reply": "We will look at the handover."});
    let support_manager = app.manager_of(&o.hr, &o.support).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&support_manager.token),
        reply.clone(),
    )
    .await
    .expect(403);
    let company_manager = app.manager_of(&o.hr, &o.company).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&company_manager.token),
        reply,
    )
    .await
    .expect(200);
}

/// A top-level tree with fewer than k people who could write one cannot receive an
/// anonymous suggestion: it is refused with the reason, and a signed one still goes.
#[tokio::test]
async fn an_organisation_too_small_for_anonymous_suggestions_refuses_them() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let desk = app.create_team(&hr, "Desk", None, "frontline").await;
    // Four activated members, and one who never activated: 4 < k = 5.
    let staff = app.seed_people(&desk, 5, |_| (None, None, None)).await;
    for p in &staff[..4] {
        app.set_password(&p.id).await;
    }
    let r = app
        .post("/api/v1/suggestions", Some(&staff[0].token), idea(true))
        .await;
    r.expect(422);
    assert_eq!(r.field(), "anonymous");
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("at least 5 people"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("suggestions").await, 0);
    app.post("/api/v1/suggestions", Some(&staff[0].token), idea(false))
        .await
        .expect(201);
    // Once the fifth activates, the team holds k and takes anonymous suggestions.
    app.set_password(&staff[4].id).await;
    let r = app
        .post("/api/v1/suggestions", Some(&staff[0].token), idea(true))
        .await;
    r.expect(201);
    assert_eq!(r.json()["team_id"], json!(desk));
}

/// The attack (issue 15, 7, in a forest): Legal, a top-level tree, has two people who
/// could write an anonymous suggestion. Filed at Legal, HR would know it is one of two.
/// It goes to the organisation as a whole instead — stored with no team at all, so a copy
/// of the database does not say which tree it came from — and the organisation takes in
/// the smallest pool kept below it (Sales), so its catchment holds k. The old rule
/// refused it (422).
#[tokio::test]
async fn a_top_level_tree_too_small_to_hide_its_author_files_at_the_organisation() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let legal = app.create_team(&hr, "Legal", None, "internal").await;
    let sellers = app.seed_people(&sales, 6, |_| (None, None, None)).await;
    let lawyers = app.seed_people(&legal, 2, |_| (None, None, None)).await;
    for p in sellers.iter().chain(&lawyers) {
        app.set_password(&p.id).await;
    }
    let mut body = idea(true);
    body["title"] = json!("Contract review takes weeks");
    let r = app
        .post("/api/v1/suggestions", Some(&lawyers[0].token), body)
        .await;
    r.expect(201);
    assert_eq!(r.json()["team_id"], json!(null), "{}", r.text());
    assert_eq!(r.json()["team"], json!(null));
    let id = r.json()["id"].as_str().expect("id").to_owned();
    // What a copy of the database holds: no team.
    let stored = {
        let id = id.clone();
        app.state
            .db
            .read(move |conn| {
                use pulseline::db::schema::suggestions as s;
                Ok(s::table
                    .find(&id)
                    .select(s::team_id)
                    .first::<Option<String>>(conn)?)
            })
            .await
            .expect("row")
    };
    assert_eq!(stored, None);
    // Sales' people file there too now (the organisation took in their pool): 8 ≥ 5.
    let r = app
        .post("/api/v1/suggestions", Some(&sellers[0].token), idea(true))
        .await;
    r.expect(201);
    assert_eq!(r.json()["team_id"], json!(null));
    // Signed suggestions stay at their team.
    let r = app
        .post("/api/v1/suggestions", Some(&lawyers[1].token), idea(false))
        .await;
    r.expect(201);
    assert_eq!(r.json()["team_id"], json!(legal));

    // Shown at the organisation: in every unfiltered list (a seller sees it), never
    // under Legal, not in Legal's insights; counted in the whole organisation's.
    let seller_list = app
        .get("/api/v1/suggestions?limit=50", Some(&sellers[3].token))
        .await;
    seller_list.expect(200);
    assert!(
        seller_list.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["id"] == json!(id)),
        "{}",
        seller_list.text()
    );
    assert_eq!(
        anonymous_by_team(&app, &hr, "")
            .await
            .iter()
            .filter(|(team, _)| team.is_empty())
            .count(),
        2
    );
    assert!(
        anonymous_by_team(&app, &hr, &format!("&team_id={legal}"))
            .await
            .is_empty()
    );
    assert_eq!(insights_total(&app, &hr, &legal).await, 1, "the signed one");
    let whole = app.get("/api/v1/insights/frontline", Some(&hr.token)).await;
    whole.expect(200);
    assert_eq!(whole.json()["total"], json!(3));
    // Legal's manager does not answer it as their team's; HR does.
    let reply = json!({"status": "acknowledged", "reply": "We will look at contract review."});
    let legal_manager = app.manager_of(&hr, &legal).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&legal_manager.token),
        reply.clone(),
    )
    .await
    .expect(403);
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&hr.token),
        reply,
    )
    .await
    .expect(200);
}

async fn raise(app: &TestApp, by: &Actor, anonymous: bool) -> String {
    let r = app
        .post("/api/v1/suggestions", Some(&by.token), idea(anonymous))
        .await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

/// A reply reaches a signed author by e-mail, in their language, with the suggestion's
/// link and its new status — once per reply. An anonymous author gets nothing (a
/// message would name them), nor does a manager replying to their own suggestion.
#[tokio::test]
async fn a_signed_author_hears_of_a_reply_and_an_anonymous_one_does_not() {
    use crate::mail::{Sink, drained, mail_config, start_sender};
    let sink = Sink::start();
    let app = spawn_app_with(mail_config(&sink)).await;
    let o = org(&app).await;
    let tier1 = app.seed_people(&o.tier1, 2, |_| (None, None, None)).await;
    let support = app.seed_people(&o.support, 4, |_| (None, None, None)).await;
    for p in tier1.iter().chain(&support) {
        app.set_password(&p.id).await;
    }
    let (signer, hidden) = (&tier1[0], &tier1[1]);
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", signer.id),
        Some(&o.hr.token),
        json!({"language": "ru"}),
    )
    .await
    .expect(200);
    let signed = raise(&app, signer, false).await;
    let anonymous = raise(&app, hidden, true).await;
    let manager = app.manager_of(&o.hr, &o.support).await;
    let own = raise(&app, &manager, false).await;
    for id in [&signed, &anonymous, &own] {
        app.json(
            Method::PATCH,
            &format!("/api/v1/suggestions/{id}"),
            Some(&manager.token),
            json!({"status": "acknowledged", "reply": "Thanks, we are looking into refunds."}),
        )
        .await
        .expect(200);
    }
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{signed}"),
        Some(&manager.token),
        json!({"status": "in_progress", "reply": "The new refund queue starts on Monday."}),
    )
    .await
    .expect(200);
    let s = start_sender(&app);
    drained(&app, 20).await;
    s.stop().await;

    let link = format!("http://pulse.test/suggestions/{signed}");
    let told = sink.to(&signer.email, &link);
    assert_eq!(
        told.len(),
        2,
        "one message per reply: {:?}",
        sink.messages()
    );
    let subjects: Vec<&str> = told.iter().filter_map(|m| m["subject"].as_str()).collect();
    assert!(
        subjects
            .iter()
            .all(|s| s.contains("Ответ на ваше предложение «Refund delays»")),
        "{subjects:?}"
    );
    let texts: String = told.iter().map(|m| m.to_string()).collect();
    assert!(
        texts.contains("принято к рассмотрению") && texts.contains("в работе"),
        "{texts}"
    );
    assert!(
        !texts.contains("refund queue starts"),
        "the reply itself stays behind the link"
    );
    // Nobody else hears of these replies: not the anonymous author, not the manager.
    assert!(
        sink.to(&hidden.email, "/suggestions/").is_empty(),
        "{:?}",
        sink.messages()
    );
    assert!(
        sink.to(&manager.email, "/suggestions/").is_empty(),
        "{:?}",
        sink.messages()
    );
    let kinds: i64 = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::outbox;
            Ok(outbox::table
                .filter(outbox::kind.eq("suggestion_reply"))
                .count()
                .get_result(conn)?)
        })
        .await
        .expect("count");
    assert_eq!(kinds, 2);
}

/// The anonymous author answers back with the follow-up code (the same conversations
/// API as a pulse comment's code): the manager sees the answers in the suggestion's
/// thread, in the order they were written, without a name; either side closes it.
#[tokio::test]
async fn an_anonymous_author_answers_back_by_code_and_closes_the_conversation() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let tier1 = app.seed_people(&o.tier1, 2, |_| (None, None, None)).await;
    let support = app.seed_people(&o.support, 4, |_| (None, None, None)).await;
    for p in tier1.iter().chain(&support) {
        app.set_password(&p.id).await;
    }
    let author = &tier1[0];
    let r = app
        .post("/api/v1/suggestions", Some(&author.token), idea(true))
        .await;
    r.expect(201);
    let code = r.json()["followup_code"].as_str().expect("code").to_owned();
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let manager = app.manager_of(&o.hr, &o.support).await;
    let reply = |status: &'static str, text: &'static str| {
        let (app, token, id) = (&app, manager.token.clone(), id.clone());
        async move {
            app.json(
                Method::PATCH,
                &format!("/api/v1/suggestions/{id}"),
                Some(&token),
                json!({"status": status, "reply": text}),
            )
            .await
            .expect(200);
        }
    };
    let conv = format!("/api/v1/conversations/{code}");
    let c = app.get(&conv, None).await;
    c.expect(200);
    assert_eq!(c.json()["kind"], json!("suggestion"));
    assert_eq!(c.json()["threads"][0]["about"], json!("Refund delays"));
    assert_eq!(c.json()["threads"][0]["messages"], json!([]));
    reply("acknowledged", "Which customers wait longest?").await;
    app.post(
        &conv,
        None,
        json!({"text": "Business customers paying by invoice."}),
    )
    .await
    .expect(200);
    reply("in_progress", "Thanks, we are fixing invoices first.").await;
    let c = app.get(&conv, None).await.json();
    let thread: Vec<(String, String)> = c["threads"][0]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap_or("").to_owned(),
                m["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        thread,
        [
            ("manager".into(), "Which customers wait longest?".into()),
            (
                "author".into(),
                "Business customers paying by invoice.".into()
            ),
            (
                "manager".into(),
                "Thanks, we are fixing invoices first.".into()
            ),
        ]
    );
    // The manager's view of the suggestion: the author's answer after the first reply.
    let s = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&manager.token))
        .await;
    s.expect(200);
    let s = s.json();
    assert_eq!(
        s["author_answers"],
        json!([{"text": "Business customers paying by invoice.",
                "written_on": chrono::Utc::now().date_naive().to_string(),
                "after_replies": 1}])
    );
    assert_eq!(s["author_closed"], json!(false));
    assert!(!s.to_string().contains(&author.id) && !s.to_string().contains(&author.email));
    // The author closes it; nothing more can be written by code.
    let r = app.post(&conv, None, json!({"close": true})).await;
    r.expect(200);
    assert_eq!(r.json()["threads"][0]["closed_by"], json!("author"));
    app.post(&conv, None, json!({"text": "One more detail here."}))
        .await
        .expect(409);
    let s = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&manager.token))
        .await
        .json();
    assert_eq!(s["author_closed"], json!(true));
    // A code of the earlier form (URL-safe base64, hashed as given) still opens its
    // suggestion, by both paths.
    assert_eq!(
        code.split('-').map(str::len).collect::<Vec<_>>(),
        [4, 4, 4, 4, 4]
    );
    let legacy = "Zq3xK9v_pL2mN8bR4tY6wA1cE5gH7jD0";
    app.state
        .db
        .write({
            let id = id.clone();
            move |conn| {
                use pulseline::db::schema::suggestions as s;
                use sha2::Digest;
                let hash = hex::encode(sha2::Sha256::digest(legacy.as_bytes()));
                diesel::update(s::table.find(&id))
                    .set(s::followup_hash.eq(Some(hash)))
                    .execute(conn)?;
                Ok(())
            }
        })
        .await
        .expect("legacy hash");
    app.get(
        &format!("/api/v1/suggestions/followup/{legacy}"),
        Some(&author.token),
    )
    .await
    .expect(200);
    let c = app
        .get(&format!("/api/v1/conversations/{legacy}"), None)
        .await;
    c.expect(200);
    assert_eq!(c.json()["threads"][0]["id"], json!(id));
    // A signed suggestion has no conversation by code, and a wrong code opens nothing.
    let signed = app
        .post("/api/v1/suggestions", Some(&author.token), idea(false))
        .await;
    signed.expect(201);
    app.get("/api/v1/conversations/not-a-code-at-all", None)
        .await
        .expect(404);
}

/// A suggestion done or declined closes its conversation for the author too.
#[tokio::test]
async fn a_declined_suggestion_closes_its_conversation() {
    let app = spawn_app().await;
    let o = org(&app).await;
    let tier1 = app.seed_people(&o.tier1, 2, |_| (None, None, None)).await;
    let support = app.seed_people(&o.support, 4, |_| (None, None, None)).await;
    for p in tier1.iter().chain(&support) {
        app.set_password(&p.id).await;
    }
    let r = app
        .post("/api/v1/suggestions", Some(&tier1[0].token), idea(true))
        .await;
    r.expect(201);
    let code = r.json()["followup_code"].as_str().expect("code").to_owned();
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let manager = app.manager_of(&o.hr, &o.support).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/suggestions/{id}"),
        Some(&manager.token),
        json!({"status": "declined", "reply": "Refunds are handled by the bank."}),
    )
    .await
    .expect(200);
    let conv = format!("/api/v1/conversations/{code}");
    let c = app.get(&conv, None).await.json();
    assert_eq!(c["threads"][0]["closed"], json!(true));
    assert_eq!(c["threads"][0]["closed_by"], json!("manager"));
    app.post(&conv, None, json!({"text": "Confirmed, thank you."}))
        .await
        .expect(409);
}
