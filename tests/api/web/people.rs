//! The HR people and team pages: the people list, the team tree, imports of people and CX ratings.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn hr_previews_a_people_import_then_imports_and_loads_cx_ratings() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let csv = "email,name,team\nann@example.org,Ann,Desk\nnot-an-email,Bob,Desk\ncy@example.org,Cy,Nowhere\n";
    let r = b
        .submit(
            "/hr/people",
            "/hr/people/import",
            &[("csv", csv), ("dry_run", "1")],
        )
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("Dry run: nothing was written"), "{html}");
    assert!(html.contains("Row errors"));
    assert!(
        html.contains("<code>email</code>"),
        "the row's column is named"
    );
    assert!(html.contains("<code>team</code>"));
    assert_eq!(app.count("people").await, 1, "nothing written");
    // Without partial, invalid rows stop the whole import.
    let r = b
        .submit("/hr/people", "/hr/people/import", &[("csv", csv)])
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("Nothing was imported"));
    let good = "email,name,team\nann@example.org,Ann,Desk\n";
    let r = b
        .submit("/hr/people", "/hr/people/import", &[("csv", good)])
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("/activate?token="), "{}", r.text());
    assert_eq!(app.count("people").await, 2);

    // CX ratings: a dry run reports the bad row by index and stores nothing.
    use diesel::prelude::*;
    use pulseline::db::schema::teams;
    let t = team.clone();
    app.state
        .db
        .write(move |conn| {
            diesel::update(teams::table.find(&t))
                .set(teams::team_key.eq(Some("DESK-1")))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("team key");
    let ratings = "external_id,team_id,team_key,metric,score,occurred_on\nc1,,DESK-1,csat,4,2026-04-01\nc2,,DESK-1,csat,x,2026-04-01\n";
    let r = b
        .submit(
            "/hr/cx",
            "/hr/cx/import",
            &[("csv", ratings), ("dry_run", "1")],
        )
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("Dry run: nothing was written"));
    assert!(r.text().contains("<code>score</code>"), "{}", r.text());
    assert_eq!(app.count("cx_ratings").await, 0);
    let r = b
        .submit("/hr/cx", "/hr/cx/import", &[("csv", ratings)])
        .await;
    assert_html(&r, 200);
    assert_eq!(app.count("cx_ratings").await, 1);
}

/// The team named `name` in the API's list, as JSON.
async fn team_named(app: &TestApp, hr: &Actor, name: &str) -> serde_json::Value {
    let all = app
        .get("/api/v1/teams?limit=200", Some(&hr.token))
        .await
        .json();
    all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no team {name}: {all}"))
        .clone()
}

