//! A person without e-mail: an employee number and/or a phone number identify them
//! instead (API and CSV import), each unique, and someone without e-mail signs in with
//! their employee number. Nothing is queued to an address that does not exist.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::reach::open_enps_round;

/// The kinds of the outbox messages to `person`, sorted.
async fn messages_to(app: &TestApp, admin: &Actor, person: &str) -> Vec<String> {
    let page = app
        .get("/api/v1/outbox?limit=200", Some(&admin.token))
        .await;
    page.expect(200);
    let mut kinds: Vec<String> = page.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["recipient_id"] == json!(person))
        .map(|m| m["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    kinds.sort();
    kinds
}

async fn import(app: &TestApp, admin: &Actor, csv: &str) -> Resp {
    app.raw(
        Method::POST,
        "/api/v1/people/import",
        Some(&admin.token),
        "text/csv",
        csv,
    )
    .await
}

fn login_body(account: &str) -> Value {
    json!({"email": account, "password": PASSWORD})
}

#[tokio::test]
async fn a_person_without_e_mail_is_created_by_number_and_signs_in_with_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Floor", None, "frontline").await;

    // Refused, each naming its field, and nothing stored: none of the three; a phone
    // number not in international form; a number with `@`, which sign-in would read as
    // an e-mail address.
    let before = app.count("people").await;
    for (body, field) in [
        (json!({"name": "Nobody", "team_id": team}), "email"),
        (json!({"name": "Local", "phone": "020 7946 0001"}), "phone"),
        (
            json!({"name": "At", "employee_number": "ann@floor"}),
            "employee_number",
        ),
    ] {
        let r = app.post("/api/v1/people", Some(&admin.token), body).await;
        r.expect(422);
        assert_eq!(r.field(), field);
    }
    assert_eq!(app.count("people").await, before);

    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"name": "Ola Floor", "team_id": team, "employee_number": " E-1001 ",
                   "phone": "+44 (20) 7946-0001"}),
        )
        .await;
    r.expect(201);
    let ola = r.json()["id"].as_str().expect("id").to_owned();
    let activation = r.json()["activation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let p = app
        .get(&format!("/api/v1/people/{ola}"), Some(&admin.token))
        .await
        .json();
    assert_eq!(p["email"], json!(null));
    assert_eq!(p["employee_number"], json!("E-1001"));
    // Kept in one form, so the same number written another way is the same number.
    assert_eq!(p["phone"], json!("+442079460001"));
    // HR finds them by number or phone as by e-mail.
    for q in ["e-1001", "7946000"] {
        let found = app
            .get(&format!("/api/v1/people?q={q}"), Some(&admin.token))
            .await
            .json();
        assert_eq!(found["items"][0]["id"], json!(ola), "{q}: {found}");
        assert_eq!(found["total"], json!(1), "{q}");
    }
    // No invitation is queued to an address that does not exist; one with an address
    // gets one.
    assert!(messages_to(&app, &admin, &ola).await.is_empty());
    let (with_mail, _) = app
        .create_person(&admin, "mail@example.org", Some(&team))
        .await;
    assert_eq!(
        messages_to(&app, &admin, &with_mail).await,
        vec!["invitation".to_owned()]
    );

    // Uniqueness as for e-mail: the same number (written another way) is a 409.
    for (body, what) in [
        (
            json!({"name": "Twin", "employee_number": "E-1001"}),
            "employee number",
        ),
        (
            json!({"name": "Twin", "phone": "+44 20 7946 0001"}),
            "phone",
        ),
    ] {
        let r = app.post("/api/v1/people", Some(&admin.token), body).await;
        r.expect(409);
        assert!(r.text().contains(what), "{}", r.text());
    }
    assert_eq!(app.count("people").await, before + 2);

    // Removing the last identifier is refused; removing one of two is not.
    let path = format!("/api/v1/people/{ola}");
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&admin.token),
            json!({"employee_number": null, "phone": null}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "email");
    let r = app
        .json(
            Method::PATCH,
            &path,
            Some(&admin.token),
            json!({"phone": null}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["phone"], json!(null));
    assert_eq!(r.json()["employee_number"], json!("E-1001"));
    // Another person cannot take the number over.
    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/people/{with_mail}"),
            Some(&admin.token),
            json!({"employee_number": "E-1001"}),
        )
        .await;
    r.expect(409);

    // Activation, then sign-in with the employee number; /me has no e-mail.
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": activation, "password": PASSWORD}),
    )
    .await
    .expect(200);
    let r = app
        .post("/api/v1/auth/login", None, login_body("E-1001"))
        .await;
    r.expect(200);
    let token = r.json()["access_token"].as_str().expect("token").to_owned();
    let me = app.get("/api/v1/me", Some(&token)).await.json();
    assert_eq!(me["id"], json!(ola));
    assert!(me["email"].is_null(), "{me}");
    // The wrong password, or a number nobody has, is the same 401.
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "E-1001", "password": "not the password"}),
        )
        .await;
    wrong.expect(401);
    let nobody = app
        .post("/api/v1/auth/login", None, login_body("E-9999"))
        .await;
    nobody.expect(401);
    assert_eq!(wrong.json()["detail"], nobody.json()["detail"]);

    // Someone with an e-mail address signs in with it, not with a number they were
    // also given.
    let mail_person = app.employee(&admin, Some(&team)).await;
    app.json(
        Method::PATCH,
        &format!("/api/v1/people/{}", mail_person.id),
        Some(&admin.token),
        json!({"employee_number": "E-2002"}),
    )
    .await
    .expect(200);
    app.post("/api/v1/auth/login", None, login_body("E-2002"))
        .await
        .expect(401);
    app.login(&mail_person.email, PASSWORD).await;

    // The round's pulse-open message goes to the invitee with an address only; the
    // one without answers signed in.
    let (_, round, q) = open_enps_round(&app, &admin, &[&team]).await;
    assert_eq!(
        messages_to(&app, &admin, &ola).await,
        Vec::<String>::new(),
        "a message was queued for someone without e-mail"
    );
    assert!(
        messages_to(&app, &admin, &mail_person.id)
            .await
            .contains(&"pulse_open".to_owned())
    );
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&token),
        json!({"answers": [{"question_id": q, "value": 9}]}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn the_csv_import_creates_and_matches_people_by_employee_number_and_phone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Company", None, "frontline").await;
    let csv = "name,employee_number,phone,team
Raj Floor,E-3003,+1 415 555 0100,Company
Sue Floor,E-3004,,Company
";
    let r = import(&app, &admin, csv).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(2));
    let activations = r.json()["activations"].clone();
    let numbers: Vec<&Value> = activations
        .as_array()
        .expect("activations")
        .iter()
        .map(|a| &a["employee_number"])
        .collect();
    assert_eq!(numbers, vec![&json!("E-3003"), &json!("E-3004")]);
    assert!(activations[0]["email"].is_null(), "{activations}");
    assert_eq!(activations[0]["phone"], json!("+14155550100"));
    let people = app.count("people").await;

    // A second import matches by number (a blank phone keeps the stored one) and by
    // phone, instead of creating anyone.
    let again = "name,employee_number,phone,team
