//! Attacks on sealed ballots, run as an adversary with a copy of the database's files
//! would: the SQLite file and its write-ahead log byte by byte, PostgreSQL's write-ahead
//! log segments and table files byte by byte. Each attack names what it looks for —
//! comments only their writers know, in the order they were written — and fails if it
//! finds them where they must not be.

use diesel::prelude::*;

use crate::helpers::*;
use crate::surveys::{Pulse, answers, close_round, create_survey, open_round, submit, survey_body};

/// A team of `n` and an open round of a survey for it.
pub(crate) async fn round_for(app: &TestApp, n: usize) -> (Actor, String, Vec<Actor>, Pulse) {
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Support", None, "frontline").await;
    let staff = app.seed_people(&team, n, |_| (None, None, None)).await;
    let survey = create_survey(app, &hr, survey_body(&[&team], &[])).await;
    let p = open_round(app, &hr, &survey).await;
    (hr, team, staff, p)
}

/// A comment only person `i` of this test would write (unique across concurrent tests).
pub(crate) fn secret(tag: &str, i: usize) -> String {
    format!("zq{tag}-{i:03}-words-only-their-writer-knows")
}

/// Everything in `files`, concatenated (missing files are empty).
pub(crate) fn bytes_of(files: &[std::path::PathBuf]) -> Vec<u8> {
    let mut all = Vec::new();
    for f in files {
        if let Ok(b) = std::fs::read(f) {
            all.extend_from_slice(&b);
        }
    }
    all
}

/// Where each of `tag`'s comments ([`secret`]) first stands in `hay`, by index: one
/// pass over the bytes, however many comments.
pub(crate) fn offsets(hay: &[u8], tag: &str) -> Vec<(usize, usize)> {
    let prefix = format!("zq{tag}-");
    let p = prefix.as_bytes();
    let mut found = std::collections::BTreeMap::new();
    let mut at = 0;
    while let Some(i) = hay[at..].iter().position(|&b| b == p[0]) {
        let start = at + i;
        at = start + 1;
        let end = start + p.len();
        if hay.len() >= end + 3 && &hay[start..end] == p {
            let index = std::str::from_utf8(&hay[end..end + 3])
                .ok()
                .and_then(|d| d.parse::<usize>().ok());
            if let Some(n) = index {
                found.entry(n).or_insert(start);
            }
        }
    }
    found.into_iter().collect()
}

/// Kendall's tau between arrival (the index) and position on disk, counted only over
/// pairs of the same page (`page` bytes): +1 or −1 when a page's byte layout records
/// who came first (cells are written one below another), near 0 when it does not.
pub(crate) fn tau_within_pages(offsets: &[(usize, usize)], page: usize) -> f64 {
    let (mut agree, mut disagree) = (0i64, 0i64);
    for (a, &(ia, oa)) in offsets.iter().enumerate() {
        for &(ib, ob) in &offsets[a + 1..] {
            if oa / page != ob / page {
                continue;
            }
            if (ia < ib) == (oa < ob) {
                agree += 1;
            } else {
                disagree += 1;
            }
        }
    }
    let pairs = agree + disagree;
    assert!(
        pairs >= 20,
        "too few pairs share a page ({pairs}) to measure"
    );
    (agree - disagree) as f64 / pairs as f64
}

fn sqlite_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|s| std::path::PathBuf::from(format!("{}{s}", app.database_url)))
        .collect()
}

#[tokio::test]
async fn an_open_rounds_answers_are_nowhere_in_the_database_files() {
    let since = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let app = spawn_app().await;
    let tag = short();
    let (hr, _team, staff, p) = round_for(&app, 8).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p, answers(&p, 4, Some(&secret(&tag, i))))
            .await
            .expect(201);
    }
    let files = disk_of(&app, since).await;
    let disk = bytes_of(&files);
    assert!(!disk.is_empty(), "nothing read from {files:?}");
    let found = offsets(&disk, &tag);
    assert!(
        found.is_empty(),
        "answers {found:?} of an open round are on disk in plain text"
    );
    // The same attack after the close finds them: it is not blind.
    close_round(&app, &hr, &p).await;
    let disk = bytes_of(&disk_of(&app, since).await);
    assert_eq!(
        offsets(&disk, &tag).len(),
        staff.len(),
        "the closed round's comments are readable"
    );
}