#[tokio::test]
async fn hr_lists_people_with_search_and_pages_and_manages_the_team_tree() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "internal").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let seeded = app.seed_people(&sales, 30, |_| (None, None, None)).await;
    app.create_person(&hr, "ann.lee@example.org", Some(&sales))
        .await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;

    // The list: labelled search, name, e-mail, team, role and status.
    let r = b.get("/hr/people").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("<label for=\"f-q\">Search by name, e-mail or number</label>"));
    assert!(html.contains("<label for=\"f-limit\">Per page</label>"));
    assert!(html.contains("ann.lee@example.org"), "{html}");
    assert!(html.contains("<td>Sales</td>"));
    assert!(
        html.contains("Not activated yet"),
        "the new person has no password"
    );
    assert!(
        html.contains("Employee, HR"),
        "the HR person's roles: {html}"
    );
    assert!(
        html.contains("id=\"f-csv\""),
        "the import stays on the page"
    );

    // Search by e-mail narrows the list.
    let html = b.get("/hr/people?q=ANN.LEE").await.text();
    assert!(html.contains("ann.lee@example.org"));
    assert!(!html.contains(&seeded[0].email), "{html}");
    assert!(html.contains("1–1 of 1"), "{html}");

    // Page size: 25 of the 32 people, then the rest on the next page.
    let html = b.get("/hr/people?limit=25").await.text();
    assert_eq!(html.matches("<th scope=\"row\">").count(), 25);
    assert!(html.contains("1–25 of 32"), "{html}");
    assert!(
        html.contains("href=\"/hr/people?q=&amp;team_id=&amp;status=&amp;limit=25&amp;offset=25\""),
        "{html}"
    );
    let html = b.get("/hr/people?q=&limit=25&offset=25").await.text();
    assert_eq!(html.matches("<th scope=\"row\">").count(), 7);
    assert!(html.contains("rel=\"prev\""));
    assert!(!html.contains("rel=\"next\""));
    // A page size that is not offered falls back to the default.
    let html = b.get("/hr/people?limit=100000").await.text();
    assert!(html.contains("1–32 of 32"), "{html}");

    // The tree: Sales nested under Company.
    let r = b.get("/hr/teams").await;
    assert_html(&r, 200);
    let html = r.text();
    let (c, s) = (
        html.find(&format!("href=\"/hr/teams/{company}\""))
            .expect("company"),
        html.find(&format!("href=\"/hr/teams/{sales}\""))
            .expect("sales"),
    );
    assert!(c < s);
    assert!(html[c..s].contains("<ul class=\"tree\">"), "nested: {html}");
    for label in ["f-name", "f-parent_id", "f-kind"] {
        assert!(html.contains(&format!("<label for=\"{label}\"")), "{label}");
    }

    // Creating a team through the form.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Support"),
                ("parent_id", &company),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/hr/teams"));
    let support = team_named(&app, &hr, "Support").await;
    assert_eq!(support["parent_id"], company.as_str());
    assert_eq!(support["kind"], "frontline");
    let support = support["id"].as_str().expect("id").to_owned();
    // An empty name is refused beside the name field, the choices kept.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "  "),
                ("parent_id", &company),
                ("kind", "internal"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(error_beside(&r.text(), "f-name"), "must not be empty");
    assert!(r.text().contains("value=\"internal\" selected"));

    // A key for imports is kept, and a second team cannot take it.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Billing"),
                ("parent_id", ""),
                ("kind", "frontline"),
                ("key", "billing-desk"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        team_named(&app, &hr, "Billing").await["key"],
        "billing-desk"
    );
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Billing 2"),
                ("parent_id", ""),
                ("kind", "frontline"),
                ("key", "billing-desk"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-key"),
        "another team has this key"
    );

    // Renaming and moving it under Sales.
    let edit = format!("/hr/teams/{support}");
    let page = b.get(&edit).await;
    assert_html(&page, 200);
    assert!(page.text().contains("value=\"Support\""));
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Customer care"),
                ("parent_id", &sales),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/hr/teams"));
    let care = team_named(&app, &hr, "Customer care").await;
    assert_eq!(care["id"], support.as_str());
    assert_eq!(care["parent_id"], sales.as_str());

    // Moving Company under its own grandchild is refused beside the parent field.
    let company_page = format!("/hr/teams/{company}");
    let r = b
        .submit(
            &company_page,
            &company_page,
            &[
                ("name", "Company"),
                ("parent_id", &support),
                ("kind", "internal"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-parent_id"),
        "a team cannot be placed under itself or its own descendant"
    );
    assert!(r.text().contains("aria-describedby=\"f-parent_id-err\""));
    assert_eq!(
        team_named(&app, &hr, "Company").await["parent_id"],
        json!(null)
    );
    // Moving it to the top level works (no parent).
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Customer care"),
                ("parent_id", ""),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        team_named(&app, &hr, "Customer care").await["parent_id"],
        json!(null)
    );

    // Without its CSRF token a team form changes nothing.
    let before = app.count("teams").await;
    let r = b
        .post("/hr/teams", &[("name", "Sneaky"), ("kind", "frontline")])
        .await;
    assert_html(&r, 403);
    assert!(r.text().contains("The form has expired"));
    let r = b
        .post(&edit, &[("name", "Renamed"), ("kind", "frontline")])
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("teams").await, before);
    assert_eq!(
        team_named(&app, &hr, "Customer care").await["id"],
        support.as_str()
    );
}

