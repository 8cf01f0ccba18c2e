//! Driver impact and focus areas: correlations, their Fisher-z intervals and Johnson's
//! relative weights checked against values computed here, independently, from the
//! answers the test gave — the relative weights from the eigen-decomposition of the
//! drivers' correlation matrix by a Jacobi routine below, as Johnson (2000), "A
//! heuristic method for estimating the relative weight of predictor variables in
//! multiple regression", Multivariate Behavioral Research 35(1), 1–19, defines them.
//! Then what is withheld, who may read it, the CSV, the audit, and the report page.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

mod adversary;

/// The survey's items: engagement (proud, stay), recognition (two items), growth,
/// manager support, autonomy.
const ITEMS: [&str; 7] = [
    "eo_proud",
    "eo_stay",
    "rc_noticed",
    "rc_valued",
    "gr_learning",
    "ms_approachable",
    "au_trusted",
];
/// The index of the growth item in [`ITEMS`].
const GROWTH: usize = 4;
/// The drivers besides engagement and the indexes of their items in [`ITEMS`].
const DRIVERS: [(&str, &[usize]); 4] = [
    ("recognition", &[2, 3]),
    ("growth", &[4]),
    ("manager_support", &[5]),
    ("autonomy", &[6]),
];

/// Support: engagement follows recognition, which is low here.
fn support_answers(i: usize) -> [u8; 7] {
    let rn = 1 + i % 3;
    let rv = 1 + (i / 3) % 3;
    let gr = 1 + (i * 7) % 5;
    let ms = 2 + (i * 3) % 4;
    let au = 1 + (i * i + 2) % 5;
    let proud = (rn + i % 2 + usize::from(ms >= 4)).min(5);
    let stay = (rv + 1 + (i / 2) % 2).min(5);
    [proud, stay, rn, rv, gr, ms, au].map(|v| v as u8)
}

/// Sales: recognition high, engagement unrelated to it.
fn sales_answers(i: usize) -> [u8; 7] {
    [
        1 + (i * 2) % 5,
        2 + i % 4,
        4 + i % 2,
        3 + i % 3,
        1 + i % 5,
        3 + i % 3,
        2 + (i * 2) % 4,
    ]
    .map(|v| v as u8)
}

fn small_answers(i: usize) -> [u8; 7] {
    std::array::from_fn(|q| (1 + (i + q) % 5) as u8)
}

/// Person i's answers to [`ITEMS`].
type AnswersOf = fn(usize) -> [u8; 7];

struct Seeded {
    app: TestApp,
    hr: Actor,
    round: String,
    support: String,
    sales: String,
    small: String,
    /// Every response, by team: Support's, Sales', Small's.
    answers: [Vec<[u8; 7]>; 3],
    /// The first this many of Support left the growth item unanswered.
    skippers: usize,
    /// The survey's question ids, in [`ITEMS`] order.
    qids: Vec<String>,
}

/// Support (30 people), Sales (30) and Small (10) answer a round of the survey; it is
/// left open.
async fn seed() -> Seeded {
    seed_with(0).await
}

/// As [`seed`], with the growth item optional and left unanswered by the first
/// `skippers` people of Support.
async fn seed_with(skippers: usize) -> Seeded {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let support = app.create_team(&hr, "Support", None, "frontline").await;
    let sales = app.create_team(&hr, "Sales", None, "frontline").await;
    let small = app.create_team(&hr, "Small", None, "frontline").await;
    let plan: [(&String, usize, AnswersOf); 3] = [
        (&support, 30, support_answers),
        (&sales, 30, sales_answers),
        (&small, 10, small_answers),
    ];
    let mut people = Vec::new();
    for (team, n, _) in &plan {
        people.push(app.seed_people(team, *n, |_| (None, None, None)).await);
    }
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Pulse",
                "questions": ITEMS.iter().map(|k| if skippers > 0 && *k == ITEMS[GROWTH] {
                    json!({"bank_item": k, "required": false})
                } else {
                    json!({"bank_item": k})
                }).collect::<Vec<_>>(),
                "audience": {"team_ids": [&support, &sales, &small]},
                "schedule": {"starts_on": chrono::Utc::now().date_naive().to_string(), "cadence": "quarterly", "window_days": 14}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json();
    let qids: Vec<String> = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    let round = app
        .open_round_now(&hr, survey["id"].as_str().expect("id"))
        .await;
    let mut answers: [Vec<[u8; 7]>; 3] = Default::default();
    for (t, ((_, _, f), who)) in plan.iter().zip(&people).enumerate() {
        for (i, person) in who.iter().enumerate() {
            let v = f(i);
            let skips = t == 0 && i < skippers;
            let a: Vec<Value> = qids
                .iter()
                .zip(v)
                .enumerate()
                .filter(|(j, _)| !(skips && *j == GROWTH))
                .map(|(_, (q, x))| json!({"question_id": q, "value": x}))
                .collect();
            app.post(
                &format!("/api/v1/rounds/{round}/responses"),
                Some(&person.token),
                json!({"answers": a}),
            )
            .await
            .expect(201);
            answers[t].push(v);
        }
    }
    Seeded {
        app,
        hr,
        round,
        support,
        sales,
        small,
        answers,
        skippers,
        qids,
    }
}

