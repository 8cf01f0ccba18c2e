//! Erasure of a person and export of what is stored about one. The erasure is checked
//! as an attack: after it, every column of every table (read over the server's own
//! connection, on both backends) and, on SQLite, the raw bytes of the database file and
//! its write-ahead log are searched for the person's name and e-mail; and every report
//! must still serve the numbers it served before.

use diesel::prelude::*;
use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A team of seven activated people, one of them the person to erase (with a name and
/// e-mail found nowhere else), a closed round all seven answered, suggestions signed,
/// anonymous and voted for, and customer ratings.
pub struct World {
    pub admin: Actor,
    pub victim: Actor,
    pub name: String,
    pub team: String,
    pub survey: String,
    pub round: String,
    pub signed: String,
    pub anonymous: String,
    pub voted: String,
}

pub async fn world(app: &TestApp) -> World {
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Support", None, "frontline").await;
    let tag = short();
    let name = format!("Zephyrine Quillfeather {tag}");
    let email = format!("zq-{tag}@victim.example");
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": email, "name": name, "team_id": team, "location": "Lisbon",
                   "job_family": "Support", "language": "ru"}),
        )
        .await;
    r.expect(201);
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let activation = r.json()["activation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let r = app
        .post(
            "/api/v1/auth/activate",
            None,
            json!({"token": activation, "password": PASSWORD}),
        )
        .await;
    r.expect(200);
    let victim = Actor {
        id,
        email: email.clone(),
        token: r.json()["access_token"].as_str().expect("token").to_owned(),
    };
    let others = app.seed_people(&team, 6, |_| (None, None, None)).await;
    for p in &others {
        app.set_password(&p.id).await;
    }

    // A survey of the team, answered by all seven, then closed.
    let today = chrono::Utc::now().date_naive();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&admin.token),
            json!({
                "title": "Pulse",
                "questions": [{"bank_item": "eo_proud"}, {"bank_item": "eo_enps"},
                              {"kind": "text", "driver": "voice", "text": "What would you change?"}],
                "audience": {"team_ids": [team]},
                "cuts": [],
                "schedule": {"starts_on": today.to_string(), "cadence": "quarterly", "window_days": 14}
            }),
        )
        .await;
    r.expect(201);
    let survey_json = r.json();
    let survey = survey_json["id"].as_str().expect("id").to_owned();
    let q: Vec<String> = survey_json["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let round = app.open_round_now(&admin, &survey).await;
    for (i, who) in std::iter::once(&victim).chain(others.iter()).enumerate() {
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&who.token),
            json!({"answers": [
                {"question_id": q[0], "value": 1 + (i % 5)},
                {"question_id": q[1], "value": i % 11},
                {"question_id": q[2], "text": format!("comment {i}")},
            ]}),
        )
        .await
        .expect(201);
    }
    app.close_round_now(&admin, &round).await;

    let suggest = |anonymous: bool, title: &str| {
        json!({"title": title, "body": format!("{title}: customers wait three weeks."),
               "touchpoint": "billing", "customer_segment": "SMB", "anonymous": anonymous})
    };
    let signed = app
        .post(
            "/api/v1/suggestions",
            Some(&victim.token),
            suggest(false, "Signed idea"),
        )
        .await;
    signed.expect(201);
    let anonymous = app
        .post(
            "/api/v1/suggestions",
            Some(&victim.token),
            suggest(true, "Quiet idea"),
        )
        .await;
    anonymous.expect(201);
    let other = app
        .post(
            "/api/v1/suggestions",
            Some(&others[0].token),
            suggest(false, "Their idea"),
        )
        .await;
    other.expect(201);
    let voted = other.json()["id"].as_str().expect("id").to_owned();
    app.send(
        Method::POST,
        &format!("/api/v1/suggestions/{voted}/votes"),
        Some(&victim.token),
        None,
    )
    .await
    .expect(200);
    app.post(
        "/api/v1/cx/ratings",
        Some(&admin.token),
        json!({"ratings": [
            {"external_id": "e1", "team_id": team, "metric": "csat", "score": 5, "occurred_on": today.to_string()},
            {"external_id": "e2", "team_id": team, "metric": "csat", "score": 2, "occurred_on": today.to_string()},
        ]}),
    )
    .await
    .expect(200);
    World {
        admin,
        victim,
        name,
        team,
        survey,
        round,
        signed: signed.json()["id"].as_str().expect("id").to_owned(),
        anonymous: anonymous.json()["id"].as_str().expect("id").to_owned(),
        voted,
    }
}