#[tokio::test]
async fn an_employee_gets_the_403_page_for_people_and_teams() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let emp = app.employee(&hr, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&emp.email, PASSWORD).await;
    for path in ["/hr/people", "/hr/teams", &format!("/hr/teams/{team}")] {
        let r = b.get(path).await;
        assert_html(&r, 403);
        assert!(r.text().contains("Not allowed"), "{path}");
        assert!(!r.text().contains(&emp.email), "{path}: no data");
    }
    let token = csrf_of(&b.get("/pulses").await.text());
    let r = b
        .post(
            "/hr/teams",
            &[("csrf", &token), ("name", "Mine"), ("kind", "frontline")],
        )
        .await;
    assert_html(&r, 403);
    let r = b
        .post(
            &format!("/hr/teams/{team}"),
            &[("csrf", &token), ("name", "Mine"), ("kind", "frontline")],
        )
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("teams").await, 1);
    let name = app
        .get(&format!("/api/v1/teams/{team}"), Some(&hr.token))
        .await
        .json()["name"]
        .clone();
    assert_eq!(name, "Desk");
}

#[tokio::test]
async fn a_new_team_form_sent_twice_creates_one_team() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let before = app.count("teams").await;
    let (first, second) = crate::web::post_twice(
        &mut b,
        "/hr/teams",
        "/hr/teams",
        &[("name", "Support"), ("kind", "frontline")],
    )
    .await;
    assert_eq!(
        (first.status, location(&first).as_str()),
        (303, "/hr/teams")
    );
    assert_eq!(
        (second.status, location(&second).as_str()),
        (303, "/hr/teams"),
        "{}",
        second.text()
    );
    assert_eq!(app.count("teams").await, before + 1);
}

/// The row numbers in a page's table of row errors, in order.
fn error_rows(html: &str) -> Vec<String> {
    let table = &html[html.find("Row errors").expect("a table of row errors")..];
    let table = &table[..table.find("</table>").expect("table end")];
    table
        .split("<tr><td class=\"num\">")
        .skip(1)
        .map(|r| r[..r.find('<').expect("cell end")].to_owned())
        .collect()
}

#[tokio::test]
async fn both_imports_take_the_team_names_and_keys_the_pages_show_and_count_rows_alike() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "internal").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    // The team as HR makes it on the Teams page, with a key for imports.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Support EMEA"),
                ("parent_id", &company),
                ("kind", "frontline"),
                ("key", "SUP-EU"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(b.get("/hr/teams").await.text().contains("Support EMEA"));
    let support = team_named(&app, &hr, "Support EMEA").await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // People: by name, by key, by path; the bad row is the second data row.
    let csv = "email,name,team\n\
               ann@example.org,Ann,Support EMEA\n\
               bob@example.org,Bob,Nowhere\n\
               cy@example.org,Cy,SUP-EU\n\
               di@example.org,Di,Company/Support EMEA\n";
    let r = b
        .submit(
            "/hr/people",
            "/hr/people/import",
            &[("csv", csv), ("dry_run", "1")],
        )
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert_eq!(error_rows(&html), vec!["2"], "{html}");
    assert!(html.contains("Rows are numbered from 1, the first row after the header."));
    let good = "email,name,team\n\
                ann@example.org,Ann,Support EMEA\n\
                cy@example.org,Cy,SUP-EU\n\
                di@example.org,Di,Company/Support EMEA\n";
    let r = b
        .submit("/hr/people", "/hr/people/import", &[("csv", good)])
        .await;
    assert_html(&r, 200);
    let people = app
        .get(
            &format!("/api/v1/people?team_id={support}"),
            Some(&hr.token),
        )
        .await
        .json();
    let in_team = people["items"].as_array().map_or(0, Vec::len);
    assert_eq!(in_team, 3, "{people}");

    // CX ratings: the same references, the bad row numbered the same way.
    let ratings = "external_id,team,metric,score,occurred_on\n\
                   c1,Support EMEA,csat,4,2026-04-01\n\
                   c2,SUP-EU,csat,x,2026-04-01\n\
                   c3,SUP-EU,csat,5,2026-04-01\n\
                   c4,Company/Support EMEA,nps,9,2026-04-02\n";
    let r = b
        .submit("/hr/cx", "/hr/cx/import", &[("csv", ratings)])
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert_eq!(error_rows(&html), vec!["2"], "{html}");
    assert_eq!(app.count("cx_ratings").await, 3);
    // The older columns take the same references.
    let ratings = "external_id,team_id,team_key,metric,score,occurred_on\n\
                   d1,,Support EMEA,csat,4,2026-04-03\n\
                   d2,Nowhere,,csat,4,2026-04-03\n";
    let r = b
        .submit("/hr/cx", "/hr/cx/import", &[("csv", ratings)])
        .await;
    assert_eq!(error_rows(&r.text()), vec!["2"], "{}", r.text());
    assert_eq!(app.count("cx_ratings").await, 4);
}