// ---------- the reference computation ----------

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// The Fisher-z 95% interval: tanh(atanh(r) ± 1.959963984540054 / √(n − 3)).
fn fisher(r: f64, n: usize) -> (f64, f64) {
    let z = r.atanh();
    let se = 1.0 / ((n - 3) as f64).sqrt();
    (
        (z - 1.959_963_984_540_054 * se).tanh(),
        (z + 1.959_963_984_540_054 * se).tanh(),
    )
}

/// Eigenvalues and eigenvectors (as the columns of the second matrix) of a symmetric
/// matrix by cyclic Jacobi rotations.
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j].powi(2))
            .sum();
        if off < 1e-32 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (kp, kq) = (row[p], row[q]);
                    row[p] = c * kp - s * kq;
                    row[q] = s * kp + c * kq;
                }
                let (rp, rq) = (a[p].clone(), a[q].clone());
                for (k, (pk, qk)) in rp.iter().zip(&rq).enumerate() {
                    a[p][k] = c * pk - s * qk;
                    a[q][k] = s * pk + c * qk;
                }
                for row in v.iter_mut() {
                    let (kp, kq) = (row[p], row[q]);
                    row[p] = c * kp - s * kq;
                    row[q] = s * kp + c * kq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// Johnson's relative weights and R² from the eigen-decomposition R = P Δ Pᵀ of the
/// predictors' correlation matrix: Λ = P Δ^½ Pᵀ, β = P Δ^−½ Pᵀ r_xy,
/// ε_j = Σ_k Λ_jk² β_k²; R² = Σ_k (p_kᵀ r_xy)² / δ_k.
fn johnson(columns: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, f64) {
    let p = columns.len();
    let r: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| pearson(&columns[i], &columns[j])).collect())
        .collect();
    let rxy: Vec<f64> = columns.iter().map(|c| pearson(c, y)).collect();
    let (delta, vecs) = jacobi(r.clone());
    // The decomposition is right: P Δ Pᵀ gives R back.
    for i in 0..p {
        for j in 0..p {
            let back: f64 = (0..p).map(|k| vecs[i][k] * delta[k] * vecs[j][k]).sum();
            assert!((back - r[i][j]).abs() < 1e-12, "Jacobi did not converge");
        }
    }
    let with = |f: &dyn Fn(f64) -> f64| -> Vec<Vec<f64>> {
        (0..p)
            .map(|i| {
                (0..p)
                    .map(|j| (0..p).map(|k| vecs[i][k] * f(delta[k]) * vecs[j][k]).sum())
                    .collect()
            })
            .collect()
    };
    let lambda = with(&|d| d.sqrt());
    let inv_root = with(&|d| 1.0 / d.sqrt());
    let beta: Vec<f64> = (0..p)
        .map(|i| (0..p).map(|j| inv_root[i][j] * rxy[j]).sum())
        .collect();
    let weights: Vec<f64> = (0..p)
        .map(|j| (0..p).map(|k| (lambda[j][k] * beta[k]).powi(2)).sum())
        .collect();
    let r2: f64 = (0..p)
        .map(|k| {
            let proj: f64 = (0..p).map(|i| vecs[i][k] * rxy[i]).sum();
            proj * proj / delta[k]
        })
        .sum();
    (weights, r2)
}

