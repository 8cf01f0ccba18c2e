//! Kiosk codes: a printed sheet of one-time codes per round and team for invitees with
//! neither e-mail nor phone. The QR codes are decoded by a real reader (`zbarimg`, from
//! Debian's zbar-tools, on a PNG that `rsvg-convert` renders from the SVG).

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::reach::open_enps_round;

/// Creates a person in `team` with `body`'s identifiers; (id, activation token).
async fn person(app: &TestApp, admin: &Actor, team: &str, mut body: Value) -> (String, String) {
    body["team_id"] = json!(team);
    let r = app.post("/api/v1/people", Some(&admin.token), body).await;
    r.expect(201);
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let token = r.json()["activation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    (id, token)
}

async fn print(app: &TestApp, who: &Actor, round: &str, team: &str) -> Resp {
    app.post(
        &format!("/api/v1/rounds/{round}/kiosk-codes"),
        Some(&who.token),
        json!({"team_id": team}),
    )
    .await
}

fn codes(sheet: &Value) -> Vec<String> {
    sheet["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect()
}

fn answer_body(q: &str, v: u8) -> Value {
    json!({"answers": [{"question_id": q, "value": v}]})
}

/// What a QR code says, read by `zbarimg` from a PNG rendered from `svg`.
fn decode_qr(svg: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let (svg_path, png) = (dir.path().join("qr.svg"), dir.path().join("qr.png"));
    std::fs::write(&svg_path, svg).expect("write the SVG");
    let render = std::process::Command::new("rsvg-convert")
        .args(["-w", "400", "-b", "white", "-o"])
        .arg(&png)
        .arg(&svg_path)
        .status()
        .expect("rsvg-convert (Debian librsvg2-bin) is needed; .ci/run installs it");
    assert!(render.success(), "rsvg-convert failed");
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&png)
        .output()
        .expect("zbarimg (Debian zbar-tools) is needed; .ci/run installs it");
    assert!(out.status.success(), "zbarimg read no code");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn participation(app: &TestApp, hr: &Actor, round: &str, team: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/participation"),
            Some(&hr.token),
        )
        .await;
    r.expect(200);
    r.json()["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team_id"] == json!(team))
        .cloned()
        .unwrap_or_else(|| panic!("no row for the team: {}", r.json()))
}