/// A person's page: HR reaches it from the list, reads the profile (team, the teams the
/// person manages, status), edits it, issues a new activation link (the old one stops
/// working), and deactivates only after ticking the confirmation.
#[tokio::test]
async fn hr_reads_edits_reinvites_and_deactivates_a_person_on_their_page() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let (id, first_link) = app
        .create_person(&hr, "newcomer@example.org", Some(&sales))
        .await;
    let lead = app.manager_of(&hr, &support).await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;

    let list = b.get("/hr/people?q=newcomer").await.text();
    assert!(
        list.contains(&format!("<a href=\"/hr/people/{id}\">")),
        "{list}"
    );
    let r = b.get(&format!("/hr/people/{id}")).await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(
        html.contains("newcomer@example.org") && html.contains(">Sales<"),
        "{html}"
    );
    assert!(html.contains("Not activated yet"), "{html}");
    // The lead's page names the team they manage.
    let html = b.get(&format!("/hr/people/{}", lead.id)).await.text();
    assert!(
        html.contains(&format!("<a href=\"/hr/teams/{support}\">Support</a>")),
        "{html}"
    );

    // Edit: a new name, team and language; a blank name is refused with the field named.
    let page = format!("/hr/people/{id}");
    let r = b
        .submit(
            &page,
            &page,
            &[("name", "  "), ("team_id", &support), ("language", "ru")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("id=\"f-name-err\""), "{}", r.text());
    let r = b
        .submit(
            &page,
            &page,
            &[
                ("name", "Nia Newcomer"),
                ("team_id", &support),
                ("language", "ru"),
                ("location", "Lisbon"),
                ("job_family", ""),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, page.as_str()));
    let p = app
        .get(&format!("/api/v1/people/{id}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(
        (&p["name"], &p["team_id"], &p["language"], &p["location"]),
        (
            &json!("Nia Newcomer"),
            &json!(support),
            &json!("ru"),
            &json!("Lisbon")
        )
    );

    // A new activation link, shown once; the first one no longer works.
    let r = b
        .submit(&page, &format!("/hr/people/{id}/activation"), &[])
        .await;
    assert_html(&r, 200);
    let html = r.text();
    let marker = "/activate?token=";
    let at = html.find(marker).expect("the new link") + marker.len();
    let token = &html[at..at + html[at..].find('<').expect("end")];
    assert_ne!(token, first_link);
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": first_link, "password": PASSWORD}),
    )
    .await
    .expect(404);

    // Deactivation needs the box ticked.
    let deactivate = format!("/hr/people/{id}/deactivate");
    let r = b.submit(&page, &deactivate, &[]).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("tick the box"), "{}", r.text());
    assert_eq!(
        app.get(&format!("/api/v1/people/{id}"), Some(&hr.token))
            .await
            .json()["active"],
        json!(true)
    );
    let r = b.submit(&page, &deactivate, &[("confirm", "yes")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let html = b.get(&page).await.text();
    assert!(
        html.contains("<td id=\"status\">Deactivated</td>"),
        "{html}"
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/activate",
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await
        .status,
        404
    );
}

/// Adding one person on the pages: a bad e-mail is named, the form sent twice adds one
/// person, and their page shows the activation link once, which works.
#[tokio::test]
async fn hr_adds_one_person_once_and_sees_their_activation_link() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    assert!(
        b.get("/hr/people")
            .await
            .text()
            .contains("href=\"/hr/people/new\"")
    );
    let r = b
        .submit(
            "/hr/people/new",
            "/hr/people/new",
            &[
                ("email", "not-an-address"),
                ("name", "Ada"),
                ("team_id", &sales),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("id=\"f-email-err\""), "{}", r.text());
    let before = app.count("people").await;
    let (first, second) = super::post_twice(
        &mut b,
        "/hr/people/new",
        "/hr/people/new",
        &[
            ("email", "ada@example.org"),
            ("name", "Ada Lovelace"),
            ("team_id", &sales),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.text());
    assert_eq!(location(&first), location(&second));
    assert_eq!(app.count("people").await, before + 1);
    let html = b.get(&location(&first)).await.text();
    assert!(html.contains("<h1>Ada Lovelace</h1>"), "{html}");
    let marker = "/activate?token=";
    let at = html.find(marker).expect("the activation link") + marker.len();
    let token = html[at..at + html[at..].find('<').expect("end")].to_owned();
    // Without the form's key the page shows no link.
    let id = location(&first)
        .trim_start_matches("/hr/people/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !b.get(&format!("/hr/people/{id}"))
            .await
            .text()
            .contains(marker)
    );
    app.post(
        "/api/v1/auth/activate",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(200);
}

/// A team's page names its managers and members (each leading to their page), and the
/// people list filters by team.
#[tokio::test]
async fn a_team_page_lists_its_managers_and_members_and_the_list_filters_by_team() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sellers = app.seed_people(&sales, 3, |_| (None, None, None)).await;
    let helpers = app.seed_people(&support, 2, |_| (None, None, None)).await;
    let lead = app.manager_of(&hr, &sales).await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&format!("/hr/teams/{sales}")).await.text();
    assert!(html.contains("Members (4)"), "{html}");
    let members = &html[html.find("id=\"members\"").expect("members")..];
    for p in sellers.iter().chain([&lead]) {
        assert!(
            members.contains(&format!("/hr/people/{}", p.id)),
            "{members}"
        );
    }
    for p in &helpers {
        assert!(!html.contains(&p.id), "{html}");
    }
    let managers = &html[html.find("<h2>Managers</h2>").expect("managers")..];
    assert!(managers.starts_with(&format!(
        "<h2>Managers</h2><ul><li><a href=\"/hr/people/{}\">",
        lead.id
    )));
    let list = b.get(&format!("/hr/people?team_id={support}")).await.text();
    for p in &helpers {
        assert!(list.contains(&format!("/hr/people/{}", p.id)), "{list}");
    }
    for p in &sellers {
        assert!(!list.contains(&p.id), "{list}");
    }
    assert!(list.contains(&format!("<option value=\"{support}\" selected>")));
}

/// The service map and deleting a team, on their pages: ticking teams with weights
/// (a comma decimal taken, a zero weight refused beside its own row and nothing
/// saved), then deleting — refused with the reason for a team that has people, done
/// for an empty one, and a reload of that form leads back to the list.
#[tokio::test]
async fn hr_edits_the_teams_served_and_deletes_an_empty_team_on_their_pages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let ops = app.create_team(&hr, "Ops", None, "internal").await;
    let empty = app.create_team(&hr, "Empty", None, "frontline").await;
    app.seed_people(&sales, 1, |_| (None, None, None)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;

    let page = b.get(&format!("/hr/teams/{ops}")).await.text();
    assert!(
        page.contains("This team serves no frontline team yet."),
        "{page}"
    );
    assert!(page.contains(&format!("/hr/teams/{ops}/serves")), "{page}");
    let editor = format!("/hr/teams/{ops}/serves");
    let (w_support, w_sales) = (format!("weight-{support}"), format!("weight-{sales}"));
    let r = b
        .submit(
            &editor,
            &editor,
            &[
                ("serves", &support),
                (&w_support, "2,5"),
                ("serves", &sales),
                (&w_sales, "0"),
            ],
        )
        .await;
    assert_html(&r, 422);
    let html = r.text();
    assert_eq!(
        error_beside(&html, &format!("f-weight-{sales}")),
        "must be a positive number"
    );
    assert!(
        !html.contains(&format!("id=\"f-weight-{support}-err\"")),
        "{html}"
    );
    let team = app
        .get(&format!("/api/v1/teams/{ops}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(team["serves"], json!([]));

    let r = b
        .submit(
            &editor,
            &editor,
            &[("serves", &support), (&w_support, "2,5"), (&w_sales, "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), format!("/hr/teams/{ops}"));
    let team = app
        .get(&format!("/api/v1/teams/{ops}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(team["serves"], json!([{"team_id": support, "weight": 2.5}]));
    let page = b.get(&format!("/hr/teams/{ops}")).await.text();
    assert!(page.contains("Support · weight 2.5"), "{page}");
    let editor_page = b.get(&editor).await.text();
    assert!(
        editor_page.contains(&format!(
            "id=\"f-serves-{support}\" type=\"checkbox\" name=\"serves\" value=\"{support}\" checked"
        )),
        "{editor_page}"
    );

    // A team with someone in it stays, and the page says why.
    let r = b
        .submit(
            &format!("/hr/teams/{sales}/delete"),
            &format!("/hr/teams/{sales}/delete"),
            &[],
        )
        .await;
    assert_html(&r, 409);
    assert!(
        r.text().contains("1 person belongs to the team"),
        "{}",
        r.text()
    );
    app.get(&format!("/api/v1/teams/{sales}"), Some(&hr.token))
        .await
        .expect(200);

    let confirm = b.get(&format!("/hr/teams/{empty}/delete")).await;
    assert_html(&confirm, 200);
    let token = csrf_of(&confirm.text());
    let action = format!("/hr/teams/{empty}/delete");
    let r = b.post(&action, &[("csrf", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/hr/teams");
    app.get(&format!("/api/v1/teams/{empty}"), Some(&hr.token))
        .await
        .expect(404);
    let again = b.post(&action, &[("csrf", &token)]).await;
    assert_eq!(again.status, 303, "{}", again.text());
    assert_eq!(location(&again), "/hr/teams");

    // Nobody but HR reaches either page.
    let emp = app.employee(&hr, Some(&support)).await;
    let mut e = Browser::new(&app);
    e.sign_in(&emp.email, PASSWORD).await;
    assert_eq!(e.get(&editor).await.status, 403);
    assert_eq!(
        e.get(&format!("/hr/teams/{sales}/delete")).await.status,
        403
    );
}

/// The people page filters by account state, and lists names in natural order.
#[tokio::test]
async fn the_people_page_filters_by_status_in_natural_order() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Floor", None, "frontline").await;
    for name in ["Agent 10", "Agent 2"] {
        app.post(
            "/api/v1/people",
            Some(&hr.token),
            json!({"email": format!("{}-{}@example.org", name.replace(' ', ""), short()),
                   "name": name, "team_id": team}),
        )
        .await
        .expect(201);
    }
    let active = app.employee(&hr, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b
        .get(&format!("/hr/people?team_id={team}&status=invited"))
        .await
        .text();
    let (two, ten) = (
        html.find(">Agent 2<").expect("Agent 2 listed"),
        html.find(">Agent 10<").expect("Agent 10 listed"),
    );
    assert!(two < ten, "natural order: {html}");
    assert!(!html.contains(&active.email), "{html}");
    assert!(
        html.contains("<option value=\"invited\" selected>"),
        "{html}"
    );
    let html = b
        .get(&format!("/hr/people?team_id={team}&status=active"))
        .await
        .text();
    assert!(html.contains(&active.email), "{html}");
    assert!(!html.contains(">Agent 2<"), "{html}");
}

/// The import takes a CSV file, as a browser sends a file input (multipart): a dry run
/// of the file shows its rows and keeps its text in the form, and the import that
/// follows needs no second choice of the file; a file that is not UTF-8 text is refused
/// and nothing is written.
#[tokio::test]
async fn hr_imports_people_from_a_chosen_csv_file() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let page = b.get("/hr/people").await.text();
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("type=\"file\" name=\"csv_file\""), "{page}");
    let csv =
        "email,name,team\nfile.one@example.org,File One,Desk\nfile.two@example.org,File Two,Desk\n";
    let token = csrf_of(&page);
    let r = b
        .post_file(
            "/hr/people/import",
            &[("csrf", &token), ("dry_run", "1"), ("csv", "")],
            ("csv_file", "people.csv", csv.as_bytes()),
        )
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("Dry run"), "{html}");
    assert!(
        html.contains("file.two@example.org,File Two,Desk"),
        "the file's text stays in the form: {html}"
    );
    let people_before = app.count("people").await;
    assert_eq!(people_before, 1, "a dry run writes nothing");

    let r = b
        .post_file(
            "/hr/people/import",
            &[("csrf", &token)],
            ("csv_file", "people.csv", csv.as_bytes()),
        )
        .await;
    assert_html(&r, 200);
    assert_eq!(app.count("people").await, 3);
    let list = b.get("/hr/people?q=file.").await.text();
    assert!(
        list.contains("file.one@example.org") && list.contains("file.two@example.org"),
        "{list}"
    );

    let r = b
        .post_file(
            "/hr/people/import",
            &[("csrf", &token)],
            ("csv_file", "people.csv", b"email,name\n\xff\xfe,Bad\n"),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("the file is not UTF-8 text"),
        "{}",
        r.text()
    );
    assert_eq!(app.count("people").await, 3);
}

/// A team with people in it stays, and the page counts them by the CLDR plural rules of
/// the reader's language: "1 person" / "2 people"; "1 сотрудник", "2 сотрудника",
/// "5 сотрудников".
#[tokio::test]
async fn a_team_with_people_says_how_many_in_the_readers_language() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let mut teams = Vec::new();
    for (name, n) in [("One", 1), ("Two", 2), ("Five", 5)] {
        let team = app.create_team(&hr, name, None, "frontline").await;
        app.seed_people(&team, n, |_| (None, None, None)).await;
        teams.push(team);
    }
    let before = app.count("teams").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let english = [
        "1 person belongs to the team",
        "2 people belong to the team",
        "5 people belong to the team",
    ];
    for (team, says) in teams.iter().zip(english) {
        let html = refusal(&mut b, team).await;
        assert!(html.contains(says), "{says}: {html}");
    }
    switch_language(&mut b, "ru").await;
    let russian = [
        "в команде 1 сотрудник: сначала переведите его",
        "в команде 2 сотрудника: сначала переведите их",
        "в команде 5 сотрудников: сначала переведите их",
    ];
    for (team, says) in teams.iter().zip(russian) {
        let html = refusal(&mut b, team).await;
        assert!(html.contains(says), "{says}: {html}");
    }
    assert_eq!(app.count("teams").await, before, "no team was deleted");
}

/// The page a refused team deletion answers with.
async fn refusal(b: &mut Browser<'_>, team: &str) -> String {
    let path = format!("/hr/teams/{team}/delete");
    let r = b.submit(&path, &path, &[]).await;
    assert_html(&r, 409);
    r.text()
}