#[tokio::test]
async fn the_close_writes_answers_in_an_order_unrelated_to_arrival() {
    // The adversary's attack on a copy of the files: inside a page, each new cell (a
    // SQLite b-tree cell, a PostgreSQL heap tuple) is written next to the one before, so
    // the byte order of rows on a page would be the order their writers answered. On
    // SQLite the attack reads the response rows (a row's body is its id followed by the
    // round id), on PostgreSQL the comments in the answers heap; the comments say who
    // came when.
    let app = spawn_app().await;
    let tag = short();
    let n = 20;
    let (hr, _team, staff, p) = round_for(&app, n).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p, answers(&p, 4, Some(&secret(&tag, i))))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    let (found, page) = match app.state.db.backend() {
        pulseline::db::Backend::Sqlite => {
            // A copy taken after a clean stop: the log is in the file.
            app.state.db.checkpoint_truncate().expect("checkpoint");
            let disk = bytes_of(&[std::path::PathBuf::from(&app.database_url)]);
            let (q, round) = (p.text.clone(), p.round.clone());
            let by_response: Vec<(String, String)> = app
                .state
                .db
                .read(move |conn| {
                    use pulseline::db::schema::answers;
                    Ok(answers::table
                        .filter(answers::question_id.eq(q))
                        .select((answers::response_id, answers::text.assume_not_null()))
                        .load(conn)?)
                })
                .await
                .expect("comments");
            let found: Vec<(usize, usize)> = by_response
                .iter()
                .filter_map(|(id, text)| {
                    let arrival = offsets(text.as_bytes(), &tag).first()?.0;
                    let row = format!("{id}{round}");
                    let at = disk.windows(row.len()).position(|w| w == row.as_bytes())?;
                    Some((arrival, at))
                })
                .collect();
            (found, 4096)
        }
        pulseline::db::Backend::Postgres => {
            pg_checkpoint(&app).await;
            let disk = bytes_of(&[pg_table_file(&app, "answers").await]);
            (offsets(&disk, &tag), 8192)
        }
    };
    assert_eq!(found.len(), n, "every answer found on disk");
    let mut found = found;
    found.sort();
    let tau = tau_within_pages(&found, page);
    // For a random order of 20, tau has a standard deviation of about 0.16: 0.6 is
    // 3.7 of them (a false alarm about once in 5,000 runs); the old layout gave -1.
    assert!(
        tau.abs() < 0.6,
        "rows lie on their pages in answering order (tau = {tau})"
    );
}

#[tokio::test]
async fn postgres_write_ahead_log_of_an_open_round_holds_ciphertext_only() {
    // pg_waldump shows the WAL's records; the attack reads the raw segments, which hold
    // every tuple ever written (dead ones and full-page images included).
    let app = spawn_app().await;
    if !matches!(app.state.db.backend(), pulseline::db::Backend::Postgres) {
        return;
    }
    let since = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let tag = short();
    let n = 20;
    let (hr, _team, staff, p) = round_for(&app, n).await;
    for (i, who) in staff.iter().enumerate() {
        submit(&app, who, &p, answers(&p, 4, Some(&secret(&tag, i))))
            .await
            .expect(201);
    }
    let wal = bytes_of(&pg_wal_files(&app, since).await);
    assert!(!wal.is_empty());
    let found = offsets(&wal, &tag);
    assert!(
        found.is_empty(),
        "answers {found:?} of an open round are in the write-ahead log"
    );
    // After the close the log holds them, written in one transaction in an order drawn
    // at random: the order of the log is not the order of answering.
    close_round(&app, &hr, &p).await;
    let wal = bytes_of(&pg_wal_files(&app, since).await);
    let found = offsets(&wal, &tag);
    // A record that crosses one of the log's 8 KiB pages has that page's header in the
    // middle of its bytes, so a comment there is not found whole: most, not all.
    assert!(
        found.len() + 3 >= n,
        "the closed round's comments are in the log ({} of {n} found)",
        found.len()
    );
    let tau = tau_within_pages(&found, usize::MAX);
    assert!(
        tau.abs() < 0.6,
        "the log holds comments in answering order (tau = {tau})"
    );
}

