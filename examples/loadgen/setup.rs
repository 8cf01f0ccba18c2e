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
    /// The ten likert questions.
    pub question_ids: Vec<String>,
    /// The free-text question every submission also answers.
    pub comment_id: String,
    /// The length of every sealed ballot of the round (what the raw run writes too).
    pub ballot_len: usize,
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

    let mut survey = survey(
        "Benchmark pulse",
        &QUESTIONS,
        &[&team_id],
        &[],
        "monthly",
        7,
    );
    // One comment question beside the ten likert items: a ballot is padded to the
    // longest comment, so it sets the size of every ballot.
    if let Some(list) = survey["questions"].as_array_mut() {
        list.push(json!({"kind": "text", "driver": "voice", "text": "Anything else?"}));
    }
    let round = app.open_round(&hr, survey).await?;
    let mut question_ids = round.question_ids;
    if question_ids.len() != QUESTIONS.len() + 1 {
        bail!("the survey has {} questions", question_ids.len());
    }
    let comment_id = question_ids.pop().unwrap_or_default();
    let ballot_len = {
        let survey_id = round.survey_id.clone();
        let questions = app
            .state
            .db
            .read(move |conn| pulseline::surveys::store::questions(conn, &survey_id))
            .await?;
        pulseline::surveys::ballot::sealed_len(&questions)
    };
    if round.invited != people as u64 {
        bail!("the round invited {} people, not {people}", round.invited);
    }
    Ok(Fixture {
        round_id: round.round_id,
        question_ids,
        comment_id,
        ballot_len,
        people: seeded,
        hr,
    })
}