Raj Renamed,E-3003,,Company
Sue Renamed,,,Company
";
    let r = import(&app, &admin, again).await;
    r.expect(422);
    // Sue's row names nobody: it needs one of the three.
    assert_eq!(r.json()["errors"][0]["row"], json!(2));
    assert_eq!(r.json()["errors"][0]["field"], json!("email"));
    let again = "name,employee_number,phone,team
Raj Renamed,E-3003,,Company
Sue Renamed,,,Company
"
    .replace("Sue Renamed,,,", "Sue Renamed,E-3004,+44 7700 900123,");
    let r = import(&app, &admin, &again).await;
    r.expect(200);
    assert_eq!(r.json()["updated"], json!(2));
    assert_eq!(r.json()["created"], json!(0));
    assert_eq!(app.count("people").await, people);
    let raj = app
        .get("/api/v1/people?q=raj", Some(&admin.token))
        .await
        .json();
    assert_eq!(raj["items"][0]["name"], json!("Raj Renamed"));
    assert_eq!(raj["items"][0]["phone"], json!("+14155550100"));
    let by_phone = "name,phone,team\nSue By Phone,+447700900123,Company\n";
    let r = import(&app, &admin, by_phone).await;
    r.expect(200);
    assert_eq!(r.json()["updated"], json!(1));
    assert_eq!(app.count("people").await, people);

    // A row whose number is Raj's and whose phone is Sue's names two people: refused,
    // with the row and the field, and nothing changes.
    let clash = "name,employee_number,phone,team\nWho,E-3003,+447700900123,Company\n";
    let r = import(&app, &admin, clash).await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["row"], json!(1));
    assert_eq!(r.json()["errors"][0]["field"], json!("phone"));
    // Two rows with one number in one file: refused too.
    let twice = "name,employee_number,team\nA,E-5005,Company\nB,E-5005,Company\n";
    let r = import(&app, &admin, twice).await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["row"], json!(2));
    assert_eq!(r.json()["errors"][0]["field"], json!("employee_number"));
    assert_eq!(app.count("people").await, people);
    let sue = app
        .get("/api/v1/people?q=sue", Some(&admin.token))
        .await
        .json();
    assert_eq!(sue["items"][0]["name"], json!("Sue By Phone"));
    assert_eq!(sue["items"][0]["employee_number"], json!("E-3004"));

    // A file without any identifying column is refused before any row.
    let r = import(&app, &admin, "name,team\nX,Company\n").await;
    r.expect(422);
    assert_eq!(app.count("people").await, people);
}

