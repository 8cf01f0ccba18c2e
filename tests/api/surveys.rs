//! Pulse surveys: building them, rounds on schedule and by hand, answering once, and a
//! storage that forgets who answered.

use std::time::Duration;

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

pub(crate) fn survey_body(team_ids: &[&str], cuts: &[&str]) -> Value {
    json!({
        "title": "Autumn pulse",
        "questions": [
            {"bank_item": "eo_proud"},
            {"bank_item": "eo_enps"},
            {"kind": "choice", "driver": "voice", "text": "Which channel do you prefer?",
             "text_ru": "Какой канал вам удобнее?", "options": ["Chat", "Mail"], "required": false},
            {"kind": "text", "driver": "voice", "text": "Anything else?"}
        ],
        "audience": {"team_ids": team_ids},
        "cuts": cuts,
        "schedule": {"starts_on": today(), "cadence": "monthly", "window_days": 7}
    })
}

pub(crate) struct Pulse {
    pub round: String,
    pub likert: String,
    pub enps: String,
    pub choice: String,
    pub text: String,
}

pub(crate) async fn create_survey(app: &TestApp, hr: &Actor, body: Value) -> String {
    let r = app.post("/api/v1/surveys", Some(&hr.token), body).await;
    r.expect(201);
    r.json()["id"].as_str().expect("id").to_owned()
}

pub(crate) async fn open_round(app: &TestApp, hr: &Actor, survey: &str) -> Pulse {
    let round = app.open_round_now(hr, survey).await;
    let s = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    let q = |i: usize| {
        s["questions"][i]["id"]
            .as_str()
            .expect("question id")
            .to_owned()
    };
    Pulse {
        round,
        likert: q(0),
        enps: q(1),
        choice: q(2),
        text: q(3),
    }
}

/// An app with one frontline team of `n` seeded people and an open round of a survey for
/// that team: (app, its HR actor, the team, the people, the round).
pub(crate) async fn team_with_open_round(n: usize) -> (TestApp, Actor, String, Vec<Actor>, Pulse) {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, n, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    (app, hr, team, staff, p)
}

pub(crate) fn answers(p: &Pulse, likert: u8, text: Option<&str>) -> Value {
    let mut a = vec![
        json!({"question_id": p.likert, "value": likert}),
        json!({"question_id": p.enps, "value": 9}),
        json!({"question_id": p.choice, "choice": "Chat"}),
    ];
    if let Some(t) = text {
        a.push(json!({"question_id": p.text, "text": t}));
    }
    json!({ "answers": a })
}

/// The sealed ballots of `round`, opened with the round's key (what the close does).
pub(crate) async fn open_ballots(
    app: &TestApp,
    round: &str,
) -> Vec<pulseline::surveys::ballot::Ballot> {
    let round = round.to_owned();
    let key = app.state.master.round_key(&round);
    app.state
        .db
        .read(move |conn| {
            use pulseline::db::schema::ballots;
            let sealed: Vec<Vec<u8>> = ballots::table
                .filter(ballots::round_id.eq(&round))
                .select(ballots::sealed)
                .load(conn)?;
            Ok(sealed
                .iter()
                .map(|b| pulseline::surveys::ballot::open(&key, &round, b).expect("opens"))
                .collect())
        })
        .await
        .expect("ballots")
}

/// HR closes the round now: its ballots are opened and written as responses.
pub(crate) async fn close_round(app: &TestApp, hr: &Actor, p: &Pulse) {
    app.close_round_now(hr, &p.round).await;
}

pub(crate) async fn submit(app: &TestApp, who: &Actor, p: &Pulse, body: Value) -> Resp {
    app.post(
        &format!("/api/v1/rounds/{}/responses", p.round),
        Some(&who.token),
        body,
    )
    .await
}

#[tokio::test]
async fn the_question_bank_covers_every_driver_in_both_languages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let en = app
        .get("/api/v1/question-bank", Some(&hr.token))
        .await
        .json();
    let ru = app
        .get("/api/v1/question-bank?lang=ru", Some(&hr.token))
        .await
        .json();
    let en = en.as_array().expect("list");
    let ru = ru.as_array().expect("list");
    assert_eq!(en.len(), ru.len());
    for driver in [
        "engagement_outcome",
        "recognition",
        "growth",
        "manager_support",
        "workload_wellbeing",
        "autonomy",
        "alignment",
        "peer_relations",
        "customer_focus",
        "voice",
    ] {
        let n = en.iter().filter(|q| q["driver"] == json!(driver)).count();
        let min = if driver == "engagement_outcome" { 5 } else { 3 };
        assert!(n >= min, "{driver} has {n} items");
    }
    let enps = en
        .iter()
        .find(|q| q["kind"] == json!("scale11"))
        .expect("eNPS item");
    assert_eq!(
        enps["text"],
        json!("How likely are you to recommend this company as a place to work?")
    );
    assert!(ru.iter().all(|q| {
        q["text"]
            .as_str()
            .unwrap_or("")
            .chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
    }));
    app.get("/api/v1/question-bank?lang=de", Some(&hr.token))
        .await
        .expect(400);
}

