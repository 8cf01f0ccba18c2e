//! The survey editor beyond one save: adding, moving and removing questions on the form
//! before saving, the Russian title and options, the preview as an employee sees it,
//! the confirmations before opening and closing a round (with the invitee count and
//! other open rounds that ask the same people), and a closed round's participation.

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// The text of the page's `<ol>` inside the question order section, question by question.
fn order_listed(html: &str) -> Vec<String> {
    let Some(start) = html.find("aria-labelledby=\"order-h\"") else {
        return vec![];
    };
    let section = &html[start..];
    let end = section.find("</section>").unwrap_or(section.len());
    section[..end]
        .split("<span class=\"q\">")
        .skip(1)
        .map(|s| s[..s.find("</span>").unwrap_or(0)].to_owned())
        .collect()
}

#[tokio::test]
async fn hr_adds_moves_and_removes_questions_on_the_form_and_only_the_save_stores_them() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = today();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let fresh = b.get("/hr/surveys/new").await.text();
    assert!(fresh.contains("f-custom_0_text"), "one blank slot");
    assert!(!fresh.contains("f-custom_1_text"), "only one blank slot");

    let base = vec![
        ("title", "Edited pulse"),
        ("bank_item", "eo_proud"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "5"),
        ("custom.0.text", "Which tool slows you down?"),
        ("custom.0.kind", "choice"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.options", "CRM\nTicketing"),
        ("custom.0.required", "1"),
    ];
    // "Add a question" draws the same form with one more slot and stores nothing.
    let mut add = base.clone();
    add.push(("op", "add"));
    let r = b.submit("/hr/surveys/new", "/hr/surveys/new", &add).await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("f-custom_2_text"), "a second blank slot");
    assert!(!html.contains("f-custom_3_text"));
    assert!(html.contains("value=\"Which tool slows you down?\""));
    assert_eq!(
        order_listed(&html),
        [
            "I am proud to tell people where I work.",
            "How likely are you to recommend this company as a place to work?",
            "Which tool slows you down?"
        ]
        .map(str::to_owned),
        "{html}"
    );
    assert_eq!(app.count("surveys").await, 0);

    // Moving one's own question up twice puts it first; removing a bank item unticks it.
    let mut form: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for op in ["up custom:0", "up custom:0", "remove bank:eo_proud"] {
        let mut fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        fields.push(("op", op));
        let r = b
            .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
            .await;
        assert_html(&r, 200);
        form = form_fields(&r.text());
    }
    let html = b
        .submit(
            "/hr/surveys/new",
            "/hr/surveys/new",
            &[
                form.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
                vec![("op", "up bank:eo_enps")],
            ]
            .concat(),
        )
        .await
        .text();
    assert_eq!(
        order_listed(&html),
        [
            "How likely are you to recommend this company as a place to work?",
            "Which tool slows you down?"
        ]
        .map(str::to_owned)
    );
    assert!(
        !form_fields(&html).contains(&("bank_item".to_owned(), "eo_proud".to_owned())),
        "unticked"
    );
    assert_eq!(
        app.count("surveys").await,
        0,
        "no button but the save stores"
    );
    // Saved as the form now stands (the last move undone, so the own question is first).
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &pairs(&form))
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let survey = location(&r).trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    let qs = v["questions"].as_array().expect("questions");
    assert_eq!(qs.len(), 2, "{v}");
    assert_eq!(qs[0]["text"], "Which tool slows you down?");
    assert_eq!(qs[0]["options"], json!(["CRM", "Ticketing"]));
    assert_eq!(qs[1]["bank_item"], "eo_enps");

    // The edit form of the saved survey lists its questions in their stored order and
    // moves them the same way.
    let edit = format!("/hr/surveys/{survey}/edit");
    let html = b.get(&edit).await.text();
    let mut fields = form_fields(&html);
    assert_eq!(
        order_listed(&html),
        [
            "Which tool slows you down?",
            "How likely are you to recommend this company as a place to work?"
        ]
        .map(str::to_owned)
    );
    fields.push(("op".into(), "down custom:0".into()));
    let html = b.submit(&edit, &edit, &pairs(&fields)).await.text();
    let moved = form_fields(&html);
    let r = b.submit(&edit, &edit, &pairs(&moved)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["questions"][0]["bank_item"], "eo_enps");
    assert_eq!(v["questions"][1]["text"], "Which tool slows you down?");
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The fields a browser would send for the survey form as drawn: text inputs, ticked
/// boxes, selected options, textareas and hidden fields (but not the CSRF token, which
/// `Browser::submit` adds, nor any button). The pages are well-formed maud output.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    let flag = |tag: &str, name: &str| {
        tag.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .any(|w| w == name)
    };
    let Some(start) = html.find("<form method=\"post\" action=\"/hr/surveys/") else {
        return vec![];
    };
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..tag_end];
        let name = attr(tag, "name");
        if tag.starts_with("<input ") {
            if let Some(name) = name.filter(|n| n != "csrf") {
                let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
                let value = attr(tag, "value").unwrap_or_default();
                if !matches!(kind.as_str(), "checkbox" | "radio") || flag(tag, "checked") {
                    out.push((name, value));
                }
            }
        } else if tag.starts_with("<textarea ") {
            let body = &rest[tag_end..];
            let text = &body[..body.find("</textarea>").unwrap_or(0)];
            if let Some(name) = name {
                out.push((name, unescape(text)));
            }
        } else if tag.starts_with("<select ") {
            let body = &rest[tag_end..];
            let body = &body[..body.find("</select>").unwrap_or(0)];
            let options: Vec<&str> = body
                .split("<option ")
                .skip(1)
                .map(|o| &o[..o.find('>').unwrap_or(o.len())])
                .collect();
            let chosen = options
                .iter()
                .find(|o| flag(o, "selected"))
                .or(options.first());
            if let (Some(name), Some(o)) = (name, chosen) {
                out.push((name, attr(&format!(" {o}"), "value").unwrap_or_default()));
            }
        }
        rest = &rest[tag_end.max(1)..];
    }
    out
}

