//! Answering a pulse with form posts.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_employee_signs_in_and_answers_a_pulse_with_form_posts() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 5).await;
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
    let list = b.get("/pulses").await;
    assert_html(&list, 200);
    assert!(list.text().contains("Spring pulse"));
    assert!(list.text().contains(&format!("href=\"/pulses/{round}\"")));

    let form = b.get(&format!("/pulses/{round}")).await;
    assert_html(&form, 200);
    let html = form.text();
    // Likert buttons 1-5, a 0-10 scale, the choices, a text with its limit.
    for v in 1..=5 {
        assert!(html.contains(&format!("name=\"answers.{}\" value=\"{v}\"", qid(0))));
    }
    for v in 0..=10 {
        assert!(html.contains(&format!("name=\"answers.{}\" value=\"{v}\"", qid(1))));
    }
    assert!(html.contains(&format!("name=\"answers.{}\" value=\"Mail\"", qid(2))));
    assert!(html.contains("maxlength=\"2000\""));
    // The plain statement of what is stored, with this survey's k, folded on the page
    // to its first line (a phone shows the questions first).
    assert!(html.contains("What is stored and who sees it"));
    assert!(
        html.contains(
            "<details class=\"privacy\"><summary>Nobody can see your individual answers."
        ),
        "{html}"
    );
    assert!(html.contains("at least 5 answers"), "{html}");
    // Every radio has its own label.
    // (and the text area one more).
    assert_eq!(
        html.matches("type=\"radio\"").count() + 1,
        html.matches("<label for=\"f-answers").count(),
    );

    // A missing required answer is shown beside its question, and nothing is stored.
    let action = format!("/pulses/{round}");
    let (a0, a1, a2, a3) = (
        format!("answers.{}", qid(0)),
        format!("answers.{}", qid(1)),
        format!("answers.{}", qid(2)),
        format!("answers.{}", qid(3)),
    );
    let r = b
        .submit(&action, &action, &[(&a0, "4"), (&a2, "Chat")])
        .await;
    assert_html(&r, 422);
    let html = r.text();
    let err_id = format!("f-answers_{}-err", qid(1));
    assert!(html.contains(&format!("id=\"{err_id}\"")), "{html}");
    assert!(html.contains(&format!("aria-describedby=\"{err_id}\"")));
    assert!(html.contains("checked"), "the answers given are kept");
    assert_eq!(app.count("ballots").await, 0);

    let r = b
        .submit(
            &action,
            &action,
            &[
                (&a0, "4"),
                (&a1, "9"),
                (&a2, "Chat"),
                (&a3, "More plants, please"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses?done=1"));
    assert_eq!(app.count("ballots").await, 1);
    let done = b.get("/pulses?done=1").await;
    assert!(done.text().contains("your answers were recorded"));
    assert!(!done.text().contains(&format!("/pulses/{round}")));
    // The round is answered: its form is gone (the page thanks instead), for the pages
    // and the API alike.
    let again = b.get(&action).await;
    assert_html(&again, 200);
    assert!(!again.text().contains("type=\"radio\""));
    let token = b.cookies["pulseline_session"].clone();
    assert_eq!(
        app.get("/api/v1/me/pulses", Some(&token)).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn revisiting_an_answered_pulse_thanks_instead_of_not_found() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 5).await;
    let (me, other) = (&people[0], &people[1]);
    app.set_password(&me.id).await;
    app.set_password(&other.id).await;
    let questions = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json()["questions"]
        .clone();
    let qid = |i: usize| format!("answers.{}", questions[i]["id"].as_str().expect("id"));
    let (a0, a1, a2, a3) = (qid(0), qid(1), qid(2), qid(3));
    let action = format!("/pulses/{round}");
    let mut b = Browser::new(&app);
    b.sign_in(&me.email, PASSWORD).await;
    let form = b.get(&action).await.text();
    let token = csrf_of(&form);
    let fields = [
        ("csrf", token.as_str()),
        (&a0, "4"),
        (&a1, "9"),
        (&a2, "Chat"),
        (&a3, "More plants, please"),
    ];
    let r = b.post(&action, &fields).await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses?done=1"));
    // The same form sent again (a reload, a second click) leads to the thank-you page
    // and stores nothing more.
    let r = b.post(&action, &fields).await;
    assert_eq!(
        (r.status, location(&r)),
        (303, action.clone()),
        "{}",
        r.text()
    );
    assert_eq!(app.count("ballots").await, 1);
    let r = b.get(&action).await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(
        html.contains("You have answered this pulse — thank you."),
        "{html}"
    );
    assert!(html.contains("Spring pulse"));
    assert!(!html.contains("Not found"));
    switch_language(&mut b, "ru").await;
    let html = b.get(&action).await.text();
    assert!(
        html.contains("Вы уже ответили на этот опрос — спасибо."),
        "{html}"
    );
    // Someone invited who has not answered still gets the form; someone not invited a
    // 404 page.
    let mut ob = Browser::new(&app);
    ob.sign_in(&other.email, PASSWORD).await;
    assert!(ob.get(&action).await.text().contains("type=\"radio\""));
    let stranger = app.employee(&hr, None).await;
    let mut sb = Browser::new(&app);
    sb.sign_in(&stranger.email, PASSWORD).await;
    assert_html(&sb.get(&action).await, 404);
}