/// Every report's answer, as JSON, read by the admin.
pub async fn reports(app: &TestApp, w: &World) -> Vec<(String, Value)> {
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::TimeDelta::days(30);
    let mut out = Vec::new();
    for path in [
        format!("/api/v1/rounds/{}/report", w.round),
        format!("/api/v1/rounds/{}/report?team_id={}", w.round, w.team),
        format!("/api/v1/rounds/{}/participation", w.round),
        format!("/api/v1/rounds/{}/heatmap", w.round),
        format!("/api/v1/rounds/{}/comments", w.round),
        format!("/api/v1/surveys/{}/trend", w.survey),
        format!("/api/v1/insights/frontline?from={from}&to={today}"),
        format!("/api/v1/cx/summary?from={from}&to={today}"),
        format!("/api/v1/suggestions/{}", w.voted),
    ] {
        let r = app.get(&path, Some(&w.admin.token)).await;
        r.expect(200);
        out.push((path, r.json()));
    }
    out
}

/// `table.column` of every column, in every table, whose text contains `needle`
/// (case-insensitively), read over the server's own connection.
async fn columns_holding(app: &TestApp, needle: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let needle = needle.to_lowercase();
    app.state
        .db
        .read(move |conn| {
            let sqlite = matches!(conn, pulseline::db::AnyConnection::Sqlite(_));
            let tables: Vec<Name> = if sqlite {
                diesel::sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                )
                .load(conn)?
            } else {
                diesel::sql_query(
                    "SELECT table_name AS name FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
                )
                .load(conn)?
            };
            assert!(tables.len() > 15, "read only {} tables", tables.len());
            let mut found = Vec::new();
            for t in tables {
                let columns: Vec<Name> = if sqlite {
                    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{}')", t.name))
                        .load(conn)?
                } else {
                    diesel::sql_query(format!(
                        "SELECT column_name AS name FROM information_schema.columns \
                         WHERE table_schema = 'public' AND table_name = '{}'",
                        t.name
                    ))
                    .load(conn)?
                };
                for c in columns {
                    let n: N = diesel::sql_query(format!(
                        "SELECT COUNT(*) AS n FROM \"{}\" \
                         WHERE LOWER(CAST(\"{}\" AS TEXT)) LIKE '%{needle}%'",
                        t.name, c.name
                    ))
                    .get_result(conn)?;
                    if n.n > 0 {
                        found.push(format!("{}.{}", t.name, c.name));
                    }
                }
            }
            Ok(found)
        })
        .await
        .expect("search every table")
}