#[tokio::test]
async fn a_printed_code_answers_once_for_its_team_and_names_nobody() {
    let app = spawn_app_with(|c| c.public_url = Some("http://pulse.test".into())).await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let floor = app.create_team(&admin, "Floor", None, "frontline").await;
    let desk = app.create_team(&admin, "Desk", None, "internal").await;
    let boss = app.manager_of(&admin, &floor).await;
    let other_boss = app.manager_of(&admin, &desk).await;
    let worker = app.employee(&admin, Some(&floor)).await;
    person(
        &app,
        &admin,
        &floor,
        json!({"name": "Pat Phone", "phone": "+14155550123"}),
    )
    .await;
    let mut unreachable = Vec::new();
    for n in 1..=3 {
        unreachable.push(
            person(
                &app,
                &admin,
                &floor,
                json!({"name": format!("Kiosk {n}"), "employee_number": format!("K-{n}")}),
            )
            .await,
        );
    }
    let (_, round, q) = open_enps_round(&app, &hr, &[&floor]).await;

    // Only HR or a manager of the team prints; never an employee or another team's
    // manager; an unknown team is 404.
    print(&app, &worker, &round, &floor).await.expect(403);
    print(&app, &other_boss, &round, &floor).await.expect(403);
    print(&app, &hr, &round, "no-such-team").await.expect(404);
    let first = print(&app, &boss, &round, &floor).await;
    first.expect(201);
    let first = first.json();
    assert_eq!(first["unreachable"], json!(3), "{first}");
    let first_codes = codes(&first);
    assert_eq!(
        first_codes.len(),
        3,
        "one per invitee without e-mail or phone"
    );
    // Printing again replaces the unused codes: the first sheet's no longer work.
    let sheet = print(&app, &boss, &round, &floor).await;
    sheet.expect(201);
    let sheet = sheet.json();
    let fresh = codes(&sheet);
    assert_eq!(fresh.len(), 3);
    app.get(&format!("/api/v1/kiosk/{}", first_codes[0]), None)
        .await
        .expect(404);

    // The database keeps only hashes; printing is audited.
    let (stored, audited) = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::{audit_log, kiosk_codes};
            let stored: Vec<String> = kiosk_codes::table
                .select(kiosk_codes::code_hash)
                .load(conn)?;
            let audited: i64 = audit_log::table
                .filter(audit_log::action.eq("kiosk.print"))
                .count()
                .get_result(conn)?;
            Ok((stored, audited))
        })
        .await
        .expect("rows");
    assert_eq!(stored.len(), 3);
    for c in &fresh {
        assert!(
            !stored.iter().any(|h| h.contains(&c.replace('-', ""))),
            "a code is stored in clear"
        );
    }
    assert_eq!(audited, 2);

    // The QR code leads to the answer page with the code, read by a real reader.
    let link = decode_qr(sheet["codes"][0]["qr_svg"].as_str().expect("svg"));
    assert_eq!(link, format!("http://pulse.test/k?code={}", fresh[0]));
    let scanned = link.rsplit('=').next().expect("a code");

    // A code opens its round's pulse and answers it once, without signing in.
    let r = app.get(&format!("/api/v1/kiosk/{scanned}"), None).await;
    r.expect(200);
    assert_eq!(r.json()["round_id"], json!(round));
    assert_eq!(r.json()["questions"][0]["id"], json!(q));
    app.post(
        &format!("/api/v1/kiosk/{scanned}/responses"),
        None,
        answer_body(&q, 9),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/kiosk/{scanned}/responses"),
        None,
        answer_body(&q, 1),
    )
    .await
    .expect(409);
    app.get(&format!("/api/v1/kiosk/{scanned}"), None)
        .await
        .expect(409);
    // Typed in lower case without the dash, another code works too.
    let typed = fresh[1].replace('-', "").to_lowercase();
    app.post(
        &format!("/api/v1/kiosk/{typed}/responses"),
        None,
        answer_body(&q, 7),
    )
    .await
    .expect(201);
    app.get("/api/v1/kiosk/NOT-A-CODE", None).await.expect(404);
    // Stored as sealed ballots; no participation row names anyone.
    assert_eq!(app.count("ballots").await, 2);
    assert_eq!(app.count("participation").await, 0);
    // The team's participation counts them, and its unreachable invitees are reached
    // by the sheet.
    let p = participation(&app, &hr, &round, &floor).await;
    assert_eq!(p["answered"], json!(2), "{p}");
    assert_eq!(p["invited"], json!(6), "{p}");
    // Activated: the manager and the worker; by the sheet: the three without e-mail
    // or phone (the phone-only person has not activated).
    assert_eq!(p["reachable"], json!(5), "{p}");

    // A new sheet has as many codes again (its size says nothing of who answered);
    // once the third answers in person, its codes are refused: the team's answers by
    // code and in person never exceed the people the codes are for.
    let last = print(&app, &hr, &round, &floor).await;
    last.expect(201);
    let last_code = codes(&last.json());
    assert_eq!(last_code.len(), 3);
    let token = app.activate(&unreachable[2].1).await;
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&token),
        answer_body(&q, 5),
    )
    .await
    .expect(201);
    let r = app
        .post(
            &format!("/api/v1/kiosk/{}/responses", last_code[0]),
            None,
            answer_body(&q, 2),
        )
        .await;
    r.expect(409);
    assert_eq!(app.count("ballots").await, 3);

    // At the close (with k = 5 answers in all), the code answers are stored under the
    // team like the others.
    for who in [&boss, &worker] {
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&who.token),
            answer_body(&q, 6),
        )
        .await
        .expect(201);
    }
    app.close_round_now(&hr, &round).await;
    let stored: Vec<(String, Option<String>)> = app
        .state
        .db
        .read(|conn| {
            use pulseline::db::schema::responses;
            Ok(responses::table
                .select((responses::team_id, responses::location))
                .load(conn)?)
        })
        .await
        .expect("responses");
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|(t, _)| *t == floor), "{stored:?}");
    // The last sheet replaced the earlier unused code; a closed round's code is gone.
    app.get(&format!("/api/v1/kiosk/{}", fresh[2]), None)
        .await
        .expect(404);
    app.get(&format!("/api/v1/kiosk/{}", last_code[0]), None)
        .await
        .expect(410);
    print(&app, &hr, &round, &floor).await.expect(409);
}