#[tokio::test]
async fn an_employee_answers_an_open_round_once() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let other = app.create_team(&hr, "Sales", None, "frontline").await;
    let staff = app.seed_people(&team, 6, |_| (None, None, None)).await;
    let outsider = app
        .seed_people(&other, 1, |_| (None, None, None))
        .await
        .remove(0);
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(&app, &hr, &survey).await;

    let pulses = app.get("/api/v1/me/pulses", Some(&staff[0].token)).await;
    pulses.expect(200);
    let pulses = pulses.json();
    assert_eq!(pulses.as_array().map(Vec::len), Some(1));
    assert_eq!(pulses[0]["round_id"], json!(p.round));
    assert_eq!(pulses[0]["questions"].as_array().map(Vec::len), Some(4));
    assert_eq!(pulses[0]["min_group"], json!(5));

    let r = submit(&app, &staff[0], &p, answers(&p, 4, Some("more coffee"))).await;
    r.expect(201);
    assert_eq!(r.json(), json!({"status": "recorded"}));
    assert_eq!(
        app.get("/api/v1/me/pulses", Some(&staff[0].token))
            .await
            .json(),
        json!([])
    );
    submit(&app, &staff[0], &p, answers(&p, 4, None))
        .await
        .expect(409);
    // While the round is open the answer is one sealed ballot, no plaintext row.
    assert_eq!(app.count("ballots").await, 1);
    assert_eq!(app.count("responses").await, 0);

    // Outside the audience: nothing to answer, and answering is forbidden.
    assert_eq!(
        app.get("/api/v1/me/pulses", Some(&outsider.token))
            .await
            .json(),
        json!([])
    );
    submit(&app, &outsider, &p, answers(&p, 4, None))
        .await
        .expect(403);

    // Closed early by HR: later answers are refused.
    close_round(&app, &hr, &p).await;
    submit(&app, &staff[1], &p, answers(&p, 4, None))
        .await
        .expect(409);
    // One answer is fewer than k: at close the ballot is deleted unopened; that they
    // answered stays known, what they answered is never written.
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("responses").await, 0);
    assert_eq!(app.count("participation").await, 1);
    assert_eq!(app.count("answers").await, 0);
}

#[tokio::test]
async fn a_token_revoked_by_logout_cannot_answer_and_writes_nothing() {
    // Answering checks the token's signature up front and whether the database still
    // honours it inside the same database call as the answering reads: both must hold.
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 6, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(&app, &hr, &survey).await;

    app.send(
        Method::POST,
        "/api/v1/auth/logout",
        Some(&staff[0].token),
        None,
    )
    .await
    .expect(204);
    submit(&app, &staff[0], &p, answers(&p, 4, None))
        .await
        .expect(401);
    let forged = Actor {
        token: format!("{}x", staff[1].token),
        ..staff[1].clone()
    };
    submit(&app, &forged, &p, answers(&p, 4, None))
        .await
        .expect(401);
    // Even an over-long answer list is refused for the token, not for its length.
    let many: Vec<Value> = (0..61)
        .map(|i| json!({"question_id": format!("q{i}"), "value": 3}))
        .collect();
    submit(&app, &staff[0], &p, json!({ "answers": many }))
        .await
        .expect(401);
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("participation").await, 0);

    // A colleague whose token is honoured answers.
    submit(&app, &staff[1], &p, answers(&p, 4, None))
        .await
        .expect(201);
    assert_eq!(app.count("ballots").await, 1);
}

#[tokio::test]
async fn answering_reads_the_tokens_standing_and_this_rounds_invitation_together() {
    // One query answers "is the token honoured?" and "is this person invited to this
    // round, and have they answered it?": each part must still be able to refuse.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let staff = app.seed_people(&support, 6, |_| (None, None, None)).await;
    app.seed_people(&sales, 5, |_| (None, None, None)).await;
    let ours = open_round(
        &app,
        &hr,
        &create_survey(&app, &hr, survey_body(&[&support], &[])).await,
    )
    .await;
    let theirs = open_round(
        &app,
        &hr,
        &create_survey(&app, &hr, survey_body(&[&sales], &[])).await,
    )
    .await;

    // Invited to one open round only: the other round is forbidden to them.
    submit(&app, &staff[0], &theirs, answers(&theirs, 4, None))
        .await
        .expect(403);
    // A deactivated person's token is refused before anything else is looked at.
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{}", staff[1].id),
        Some(&admin.token),
        None,
    )
    .await
    .expect(204);
    submit(&app, &staff[1], &ours, answers(&ours, 4, None))
        .await
        .expect(401);
    // A token issued at another token version (as after a password change) is refused.
    let stale = Actor {
        token: app.state.tokens.issue(&staff[2].id, 1).expect("token"),
        ..staff[2].clone()
    };
    submit(&app, &stale, &ours, answers(&ours, 4, None))
        .await
        .expect(401);
    // A token for nobody the database knows is refused too.
    let nobody = Actor {
        token: app.state.tokens.issue("no-such-person", 0).expect("token"),
        ..staff[3].clone()
    };
    submit(&app, &nobody, &ours, answers(&ours, 4, None))
        .await
        .expect(401);
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("participation").await, 0);

    // The invited, honoured token answers once; the sealed ballot carries the
    // invitation's team.
    submit(&app, &staff[0], &ours, answers(&ours, 4, None))
        .await
        .expect(201);
    submit(&app, &staff[0], &ours, answers(&ours, 4, None))
        .await
        .expect(409);
    let teams: Vec<String> = open_ballots(&app, &ours.round)
        .await
        .into_iter()
        .map(|b| b.team_id)
        .collect();
    assert_eq!(teams, vec![support.clone()]);
}

