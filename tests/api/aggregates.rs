//! Numbers over several items — a driver's mean and favourable share — enter the release
//! audit with those items: released beside a required item, a driver must not give away
//! an optional item of the same driver suppressed in the same group.

use std::collections::HashMap;

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// What an adversary learns from one group's released numbers about the answers to
/// the optional item hidden there: the (count, sum) of those answers, when only one is
/// consistent with the released driver beside the released required item. The driver's
/// mean and share may be rounded to one decimal: every candidate within 0.05 is kept,
/// so the attack does not depend on exact numbers.
fn hidden_answers(
    drivers: &Value,
    questions: &Value,
    required: &str,
    optional: &str,
    k: usize,
) -> Option<(usize, usize)> {
    let cell = |qs: &Value, id: &str| -> Option<Value> {
        qs.as_array()?
            .iter()
            .find(|q| q["question_id"] == json!(id))
            .cloned()
    };
    let growth = drivers
        .as_array()?
        .iter()
        .find(|d| d["driver"] == json!("growth"))?;
    let (mean, share) = (growth["mean"].as_f64()?, growth["favorable"].as_f64()?);
    let req = cell(questions, required)?;
    let opt = cell(questions, optional)?;
    if opt["suppressed"] == json!(false) {
        return None;
    }
    let (mut n1, mut sum1, mut fav1) = (0usize, 0usize, 0usize);
    for b in req["distribution"].as_array()? {
        let value: usize = b["label"].as_str()?.parse().ok()?;
        let count = b["count"].as_u64()? as usize;
        n1 += count;
        sum1 += value * count;
        if value >= 4 {
            fav1 += count;
        }
    }
    let near = |x: f64, y: f64| (x - y).abs() <= 0.05 + 1e-9;
    let mut found = Vec::new();
    for c in 1..k {
        for sum in c..=5 * c {
            let fits_share = (0..=c).any(|f| {
                // f favourable answers (4–5) and c − f others (1–3) can sum to `sum`.
                let (lo, hi) = (4 * f + (c - f), 5 * f + 3 * (c - f));
                (lo..=hi).contains(&sum) && near(100.0 * (fav1 + f) as f64 / (n1 + c) as f64, share)
            });
            if fits_share && near((sum1 + sum) as f64 / (n1 + c) as f64, mean) {
                found.push((c, sum));
            }
        }
    }
    (found.len() == 1).then(|| found[0])
}

/// The attack: a team of six answers the required growth item; one of them
/// also answers the optional one (with 1). The optional item is suppressed (one
/// answer); the driver, over all seven answers, and the required item are not — before
/// the audit took drivers in, the driver's mean and share minus the required item gave
/// the single optional answer, in the team's report and in the organisation's.
#[tokio::test]
async fn a_driver_never_gives_away_an_optional_item_suppressed_beside_it() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "frontline").await;
    let team = app
        .create_team(&hr, "Support", Some(&company), "frontline")
        .await;
    let staff = app.seed_people(&team, 6, |_| (None, None, None)).await;
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Growth pulse",
                "questions": [
                    {"bank_item": "gr_learning"},
                    {"bank_item": "gr_career_path", "required": false}
                ],
                "audience": {"team_ids": [team]},
                "cuts": [],
                "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(),
                             "cadence": "quarterly", "window_days": 14}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json();
    let q: Vec<String> = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let (required, optional) = (q[0].clone(), q[1].clone());
    let round = app
        .open_round_now(&hr, survey["id"].as_str().expect("id"))
        .await;
    for (i, (who, v)) in staff.iter().zip([4, 5, 3, 4, 2, 4]).enumerate() {
        let mut answers = vec![json!({"question_id": required, "value": v})];
        if i == 0 {
            answers.push(json!({"question_id": optional, "value": 1}));
        }
        app.post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&who.token),
            json!({"answers": answers}),
        )
        .await
        .expect(201);
    }
    app.send(
        Method::POST,
        &format!("/api/v1/rounds/{round}/close"),
        Some(&hr.token),
        None,
    )
    .await
    .expect(200);

    // Everything HR can read: the organisation's report with its children, the team's
    // report, and the heatmap's driver cells beside the reports' item cells.
    let mut groups: Vec<Value> = Vec::new();
    for path in [
        format!("/api/v1/rounds/{round}/report"),
        format!("/api/v1/rounds/{round}/report?team_id={team}"),
        format!("/api/v1/rounds/{round}/report?team_id={company}"),
    ] {
        let rep = app.get(&path, Some(&hr.token)).await;
        rep.expect(200);
        let rep = rep.json();
        groups.push(rep["group"].clone());
        groups.extend(rep["children"].as_array().cloned().unwrap_or_default());
    }
    let items: HashMap<String, Value> = groups
        .iter()
        .filter(|g| g["questions"].is_array())
        .map(|g| (g["team_id"].to_string(), g["questions"].clone()))
        .collect();
    let heat = app
        .get(&format!("/api/v1/rounds/{round}/heatmap"), Some(&hr.token))
        .await;
    heat.expect(200);
    let mut pairs: Vec<(Value, Value)> = groups
        .iter()
        .map(|g| (g["drivers"].clone(), g["questions"].clone()))
        .collect();
    for row in heat.json()["rows"].as_array().cloned().unwrap_or_default() {
        if let Some(qs) = items.get(&row["team_id"].to_string()) {
            pairs.push((row["cells"].clone(), qs.clone()));
        }
    }
    let k = 5;
    for (drivers, questions) in &pairs {
        assert_eq!(
            hidden_answers(drivers, questions, &required, &optional, k),
            None,
            "the optional item's hidden answers follow from drivers {drivers} and items {questions}"
        );
    }
    // The audit refused the driver, not the items: the team's required item is still
    // shown (six answers), its driver is not.
    let team_group = groups
        .iter()
        .find(|g| g["team_id"] == json!(team) && g["suppressed"] == json!(false))
        .expect("the team is released");
    let cell = |id: &str| {
        team_group["questions"]
            .as_array()
            .and_then(|qs| qs.iter().find(|q| q["question_id"] == json!(id)).cloned())
            .expect("item listed")
    };
    assert_eq!(cell(&required)["suppressed"], json!(false));
    assert_eq!(cell(&required)["n"], json!(6));
    assert_eq!(cell(&optional)["suppressed"], json!(true));
    let growth = team_group["drivers"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["driver"] == json!("growth")).cloned())
        .expect("growth listed");
    assert_eq!(growth["suppressed"], json!(true));
    assert!(growth["mean"].is_null() && growth["favorable"].is_null());
}
