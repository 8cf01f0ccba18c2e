//! Conversations on the pages: allowing replies when answering, the code shown once and
//! remembered on the device, HR replying from the report, the author answering back on
//! the code's page, in English and Russian.

use serde_json::json;

use crate::helpers::*;

/// The CSRF token of the form that posts to `action` (a page may have several forms
/// with different tokens: the session's and the pre-session one).
fn csrf_of_form(html: &str, action: &str) -> String {
    let form = &html[html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action}: {html}"))..];
    csrf_of(form)
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start}: {html}"))
        + start.len();
    &html[i..i + html[i..].find(end).expect("end")]
}

#[tokio::test]
async fn an_employee_allows_replies_hr_answers_from_the_report_and_the_author_answers_back() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 11).await;
    let me = &people[0];
    app.set_password(&me.id).await;
    let questions = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json()["questions"]
        .clone();
    let qid = |i: usize| questions[i]["id"].as_str().expect("id").to_owned();

    let mut b = Browser::new(&app);
    b.sign_in(&me.email, PASSWORD).await;
    let action = format!("/pulses/{round}");
    let form = b.get(&action).await.text();
    assert!(form.contains("name=\"allow_replies\""), "{form}");
    let token = csrf_of(&form);
    let (a0, a1, a2, a3) = (
        format!("answers.{}", qid(0)),
        format!("answers.{}", qid(1)),
        format!("answers.{}", qid(2)),
        format!("answers.{}", qid(3)),
    );
    let fields = [
        ("csrf", token.as_str()),
        (&a0, "4"),
        (&a1, "9"),
        (&a2, "Chat"),
        (&a3, "The night shift has no trainer"),
        ("allow_replies", "1"),
    ];
    let thanks = b.post(&action, &fields).await;
    assert_html(&thanks, 200);
    let html = thanks.text();
    let code = between(&html, "<code id=\"conversation-code\">", "</code>").to_owned();
    assert_eq!(code.len(), 24, "{code}");
    // Shown once: a reload posts again and finds the pulse answered.
    let again = b.post(&action, &fields).await;
    assert_eq!((again.status, location(&again)), (303, action.clone()));
    assert!(!b.get(&action).await.text().contains(&code));

    // "Remember it on this device": a cookie sent only to the conversations page.
    let pre = csrf_of_form(&html, "/conversations");
    let r = b
        .post(
            "/conversations",
            &[
                ("csrf", pre.as_str()),
                ("code", code.as_str()),
                ("remember", "1"),
            ],
        )
        .await;
    assert_html(&r, 200);
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulseline_codes="))
        .expect("the codes cookie")
        .to_owned();
    assert!(set.contains(&code), "{set}");
    for attr in ["Path=/conversations;", "HttpOnly", "SameSite=Strict"] {
        assert!(set.contains(attr), "{attr}: {set}");
    }
    assert!(
        r.text().contains("once the pulse has closed"),
        "{}",
        r.text()
    );

    for (i, who) in people.iter().enumerate().skip(1) {
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&who.token),
            json!({"answers": [
                {"question_id": qid(0), "value": 3},
                {"question_id": qid(1), "value": 7},
                {"question_id": qid(2), "choice": "Mail"},
                {"question_id": qid(3), "text": format!("Remark {i} on the rota")}
            ]}),
        )
        .await
        .expect(201);
    }
    app.close_round_now(&hr, &round).await;

    // HR finds the comment's reply link on the report and answers.
    let mut h = Browser::new(&app);
    h.sign_in(&hr.email, PASSWORD).await;
    let report = h.get(&format!("/reports/{round}")).await;
    assert_html(&report, 200);
    let report = report.text();
    assert_eq!(report.matches("/comment-threads/").count(), 1, "{report}");
    let thread = between(&report, "href=\"/comment-threads/", "\"").to_owned();
    let page = format!("/comment-threads/{thread}");
    let t = h.get(&page).await;
    assert_html(&t, 200);
    assert!(t.text().contains("The night shift has no trainer"));
    let r = h
        .submit(
            &page,
            &page,
            &[("text", "Thank you. Nights get a trainer from May.")],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    let t = h.get(&page).await.text();
    assert!(t.contains("Thank you. Nights get a trainer from May."));
    let r = h.submit(&page, &page, &[("text", "  ")]).await;
    assert_eq!(r.status, 422, "{}", r.text());

    // The author's device opens the remembered code: the reply, as from HR.
    let mine = b.get("/conversations").await;
    assert_html(&mine, 200);
    let mine = mine.text();
    assert!(
        mine.contains("Thank you. Nights get a trainer from May."),
        "{mine}"
    );
    assert!(mine.contains("<strong>HR</strong>"), "{mine}");
    assert!(!mine.contains(&hr.email) && !mine.contains(&hr.id));
    let pre = csrf_of_form(&mine, "/conversations");
    let r = b
        .post(
            "/conversations",
            &[
                ("csrf", pre.as_str()),
                ("code", code.as_str()),
                ("thread_id", thread.as_str()),
                ("text", "May is fine, thanks."),
            ],
        )
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("May is fine, thanks."));
    let t = h.get(&page).await.text();
    assert!(
        t.contains("May is fine, thanks.") && t.contains("The author"),
        "{t}"
    );

    // In Russian, and without the device's memory nothing opens but by the code.
    b.headers.push(("accept-language", "ru".into()));
    b.cookies.remove("pulseline_lang");
    let ru = b.get("/conversations").await.text();
    assert!(ru.contains("Ваши переписки") && ru.contains("Вы"), "{ru}");
    let pre = csrf_of_form(&ru, "/conversations");
    let r = b
        .post("/conversations", &[("csrf", pre.as_str()), ("forget", "1")])
        .await;
    assert_html(&r, 200);
    assert!(!b.cookies.contains_key("pulseline_codes"));
    assert!(!b.get("/conversations").await.text().contains("May is fine"));
    // A code nobody has: the field says so.
    let pre = csrf_of_form(&ru, "/conversations");
    let r = b
        .post(
            "/conversations",
            &[("csrf", pre.as_str()), ("code", "AAAA-BBBB-CCCC-DDDD-EEEE")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert!(error_beside(&r.text(), "f-code").contains("По этому коду"));
}