#[tokio::test]
async fn every_invalid_answer_names_the_question_and_writes_nothing() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 5, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    let cases = vec![
        (
            json!({"answers": [{"question_id": p.enps, "value": 9}]}),
            format!("answers.{}", p.likert),
        ),
        (
            json!({"answers": [{"question_id": p.likert, "value": 6}, {"question_id": p.enps, "value": 9}]}),
            format!("answers.{}", p.likert),
        ),
        (
            json!({"answers": [{"question_id": p.likert, "value": 3}, {"question_id": p.enps, "value": 11}]}),
            format!("answers.{}", p.enps),
        ),
        (
            json!({"answers": [{"question_id": p.likert, "value": 3}, {"question_id": p.enps, "value": 9}, {"question_id": p.choice, "choice": "Fax"}]}),
            format!("answers.{}", p.choice),
        ),
        (
            json!({"answers": [{"question_id": p.likert, "value": 3}, {"question_id": p.enps, "value": 9}, {"question_id": p.text, "text": "x".repeat(2001)}]}),
            format!("answers.{}", p.text),
        ),
        (
            json!({"answers": [{"question_id": "nope", "value": 3}]}),
            "answers[0].question_id".to_owned(),
        ),
        (
            json!({"answers": [{"question_id": p.likert, "value": "3"}]}),
            "answers[0].value".to_owned(),
        ),
    ];
    for (body, field) in cases {
        let r = submit(&app, &staff[0], &p, body.clone()).await;
        r.expect(422);
        assert_eq!(r.field(), field, "{body}");
    }
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("participation").await, 0);
    // And the person can still answer properly afterwards.
    submit(&app, &staff[0], &p, answers(&p, 5, None))
        .await
        .expect(201);
}

#[tokio::test]
async fn survey_definitions_are_validated_with_the_field_named() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let mut many = survey_body(&[], &[]);
    many["questions"] = json!(
        (0..61)
            .map(|i| json!({"kind": "likert5", "driver": "growth", "text": format!("Q{i}")}))
            .collect::<Vec<_>>()
    );
    let cases = vec![
        (
            json!({"kind": "choice", "driver": "voice", "text": "Pick"}),
            "questions[0].options",
        ),
        (
            json!({"kind": "likert5", "driver": "happiness", "text": "Hm"}),
            "questions[0].driver",
        ),
        (
            json!({"bank_item": "no_such_item"}),
            "questions[0].bank_item",
        ),
        (
            json!({"kind": "likert5", "driver": "voice", "text": ""}),
            "questions[0].text",
        ),
        (
            json!({"kind": "text", "driver": "voice", "text": "Why", "options": ["a", "b"]}),
            "questions[0].options",
        ),
    ];
    for (q, field) in cases {
        let mut body = survey_body(&[], &[]);
        body["questions"] = json!([q]);
        let r = app.post("/api/v1/surveys", Some(&hr.token), body).await;
        r.expect(422);
        assert_eq!(r.field(), field);
    }
    let mut body = survey_body(&[], &[]);
    body["schedule"] = json!({"starts_on": today(), "cadence": "weekly", "window_days": 8});
    let r = app.post("/api/v1/surveys", Some(&hr.token), body).await;
    r.expect(422);
    assert_eq!(r.field(), "schedule.window_days");
    let mut body = survey_body(&[], &[]);
    body["title"] = json!("  ");
    assert_eq!(
        app.post("/api/v1/surveys", Some(&hr.token), body)
            .await
            .field(),
        "title"
    );
    assert_eq!(
        app.post("/api/v1/surveys", Some(&hr.token), many)
            .await
            .field(),
        "questions"
    );
    let mut body = survey_body(&[], &[]);
    body["min_group"] = json!(2);
    assert_eq!(
        app.post("/api/v1/surveys", Some(&hr.token), body)
            .await
            .field(),
        "min_group"
    );
    let mut body = survey_body(&["no-such-team"], &[]);
    body["cuts"] = json!(["location"]);
    assert_eq!(
        app.post("/api/v1/surveys", Some(&hr.token), body)
            .await
            .field(),
        "audience.team_ids[0]"
    );
    assert_eq!(app.count("surveys").await, 0);
    // Employees cannot build surveys.
    let emp = app.employee(&hr, None).await;
    app.post("/api/v1/surveys", Some(&emp.token), survey_body(&[], &[]))
        .await
        .expect(403);
}