#[tokio::test]
async fn a_survey_speaks_russian_to_russian_readers_and_hr_previews_it_in_both_languages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let body = |options_ru: serde_json::Value| {
        json!({
            "title": "Tools pulse",
            "title_ru": "Пульс об инструментах",
            "questions": [
                {"bank_item": "eo_proud"},
                {"kind": "choice", "driver": "customer_focus", "text": "Which tool slows you down?",
                 "text_ru": "Какой инструмент вас тормозит?",
                 "options": ["CRM", "Ticketing", "Phone"], "options_ru": options_ru}
            ],
            "audience": {"team_ids": [team]},
            "schedule": {"starts_on": today(), "cadence": "monthly", "window_days": 7}
        })
    };
    // One Russian option for each English one, none twice; only choice questions.
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            body(json!(["ЦРМ", "Тикеты"])),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "questions[1].options_ru", "{}", r.text());
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            body(json!(["ЦРМ", "ЦРМ", "Телефон"])),
        )
        .await;
    r.expect(422);
    assert_eq!(r.field(), "questions[1].options_ru[1]");
    let mut wrong = body(json!(null));
    wrong["questions"][0]["options_ru"] = json!(["Да", "Нет"]);
    let r = app.post("/api/v1/surveys", Some(&hr.token), wrong).await;
    r.expect(422);
    assert_eq!(r.field(), "questions[0].bank_item");
    assert_eq!(app.count("surveys").await, 0);

    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            body(json!(["ЦРМ", "Тикеты", "Телефон"])),
        )
        .await;
    r.expect(201);
    let v = r.json();
    let survey = v["id"].as_str().expect("id").to_owned();
    assert_eq!(v["title_ru"], "Пульс об инструментах");
    assert_eq!(
        v["questions"][1]["options_ru"],
        json!(["ЦРМ", "Тикеты", "Телефон"])
    );
    assert_eq!(v["questions"][0]["options_ru"], json!([]));

    // HR previews it in Russian and in English; nothing in the preview sends.
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&format!("/hr/surveys/{survey}")).await.text();
    assert!(html.contains(&format!("href=\"/hr/surveys/{survey}/preview\"")));
    let r = b
        .get(&format!("/hr/surveys/{survey}/preview?lang=ru"))
        .await;
    assert_html(&r, 200);
    let ru = r.text();
    assert!(ru.contains("<h2>Пульс об инструментах</h2>"), "{ru}");
    assert!(ru.contains("Какой инструмент вас тормозит?"));
    assert!(
        ru.contains("value=\"Ticketing\""),
        "answers name the English option"
    );
    assert!(ru.contains(">Тикеты</label>"), "{ru}");
    assert!(
        ru.contains("Полностью согласен"),
        "likert labels in Russian"
    );
    assert!(
        !ru.contains("method=\"post\" action=\"/pulses"),
        "nothing sends"
    );
    let en = b
        .get(&format!("/hr/surveys/{survey}/preview?lang=en"))
        .await
        .text();
    assert!(en.contains("<h2>Tools pulse</h2>"));
    assert!(en.contains(">Ticketing</label>"));
    assert!(en.contains("Strongly agree"));

    // A Russian reader gets the Russian title and options, and answers with the value.
    let emp = app.employee(&hr, Some(&team)).await;
    app.json(
        poem::http::Method::PATCH,
        &format!("/api/v1/people/{}", emp.id),
        Some(&hr.token),
        json!({"language": "ru"}),
    )
    .await
    .expect(200);
    let round = app.open_round_now(&hr, &survey).await;
    let pulses = app.get("/api/v1/me/pulses", Some(&emp.token)).await.json();
    let p = &pulses[0];
    assert_eq!(p["title"], "Пульс об инструментах");
    assert_eq!(p["questions"][1]["text"], "Какой инструмент вас тормозит?");
    assert_eq!(
        p["questions"][1]["options"],
        json!(["CRM", "Ticketing", "Phone"])
    );
    assert_eq!(
        p["questions"][1]["option_labels"],
        json!(["ЦРМ", "Тикеты", "Телефон"])
    );
    let mut e = Browser::new(&app);
    e.sign_in(&emp.email, PASSWORD).await;
    let page = e.get(&format!("/pulses/{round}")).await.text();
    assert!(page.contains("<h1>Пульс об инструментах</h1>"), "{page}");
    assert!(page.contains(">Тикеты</label>"));
    let q1 = p["questions"][0]["id"].as_str().expect("id");
    let q2 = p["questions"][1]["id"].as_str().expect("id");
    let r = e
        .submit(
            &format!("/pulses/{round}"),
            &format!("/pulses/{round}"),
            &[
                (format!("answers.{q1}").as_str(), "4"),
                (format!("answers.{q2}").as_str(), "Ticketing"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(app.count("ballots").await, 1);

    // An employee cannot preview.
    let r = e.get(&format!("/hr/surveys/{survey}/preview")).await;
    assert_html(&r, 403);

    // The title in Russian can change after the first round; "" removes it.
    let r = app
        .json(
            poem::http::Method::PATCH,
            &format!("/api/v1/surveys/{survey}"),
            Some(&hr.token),
            json!({"title_ru": ""}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["title_ru"], "");
    let html = b
        .get(&format!("/hr/surveys/{survey}/preview?lang=ru"))
        .await
        .text();
    assert!(
        html.contains("<h2>Tools pulse</h2>"),
        "the English title stands in"
    );
}

#[tokio::test]
async fn hr_confirms_a_round_before_it_opens_or_closes_and_is_told_of_overlapping_rounds() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let desk = app.create_team(&hr, "Desk", None, "frontline").await;
    let back = app.create_team(&hr, "Back office", None, "internal").await;
    for _ in 0..3 {
        app.employee(&hr, Some(&desk)).await;
    }
    // Two invited people who never activated their account, one in each team.
    app.create_person(&hr, &format!("new-{}@example.org", short()), Some(&desk))
        .await;
    app.create_person(&hr, &format!("new-{}@example.org", short()), Some(&back))
        .await;
    app.employee(&hr, Some(&back)).await;
    let body = |title: &str, teams: &[&str]| {
        json!({
            "title": title,
            "questions": [{"bank_item": "eo_proud"}],
            "audience": {"team_ids": teams},
            "schedule": {"starts_on": today(), "cadence": "monthly", "window_days": 7}
        })
    };
    let create = |v: serde_json::Value| {
        let app = &app;
        let hr = &hr;
        async move {
            let r = app.post("/api/v1/surveys", Some(&hr.token), v).await;
            r.expect(201);
            r.json()["id"].as_str().expect("id").to_owned()
        }
    };
    let desk_survey = create(body("Desk pulse", &[&desk])).await;
    let org_survey = create(body("Company pulse", &[])).await;
    let back_survey = create(body("Back office pulse", &[&back])).await;
    let org_round = app.open_round_now(&hr, &org_survey).await;

    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let page = format!("/hr/surveys/{desk_survey}");
    let html = b.get(&page).await.text();
    assert!(
        html.contains(&format!("href=\"{page}/open\"")),
        "a link, not a button that opens"
    );
    let confirm = b.get(&format!("{page}/open")).await;
    assert_html(&confirm, 200);
    let html = confirm.text();
    assert!(
        html.contains("It invites 4 people (3 of them have activated their account"),
        "{html}"
    );
    assert!(html.contains("id=\"overlaps\""), "{html}");
    assert!(
        html.contains("Company pulse</a>: 4 people in common"),
        "{html}"
    );
    assert!(!html.contains("Back office pulse"));
    assert_eq!(app.count("rounds").await, 1, "looking opens nothing");
    // Another survey with no open round beside it gets no warning.
    let html = b
        .get(&format!("/hr/surveys/{back_survey}/open"))
        .await
        .text();
    assert!(html.contains("It invites 2 people (1 of them"), "{html}");
    assert!(html.contains("Company pulse</a>: 2 people in common"));
    app.close_round_now(&hr, &org_round).await;
    let html = b
        .get(&format!("/hr/surveys/{back_survey}/open"))
        .await
        .text();
    assert!(
        !html.contains("id=\"overlaps\""),
        "a closed round overlaps nothing"
    );

    // In Russian, with Russian plurals.
    switch_language(&mut b, "ru").await;
    let html = b.get(&format!("{page}/open")).await.text();
    assert!(html.contains("Будут приглашены 4 человека"), "{html}");
    switch_language(&mut b, "en").await;

    // The confirmation's button opens the round.
    let r = b
        .submit(&format!("{page}/open"), &format!("{page}/open"), &[])
        .await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    let html = b.get(&format!("{page}/open")).await.text();
    assert!(html.contains("already open"), "{html}");
    assert!(!html.contains("Open the round</button>"));
    let rounds = app
        .get(
            &format!("/api/v1/surveys/{desk_survey}/rounds"),
            Some(&hr.token),
        )
        .await
        .json();
    let round = rounds[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(rounds[0]["invited"], 4);

    // Closing is confirmed too, with what it ends.
    let html = b.get(&page).await.text();
    assert!(html.contains(&format!("href=\"/hr/rounds/{round}/close\"")));
    let close = format!("/hr/rounds/{round}/close");
    let html = b.get(&close).await.text();
    assert!(
        html.contains("Close round 1 of “Desk pulse” now?"),
        "{html}"
    );
    assert!(html.contains("whoever of the 4 people invited has not answered"));
    let rounds = app
        .get(
            &format!("/api/v1/surveys/{desk_survey}/rounds"),
            Some(&hr.token),
        )
        .await
        .json();
    assert_eq!(rounds[0]["status"], "open", "looking closes nothing");
    let r = b.submit(&close, &close, &[]).await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    let html = b.get(&close).await.text();
    assert!(html.contains("This round is not open."));

    // The closed round keeps its participation figures on the survey's page.
    let html = b.get(&page).await.text();
    assert!(html.contains("Participation in round 1"), "{html}");
    assert!(html.contains(&format!("href=\"{page}?round={round}#participation\"")));
    assert!(!html.contains("Live participation"));
    assert!(html.contains("<th scope=\"row\">Desk</th>"), "{html}");
}

#[tokio::test]
async fn the_survey_page_warns_when_its_next_scheduled_round_asks_people_another_round_asks() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let desk = app.create_team(&hr, "Desk", None, "frontline").await;
    let back = app.create_team(&hr, "Back office", None, "internal").await;
    for _ in 0..3 {
        app.employee(&hr, Some(&desk)).await;
    }
    for _ in 0..2 {
        app.employee(&hr, Some(&back)).await;
    }
    let day = |d: i64| (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(d)).to_string();
    let create = |title: &str, teams: &[&str], starts: String, cadence: &str| {
        let app = &app;
        let hr = &hr;
        let v = json!({
            "title": title,
            "questions": [{"bank_item": "eo_proud"}],
            "audience": {"team_ids": teams},
            "schedule": {"starts_on": starts, "cadence": cadence, "window_days": 3}
        });
        async move {
            let r = app.post("/api/v1/surveys", Some(&hr.token), v).await;
            r.expect(201);
            r.json()["id"].as_str().expect("id").to_owned()
        }
    };
    // Weekly from tomorrow, 3 days open: the desk's and the company's rounds run at the
    // same time and share the desk's 3 people; the back office shares the company's 2.
    let desk_survey = create("Desk pulse", &[&desk], day(1), "weekly").await;
    let org_survey = create("Company pulse", &[], day(1), "weekly").await;
    let back_survey = create("Back office pulse", &[&back], day(1), "weekly").await;
    // The desk again, but its first round opens after the others' have closed.
    let later = create("Later desk pulse", &[&desk], day(4), "monthly").await;

    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&format!("/hr/surveys/{desk_survey}")).await.text();
    assert!(
        html.contains("The schedule opens the next round on"),
        "{html}"
    );
    assert!(html.contains("id=\"schedule-overlaps\""), "{html}");
    assert!(
        html.contains("Company pulse</a>: 3 people in common, on its schedule from"),
        "{html}"
    );
    assert!(!html.contains("Back office pulse</a>"), "no one in common");
    assert!(
        !html.contains("Later desk pulse</a>"),
        "the same people, but not at the same time"
    );
    let html = b.get(&format!("/hr/surveys/{back_survey}")).await.text();
    assert!(
        html.contains("Company pulse</a>: 2 people in common"),
        "{html}"
    );
    let html = b.get(&format!("/hr/surveys/{later}")).await.text();
    assert!(html.contains("id=\"next-round\""), "{html}");
    assert!(!html.contains("id=\"schedule-overlaps\""), "{html}");

    // HR opens the company's round by hand now: it is open during the desk's next round
    // (named as open), and it takes the company's first slot, so the company's own
    // schedule opens nothing during the desk's next round.
    app.open_round_now(&hr, &org_survey).await;
    let html = b.get(&format!("/hr/surveys/{desk_survey}")).await.text();
    assert!(
        html.contains("Company pulse</a>: 3 people in common, open until"),
        "{html}"
    );
    assert_eq!(
        html.matches("Company pulse</a>").count(),
        1,
        "the company's round once: {html}"
    );
    // The hand-opened round also shows on the desk's confirmation.
    let html = b
        .get(&format!("/hr/surveys/{desk_survey}/open"))
        .await
        .text();
    assert!(html.contains("id=\"overlaps\""), "{html}");

    // In Russian.
    switch_language(&mut b, "ru").await;
    let html = b.get(&format!("/hr/surveys/{desk_survey}")).await.text();
    assert!(
        html.contains("По расписанию следующий раунд откроется"),
        "{html}"
    );
    assert!(html.contains("Часть приглашённых в то же время"), "{html}");
    switch_language(&mut b, "en").await;

    // Archived: no next round, no warning.
    app.send(
        Method::DELETE,
        &format!("/api/v1/surveys/{desk_survey}"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(204);
    let html = b.get(&format!("/hr/surveys/{desk_survey}")).await.text();
    assert!(!html.contains("id=\"next-round\""), "{html}");
    assert!(!html.contains("id=\"schedule-overlaps\""), "{html}");
}
