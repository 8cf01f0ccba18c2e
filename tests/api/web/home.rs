//! The start page by role: an employee lands on their pulses, a manager on their
//! teams' latest results, HR on the organisation's open rounds and latest results.

use serde_json::{Value, json};

use crate::helpers::*;

async fn survey(app: &TestApp, hr: &Actor, title: &str, team: &str) -> (String, Vec<String>) {
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({"title": title, "questions": [{"bank_item": "eo_proud"}, {"bank_item": "eo_enps"}],
                   "audience": {"team_ids": [team]},
                   "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}}),
        )
        .await;
    r.expect(201);
    let qs = r.json()["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("id").to_owned())
        .collect();
    (r.json()["id"].as_str().expect("id").to_owned(), qs)
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("section end")]
}

fn one_decimal(v: &Value) -> String {
    format!("{:.1}", v.as_f64().expect("a number"))
}

#[tokio::test]
async fn each_role_lands_on_what_matters_to_it() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let org = app.create_team(&hr, "Org", None, "internal").await;
    let big = app
        .create_team(&hr, "Big desk", Some(&org), "frontline")
        .await;
    let small = app
        .create_team(&hr, "Small desk", Some(&org), "frontline")
        .await;
    let mut people = app.seed_people(&big, 7, |_| (None, None, None)).await;
    people.extend(app.seed_people(&small, 3, |_| (None, None, None)).await);
    let big_manager = app.manager_of(&hr, &big).await;
    let small_manager = app.manager_of(&hr, &small).await;
    let employee = app.employee(&hr, Some(&big)).await;

    // A closed round the big desk answered (proud 2 + i % 4, eNPS i % 11); the small
    // desk did not, so its report is hidden and nothing can be subtracted.
    let (first, qs) = survey(&app, &hr, "Quarterly", &org).await;
    let closed = app.open_round_now(&hr, &first).await;
    for (i, who) in people[..7].iter().enumerate() {
        app.post(
            &format!("/api/v1/rounds/{closed}/responses"),
            Some(&who.token),
            json!({"answers": [{"question_id": qs[0], "value": 2 + i % 4},
                               {"question_id": qs[1], "value": i % 11}]}),
        )
        .await
        .expect(201);
    }
    app.close_round_now(&hr, &closed).await;
    // And an open one.
    let (second, _) = survey(&app, &hr, "Weekly check-in", &org).await;
    let open = app.open_round_now(&hr, &second).await;

    // The employee: their open pulse, nothing of HR's or a manager's.
    let mut b = Browser::new(&app);
    b.sign_in(&employee.email, PASSWORD).await;
    let r = b.get("/").await;
    assert_html(&r, 200);
    let html = r.text();
    let pulses = section(&html, "home-pulses");
    assert!(pulses.contains("Weekly check-in"), "{pulses}");
    assert!(
        pulses.contains(&format!("href=\"/pulses/{open}\"")),
        "{pulses}"
    );
    assert!(!html.contains("id=\"home-open\"") && !html.contains("id=\"home-teams\""));

    // HR: the open round with how many were invited, the organisation's latest results
    // as the report API gives them.
    let api = app
        .get(&format!("/api/v1/rounds/{closed}/report"), Some(&hr.token))
        .await
        .json();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get("/").await.text();
    let open_rounds = section(&html, "home-open");
    assert!(
        open_rounds.contains("Weekly check-in — #1"),
        "{open_rounds}"
    );
    // 10 seeded, two managers and the employee.
    assert!(
        open_rounds.contains("<td class=\"num\">13</td>"),
        "{open_rounds}"
    );
    let results = section(&html, "home-org");
    let index = one_decimal(&api["group"]["engagement_index"]);
    assert!(
        results.contains(&format!("<strong>{index}</strong>")),
        "{index}: {results}"
    );
    assert!(results.contains(&format!("href=\"/reports/{closed}\"")));

    // The managers: their own team's latest results, or why they are hidden.
    let big_api = app
        .get(
            &format!("/api/v1/rounds/{closed}/report?team_id={big}"),
            Some(&big_manager.token),
        )
        .await
        .json();
    let mut b = Browser::new(&app);
    b.sign_in(&big_manager.email, PASSWORD).await;
    let html = b.get("/").await.text();
    let teams = section(&html, "home-teams");
    assert!(teams.contains("Big desk"), "{teams}");
    assert!(
        teams.contains(&format!(
            "<strong>{}</strong>",
            one_decimal(&big_api["group"]["engagement_index"])
        )),
        "{teams}"
    );
    let mut b = Browser::new(&app);
    b.sign_in(&small_manager.email, PASSWORD).await;
    let html = b.get("/").await.text();
    let teams = section(&html, "home-teams");
    assert!(teams.contains("fewer than 5 answers"), "{teams}");
    assert!(!teams.contains("<strong>"), "{teams}");
}