#[tokio::test]
async fn questions_cuts_and_k_freeze_when_the_first_round_opens() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let survey = create_survey(&app, &hr, survey_body(&[], &["location"])).await;
    let path = format!("/api/v1/surveys/{survey}");
    app.json(
        Method::PATCH,
        &path,
        Some(&hr.token),
        json!({"min_group": 7}),
    )
    .await
    .expect(200);
    open_round(&app, &hr, &survey).await;
    for body in [
        json!({"min_group": 8}),
        json!({"cuts": []}),
        json!({"questions": [{"bank_item": "eo_stay"}]}),
    ] {
        app.json(Method::PATCH, &path, Some(&hr.token), body)
            .await
            .expect(409);
    }
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&hr.token),
            json!({"title": "Renamed"}),
        )
        .await;
    r.expect(200);
    let s = r.json();
    assert_eq!(s["frozen"], json!(true));
    assert_eq!(s["min_group"], json!(7));
    assert_eq!(s["title"], json!("Renamed"));
    // A second round cannot open while one is open.
    app.send(
        Method::POST,
        &format!("{path}/rounds"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(409);
}

#[tokio::test]
async fn two_schedulers_racing_open_exactly_one_round() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create_survey(&app, &hr, survey_body(&[], &[])).await);
    }
    // A second application instance on the same database, as another replica would be.
    let config = test_config(&app.database_url);
    let other = pulseline::startup::build_state(&config)
        .await
        .expect("second instance");
    let now = pulseline::clock::now();
    let (a, b) = (app.state.db.clone(), other.db.clone());
    let t1 = std::thread::spawn(move || pulseline::surveys::round_opener::tick(&a, now));
    let t2 = std::thread::spawn(move || pulseline::surveys::round_opener::tick(&b, now));
    let opened =
        t1.join().expect("thread").expect("tick") + t2.join().expect("thread").expect("tick");
    assert_eq!(opened, 5);
    assert_eq!(app.count("rounds").await, 5);
    // A later pass opens nothing more.
    assert_eq!(
        pulseline::surveys::round_opener::tick(&other.db, now).expect("tick"),
        0
    );
    for id in ids {
        let rounds = app
            .get(&format!("/api/v1/surveys/{id}/rounds"), Some(&hr.token))
            .await
            .json();
        assert_eq!(rounds.as_array().map(Vec::len), Some(1));
        assert_eq!(rounds[0]["status"], json!("open"));
        assert_eq!(rounds[0]["invited"], json!(5));
    }
}

#[tokio::test]
async fn a_scheduled_round_opens_only_inside_its_window() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let mut body = survey_body(&[], &[]);
    body["schedule"] = json!({"starts_on": "2030-01-31", "cadence": "monthly", "window_days": 3});
    create_survey(&app, &hr, body).await;
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    let tick = |t| pulseline::surveys::round_opener::tick(&app.state.db, at(t)).expect("tick");
    assert_eq!(tick("2030-01-30 23:59"), 0);
    assert_eq!(tick("2030-01-31 00:00"), 1);
    assert_eq!(tick("2030-02-01 12:00"), 0, "already open");
    assert_eq!(tick("2030-02-27 12:00"), 0, "between windows");
    assert_eq!(tick("2030-02-28 00:30"), 1);
    assert_eq!(app.count("rounds").await, 2);
}

/// The walk-through's bug: a one-off survey whose round HR opened and closed by hand was
/// opened again by the schedule at once, back-dated to midnight, asking people who had
/// answered. A schedule never opens a round in a slot that already had one, opened by
/// hand or not, and *once* means once.
#[tokio::test]
async fn a_round_opened_and_closed_by_hand_is_not_opened_again_by_the_schedule() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let today = pulseline::clock::today().to_string();
    let tick = |t| pulseline::surveys::round_opener::tick(&app.state.db, t).expect("tick");
    for cadence in ["once", "monthly"] {
        let mut body = survey_body(&[], &[]);
        body["schedule"] = json!({"starts_on": today, "cadence": cadence, "window_days": 7});
        let survey = create_survey(&app, &hr, body).await;
        let round = app.open_round_now(&hr, &survey).await;
        app.send(
            Method::POST,
            &format!("/api/v1/rounds/{round}/close"),
            Some(&hr.token),
            None,
        )
        .await
        .expect(200);
        assert_eq!(
            tick(pulseline::clock::now()),
            0,
            "{cadence}: the slot had its round"
        );
        let rounds = app
            .get(&format!("/api/v1/surveys/{survey}/rounds"), Some(&hr.token))
            .await
            .json();
        assert_eq!(
            rounds.as_array().map(Vec::len),
            Some(1),
            "{cadence}: {rounds}"
        );
        // Past this slot's window: a one-off survey stays done; a monthly one opens its
        // next occurrence.
        let next_month = pulseline::clock::now() + chrono::TimeDelta::days(32);
        let expected = usize::from(cadence == "monthly");
        assert_eq!(tick(next_month), expected, "{cadence} a month later");
    }
}