/// Engagement index of a response: (mean(proud, stay) − 1) / 4 × 100.
fn index_of(a: &[u8; 7]) -> f64 {
    ((f64::from(a[0]) + f64::from(a[1])) / 2.0 - 1.0) / 4.0 * 100.0
}

fn driver_of(a: &[u8; 7], items: &[usize]) -> f64 {
    items.iter().map(|&i| f64::from(a[i])).sum::<f64>() / items.len() as f64
}

/// A driver's score over responses on 0–100: the mean of every answer to its items.
fn score_of(rows: &[&[u8; 7]], items: &[usize]) -> f64 {
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|a| items.iter().map(|&i| f64::from(a[i])))
        .collect();
    (mean(&all) - 1.0) / 4.0 * 100.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[track_caller]
fn same(api: &Value, expected: f64, what: &str) {
    let got = api
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {api}"));
    assert!(
        (got - round2(expected)).abs() < 1e-9,
        "{what}: API {got}, expected {expected} (rounded {})",
        round2(expected)
    );
}

/// (driver, r, Fisher interval, relative weight, score against the organisation).
type DriverExpected = (&'static str, f64, (f64, f64), f64, f64);

/// Everything the reference says about Support: per driver (name, r, interval,
/// weight, score relative to the organisation), R², and the focus areas.
struct Expected {
    drivers: Vec<DriverExpected>,
    r2: f64,
    focus: Vec<&'static str>,
    columns: Vec<Vec<f64>>,
    index: Vec<f64>,
}

fn expected(s: &Seeded) -> Expected {
    let team = &s.answers[0];
    let everyone: Vec<&[u8; 7]> = s.answers.iter().flatten().collect();
    let mine: Vec<&[u8; 7]> = team.iter().collect();
    let index: Vec<f64> = team.iter().map(index_of).collect();
    let columns: Vec<Vec<f64>> = DRIVERS
        .iter()
        .map(|(_, items)| team.iter().map(|a| driver_of(a, items)).collect())
        .collect();
    let (weights, r2) = johnson(&columns, &index);
    let drivers: Vec<DriverExpected> = DRIVERS
        .iter()
        .enumerate()
        .map(|(j, (name, items))| {
            let r = pearson(&columns[j], &index);
            let rel = score_of(&mine, items) - score_of(&everyone, items);
            (*name, r, fisher(r, team.len()), weights[j], rel)
        })
        .collect();
    let mut w = weights.clone();
    w.sort_by(f64::total_cmp);
    let median = (w[1] + w[2]) / 2.0;
    let mut focus: Vec<(&'static str, f64)> = drivers
        .iter()
        .filter(|d| d.3 > median && d.4 < 0.0)
        .map(|d| (d.0, d.3))
        .collect();
    focus.sort_by(|a, b| b.1.total_cmp(&a.1));
    Expected {
        drivers,
        r2,
        focus: focus.into_iter().take(3).map(|f| f.0).collect(),
        columns,
        index,
    }
}

fn driver<'a>(impact: &'a Value, name: &str) -> &'a Value {
    impact["drivers"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["driver"] == json!(name)))
        .unwrap_or_else(|| panic!("no {name} in {impact}"))
}

// ---------- tests ----------

