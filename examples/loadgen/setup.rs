//! The seeded database the load answers: people with tokens, a team, a 10-question
//! likert5 survey and its open round, made through the application in this process.

use anyhow::bail;
use poem::http::Method;
use serde_json::json;

use super::QUESTIONS;
use super::bench::app::{App, str_field, survey};
use super::bench::seed::{insert_people, person};

/// What the load and the raw run need to know about the seeded database.
pub struct Fixture {
    pub round_id: String,
    pub team_id: String,
    pub question_ids: Vec<String>,
    /// (person id, bearer token); the first `concurrency` are the warm-up people.
    pub people: Vec<(String, String)>,
    /// HR's token, to close the round after the load.
    pub hr: String,
}

pub async fn set_up(url: &str, secret: &str, people: usize) -> anyhow::Result<Fixture> {
    let app = App::build(url, secret, &format!("master-{secret}")).await?;

    let hr_id = uuid::Uuid::new_v4().to_string();
    insert_people(&app.state.db, vec![person(&hr_id, "bench-hr", None, true)]).await?;
    let hr = app.token(&hr_id)?;

    let team = app
        .call(
            Method::POST,
            "/api/v1/teams",
            &hr,
            Some(json!({"name": "Bench", "kind": "frontline"})),
            201,
        )
        .await?;
    let team_id = str_field(&team, "id")?;

    let mut rows = Vec::with_capacity(people);
    let mut seeded = Vec::with_capacity(people);
    for i in 0..people {
        let id = uuid::Uuid::new_v4().to_string();
        seeded.push((id.clone(), format!("Bearer {}", app.token(&id)?)));
        rows.push(person(&id, &format!("p{i}"), Some(&team_id), false));
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(1000));
        insert_people(&app.state.db, std::mem::replace(&mut rows, rest)).await?;
    }

    let survey = survey(
        "Benchmark pulse",
        &QUESTIONS,
        &[&team_id],
        &[],
        "monthly",
        7,
    );
    let round = app.open_round(&hr, survey).await?;
    if round.question_ids.len() != QUESTIONS.len() {
        bail!("the survey has {} questions", round.question_ids.len());
    }
    if round.invited != people as u64 {
        bail!("the round invited {} people, not {people}", round.invited);
    }
    Ok(Fixture {
        round_id: round.round_id,
        team_id,
        question_ids: round.question_ids,
        people: seeded,
        hr,
    })
}