/// The segment values the round's ballots carry (generalised when the round opened, by
/// invitees), ordered by location.
async fn stored_locations(
    app: &TestApp,
    p: &Pulse,
) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    let mut v: Vec<_> = open_ballots(app, &p.round)
        .await
        .into_iter()
        .map(|b| (b.location, b.job_family, b.tenure))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_lone_berliner_in_a_team_of_six_is_stored_as_other() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app
        .seed_people(&team, 6, |i| {
            (
                Some(if i == 5 { "Berlin" } else { "Paris" }.into()),
                None,
                None,
            )
        })
        .await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &["location", "tenure"])).await;
    let p = open_round(&app, &hr, &survey).await;
    submit(&app, &staff[5], &p, answers(&p, 3, None))
        .await
        .expect(201);
    let stored = stored_locations(&app, &p).await;
    assert_eq!(stored[0].0.as_deref(), Some("other"));
    // Job family is not collected by this survey; tenure is, and nobody has a start date.
    assert!(
        stored
            .iter()
            .all(|r| r.1.is_none() && r.2.as_deref() == Some("other"))
    );
    // "other" alone would still be one person, so Paris is generalised too: with k = 5
    // nothing below the team survives in a team of six split 5 + 1.
    submit(&app, &staff[0], &p, answers(&p, 3, None))
        .await
        .expect(201);
    let stored = stored_locations(&app, &p).await;
    assert!(
        stored.iter().all(|r| r.0.as_deref() == Some("other")),
        "{stored:?}"
    );
}

#[tokio::test]
async fn the_rarest_location_is_generalised_first_and_the_rest_kept() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    // 6 in Paris, 5 in Rome, 1 in Berlin; k = 5.
    let city = |i: usize| match i {
        0..=5 => "Paris",
        6..=10 => "Rome",
        _ => "Berlin",
    };
    let staff = app
        .seed_people(&team, 12, |i| (Some(city(i).into()), None, None))
        .await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &["location"])).await;
    let p = open_round(&app, &hr, &survey).await;
    for i in [0, 6, 11] {
        submit(&app, &staff[i], &p, answers(&p, 3, None))
            .await
            .expect(201);
    }
    // Berlin goes first; the one left in "other" is still alone, so the next rarest
    // (Rome, 5 < 6) joins it; Paris (6) is kept.
    let stored: Vec<Option<String>> = stored_locations(&app, &p)
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        stored,
        vec![
            Some("Paris".into()),
            Some("other".into()),
            Some("other".into())
        ]
    );
}

#[tokio::test]
async fn participation_is_live_only_for_teams_of_k_invitees_and_reminders_stay_private() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let big = app.create_team(&hr, "Support", None, "frontline").await;
    let small = app.create_team(&hr, "Legal", None, "internal").await;
    // A third team, so that the organisation minus Support is not Legal alone (the
    // organisation's count is shown too): Ops is hidden to protect Legal.
    let ops = app.create_team(&hr, "Ops", None, "internal").await;
    let staff = app.seed_people(&big, 6, |_| (None, None, None)).await;
    app.seed_people(&small, 2, |_| (None, None, None)).await;
    app.seed_people(&ops, 5, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    for who in &staff[..3] {
        submit(&app, who, &p, answers(&p, 4, None))
            .await
            .expect(201);
    }
    let r = app
        .get(
            &format!("/api/v1/rounds/{}/participation", p.round),
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    let teams = r.json()["teams"].clone();
    let find = |id: &str| {
        teams
            .as_array()
            .and_then(|t| t.iter().find(|x| x["team_id"] == json!(id)).cloned())
            .expect("team")
    };
    assert_eq!(find(&big)["invited"], json!(6));
    assert_eq!(find(&big)["answered"], json!(3));
    assert_eq!(find(&big)["rate"], json!(0.5));
    assert_eq!(find(&small)["suppressed"], json!(true));
    assert_eq!(find(&small)["invited"], json!(null));
    assert_eq!(find(&ops)["suppressed"], json!(true));
    assert_eq!(find(&ops)["hidden"], json!("protects_smaller_group"));
    assert_eq!(find(&small)["hidden"], json!("fewer_than_min_group"));
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/rounds/{}/reminders", p.round),
            Some(&hr.token),
            None,
        )
        .await;
    r.expect(202);
    assert_eq!(r.json(), json!({"reminded": 10}));
    let emp = &staff[4];
    app.get(
        &format!("/api/v1/rounds/{}/participation", p.round),
        Some(&emp.token),
    )
    .await
    .expect(403);
}

/// Spearman's rank correlation of two equally long sequences without ties.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (pos, i) in idx.into_iter().enumerate() {
            r[i] = pos as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

async fn column_in_storage_order(app: &TestApp, sql_sqlite: &str, sql_pg: &str) -> Vec<String> {
    let (a, b) = (sql_sqlite.to_owned(), sql_pg.to_owned());
    app.state
        .db
        .read(move |conn| {
            let sql = match conn {
                pulseline::db::AnyConnection::Sqlite(_) => a,
                pulseline::db::AnyConnection::Postgresql(_) => b,
            };
            Ok(diesel::sql_query(sql)
                .load::<TextRow>(conn)?
                .into_iter()
                .map(|r| r.v)
                .collect())
        })
        .await
        .expect("query")
}