#[tokio::test]
async fn impact_matches_an_independent_computation_and_names_the_focus_areas() {
    let s = seed().await;
    let (app, hr) = (&s.app, &s.hr);
    let path = format!("/api/v1/rounds/{}/impact?team_id={}", s.round, s.support);
    // While the round is open: 409 like every report of scores.
    app.get(&path, Some(&hr.token)).await.expect(409);
    app.close_round_now(hr, &s.round).await;

    let e = expected(&s);
    // The library's statistics on the same data, before rounding, to 1e-9.
    let fit = pulseline::reports::impact_stats::fit(&e.columns, &e.index);
    assert_eq!(fit.n, 30);
    for (j, d) in e.drivers.iter().enumerate() {
        let c = fit.correlations[j].expect("r");
        assert!((c.r - d.1).abs() < 1e-9, "{}: r {} vs {}", d.0, c.r, d.1);
        assert!((c.ci_low - d.2.0).abs() < 1e-9, "{}", d.0);
        assert!((c.ci_high - d.2.1).abs() < 1e-9, "{}", d.0);
        let w = fit.weights[j].expect("weight");
        assert!((w - d.3).abs() < 1e-9, "{}: weight {w} vs {}", d.0, d.3);
    }
    let r2 = fit.r_squared.expect("R²");
    assert!((r2 - e.r2).abs() < 1e-9, "R² {r2} vs {}", e.r2);
    let sum: f64 = e.drivers.iter().map(|d| d.3).sum();
    assert!((sum - e.r2).abs() < 1e-9, "the weights sum to R²");

    // Over the API, rounded to 2 decimals.
    let r = app.get(&path, Some(&hr.token)).await;
    r.expect(200);
    let impact = r.json();
    assert_eq!(impact["released"], json!(true), "{impact}");
    assert!(impact["withheld"].is_null());
    assert_eq!(impact["n"], json!(30));
    assert_eq!(impact["min_respondents"], json!(25));
    same(&impact["r_squared"], e.r2, "R²");
    for (name, r, (lo, hi), w, rel) in &e.drivers {
        let d = driver(&impact, name);
        same(&d["r"], *r, name);
        same(&d["ci_low"], *lo, name);
        same(&d["ci_high"], *hi, name);
        same(&d["relative_weight"], *w, name);
        same(&d["share"], 100.0 * w / e.r2, name);
        same(&d["relative_score"], *rel, name);
    }
    // Recognition carries most of Support's engagement and is below the company.
    assert_eq!(
        e.focus.first(),
        Some(&"recognition"),
        "the data are built so"
    );
    let focus: Vec<&str> = impact["focus_areas"]
        .as_array()
        .expect("focus areas")
        .iter()
        .map(|f| f["driver"].as_str().expect("driver"))
        .collect();
    assert_eq!(focus, e.focus);
    let rc = &impact["focus_areas"][0];
    same(&rc["points_below"], -e.drivers[0].4, "points below");

    // The CSV says the same as the JSON, driver by driver.
    let csv = app
        .client
        .get(&path)
        .header("authorization", format!("Bearer {}", hr.token))
        .header("accept", "text/csv")
        .send()
        .await
        .0;
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.into_body().into_string().await.expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), impact["drivers"].as_array().map_or(0, Vec::len));
    for row in &rows {
        let d = driver(&impact, row[col("driver")]);
        for field in [
            "score",
            "organisation_score",
            "relative_score",
            "r",
            "ci_low",
            "ci_high",
            "relative_weight",
            "share",
        ] {
            let v: f64 = row[col(field)].parse().expect("a number");
            assert_eq!(json!(v), d[field], "{field} of {}", row[col("driver")]);
        }
        assert_eq!(row[col("team_id")], s.support);
        assert_eq!(row[col("n")], "30");
        let rank = focus.iter().position(|f| *f == row[col("driver")]);
        assert_eq!(
            row[col("focus_rank")],
            rank.map(|p| (p + 1).to_string()).unwrap_or_default()
        );
    }

    // Both reads are in the audit log, the export as an export.
    let admin = app.admin().await;
    let log = app
        .get("/api/v1/audit-log?limit=200", Some(&admin.token))
        .await;
    log.expect(200);
    let target = format!("rounds/{}/impact?team_id={}", s.round, s.support);
    let entries = log.json()["items"].as_array().cloned().unwrap_or_default();
    for action in ["impact.read", "impact.export"] {
        assert!(
            entries.iter().any(|x| x["action"] == json!(action)
                && x["target"] == json!(target)
                && x["actor_id"] == json!(hr.id)),
            "no {action} of {target}"
        );
    }
}

