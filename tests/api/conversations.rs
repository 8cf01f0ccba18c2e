//! Anonymous two-way conversations: a manager or HR replies to a pulse comment whose
//! author allowed replies, and the author reads and answers back with a code; the same
//! for an anonymous suggestion's follow-up code. Access, the comment floor, closing,
//! the audit, and what a copy of the database holds.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::*;

fn survey(team: &str) -> Value {
    json!({
        "title": "Monthly pulse",
        "questions": [
            {"bank_item": "eo_proud"},
            {"kind": "text", "driver": "voice", "text": "What would you change?"},
            {"kind": "text", "driver": "voice", "text": "What went well?"}
        ],
        "audience": {"team_ids": [team]},
        "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(), "cadence": "monthly", "window_days": 7}
    })
}

struct Pulse {
    round: String,
    q: Vec<String>,
}

async fn open(app: &TestApp, hr: &Actor, team: &str) -> Pulse {
    let r = app
        .post("/api/v1/surveys", Some(&hr.token), survey(team))
        .await;
    r.expect(201);
    let s = r.json();
    let q = s["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let round = app
        .open_round_now(hr, s["id"].as_str().expect("survey id"))
        .await;
    Pulse { round, q }
}

/// Answers with a value, the comments given, and whether replies are allowed; the
/// conversation code the answer carries.
async fn answer(
    app: &TestApp,
    who: &Actor,
    p: &Pulse,
    comments: &[Option<&str>; 2],
    allow: bool,
) -> Option<String> {
    let mut a = vec![json!({"question_id": p.q[0], "value": 4})];
    for (i, c) in comments.iter().enumerate() {
        if let Some(t) = c {
            a.push(json!({"question_id": p.q[i + 1], "text": t}));
        }
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{}/responses", p.round),
            Some(&who.token),
            // Not allowing is sent as null, which the schema allows, and means false.
            json!({"answers": a, "allow_replies": if allow { json!(true) } else { Value::Null }}),
        )
        .await;
    r.expect(201);
    r.json()["conversation_code"].as_str().map(str::to_owned)
}

async fn conversation_ids(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .db
        .read(|conn| {
            use pulseline::db::schema::conversations as c;
            Ok(c::table
                .select((c::id, c::code_hash))
                .order(c::id)
                .load::<(String, String)>(conn)?)
        })
        .await
        .expect("conversations")
}

#[tokio::test]
async fn a_manager_replies_to_a_comment_and_its_author_answers_back_by_code() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let staff = app.seed_people(&support, 12, |_| (None, None, None)).await;
    let manager = app.manager_of(&hr, &support).await;
    let other_manager = app.manager_of(&hr, &sales).await;
    let p = open(&app, &hr, &support).await;

    // The author allows replies to two comments; one allows them with no comment to
    // answer, and the rest do not allow them.
    let code = answer(
        &app,
        &staff[0],
        &p,
        &[Some("The refund tool is slow"), Some("Team lunches")],
        true,
    )
    .await
    .expect("a code for an answer with comments");
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 5, "{code}");
    assert!(groups.iter().all(|g| g.len() == 4), "{code}");
    assert_eq!(
        answer(&app, &staff[1], &p, &[None, None], true).await,
        None,
        "no comment, nothing to reply to"
    );
    for (i, who) in staff.iter().enumerate().skip(2) {
        let (text, well) = (
            format!("Comment number {i} about the queue"),
            format!("Lunch {i}"),
        );
        assert_eq!(
            answer(&app, who, &p, &[Some(&text), Some(&well)], false).await,
            None
        );
    }
    // While the round is open nothing opens with the code, and nothing holds it.
    app.get(&format!("/api/v1/conversations/{code}"), None)
        .await
        .expect(404);
    assert!(conversation_ids(&app).await.is_empty());
    app.close_round_now(&hr, &p.round).await;

    // One conversation per comment of that answer, each with its own id.
    let threads = conversation_ids(&app).await;
    assert_eq!(threads.len(), 2, "{threads:?}");
    assert_eq!(threads[0].1, threads[1].1, "one code for both comments");
    let comments = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={support}", p.round),
            Some(&hr.token),
        )
        .await;
    comments.expect(200);
    let comments = comments.json()["comments"]
        .as_array()
        .expect("comments")
        .clone();
    assert_eq!(comments.len(), 22, "eleven comments to each question");
    let open_to_replies: Vec<&Value> = comments
        .iter()
        .filter(|c| c["conversation_id"].is_string())
        .collect();
    assert_eq!(open_to_replies.len(), 2);
    let refund = open_to_replies
        .iter()
        .find(|c| c["text"] == json!("The refund tool is slow"))
        .expect("the refund comment is open to replies");
    let thread = refund["conversation_id"].as_str().expect("id").to_owned();
    assert_ne!(
        open_to_replies[0]["conversation_id"], open_to_replies[1]["conversation_id"],
        "two comments of one answer are not linked by a shared id"
    );

    // Only who may read the comment may read or answer its conversation.
    let path = format!("/api/v1/comment-threads/{thread}");
    for outsider in [&other_manager, &staff[0], &staff[5]] {
        app.get(&path, Some(&outsider.token)).await.expect(404);
        app.post(&path, Some(&outsider.token), json!({"text": "Hello there"}))
            .await
            .expect(404);
    }
    let t = app.get(&path, Some(&manager.token)).await;
    t.expect(200);
    assert_eq!(t.json()["about"], json!("The refund tool is slow"));
    assert_eq!(t.json()["messages"], json!([]));
    let t = app
        .post(
            &path,
            Some(&manager.token),
            json!({"text": "Thank you. Which step is slowest?"}),
        )
        .await;
    t.expect(200);
    assert_eq!(t.json()["messages"][0]["from"], json!("manager"));

    // The author reads it with the code alone, typed in any case and spacing.
    let typed = code.to_lowercase().replace('-', "%20");
    let c = app
        .get(&format!("/api/v1/conversations/{typed}"), None)
        .await;
    c.expect(200);
    let c = c.json();
    assert_eq!(c["kind"], json!("comment"));
    assert_eq!(c["threads"].as_array().map(Vec::len), Some(2));
    let mine = c["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .find(|t| t["id"] == json!(thread))
        .expect("the refund thread")
        .clone();
    assert_eq!(mine["readable"], json!(true));
    assert_eq!(
        mine["messages"][0],
        json!({"from": "manager", "text": "Thank you. Which step is slowest?",
               "on": chrono::Utc::now().date_naive().to_string()})
    );
    assert!(
        !serde_json::to_string(&c)
            .expect("json")
            .contains(&manager.id),
        "the author sees a side, never who"
    );

    // With two conversations the author names the one they answer.
    let conv = format!("/api/v1/conversations/{code}");
    let r = app
        .post(&conv, None, json!({"text": "Approving the refund"}))
        .await;
    r.expect(422);
    assert_eq!(r.field(), "thread_id");
    let r = app
        .post(
            &conv,
            None,
            json!({"thread_id": "nope", "text": "Approving it"}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "thread_id");
    let r = app.post(&conv, None, json!({"thread_id": thread})).await;
    r.expect(422);
    assert_eq!(r.field(), "text", "neither a message nor a close");
    let r = app
        .post(&conv, None, json!({"thread_id": thread, "text": "   "}))
        .await;
    r.expect(422);
    assert_eq!(r.field(), "text");
    let r = app
        .post(
            &conv,
            None,
            json!({"thread_id": thread, "text": "x".repeat(2_001)}),
        )
        .await;
    r.expect(422);
    app.post(
        &conv,
        None,
        json!({"thread_id": thread, "text": "Approving the refund\ntakes two days."}),
    )
    .await
    .expect(200);
    // HR answers too; the manager sees the author's answer as from the author.
    app.post(
        &path,
        Some(&hr.token),
        json!({"text": "HR is looking at it too."}),
    )
    .await
    .expect(200);
    let t = app.get(&path, Some(&manager.token)).await.json();
    let sides: Vec<&str> = t["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["from"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(sides, ["manager", "author", "hr"]);
    assert_eq!(
        t["messages"][1]["text"],
        json!("Approving the refund\ntakes two days.")
    );

    // Either side closes; then nobody writes.
    let r = app
        .post(&conv, None, json!({"thread_id": thread, "close": true}))
        .await;
    r.expect(200);
    let closed = r.json()["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .find(|t| t["id"] == json!(thread))
        .expect("thread")
        .clone();
    assert_eq!(closed["closed"], json!(true));
    assert_eq!(closed["closed_by"], json!("author"));
    app.post(
        &path,
        Some(&manager.token),
        json!({"text": "One more thing"}),
    )
    .await
    .expect(409);
    app.post(
        &conv,
        None,
        json!({"thread_id": thread, "text": "And another"}),
    )
    .await
    .expect(409);
    let other = open_to_replies
        .iter()
        .find(|c| c["text"] == json!("Team lunches"))
        .and_then(|c| c["conversation_id"].as_str())
        .expect("the other thread");
    let r = app
        .post(
            &format!("/api/v1/comment-threads/{other}"),
            Some(&manager.token),
            json!({"close": true}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["closed_by"], json!("manager"));

    // The audit names the manager's and HR's reads and replies; the author's actions
    // leave no entry at all.
    let entries: Vec<(String, String)> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::audit_log as a;
            Ok(a::table
                .filter(a::action.like("conversation.%"))
                .select((a::actor_id, a::action))
                .load(conn)?)
        })
        .await
        .expect("audit");
    assert!(entries.contains(&(manager.id.clone(), "conversation.read".into())));
    assert!(entries.contains(&(manager.id.clone(), "conversation.reply".into())));
    assert!(entries.contains(&(manager.id.clone(), "conversation.close".into())));
    assert!(entries.contains(&(hr.id.clone(), "conversation.reply".into())));
    assert!(
        entries
            .iter()
            .all(|(actor, _)| *actor == manager.id || *actor == hr.id),
        "{entries:?}"
    );
    assert_eq!(entries.len(), 5, "{entries:?}");
}

#[tokio::test]
async fn a_withheld_comment_cannot_be_read_or_answered_through_its_conversation() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Billing", None, "frontline").await;
    let staff = app.seed_people(&team, 12, |_| (None, None, None)).await;
    let p = open(&app, &hr, &team).await;
    // Nine comments: under the comment floor of ten, so none is shown.
    let mut code = None;
    for (i, who) in staff.iter().enumerate() {
        let text = format!("A remark number {i}");
        let c = answer(
            &app,
            who,
            &p,
            &[(i < 9).then_some(text.as_str()), None],
            i == 0,
        )
        .await;
        code = code.or(c);
    }
    let code = code.expect("code");
    app.close_round_now(&hr, &p.round).await;
    let c = app
        .get(
            &format!("/api/v1/rounds/{}/comments?team_id={team}", p.round),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(c["comments"], json!([]));
    let threads = conversation_ids(&app).await;
    assert_eq!(threads.len(), 1);
    let path = format!("/api/v1/comment-threads/{}", threads[0].0);
    app.get(&path, Some(&hr.token)).await.expect(404);
    app.post(&path, Some(&hr.token), json!({"text": "Hello there"}))
        .await
        .expect(404);
    let conv = format!("/api/v1/conversations/{code}");
    let c = app.get(&conv, None).await;
    c.expect(200);
    assert_eq!(c.json()["threads"][0]["readable"], json!(false));
    app.post(&conv, None, json!({"text": "Anyone there?"}))
        .await
        .expect(409);
}

/// What a copy of the database holds, before and after the close (SQLite: the file, its
/// WAL and shared memory; PostgreSQL: the write-ahead log since the test began and the
/// tables' files after a checkpoint): never the code; its hash only inside the sealed
/// ballot until the close, then beside the comment.
#[tokio::test]
async fn the_database_files_never_hold_the_code() {
    let app = spawn_app().await;
    let since = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Field", None, "frontline").await;
    let staff = app.seed_people(&team, 11, |_| (None, None, None)).await;
    let p = open(&app, &hr, &team).await;
    let mut code = None;
    for (i, who) in staff.iter().enumerate() {
        let text = format!("Field remark {i} about the vans");
        code = code.or(answer(&app, who, &p, &[Some(&text), None], i == 3).await);
    }
    let code = code.expect("code");
    let plain = code.replace('-', "");
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(plain.as_bytes()).to_vec()
    };
    let hex_hash = hex::encode(&hash);
    let holds = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let before = crate::sealed::bytes_of(&crate::sealed::disk_of(&app, since).await);
    assert!(
        holds(&before, p.round.as_bytes()),
        "the attack reads the real files"
    );
    for needle in [
        code.as_bytes(),
        plain.as_bytes(),
        &hash,
        hex_hash.as_bytes(),
    ] {
        assert!(
            !holds(&before, needle),
            "the open round's files hold the code"
        );
    }
    app.close_round_now(&hr, &p.round).await;
    let after = crate::sealed::bytes_of(&crate::sealed::disk_of(&app, since).await);
    assert!(
        holds(&after, hex_hash.as_bytes()),
        "the hash is kept beside the comment"
    );
    for needle in [code.as_bytes(), plain.as_bytes()] {
        assert!(
            !holds(&after, needle),
            "the closed round's files hold the code"
        );
    }
}