#[tokio::test]
async fn storage_forgets_who_answered_and_in_which_order() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let n = 120;
    let staff = app.seed_people(&team, n + 1, |_| (None, None, None)).await;
    let (staff, last) = staff.split_at(n);
    let last = &last[0];
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    // Answers arrive in concurrent waves of 10; each writes its answering index as the
    // free text, so storage order can be compared with answering order.
    for wave in staff.chunks(10).enumerate() {
        let (w, people) = wave;
        let results = futures_util::future::join_all(people.iter().enumerate().map(|(j, who)| {
            let i = w * 10 + j;
            submit(&app, who, &p, answers(&p, 3, Some(&i.to_string())))
        }))
        .await;
        assert!(results.iter().all(|r| r.status == 201));
    }
    // Someone answering alone, at a quiet moment, in a transaction of their own.
    submit(&app, last, &p, answers(&p, 3, Some("last")))
        .await
        .expect(201);
    // Nothing readable exists until the round closes; then one transaction writes all.
    assert_eq!(app.count("responses").await, 0);
    close_round(&app, &hr, &p).await;
    assert_eq!(app.count("responses").await, n as i64 + 1);

    // Rows come back in an order unrelated to the answering order.
    let q = &p.text;
    let plain = column_in_storage_order(
        &app,
        &format!("SELECT text AS v FROM answers WHERE question_id = '{q}'"),
        &format!("SELECT text AS v FROM answers WHERE question_id = '{q}' ORDER BY ctid"),
    )
    .await;
    // (The lone answer's text is not a number: it is left out of the ranking.)
    let order: Vec<f64> = plain.iter().filter_map(|s| s.parse::<f64>().ok()).collect();
    assert_eq!(order.len(), n);
    let arrival: Vec<f64> = (0..order.len()).map(|i| i as f64).collect();
    let rho = spearman(&arrival, &order);
    assert!(
        rho.abs() < 0.5,
        "answers come back in answering order (rho = {rho})"
    );
    let by_text: std::collections::HashMap<String, String> = column_in_storage_order(
        &app,
        &format!("SELECT response_id || ' ' || text AS v FROM answers WHERE question_id = '{q}'"),
        &format!("SELECT response_id || ' ' || text AS v FROM answers WHERE question_id = '{q}'"),
    )
    .await
    .into_iter()
    .filter_map(|s| s.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())))
    .collect();
    let responses = column_in_storage_order(
        &app,
        "SELECT id AS v FROM responses",
        "SELECT id AS v FROM responses ORDER BY ctid",
    )
    .await;
    let order: Vec<f64> = responses
        .iter()
        .filter_map(|id| by_text[id].parse::<f64>().ok())
        .collect();
    assert_eq!(order.len(), n);
    let rho = spearman(&arrival, &order);
    assert!(
        rho.abs() < 0.5,
        "responses come back in answering order (rho = {rho})"
    );

    // Participation says who answered (live, as the product promises); its order may
    // follow arrival, but nothing links it to a response: on PostgreSQL every row carries
    // the id of the transaction that wrote it (xmin), and no response shares one with a
    // participation row — not even the lone answer's.
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        let shared = column_in_storage_order(
            &app,
            "",
            "SELECT count(*)::text AS v FROM responses \
             WHERE xmin::text IN (SELECT xmin::text FROM participation)",
        )
        .await;
        assert_eq!(
            shared,
            ["0"],
            "a response shares its transaction with a participation row"
        );
    }

    // No column of responses or answers holds a person's id or a time.
    let ids: std::collections::HashSet<&str> = staff.iter().map(|a| a.id.as_str()).collect();
    for table in ["responses", "answers"] {
        let cols = column_in_storage_order(
            &app,
            &format!("SELECT name AS v FROM pragma_table_info('{table}')"),
            &format!("SELECT column_name::text AS v FROM information_schema.columns WHERE table_name = '{table}'"),
        )
        .await;
        assert!(!cols.is_empty());
        for c in &cols {
            assert!(
                !c.contains("person")
                    && !c.contains("user")
                    && !c.ends_with("_at")
                    && !c.contains("time"),
                "{table}.{c}"
            );
            let values = column_in_storage_order(
                &app,
                &format!("SELECT CAST({c} AS TEXT) AS v FROM {table} WHERE {c} IS NOT NULL"),
                &format!("SELECT CAST({c} AS TEXT) AS v FROM {table} WHERE {c} IS NOT NULL"),
            )
            .await;
            assert!(
                values.iter().all(|v| !ids.contains(v.as_str())),
                "{table}.{c} holds a person id"
            );
        }
    }
    let cols = column_in_storage_order(
        &app,
        "SELECT name AS v FROM pragma_table_info('participation')",
        "SELECT column_name::text AS v FROM information_schema.columns WHERE table_name = 'participation' ORDER BY column_name",
    )
    .await;
    let mut cols = cols;
    cols.sort();
    assert_eq!(cols, vec!["person_id", "round_id"]);
    // On SQLite the three tables keep no rowid.
    if matches!(app.state.db.backend(), pulseline::db::Backend::Sqlite) {
        let sql = column_in_storage_order(
            &app,
            "SELECT sql AS v FROM sqlite_master WHERE name IN ('responses', 'answers', 'participation')",
            "",
        )
        .await;
        assert_eq!(sql.len(), 3);
        assert!(sql.iter().all(|s| s.contains("WITHOUT ROWID")), "{sql:?}");
    }
}