/// An import larger than the chunk new people are written in (500 rows): each row is
/// written once, with its invitation (when it has an address) and its manager place,
/// and a second run of the file finds each person again — by e-mail address whatever
/// its case, or by employee number — instead of creating anyone.
#[tokio::test]
async fn a_large_import_writes_each_row_once_and_finds_each_person_again() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Company", None, "frontline").await;
    let (people, outbox, managers) = (
        app.count("people").await,
        app.count("outbox").await,
        app.count("team_managers").await,
    );
    const N: i64 = 1_234;
    let mut csv = String::from("email,name,team,manager,employee_number\n");
    for i in 0..N {
        // Every third person has no address; every fifth manages the team.
        let email = if i % 3 == 0 {
            String::new()
        } else {
            format!("Person.{i}@Example.com")
        };
        csv.push_str(&format!(
            "{email},Person {i},Company,{},E-{i}\n",
            i % 5 == 0
        ));
    }
    let with_address = (0..N).filter(|i| i % 3 != 0).count() as i64;
    let managing = (0..N).filter(|i| i % 5 == 0).count() as i64;

    let r = import(&app, &admin, &csv).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(N));
    assert_eq!(r.json()["updated"], json!(0));
    assert_eq!(
        r.json()["activations"].as_array().map(Vec::len),
        Some(N as usize)
    );
    assert_eq!(app.count("people").await, people + N);
    assert_eq!(app.count("outbox").await, outbox + with_address);
    assert_eq!(app.count("team_managers").await, managers + managing);

    // The last row, written by the last (partial) chunk, activates like the first.
    let last = r.json()["activations"][N as usize - 1]["activation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": last, "password": PASSWORD}),
    )
    .await
    .expect(200);

    let again = csv
        .replace("Person.", "person.")
        .replace("@Example.com", "@example.COM")
        .replace(",Person ", ",Renamed ");
    let r = import(&app, &admin, &again).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(0));
    assert_eq!(r.json()["updated"], json!(N));
    assert_eq!(app.count("people").await, people + N);
    assert_eq!(app.count("outbox").await, outbox + with_address);
    assert_eq!(app.count("team_managers").await, managers + managing);
    let renamed = app
        .get("/api/v1/people?q=renamed&limit=1", Some(&admin.token))
        .await
        .json();
    assert_eq!(renamed["total"], json!(N));

    // The same file once more: every person is found as the file describes them, so
    // the import matches them all and writes none of them (not even `updated_at`).
    let last_change = || async {
        app.state
            .db
            .read(|conn| {
                use diesel::dsl::max;
                use diesel::prelude::*;
                use pulseline::db::schema::people;
                Ok(people::table
                    .select(max(people::updated_at))
                    .first::<Option<chrono::NaiveDateTime>>(conn)?)
            })
            .await
            .expect("latest change")
    };
    let before = last_change().await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = import(&app, &admin, &again).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(0));
    assert_eq!(r.json()["updated"], json!(N));
    assert_eq!(last_change().await, before);
    // One changed cell is written.
    let one = again.replace(",Renamed 7,", ",Renamed Seven,");
    let r = import(&app, &admin, &one).await;
    r.expect(200);
    assert!(last_change().await > before);
    let seven = app
        .get("/api/v1/people?q=seven", Some(&admin.token))
        .await
        .json();
    assert_eq!(seven["total"], json!(1));
}

/// An identifier one row takes away from a person is free for a later row of the same
/// file: the import sees its own earlier rows.
#[tokio::test]
async fn an_address_a_row_gives_up_is_free_for_a_later_row() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_team(&admin, "Company", None, "frontline").await;
    let first = "email,name,team,employee_number\nold@floor.test,Pat Moves,Company,E-7001\n";
    let r = import(&app, &admin, first).await;
    r.expect(200);
    assert_eq!(r.json()["created"], json!(1));
    let people = app.count("people").await;

    let file = "email,name,team,employee_number
new@floor.test,Pat Moves,Company,E-7001
old@floor.test,Quinn Takes,Company,
";
    let r = import(&app, &admin, file).await;
    r.expect(200);
    assert_eq!(r.json()["updated"], json!(1));
    assert_eq!(r.json()["created"], json!(1));
    assert_eq!(app.count("people").await, people + 1);
    for (q, email) in [("pat", "new@floor.test"), ("quinn", "old@floor.test")] {
        let found = app
            .get(&format!("/api/v1/people?q={q}"), Some(&admin.token))
            .await
            .json();
        assert_eq!(found["items"][0]["email"], json!(email), "{found}");
    }

    // And the address the later row took is now Quinn's: a row giving it with Pat's
    // number names two people.
    let clash = "email,name,team,employee_number\nold@floor.test,Who,Company,E-7001\n";
    let r = import(&app, &admin, clash).await;
    r.expect(422);
    assert_eq!(r.json()["errors"][0]["field"], json!("employee_number"));
}
