//! The application built in this process on a benchmark database, the one wiring the
//! server uses (`build_state`/`build_app`), and calls through its HTTP stack (routing,
//! authentication, JSON, problem answers) without TCP.

use std::time::Instant;

use anyhow::{Context, bail};
use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestClient;
use pulseline::config::{Config, Secret};
use pulseline::startup::{build_app, build_state};
use pulseline::state::AppState;
use serde_json::{Value, json};

/// The application on the database at `url`, tokens signed with `secret`, ballots
/// sealed under `master_key`.
pub struct App {
    pub state: AppState,
    client: TestClient<BoxEndpoint<'static>>,
}

/// A survey with an open round, as the API answered them.
pub struct OpenRound {
    pub survey_id: String,
    pub round_id: String,
    /// The survey's question ids, in the order of its bank items.
    pub question_ids: Vec<String>,
    /// How many people the round invited.
    pub invited: u64,
}

impl App {
    pub async fn build(url: &str, secret: &str, master_key: &str) -> anyhow::Result<App> {
        let mut config = Config::for_database(url);
        config.jwt_secret = Some(Secret::new(secret.to_owned()));
        config.master_key = Some(Secret::new(master_key.to_owned()));
        let state = build_state(&config).await?;
        let client = TestClient::new(build_app(state.clone()).map_to_response().boxed());
        Ok(App { state, client })
    }

    /// A bearer token for the person `id` (token version 0, as seeded).
    pub fn token(&self, id: &str) -> anyhow::Result<String> {
        Ok(self.state.tokens.issue(id, 0)?)
    }

    /// One request with `token`; fails unless the status is `expect`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .client
            .request(method, path)
            .header("authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            req = req
                .content_type("application/json")
                .body(serde_json::to_vec(&b)?);
        }
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().into_vec().await?;
        if status != expect {
            bail!(
                "{path}: status {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// One GET, timed in milliseconds from sending to the whole body read, and the
    /// body's size; fails unless 200.
    pub async fn timed_get(&self, path: &str, token: &str) -> anyhow::Result<(f64, usize)> {
        let start = Instant::now();
        let resp = self
            .client
            .get(path)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await;
        let status = resp.0.status();
        let body = resp.0.into_body().into_bytes().await?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            bail!("{path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok((ms, body.len()))
    }

    /// Creates the survey `survey` (HR, with `token`) and opens its first round now.
    pub async fn open_round(&self, token: &str, survey: Value) -> anyhow::Result<OpenRound> {
        let survey = self
            .call(Method::POST, "/api/v1/surveys", token, Some(survey), 201)
            .await?;
        let survey_id = str_field(&survey, "id")?;
        let question_ids = survey["questions"]
            .as_array()
            .context("survey without questions")?
            .iter()
            .map(|q| str_field(q, "id"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let round = self
            .call(
                Method::POST,
                &format!("/api/v1/surveys/{survey_id}/rounds"),
                token,
                None,
                201,
            )
            .await?;
        Ok(OpenRound {
            survey_id,
            round_id: str_field(&round, "id")?,
            question_ids,
            invited: round["invited"].as_u64().context("round without invited")?,
        })
    }
}

/// A survey of the bank items `items`, starting today.
pub fn survey(
    title: &str,
    items: &[&str],
    team_ids: &[&str],
    cuts: &[&str],
    cadence: &str,
    window_days: u32,
) -> Value {
    let questions: Vec<Value> = items.iter().map(|k| json!({"bank_item": k})).collect();
    let today = chrono::Utc::now().date_naive().to_string();
    json!({
        "title": title,
        "questions": questions,
        "audience": {"team_ids": team_ids},
        "cuts": cuts,
        "schedule": {"starts_on": today, "cadence": cadence, "window_days": window_days}
    })
}

/// The string field `name` of a JSON answer.
pub fn str_field(v: &Value, name: &str) -> anyhow::Result<String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{name}` in {v}"))
}