#[tokio::test]
async fn the_response_writer_commits_while_every_pooled_connection_is_held() {
    // The writer (and the mixer) write through connections of their own: requests that
    // hold the whole pool — a burst of answering checks, slow reports — cannot hold up
    // the commit they wait for. Sharing the pool, this submission would wait out the
    // pool's 10-second checkout and fail with 503.
    let (app, _hr, _team, staff, p) = team_with_open_round(5).await;

    let pool_size = usize::try_from(app.state.config.db_pool_size).expect("size");
    let (held_tx, mut held_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut releases = Vec::new();
    let mut holders = Vec::new();
    for _ in 0..pool_size {
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        releases.push(release_tx);
        let held_tx = held_tx.clone();
        let db = app.state.db.clone();
        holders.push(tokio::spawn(async move {
            db.read(move |_conn| {
                let _ = held_tx.send(());
                let _ = release_rx.recv();
                Ok(())
            })
            .await
        }));
    }
    for _ in 0..pool_size {
        tokio::time::timeout(Duration::from_secs(30), held_rx.recv())
            .await
            .expect("every pooled connection held");
    }
    let stored = app
        .state
        .writer
        .submit(pulseline::surveys::writer::Submission {
            round_id: p.round.clone(),
            who: pulseline::surveys::writer::Respondent::Person(staff[0].id.clone()),
            sealed: vec![7u8; 64],
        })
        .await;
    for r in releases {
        let _ = r.send(());
    }
    for h in holders {
        h.await.expect("holder").expect("held read");
    }
    assert!(stored.is_ok(), "{stored:?}");
    assert_eq!(app.count("ballots").await, 1);
    assert_eq!(app.count("participation").await, 1);
}

#[tokio::test]
async fn answers_always_refer_to_a_stored_response_and_a_survey_question() {
    // SQLite enforces this with foreign keys; PostgreSQL with statement-level triggers
    // (`db::anonymous`). Each refusal below is its own transaction and leaves nothing.
    use pulseline::db::schema::{answers, responses, survey_questions};
    use pulseline::surveys::model::AnswerRow;

    let (app, hr, _team, staff, p) = team_with_open_round(5).await;
    for who in &staff {
        submit(&app, who, &p, answers(&p, 4, None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    let response = app
        .state
        .db
        .read(|conn| {
            Ok(responses::table
                .select(responses::id)
                .first::<String>(conn)?)
        })
        .await
        .expect("response");
    let row = |response_id: &str, question_id: &str| AnswerRow {
        response_id: response_id.to_owned(),
        question_id: question_id.to_owned(),
        value: Some(3.0),
        choice: None,
        text: None,
    };
    type Change = Box<dyn FnOnce(&mut pulseline::db::AnyConnection) -> QueryResult<usize> + Send>;
    let refused: Vec<(&str, Change)> = vec![
        ("an answer to no stored response", {
            let r = row("no-such-response", &p.text);
            Box::new(move |c| diesel::insert_into(answers::table).values(r).execute(c))
        }),
        ("an answer to no survey question", {
            let r = row(&response, "no-such-question");
            Box::new(move |c| diesel::insert_into(answers::table).values(r).execute(c))
        }),
        ("an answer moved to no survey question", {
            let (resp, q) = (response.clone(), p.likert.clone());
            Box::new(move |c| {
                diesel::update(
                    answers::table
                        .filter(answers::response_id.eq(resp))
                        .filter(answers::question_id.eq(q)),
                )
                .set(answers::question_id.eq("no-such-question"))
                .execute(c)
            })
        }),
        ("removing a response with answers", {
            let resp = response.clone();
            Box::new(move |c| diesel::delete(responses::table.find(resp)).execute(c))
        }),
        ("re-keying a response with answers", {
            let resp = response.clone();
            Box::new(move |c| {
                diesel::update(responses::table.find(resp))
                    .set(responses::id.eq("another-id"))
                    .execute(c)
            })
        }),
        ("removing a question with answers", {
            let q = p.likert.clone();
            Box::new(move |c| diesel::delete(survey_questions::table.find(q)).execute(c))
        }),
        ("re-keying a question with answers", {
            let q = p.likert.clone();
            Box::new(move |c| {
                diesel::update(survey_questions::table.find(q))
                    .set(survey_questions::id.eq("another-id"))
                    .execute(c)
            })
        }),
    ];
    for (what, change) in refused {
        let outcome = app.state.db.write(move |conn| Ok(change(conn)?)).await;
        assert!(outcome.is_err(), "{what} was allowed: {outcome:?}");
    }
    if matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        // TRUNCATE fires no delete trigger; it is refused on its own.
        for table in ["responses", "survey_questions"] {
            let outcome = app
                .state
                .db
                .write(move |conn| {
                    Ok(diesel::sql_query(format!("TRUNCATE {table} CASCADE")).execute(conn)?)
                })
                .await;
            assert!(outcome.is_err(), "TRUNCATE {table} was allowed");
        }
    }
    assert_eq!(app.count("responses").await, 5);
    assert_eq!(app.count("answers").await, 15);
    assert_eq!(app.count("survey_questions").await, 4);

    // What the checks allow: an answer to a stored response and a survey question (one
    // this response left out).
    let (resp, q) = (response.clone(), p.text.clone());
    app.state
        .db
        .write(move |conn| {
            Ok(diesel::insert_into(answers::table)
                .values(row(&resp, &q))
                .execute(conn)?)
        })
        .await
        .expect("a valid answer");
    assert_eq!(app.count("answers").await, 16);
}

#[tokio::test]
async fn sqlite_checkpoints_its_log_beside_the_writer_not_in_its_commits() {
    // Commits never checkpoint (`wal_autocheckpoint = 0`); a thread beside the response
    // writer copies the log back into the database once the writer is quiet.
    let (app, _hr, _team, staff, p) = team_with_open_round(20).await;
    if !matches!(app.state.db.backend(), pulseline::db::Backend::Sqlite) {
        assert!(
            app.get("/metrics", Some(METRICS_TOKEN))
                .await
                .text()
                .contains("\npulseline_wal_checkpoints_total 0\n")
        );
        return;
    }
    #[derive(QueryableByName, Debug)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wal_autocheckpoint: i64,
    }
    let setting = app
        .state
        .db
        .write(|conn| Ok(diesel::sql_query("PRAGMA wal_autocheckpoint").load::<Setting>(conn)?))
        .await
        .expect("pragma");
    assert_eq!(setting[0].wal_autocheckpoint, 0, "{setting:?}");

    let checkpoints = || {
        app.state
            .writer
            .stats
            .checkpoints
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    for who in &staff {
        submit(&app, who, &p, answers(&p, 4, None))
            .await
            .expect(201);
    }
    let before = checkpoints();
    // The writer is quiet now: a checkpoint follows within moments (bounded generously).
    let mut waited = Duration::ZERO;
    while checkpoints() == before && waited < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert!(checkpoints() > before, "no checkpoint after the answers");
    let (log, copied) = app.state.db.checkpoint_wal(&mut None).expect("checkpoint");
    assert_eq!(log, copied, "frames left in the log");
    assert!(
        app.get("/metrics", Some(METRICS_TOKEN))
            .await
            .text()
            .contains("# TYPE pulseline_wal_checkpoints_total counter")
    );
    assert_eq!(app.count("ballots").await, 20);
}

#[tokio::test]
async fn two_hundred_concurrent_answers_commit_in_fewer_transactions() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, 200, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    let before = app
        .state
        .writer
        .stats
        .transactions
        .load(std::sync::atomic::Ordering::Relaxed);
    let results = futures_util::future::join_all(
        staff
            .iter()
            .map(|who| submit(&app, who, &p, answers(&p, 4, None))),
    )
    .await;
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        200,
        "statuses: {:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(app.count("ballots").await, 200);
    assert_eq!(app.count("participation").await, 200);
    let transactions = app
        .state
        .writer
        .stats
        .transactions
        .load(std::sync::atomic::Ordering::Relaxed)
        - before;
    assert!(
        transactions < 200,
        "{transactions} transactions for 200 answers"
    );
    // Duplicates at the same moment: exactly one of each pair is stored.
    let again = futures_util::future::join_all(
        staff
            .iter()
            .take(20)
            .map(|who| submit(&app, who, &p, answers(&p, 4, None))),
    )
    .await;
    assert!(again.iter().all(|r| r.status == 409));
    assert_eq!(app.count("ballots").await, 200);
    // The writer's counters are in /metrics.
    let metrics = app.get("/metrics", Some(METRICS_TOKEN)).await.text();
    assert!(
        metrics.contains("\npulseline_writer_stored_total 200\n"),
        "{metrics}"
    );
    assert!(!metrics.contains("pulseline_mix_"));
    assert_eq!(app.count("participation").await, 200);
    // The close opens every ballot once: 200 responses with 3 answers each.
    close_round(&app, &hr, &p).await;
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("responses").await, 200);
    assert_eq!(app.count("answers").await, 600);
    // One person racing two submissions of a fresh round: exactly one is stored.
    let p2 = open_round(&app, &hr, &survey).await;
    for who in staff.iter().take(10) {
        let pair = futures_util::future::join_all(
            (0..2).map(|_| submit(&app, who, &p2, answers(&p2, 3, None))),
        )
        .await;
        let mut statuses: Vec<u16> = pair.iter().map(|r| r.status).collect();
        statuses.sort();
        assert_eq!(statuses, vec![201, 409]);
    }
    assert_eq!(app.count("ballots").await, 10);
    assert_eq!(app.count("participation").await, 210);
}