/// Which of `needles` the SQLite database file or its write-ahead log holds, byte for
/// byte.
fn in_sqlite_files(path: &str, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in [path.to_owned(), format!("{path}-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for n in needles {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(format!("{n} in {file}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn an_erased_person_is_nowhere_and_every_report_keeps_its_numbers() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sqlite = matches!(app.state.db.backend(), pulseline::db::Backend::Sqlite);
    // What a SCIM client sent about them: their provider's id, phone and employee number.
    let scim = [
        format!("ext-{}", short()),
        format!("tel-{}", short()),
        format!("emp-{}", short()),
    ];
    let (id, v) = (w.victim.id.clone(), scim.clone());
    app.state
        .db
        .write(move |conn| {
            use pulseline::db::schema::people;
            diesel::update(people::table.find(&id))
                .set((
                    people::external_id.eq(Some(&v[0])),
                    people::phone.eq(Some(&v[1])),
                    people::employee_number.eq(Some(&v[2])),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("SCIM attributes");
    assert!(
        columns_holding(&app, &scim[1])
            .await
            .contains(&"people.phone".to_owned())
    );
    // The search finds the person before: it would find them after.
    assert!(
        columns_holding(&app, &w.name)
            .await
            .contains(&"people.name".to_owned())
    );
    assert!(
        columns_holding(&app, &pulseline::org::domain::natural_key(&w.name))
            .await
            .contains(&"people.name_key".to_owned())
    );
    assert!(
        columns_holding(&app, &w.victim.email)
            .await
            .contains(&"people.email".to_owned())
    );
    if sqlite {
        app.state.db.checkpoint_truncate().expect("checkpoint");
        assert!(!in_sqlite_files(&app.database_url, &[&w.name]).is_empty());
    }
    // Messages were queued for them (their invitation, the pulse).
    let theirs = |app: &TestApp, id: String| {
        let db = app.state.db.clone();
        async move {
            db.read(move |conn| {
                use pulseline::db::schema::{outbox, pulse_links};
                let o: i64 = outbox::table
                    .filter(outbox::person_id.eq(&id))
                    .count()
                    .get_result(conn)?;
                let l: i64 = pulse_links::table
                    .filter(pulse_links::person_id.eq(&id))
                    .count()
                    .get_result(conn)?;
                Ok((o, l))
            })
            .await
            .expect("counts")
        }
    };
    let (messages, links) = theirs(&app, w.victim.id.clone()).await;
    assert!(messages >= 2, "{messages} {links}");
    let before = reports(&app, &w).await;
    // The reports show numbers to compare: all seven answered, and the round's score.
    let participation = before[2].1.to_string();
    assert!(participation.contains("\"answered\":7"), "{participation}");
    assert!(
        before[0].1["group"].to_string().contains("\"n\":7"),
        "{}",
        before[0].1
    );

    // Only admins erase; nobody erases themselves; an unknown id is 404.
    let hr = app.hr().await;
    let path = format!("/api/v1/people/{}/erase", w.victim.id);
    app.post(&path, Some(&hr.token), json!({}))
        .await
        .expect(403);
    app.post(
        &format!("/api/v1/people/{}/erase", w.admin.id),
        Some(&w.admin.token),
        json!({}),
    )
    .await
    .expect(409);
    app.post(
        "/api/v1/people/nobody/erase",
        Some(&w.admin.token),
        json!({}),
    )
    .await
    .expect(404);
    let r = app
        .post(&path, Some(&w.admin.token), json!({"oops": true}))
        .await;
    r.expect(422);
    assert_eq!(r.field(), "oops");

    let r = app.post(&path, Some(&w.admin.token), json!({})).await;
    r.expect(200);
    assert_eq!(r.json()["suggestions_anonymised"], json!(1));
    assert_eq!(r.json()["suggestions_deleted"], json!(0));
    // Their messages and personal links are gone with them.
    assert_eq!(theirs(&app, w.victim.id.clone()).await, (0, 0));

    // Nothing names them: not a column of any table, not a byte of the SQLite files;
    // nor the name's sort key, which holds the name lower-cased with its digits padded.
    let key = pulseline::org::domain::natural_key(&w.name);
    let [ext, tel, emp] = &scim;
    for needle in [
        w.name.as_str(),
        w.victim.email.as_str(),
        key.as_str(),
        ext,
        tel,
        emp,
    ] {
        assert_eq!(
            columns_holding(&app, needle).await,
            Vec::<String>::new(),
            "{needle} is still stored"
        );
    }
    if sqlite {
        #[derive(QueryableByName)]
        struct On {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            secure_delete: i32,
        }
        let on: On = app
            .state
            .db
            .read(|conn| Ok(diesel::sql_query("PRAGMA secure_delete").get_result(conn)?))
            .await
            .expect("pragma");
        assert_eq!(on.secure_delete, 1, "secure_delete is on");
        assert_eq!(
            in_sqlite_files(
                &app.database_url,
                &[&w.name, &w.victim.email, &key, ext, tel, emp]
            ),
            Vec::<String>::new()
        );
    }

    // They cannot sign in, and their token stopped working.
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": w.victim.email, "password": PASSWORD}),
    )
    .await
    .expect(401);
    app.get("/api/v1/me", Some(&w.victim.token))
        .await
        .expect(401);
    let person = app
        .get(
            &format!("/api/v1/people/{}", w.victim.id),
            Some(&w.admin.token),
        )
        .await;
    person.expect(200);
    let person = person.json();
    assert_eq!(person["name"], json!("erased person"));
    assert_eq!(person["erased"], json!(true));
    assert_eq!(person["active"], json!(false));
    assert_eq!(person["team_id"], Value::Null);
    assert_eq!(person["location"], Value::Null);

    // Their signed suggestion stays, now anonymous, with its text.
    let s = app
        .get(
            &format!("/api/v1/suggestions/{}", w.signed),
            Some(&w.admin.token),
        )
        .await;
    s.expect(200);
    let s = s.json();
    assert_eq!(s["anonymous"], json!(true));
    assert_eq!(s["author"], Value::Null);
    assert_eq!(s["body"], json!("Signed idea: customers wait three weeks."));

    // Every report serves what it served before (the reads themselves are audited,
    // so nothing else moved).
    let after = reports(&app, &w).await;
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert_eq!(a, b, "{path} changed");
    }

    // The audit log records the erasure, by whom, with counts and no personal data.
    let log = app
        .get("/api/v1/audit-log?limit=200", Some(&w.admin.token))
        .await
        .json();
    let entry = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == json!("person.erase"))
        .expect("an erasure entry")
        .clone();
    assert_eq!(entry["actor_id"], json!(w.admin.id));
    assert_eq!(
        entry["target"],
        json!(format!(
            "people/{}?suggestions_anonymised=1&suggestions_deleted=0",
            w.victim.id
        ))
    );

    // Nothing is written back into the nameless row.
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", w.victim.id),
        Some(&w.admin.token),
        json!({"name": w.name}),
    )
    .await
    .expect(409);

    // A second erasure is refused, and leaves no second entry.
    app.post(&path, Some(&w.admin.token), json!({}))
        .await
        .expect(409);
    let log = app
        .get("/api/v1/audit-log?limit=200", Some(&w.admin.token))
        .await
        .json();
    let erasures = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == json!("person.erase"))
        .count();
    assert_eq!(erasures, 1);
}

#[tokio::test]
async fn an_admin_may_delete_the_signed_suggestions_with_the_person() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let suggestions = app.count("suggestions").await;
    let r = app
        .post(
            &format!("/api/v1/people/{}/erase", w.victim.id),
            Some(&w.admin.token),
            json!({"delete_suggestions": true}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["suggestions_deleted"], json!(1));
    app.get(
        &format!("/api/v1/suggestions/{}", w.signed),
        Some(&w.admin.token),
    )
    .await
    .expect(404);
    assert_eq!(app.count("suggestions").await, suggestions - 1);
    // Their anonymous suggestion, which never named them, stays; so does their vote.
    app.get(
        &format!("/api/v1/suggestions/{}", w.anonymous),
        Some(&w.admin.token),
    )
    .await
    .expect(200);
    let voted = app
        .get(
            &format!("/api/v1/suggestions/{}", w.voted),
            Some(&w.admin.token),
        )
        .await
        .json();
    assert_eq!(voted["votes"], json!(1));
    assert_eq!(
        columns_holding(&app, "Signed idea").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn the_people_page_asks_for_confirmation_before_erasing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Desk", None, "frontline").await;
    let victim = app.employee(&admin, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&admin.email, PASSWORD).await;
    let list = b.get("/hr/people").await;
    assert_html(&list, 200);
    let link = format!("/hr/people/{}/erase", victim.id);
    assert!(list.text().contains(&link), "{}", list.text());
    // Without the box ticked nothing happens.
    let r = b.submit(&link, &link, &[]).await;
    assert_html(&r, 422);
    assert!(error_beside(&r.text(), "f-confirm").contains("tick the box"));
    app.get(&format!("/api/v1/people/{}", victim.id), Some(&admin.token))
        .await
        .expect(200);
    let r = app
        .get(&format!("/api/v1/people/{}", victim.id), Some(&admin.token))
        .await
        .json();
    assert_eq!(r["erased"], json!(false));
    let r = b.submit(&link, &link, &[("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/hr/people");
    let r = app
        .get(&format!("/api/v1/people/{}", victim.id), Some(&admin.token))
        .await
        .json();
    assert_eq!(r["erased"], json!(true));
    // In Russian, the page speaks Russian.
    let other = app.employee(&admin, Some(&team)).await;
    switch_language(&mut b, "ru").await;
    let page = b.get(&format!("/hr/people/{}/erase", other.id)).await;
    assert_html(&page, 200);
    assert!(page.text().contains("Стереть данные сотрудника"));
    // An HR person who is not an admin is refused.
    let hr = app.hr().await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let r = b.get(&format!("/hr/people/{}/erase", other.id)).await;
    assert_eq!(r.status, 403);
}

/// Where `value` breaks `schema` of the OpenAPI document `doc` (`$ref`, `allOf`, `enum`,
/// types, `nullable`, required and unknown properties); empty when it conforms.
fn breaks(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return breaks(doc, &doc["components"]["schemas"][name], value, at);
    }
    if value.is_null() {
        let nullable = schema["nullable"] == json!(true);
        return if nullable {
            vec![]
        } else {
            vec![format!("{at}: null")]
        };
    }
    let mut out = Vec::new();
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            out.extend(breaks(doc, s, value, at));
        }
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {options:?}"));
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(fields) = value.as_object() else {
                return vec![format!("{at}: not an object")];
            };
            for r in schema["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or_default();
                if !fields.contains_key(r) {
                    out.push(format!("{at}.{r}: missing"));
                }
            }
            for (k, v) in fields {
                match schema["properties"].get(k) {
                    Some(s) => out.extend(breaks(doc, s, v, &format!("{at}.{k}"))),
                    None => out.push(format!("{at}.{k}: not in the schema")),
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    out.extend(breaks(doc, &schema["items"], v, &format!("{at}[{i}]")));
                }
            }
            None => out.push(format!("{at}: not an array")),
        },
        Some("string") if !value.is_string() => out.push(format!("{at}: not a string")),
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            out.push(format!("{at}: not an integer"))
        }
        Some("number") if !value.is_number() => out.push(format!("{at}: not a number")),
        Some("boolean") if !value.is_boolean() => out.push(format!("{at}: not a boolean")),
        _ => {}
    }
    out
}