#[tokio::test]
async fn a_lone_respondent_is_never_stored_as_a_group_of_one() {
    // Ops ─ {Support (6, five answer), Tiny (3, one answers)}, k = 5. Participation says
    // who of Tiny answered; a response stored under Tiny would be theirs.
    let app = spawn_app().await;
    let hr = app.hr().await;
    let ops = app.create_team(&hr, "Ops", None, "internal").await;
    let support = app
        .create_team(&hr, "Support", Some(&ops), "frontline")
        .await;
    let tiny = app.create_team(&hr, "Tiny", Some(&ops), "frontline").await;
    let sup = app.seed_people(&support, 6, |_| (None, None, None)).await;
    let tin = app.seed_people(&tiny, 3, |_| (None, None, None)).await;
    let survey = create_survey(&app, &hr, survey_body(&[&ops], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    for who in sup.iter().take(5).chain(tin.iter().take(1)) {
        submit(&app, who, &p, answers(&p, 4, None))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    let groups = stored_groups(&app).await;
    assert!(
        groups.iter().all(|(_, n)| *n >= 5),
        "a stored group smaller than k: {groups:?}"
    );
    assert!(
        groups.iter().all(|(team, _)| *team != tiny),
        "a response is stored under Tiny"
    );
    // Nobody's answer is lost: Tiny's one is counted with Support's five at Ops.
    assert_eq!(groups, vec![(ops.clone(), 6)]);
    assert_eq!(app.count("participation").await, 6);
}

#[tokio::test]
async fn fewer_than_k_answers_are_never_opened() {
    let app = spawn_app().await;
    let tag = short();
    let (hr, _team, staff, p) = round_for(&app, 6).await;
    for (i, who) in staff.iter().take(4).enumerate() {
        submit(&app, who, &p, answers(&p, 4, Some(&secret(&tag, i))))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("responses").await, 0);
    let report = app
        .get(
            &format!("/api/v1/rounds/{}/report", p.round),
            Some(&hr.token),
        )
        .await;
    report.expect(200);
    let report = report.json();
    assert_eq!(
        report["group"]["suppressed"],
        serde_json::json!(true),
        "{report}"
    );
}

#[tokio::test]
async fn two_replicas_closing_at_once_open_every_ballot_once() {
    let app = spawn_app().await;
    // The round's window ends; two replicas' passes find it at the same moment.
    answered_and_ended(&app, 12).await;
    let other = pulseline::startup::build_state(&test_config(&app.database_url))
        .await
        .expect("second instance");
    let now = pulseline::clock::now();
    let (a, am) = (app.state.db.clone(), app.state.master.clone());
    let (b, bm) = (other.db.clone(), other.master.clone());
    let t1 = std::thread::spawn(move || pulseline::surveys::materialise::close_due(&a, &am, now));
    let t2 = std::thread::spawn(move || pulseline::surveys::materialise::close_due(&b, &bm, now));
    let closed =
        t1.join().expect("thread").expect("close") + t2.join().expect("thread").expect("close");
    assert_eq!(closed, 1, "exactly one replica closed the round");
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("responses").await, 12);
    assert_eq!(app.count("answers").await, 36);
    // A later pass finds nothing to do.
    assert_eq!(
        pulseline::surveys::materialise::close_due(&other.db, &other.master, now).expect("close"),
        0
    );
}

#[tokio::test]
async fn a_ballot_does_not_open_without_the_master_key() {
    // A copy of the database without the master key: the ballots are ciphertext.
    let app = spawn_app().await;
    let (_hr, _team, staff, p) = round_for(&app, 5).await;
    submit(&app, &staff[0], &p, answers(&p, 4, Some("the truth")))
        .await
        .expect(201);
    let round = p.round.clone();
    let sealed: Vec<Vec<u8>> = app
        .state
        .db
        .read(move |conn| {
            use pulseline::db::schema::ballots;
            Ok(ballots::table
                .filter(ballots::round_id.eq(round))
                .select(ballots::sealed)
                .load(conn)?)
        })
        .await
        .expect("ballots");
    assert_eq!(sealed.len(), 1);
    let wrong = pulseline::keys::MasterKey::from_bytes(&[9u8; 32]).expect("key");
    assert!(
        pulseline::surveys::ballot::open(&wrong.round_key(&p.round), &p.round, &sealed[0]).is_err()
    );
    let right = app.state.master.round_key(&p.round);
    let opened = pulseline::surveys::ballot::open(&right, &p.round, &sealed[0]).expect("opens");
    assert!(
        opened
            .answers
            .iter()
            .any(|a| a.text.as_deref() == Some("the truth"))
    );
}

#[tokio::test]
async fn moving_or_renaming_teams_after_the_close_changes_no_report_of_the_round() {
    // The attack: read a parent's report, move a one-person child out (or rename a team
    // to tell two apart), read it again; the difference is that person's answers.
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "internal").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let legal = app
        .create_team(&hr, "Legal", Some(&company), "internal")
        .await;
    let solo = app
        .create_team(&hr, "Solo", Some(&company), "internal")
        .await;
    let mut people = app.seed_people(&sales, 6, |_| (None, None, None)).await;
    people.extend(app.seed_people(&legal, 5, |_| (None, None, None)).await);
    people.extend(app.seed_people(&solo, 1, |_| (None, None, None)).await);
    let survey = create_survey(&app, &hr, survey_body(&[&company], &[])).await;
    let p = open_round(&app, &hr, &survey).await;
    for (i, who) in people.iter().enumerate() {
        let likert = if i == people.len() - 1 { 1 } else { 5 };
        let comment = format!("comment number {i} from the round");
        submit(&app, who, &p, answers(&p, likert, Some(&comment)))
            .await
            .expect(201);
    }
    close_round(&app, &hr, &p).await;
    let reads = [
        format!("/api/v1/rounds/{}/report?team_id={company}", p.round),
        format!("/api/v1/rounds/{}/report", p.round),
        format!("/api/v1/rounds/{}/heatmap", p.round),
        format!("/api/v1/rounds/{}/comments?team_id={company}", p.round),
    ];
    // Comments come in a new random order on every read: compared as sets.
    let read = |path: String| {
        let app = &app;
        let token = hr.token.clone();
        async move {
            let r = app.get(&path, Some(&token)).await;
            r.expect(200);
            let mut v = r.json();
            if let Some(list) = v["comments"].as_array_mut() {
                list.sort_by_key(|c| c.to_string());
            }
            v
        }
    };
    let mut before = Vec::new();
    for path in &reads {
        before.push(read(path.clone()).await);
    }
    assert_eq!(
        before[0]["group"]["n"],
        serde_json::json!(12),
        "{}",
        before[0]
    );
    // Solo leaves Company; Sales is renamed.
    app.json(
        poem::http::Method::PATCH,
        &format!("/api/v1/teams/{solo}"),
        Some(&hr.token),
        serde_json::json!({"parent_id": null}),
    )
    .await
    .expect(200);
    app.json(
        poem::http::Method::PATCH,
        &format!("/api/v1/teams/{sales}"),
        Some(&hr.token),
        serde_json::json!({"name": "Sales and Success"}),
    )
    .await
    .expect(200);
    for (path, was) in reads.iter().zip(&before) {
        let now = read(path.clone()).await;
        assert_eq!(&now, was, "{path} changed after the tree changed");
    }
}

#[tokio::test]
async fn a_close_with_the_wrong_master_key_destroys_nothing() {
    // An operator restarts with another key: the close must not delete ballots it
    // cannot open; with the right key it opens them all.
    let app = spawn_app().await;
    answered_and_ended(&app, 5).await;
    let now = pulseline::clock::now();
    let wrong = pulseline::keys::MasterKey::from_bytes(&[5u8; 32]).expect("key");
    let closed =
        pulseline::surveys::materialise::close_due(&app.state.db, &wrong, now).expect("pass");
    assert_eq!(closed, 0);
    assert_eq!(app.count("ballots").await, 5);
    assert_eq!(app.count("responses").await, 0);
    let closed = pulseline::surveys::materialise::close_due(&app.state.db, &app.state.master, now)
        .expect("pass");
    assert_eq!(closed, 1);
    assert_eq!(app.count("ballots").await, 0);
    assert_eq!(app.count("responses").await, 5);
}

/// A team of `n` who all answered a round whose window has then ended (not closed yet:
/// the next pass closes it).
async fn answered_and_ended(app: &TestApp, n: usize) {
    let (_hr, _team, staff, p) = round_for(app, n).await;
    for who in &staff {
        submit(app, who, &p, answers(&p, 3, None)).await.expect(201);
    }
    let round = p.round.clone();
    app.state
        .db
        .write(move |conn| {
            use pulseline::db::schema::rounds;
            let past = pulseline::clock::now() - chrono::TimeDelta::seconds(1);
            Ok(diesel::update(rounds::table.find(round))
                .set(rounds::closes_at.eq(past))
                .execute(conn)?)
        })
        .await
        .expect("end the round");
}

/// (team, responses) of every stored (team, segments) combination, by team.
async fn stored_groups(app: &TestApp) -> Vec<(String, i64)> {
    app.state
        .db
        .read(|conn| {
            use pulseline::db::schema::responses as r;
            let mut rows: Vec<(String, i64)> = r::table
                .group_by((r::team_id, r::location, r::job_family, r::tenure))
                .select((r::team_id, diesel::dsl::count_star()))
                .load(conn)?;
            rows.sort();
            Ok(rows)
        })
        .await
        .expect("groups")
}

/// The files a copy of the database holds: SQLite's file and its companions; on
/// PostgreSQL, the write-ahead log segments (the tables' files are read by the tests
/// that need them).
pub(crate) async fn disk_of(
    app: &TestApp,
    since: std::time::SystemTime,
) -> Vec<std::path::PathBuf> {
    match app.state.db.backend() {
        pulseline::db::Backend::Sqlite => sqlite_files(app),
        pulseline::db::Backend::Postgres => {
            pg_checkpoint(app).await;
            let mut files = pg_wal_files(app, since).await;
            for table in [
                "ballots",
                "responses",
                "answers",
                "participation",
                "conversations",
            ] {
                files.push(pg_table_file(app, table).await);
            }
            files
        }
    }
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// A PostgreSQL checkpoint, so the tables' files on disk hold what was written.
pub(crate) async fn pg_checkpoint(app: &TestApp) {
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&url)?;
        diesel::sql_query("CHECKPOINT").execute(&mut conn)?;
        anyhow::Ok(())
    })
    .await
    .expect("join")
    .expect("checkpoint");
}

pub(crate) async fn pg_data_directory(app: &TestApp) -> std::path::PathBuf {
    let dir = app
        .state
        .db
        .read(|conn| {
            Ok(
                diesel::sql_query("SELECT current_setting('data_directory') AS v")
                    .get_result::<Text>(conn)?
                    .v,
            )
        })
        .await
        .expect("data directory");
    std::path::PathBuf::from(dir)
}

/// The write-ahead log's segment files written since `since` (read as the machine's
/// administrator would).
async fn pg_wal_files(app: &TestApp, since: std::time::SystemTime) -> Vec<std::path::PathBuf> {
    let dir = pg_data_directory(app).await.join("pg_wal");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run the tests as root)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n.len() == 24))
        .filter(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .collect();
    files.sort();
    files
}

/// A table's main heap file.
async fn pg_table_file(app: &TestApp, table: &'static str) -> std::path::PathBuf {
    let base = pg_data_directory(app).await;
    let rel = app
        .state
        .db
        .read(move |conn| {
            Ok(
                diesel::sql_query(format!("SELECT pg_relation_filepath('{table}') AS v"))
                    .get_result::<Text>(conn)?
                    .v,
            )
        })
        .await
        .expect("relation file");
    base.join(rel)
}
