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
    // The plain statement of what is stored, with this survey's k.
    assert!(html.contains("What is stored and who sees it"));
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
    // The round is answered: its page is gone, for the pages and the API alike.
    assert_html(&b.get(&action).await, 404);
    let token = b.cookies["pulseline_session"].clone();
    assert_eq!(
        app.get("/api/v1/me/pulses", Some(&token)).await.json(),
        json!([])
    );
}