#[tokio::test]
async fn an_export_holds_what_is_stored_about_a_person_and_nothing_anonymous() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // The person's own settings are theirs to read back too.
    for (path, body) in [
        (
            "/api/v1/me/time-zone",
            json!({"time_zone": "Europe/Lisbon"}),
        ),
        ("/api/v1/me/reminders", json!({"enabled": false})),
    ] {
        app.json(poem::http::Method::PUT, path, Some(&w.victim.token), body)
            .await
            .expect(200);
    }
    let r = app.get("/api/v1/me/export", Some(&w.victim.token)).await;
    r.expect(200);
    let export = r.json();
    let doc = app.get("/openapi.json", None).await.json();
    let schema = &doc["paths"]["/api/v1/me/export"]["get"]["responses"]["200"]["content"]["application/json; charset=utf-8"]
        ["schema"];
    assert!(schema.is_object(), "{}", doc["paths"]["/api/v1/me/export"]);
    assert_eq!(
        breaks(&doc, schema, &export, "export"),
        Vec::<String>::new()
    );
    // The validator does catch a wrong shape.
    let mut broken = export.clone();
    broken["profile"]["erased"] = json!("no");
    broken["rounds"] = json!({});
    assert_eq!(breaks(&doc, schema, &broken, "export").len(), 2);

    assert_eq!(
        export["settings"],
        json!({"reminders": false, "time_zone": "Europe/Lisbon"})
    );
    assert_eq!(export["profile"]["email"], json!(w.victim.email));
    assert_eq!(export["profile"]["name"], json!(w.name));
    assert_eq!(export["team"]["id"], json!(w.team));
    let signed = export["signed_suggestions"].as_array().expect("signed");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0]["id"], json!(w.signed));
    assert_eq!(
        signed[0]["body"],
        json!("Signed idea: customers wait three weeks.")
    );
    assert_eq!(export["rounds"][0]["round_id"], json!(w.round));
    assert_eq!(export["rounds"][0]["answered"], json!(true));
    // Nothing anonymous: not their anonymous suggestion, not their vote, not their
    // answer or comment.
    let text = export.to_string();
    for absent in [
        w.anonymous.as_str(),
        "Quiet idea",
        w.voted.as_str(),
        "comment 0",
    ] {
        assert!(!text.contains(absent), "the export holds {absent}");
    }
    // They asked in Russian: what is left out is said in Russian.
    assert_eq!(export["language"], json!("ru"));
    let notes = export["not_included"].as_array().expect("notes");
    assert_eq!(notes.len(), 4);
    assert!(
        notes[0]
            .as_str()
            .unwrap_or_default()
            .contains("пульс-опросы")
    );

    // Admins export anyone, and the export is audited; nobody else exports others.
    let by_admin = app
        .get(
            &format!("/api/v1/people/{}/export", w.victim.id),
            Some(&w.admin.token),
        )
        .await;
    by_admin.expect(200);
    assert_eq!(
        by_admin.json()["signed_suggestions"],
        export["signed_suggestions"]
    );
    let hr = app.hr().await;
    app.get(
        &format!("/api/v1/people/{}/export", w.victim.id),
        Some(&hr.token),
    )
    .await
    .expect(403);
    app.get(
        &format!("/api/v1/people/{}/export", w.admin.id),
        Some(&w.victim.token),
    )
    .await
    .expect(403);
    let log = app
        .get("/api/v1/audit-log?limit=200", Some(&w.admin.token))
        .await
        .json();
    let exports = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == json!("person.export"))
        .count();
    assert_eq!(exports, 2);
}