#[tokio::test]
async fn a_group_under_the_impact_minimum_is_withheld_with_its_reason() {
    let s = seed().await;
    let (app, hr) = (&s.app, &s.hr);
    app.close_round_now(hr, &s.round).await;
    // Small's report shows (10 ≥ k = 5) ...
    let rep = app
        .get(
            &format!("/api/v1/rounds/{}/report?team_id={}", s.round, s.small),
            Some(&hr.token),
        )
        .await;
    rep.expect(200);
    assert_eq!(rep.json()["group"]["n"], json!(10));
    // ... but its driver impact is withheld, and says why: not an empty list.
    let path = format!("/api/v1/rounds/{}/impact?team_id={}", s.round, s.small);
    let r = app.get(&path, Some(&hr.token)).await;
    r.expect(200);
    let impact = r.json();
    assert_eq!(impact["released"], json!(false));
    assert_eq!(impact["withheld"], json!("fewer_than_min_respondents"));
    assert_eq!(impact["min_respondents"], json!(25));
    assert!(impact["n"].is_null(), "no count of a withheld group");
    assert!(impact["r_squared"].is_null());
    assert_eq!(impact["drivers"], json!([]));
    assert_eq!(impact["focus_areas"], json!([]));
    // The CSV says the same in its one line.
    let csv = app
        .client
        .get(&path)
        .header("authorization", format!("Bearer {}", hr.token))
        .header("accept", "text/csv")
        .send()
        .await
        .0
        .into_body()
        .into_string()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with(&format!("{},,,fewer_than_min_respondents,", s.small)),
        "{csv}"
    );
    // The whole organisation (70) is released for HR, with nothing below itself.
    let org = app
        .get(
            &format!("/api/v1/rounds/{}/impact", s.round),
            Some(&hr.token),
        )
        .await;
    org.expect(200);
    let org = org.json();
    assert_eq!(org["released"], json!(true), "{org}");
    assert_eq!(org["n"], json!(70));
    assert_eq!(org["focus_areas"], json!([]));
}

#[tokio::test]
async fn impact_is_read_as_the_teams_report_is() {
    let s = seed().await;
    let (app, hr) = (&s.app, &s.hr);
    app.close_round_now(hr, &s.round).await;
    let path = |team: &str| format!("/api/v1/rounds/{}/impact?team_id={team}", s.round);
    // A manager of Sales reads Sales, not Support: 404 as for the report itself.
    let manager = app.manager_of(hr, &s.sales).await;
    app.get(&path(&s.sales), Some(&manager.token))
        .await
        .expect(200);
    for what in ["impact", "report"] {
        let p = format!("/api/v1/rounds/{}/{what}?team_id={}", s.round, s.support);
        app.get(&p, Some(&manager.token)).await.expect(404);
    }
    // Employees read no report.
    let employee = app.employee(hr, Some(&s.support)).await;
    app.get(&path(&s.support), Some(&employee.token))
        .await
        .expect(403);
    // Unknown round, unknown team, no token.
    let r = app
        .get(
            &format!(
                "/api/v1/rounds/{}/impact?team_id={}",
                uuid::Uuid::new_v4(),
                s.support
            ),
            Some(&hr.token),
        )
        .await;
    r.expect(404);
    assert!(r.text().contains("round"), "{}", r.text());
    app.get(&path(&uuid::Uuid::new_v4().to_string()), Some(&hr.token))
        .await
        .expect(404);
    app.send(Method::GET, &path(&s.support), None, None)
        .await
        .expect(401);
}

#[tokio::test]
async fn the_report_page_draws_the_priority_matrix_and_the_focus_areas() {
    let s = seed().await;
    let (app, hr) = (&s.app, &s.hr);
    app.close_round_now(hr, &s.round).await;
    let e = expected(&s);
    let mut b = Browser::new(app);
    b.sign_in(&hr.email, PASSWORD).await;
    let r = b
        .get(&format!("/reports/{}?team_id={}", s.round, s.support))
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("id=\"impact-matrix\""), "{html}");
    assert!(
        html.contains("<title id=\"impact-t\">"),
        "an accessible name"
    );
    assert!(html.contains("<desc id=\"impact-d\">"), "a description");
    assert!(
        html.contains("<caption>Driver impact</caption>"),
        "the table"
    );
    let points = -e.drivers[0].4;
    let sentence = format!(
        "Recognition matters most to your team's engagement and scores {points:.0} points below the company"
    );
    assert!(html.contains(&sentence), "{sentence} not in the page");
    assert!(html.contains("Correlation, not causation"));
    // In Russian.
    switch_language(&mut b, "ru").await;
    let html = b
        .get(&format!("/reports/{}?team_id={}", s.round, s.support))
        .await
        .text();
    assert!(html.contains("Влияние факторов"), "{html}");
    assert!(html.contains(&format!("на {points:.0} п. ниже")), "{html}");
    // A small team: the page says why there is no matrix.
    let html = b
        .get(&format!("/reports/{}?team_id={}", s.round, s.small))
        .await
        .text();
    assert!(!html.contains("id=\"impact-matrix\""));
    assert!(html.contains("не меньше 25"), "{html}");
}