#[tokio::test]
async fn a_manager_prints_a_sheet_in_the_browser_and_a_code_answers_on_the_kiosk_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hr = app.hr().await;
    let floor = app.create_team(&admin, "Floor", None, "frontline").await;
    let boss = app.manager_of(&admin, &floor).await;
    for n in 1..=2 {
        person(
            &app,
            &admin,
            &floor,
            json!({"name": format!("Kiosk {n}"), "employee_number": format!("W-{n}")}),
        )
        .await;
    }
    let (survey, round, q) = open_enps_round(&app, &hr, &[&floor]).await;

    // HR finds the printing page from the survey page.
    let mut h = Browser::new(&app);
    h.sign_in(&hr.email, PASSWORD).await;
    let r = h.get(&format!("/hr/surveys/{survey}")).await;
    assert!(
        r.text()
            .contains(&format!("href=\"/rounds/{round}/kiosk\"")),
        "{}",
        r.text()
    );

    // The manager finds it on their home page and prints their team's sheet: two
    // slips, each with a QR code.
    let mut b = Browser::new(&app);
    b.sign_in(&boss.email, PASSWORD).await;
    let r = b.get("/").await;
    assert!(
        r.text()
            .contains(&format!("href=\"/rounds/{round}/kiosk\"")),
        "{}",
        r.text()
    );
    let page = format!("/rounds/{round}/kiosk");
    let r = b.get(&page).await;
    assert_html(&r, 200);
    assert!(r.text().contains("Floor") && r.text().contains("hand the codes out at random"));
    let r = b.submit(&page, &page, &[("team_id", &floor)]).await;
    assert_html(&r, 200);
    let sheet = r.text();
    assert_eq!(sheet.matches("class=\"kiosk-slip\"").count(), 2, "{sheet}");
    assert_eq!(sheet.matches("<svg").count(), 2);
    assert!(
        !sheet.contains("<?xml"),
        "the SVG is inline, without its declaration"
    );
    let at = sheet.find("<code>").expect("a code") + "<code>".len();
    let code: String = sheet[at..].chars().take(11).collect();
    assert!(kiosk_code_shape(&code), "{code}");
    // An employee may not print.
    let worker = app.employee(&admin, Some(&floor)).await;
    let mut w = Browser::new(&app);
    w.sign_in(&worker.email, PASSWORD).await;
    assert_eq!(w.get(&page).await.status, 403);

    // The kiosk: the code typed, the pulse answered without signing in, once.
    let mut k = Browser::new(&app);
    let r = k.get("/k").await;
    assert_html(&r, 200);
    assert!(r.text().contains("name=\"code\""));
    let r = k.get("/k?code=ZZZZZ-ZZZZZ").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("This code is not valid"), "{}", r.text());
    let form = format!("/k?code={}", code.to_lowercase());
    let action = format!("/k?code={code}");
    let field = format!("answers.{q}");
    let r = k.submit(&form, &action, &[(&field, "8")]).await;
    assert_html(&r, 200);
    assert!(
        r.text().contains("your answers were recorded"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("ballots").await, 1);
    assert_eq!(app.count("participation").await, 0);
    let r = k.get(&action).await;
    assert_eq!(r.status, 409);
    assert!(r.text().contains("already been used"));

    // In Russian.
    k.headers.push(("accept-language", "ru-RU,ru;q=0.9".into()));
    let r = k.get(&action).await;
    assert!(
        r.text().contains("Этот код уже использован"),
        "{}",
        r.text()
    );
}

/// `XXXXX-XXXXX` of the code alphabet.
fn kiosk_code_shape(c: &str) -> bool {
    c.len() == 11
        && c.as_bytes()[5] == b'-'
        && c.chars()
            .enumerate()
            .all(|(i, ch)| i == 5 || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(ch))
}