/// The actions an erased person owned pass to the nearest manager above (their own
/// team has none here) or, for the organisation's, to nobody; what they wrote stays
/// under the erased person's name.
#[tokio::test]
async fn an_erased_owner_s_actions_pass_to_the_team_s_manager() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let company = app.create_team(&admin, "Company", None, "frontline").await;
    let support = app
        .create_team(&admin, "Support", Some(&company), "frontline")
        .await;
    let boss = app.manager_of(&admin, &company).await;
    let victim = app.employee(&admin, Some(&support)).await;
    let due = (pulseline::clock::today() + chrono::TimeDelta::days(10)).to_string();
    let mut ids = Vec::new();
    for team in [Some(support.as_str()), None] {
        let r = app
            .post(
                "/api/v1/actions",
                Some(&admin.token),
                json!({"team_id": team, "title": "Shorter queues", "owner_id": victim.id,
                       "due_on": due}),
            )
            .await;
        r.expect(201);
        ids.push(r.json()["id"].as_str().expect("id").to_owned());
    }
    // Their export holds the actions they own.
    let export = app.get("/api/v1/me/export", Some(&victim.token)).await;
    export.expect(200);
    let owned: Vec<Value> = export.json()["actions_owned"]
        .as_array()
        .expect("actions_owned")
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(owned.len(), 2);
    assert!(ids.iter().all(|id| owned.contains(&json!(id))));
    let r = app
        .post(
            &format!("/api/v1/people/{}/erase", victim.id),
            Some(&admin.token),
            json!({}),
        )
        .await;
    r.expect(200);
    let owner = |i: usize| {
        let path = format!("/api/v1/actions/{}", ids[i]);
        let token = admin.token.clone();
        let app = &app;
        async move { app.get(&path, Some(&token)).await.json()["owner"].clone() }
    };
    assert_eq!(owner(0).await["id"], json!(boss.id), "the manager above");
    assert_eq!(owner(1).await, Value::Null, "the organisation's: nobody");
    let log = app
        .get("/api/v1/audit-log", Some(&admin.token))
        .await
        .json();
    let entry = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == json!("person.erase"))
        .expect("the erasure is audited")
        .clone();
    assert!(
        entry["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("&actions_reassigned=2")),
        "{entry}"
    );
}
