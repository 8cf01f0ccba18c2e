//! Small crowds: a group whose members all gave one answer, answer distributions of
//! small groups, and participation by subtraction — each written as the attack an HR
//! user can run through the API alone.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::helpers::*;

const K: usize = 5;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// proud (likert, engagement), learning (likert, growth), eNPS (0–10), a choice.
fn body(team_ids: &[&str]) -> Value {
    json!({
        "title": "Crowd pulse",
        "questions": [
            {"bank_item": "eo_proud"},
            {"bank_item": "gr_learning"},
            {"bank_item": "eo_enps"},
            {"kind": "choice", "driver": "voice", "text": "Which channel do you prefer?",
             "text_ru": "Какой канал вам удобнее?", "options": ["Chat", "Mail", "Call"]}
        ],
        "audience": {"team_ids": team_ids},
        "cuts": [],
        "schedule": {"starts_on": today(), "cadence": "monthly", "window_days": 7}
    })
}

struct Round {
    id: String,
    q: Vec<String>,
}

async fn open(app: &TestApp, hr: &Actor, teams: &[&str]) -> Round {
    let r = app
        .post("/api/v1/surveys", Some(&hr.token), body(teams))
        .await;
    r.expect(201);
    let survey = r.json();
    let sid = survey["id"].as_str().expect("id").to_owned();
    let q = survey["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("qid").to_owned())
        .collect();
    Round {
        id: app.open_round_now(hr, &sid).await,
        q,
    }
}

/// proud, learning (1–5), eNPS (0–10), the choice's index.
async fn answer(app: &TestApp, who: &Actor, r: &Round, v: [u8; 4]) {
    let choice = ["Chat", "Mail", "Call"][usize::from(v[3]) % 3];
    app.post(
        &format!("/api/v1/rounds/{}/responses", r.id),
        Some(&who.token),
        json!({"answers": [
            {"question_id": r.q[0], "value": v[0]},
            {"question_id": r.q[1], "value": v[1]},
            {"question_id": r.q[2], "value": v[2]},
            {"question_id": r.q[3], "choice": choice},
        ]}),
    )
    .await
    .expect(201);
}

async fn close(app: &TestApp, hr: &Actor, r: &Round) {
    app.close_round_now(hr, &r.id).await;
}

async fn report(app: &TestApp, hr: &Actor, round: &str, team: Option<&str>) -> Value {
    let path = match team {
        Some(t) => format!("/api/v1/rounds/{round}/report?team_id={t}"),
        None => format!("/api/v1/rounds/{round}/report"),
    };
    let r = app.get(&path, Some(&hr.token)).await;
    r.expect(200);
    r.json()
}

/// What a reader knows of one question over a set of people: its number of answers,
/// their sum and favourable count (from means and shares shown to one decimal: each
/// within `slack`), and its counts per answer when every term has them.
#[derive(Clone, Debug)]
struct Known {
    n: f64,
    sum: f64,
    fav: Option<f64>,
    counts: Option<Vec<f64>>,
    slack: f64,
}

impl Known {
    fn of(q: &Value) -> Option<Known> {
        if q["suppressed"] != json!(false) {
            return None;
        }
        let n = q["n"].as_f64()?;
        let counts = q["distribution"].as_array().map(|d| {
            d.iter()
                .map(|b| b["count"].as_f64().unwrap_or(0.0))
                .collect::<Vec<f64>>()
        });
        Some(Known {
            n,
            sum: q["mean"].as_f64().unwrap_or(0.0) * n,
            fav: q["favorable"].as_f64().map(|f| f * n / 100.0),
            counts,
            slack: 0.05 * n + 1e-6,
        })
    }

    fn minus(&self, o: &Known) -> Known {
        Known {
            n: self.n - o.n,
            sum: self.sum - o.sum,
            fav: self.fav.zip(o.fav).map(|(a, b)| a - b),
            counts: self
                .counts
                .as_ref()
                .zip(o.counts.as_ref())
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x - y).collect()),
            slack: self.slack + o.slack,
        }
    }

    /// The one answer everybody in the set gave, if the numbers say so: one bucket holds
    /// every answer, or (likert) the only whole sum the mean allows is n × 5 or n × 1,
    /// or n × 4 with every answer favourable, or n × 3 with none favourable.
    fn everybody_answered(&self, likert: bool) -> Option<String> {
        let n = self.n.round();
        if n < 1.0 {
            return None;
        }
        if let Some(c) = &self.counts
            && let Some(i) = c.iter().position(|x| (x - n).abs() < 0.5)
        {
            return Some(format!("answer #{i}"));
        }
        if !likert {
            return None;
        }
        let sums: Vec<f64> = ((self.sum - self.slack).ceil() as i64
            ..=(self.sum + self.slack).floor() as i64)
            .map(|s| s as f64)
            .collect();
        let [sum] = sums[..] else { return None };
        let fav = self.fav.map(f64::round);
        let named = if sum == 5.0 * n {
            Some(5)
        } else if sum == n {
            Some(1)
        } else if sum == 4.0 * n && fav == Some(n) {
            Some(4)
        } else if sum == 3.0 * n && fav == Some(0.0) {
            Some(3)
        } else {
            None
        };
        named.map(|v| format!("{v}"))
    }
}

fn question<'a>(group: &'a Value, id: &str) -> Option<&'a Value> {
    group["questions"]
        .as_array()?
        .iter()
        .find(|q| q["question_id"] == json!(id))
}

/// The attack 4: a team of five who all answered "4" (and the same on every
/// question). Its released mean, share and distribution — or the organisation's minus
/// the other teams' — told each named member's answer.
#[tokio::test]
async fn a_team_that_all_gave_the_same_answer_is_not_named() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let a = app.create_team(&hr, "Alpha", None, "frontline").await;
    let b = app.create_team(&hr, "Beta", None, "frontline").await;
    let c = app.create_team(&hr, "Gamma", None, "frontline").await;
    let alpha = app.seed_people(&a, 5, |_| (None, None, None)).await;
    let beta = app.seed_people(&b, 6, |_| (None, None, None)).await;
    let gamma = app.seed_people(&c, 6, |_| (None, None, None)).await;
    let r = open(&app, &hr, &[&a, &b, &c]).await;
    for who in &alpha {
        answer(&app, who, &r, [4, 4, 9, 0]).await;
    }
    let mixed = [
        [5, 2, 10, 0],
        [3, 4, 7, 1],
        [4, 5, 8, 2],
        [2, 3, 3, 0],
        [4, 4, 9, 1],
        [1, 5, 6, 2],
    ];
    for (who, v) in beta.iter().zip(mixed) {
        answer(&app, who, &r, v).await;
    }
    for (who, v) in gamma.iter().zip(mixed.iter().rev()) {
        answer(&app, who, &r, *v).await;
    }
    close(&app, &hr, &r).await;

    let org = report(&app, &hr, &r.id, None).await;
    let mut teams: HashMap<String, Value> = HashMap::new();
    for t in [&a, &b, &c] {
        teams.insert(
            t.clone(),
            report(&app, &hr, &r.id, Some(t)).await["group"].clone(),
        );
    }
    let child = |id: &str| -> Value {
        org["children"]
            .as_array()
            .and_then(|cs| cs.iter().find(|g| g["team_id"] == json!(id)).cloned())
            .unwrap_or(Value::Null)
    };
    let mut named = Vec::new();
    for (i, qid) in r.q.iter().enumerate() {
        let likert = i < 2;
        // Alpha's own cells: its report and its row among the organisation's children.
        for g in [&teams[&a], &child(&a)] {
            if let Some(k) = question(g, qid).and_then(Known::of)
                && let Some(v) = k.everybody_answered(likert)
            {
                named.push(format!("question {i}: Alpha's cell says everyone gave {v}"));
            }
        }
        // The organisation minus Beta and Gamma.
        let terms =
            [&org["group"], &child(&b), &child(&c)].map(|g| question(g, qid).and_then(Known::of));
        if let [Some(o), Some(x), Some(y)] = terms {
            let rest = o.minus(&x).minus(&y);
            if let Some(v) = rest.everybody_answered(likert) {
                named.push(format!(
                    "question {i}: the organisation minus Beta and Gamma says everyone gave {v}"
                ));
            }
        }
    }
    // The growth driver has one item: its mean and share are that item's.
    for g in [&teams[&a], &child(&a)] {
        let growth = g["drivers"]
            .as_array()
            .and_then(|d| d.iter().find(|x| x["driver"] == json!("growth")).cloned());
        if let Some(d) = growth
            && d["suppressed"] == json!(false)
        {
            let k = Known {
                n: d["n"].as_f64().unwrap_or(0.0),
                sum: d["mean"].as_f64().unwrap_or(0.0) * d["n"].as_f64().unwrap_or(0.0),
                fav: d["favorable"]
                    .as_f64()
                    .map(|f| f * d["n"].as_f64().unwrap_or(0.0) / 100.0),
                counts: None,
                slack: 0.05 * d["n"].as_f64().unwrap_or(0.0),
            };
            if let Some(v) = k.everybody_answered(true) {
                named.push(format!(
                    "growth driver: Alpha's cell says everyone gave {v}"
                ));
            }
        }
    }
    assert!(named.is_empty(), "{named:#?}");
    // The group itself (its number of answers) and the organisation's scores stay.
    assert_eq!(teams[&a]["suppressed"], json!(false));
    assert_eq!(org["group"]["suppressed"], json!(false));
    assert!(question(&org["group"], &r.q[0]).is_some_and(|q| q["suppressed"] == json!(false)));
    // Mixed teams keep their numbers where the organisation's remainder allows it.
    let shown_mixed = [&b, &c]
        .iter()
        .filter(|t| question(&teams[**t], &r.q[0]).is_some_and(|q| q["suppressed"] == json!(false)))
        .count();
    assert!(shown_mixed >= 1, "one of the mixed teams stays shown");
}

/// A distribution is counts per answer: for a group of six, five 4s and a 2 tell every
/// named member "4, most likely". Counts per answer show only for groups of at least
/// 2k answers; smaller shown groups keep their mean and favourable share.
#[tokio::test]
async fn answer_distributions_show_only_for_groups_of_twice_k() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let a = app.create_team(&hr, "Alpha", None, "frontline").await;
    let b = app.create_team(&hr, "Beta", None, "frontline").await;
    let alpha = app.seed_people(&a, 6, |_| (None, None, None)).await;
    let beta = app.seed_people(&b, 6, |_| (None, None, None)).await;
    let r = open(&app, &hr, &[&a, &b]).await;
    let near_uniform = [
        [4, 4, 9, 0],
        [4, 4, 9, 0],
        [4, 4, 9, 0],
        [4, 4, 9, 0],
        [4, 4, 9, 0],
        [2, 3, 5, 1],
    ];
    for (who, v) in alpha.iter().zip(near_uniform) {
        answer(&app, who, &r, v).await;
    }
    for (i, who) in beta.iter().enumerate() {
        let v = 1 + (i % 5) as u8;
        answer(&app, who, &r, [v, 6 - v, 2 * v, v % 3]).await;
    }
    close(&app, &hr, &r).await;
    let alpha_report = report(&app, &hr, &r.id, Some(&a)).await;
    for qid in &r.q {
        let q = question(&alpha_report["group"], qid).expect("question");
        assert_eq!(q["suppressed"], json!(false), "{q}");
        assert!(
            q["distribution"].is_null(),
            "a group of six shows its counts: {q}"
        );
        assert_eq!(
            q["distribution_withheld"],
            json!("fewer_than_twice_min_group")
        );
    }
    let proud = question(&alpha_report["group"], &r.q[0]).expect("proud");
    assert!(
        (proud["mean"].as_f64().unwrap_or(0.0) - 3.7).abs() < 1e-9,
        "{proud}"
    );
    // The organisation (12 answers) shows its counts; each team's stay hidden, so no
    // difference gives them.
    let org = report(&app, &hr, &r.id, None).await;
    let q = question(&org["group"], &r.q[0]).expect("question");
    let counts: Vec<i64> = q["distribution"]
        .as_array()
        .expect("the organisation's counts")
        .iter()
        .map(|b| b["count"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(counts.iter().sum::<i64>(), 12);
    for g in org["children"].as_array().expect("children") {
        if let Some(q) = question(g, &r.q[0]) {
            assert!(q["distribution"].is_null(), "{g}");
        }
    }
}

/// Everything HR can read about live participation: (the invitees a shown count
/// covers, that count of answers).
async fn live_counts(
    app: &TestApp,
    hr: &Actor,
    round: &str,
    teams: &[&str],
    members: &HashMap<String, BTreeSet<String>>,
    everyone: &BTreeSet<String>,
) -> Vec<(BTreeSet<String>, i64)> {
    let mut seen = Vec::new();
    let mut add = |g: &Value, direct: bool| {
        let (invited, answered) = if direct {
            if g["suppressed"] != json!(false) {
                return;
            }
            (
                g["invited"].as_i64().unwrap_or(0),
                g["answered"].as_i64().unwrap_or(0),
            )
        } else {
            let p = &g["participation"];
            let Some(invited) = p["invited"].as_i64() else {
                return;
            };
            let rate = p["rate"].as_f64().unwrap_or(0.0);
            (invited, (rate * invited as f64).round() as i64)
        };
        let who = match (g["team_id"].as_str(), direct) {
            (Some(t), true) => members.get(&format!("direct:{t}")).cloned(),
            (Some(t), false) => members.get(t).cloned(),
            (None, _) => Some(everyone.clone()),
        }
        .unwrap_or_default();
        assert_eq!(who.len() as i64, invited, "{g}");
        seen.push((who, answered));
    };
    for team in std::iter::once(None).chain(teams.iter().map(|t| Some(*t))) {
        let rep = report(app, hr, round, team).await;
        add(&rep["group"], false);
        for c in rep["children"].as_array().into_iter().flatten() {
            add(c, false);
        }
    }
    let p = app
        .get(
            &format!("/api/v1/rounds/{round}/participation"),
            Some(&hr.token),
        )
        .await;
    p.expect(200);
    for t in p.json()["teams"].as_array().into_iter().flatten() {
        add(t, true);
    }
    seen
}

/// The attack 5: a department's live participation minus its shown child
/// teams' follows its one-invitee team — 0, then 1 the moment that person answered.
/// The reader sees which shown counts moved and which did not: the new answer is from
/// someone in every count that moved and in none that stayed.
#[tokio::test]
async fn live_participation_does_not_follow_a_one_invitee_team() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let dept = app.create_team(&hr, "Dept", None, "frontline").await;
    let a = app
        .create_team(&hr, "Alpha", Some(&dept), "frontline")
        .await;
    let b = app.create_team(&hr, "Beta", Some(&dept), "frontline").await;
    let solo = app.create_team(&hr, "Solo", Some(&dept), "frontline").await;
    let alpha = app.seed_people(&a, K, |_| (None, None, None)).await;
    let beta = app.seed_people(&b, K, |_| (None, None, None)).await;
    let lone = app.seed_people(&solo, 1, |_| (None, None, None)).await;
    let r = open(&app, &hr, &[&dept]).await;
    let ids = |xs: &[Actor]| {
        xs.iter()
            .map(|x| x.id.clone())
            .collect::<BTreeSet<String>>()
    };
    let mut members: HashMap<String, BTreeSet<String>> = HashMap::new();
    members.insert(a.clone(), ids(&alpha));
    members.insert(b.clone(), ids(&beta));
    members.insert(solo.clone(), ids(&lone));
    let everyone: BTreeSet<String> = ids(&alpha)
        .into_iter()
        .chain(ids(&beta))
        .chain(ids(&lone))
        .collect();
    members.insert(dept.clone(), everyone.clone());
    for t in [&a, &b, &solo] {
        members.insert(format!("direct:{t}"), members[t].clone());
    }
    members.insert(format!("direct:{dept}"), BTreeSet::new());
    for who in alpha.iter().take(2).chain(beta.iter().take(2)) {
        answer(&app, who, &r, [4, 4, 9, 0]).await;
    }
    let teams = [dept.as_str(), a.as_str(), b.as_str(), solo.as_str()];
    let before = live_counts(&app, &hr, &r.id, &teams, &members, &everyone).await;
    answer(&app, &lone[0], &r, [3, 3, 7, 1]).await;
    let after = live_counts(&app, &hr, &r.id, &teams, &members, &everyone).await;
    assert_eq!(
        before.len(),
        after.len(),
        "the same counts are shown before and after"
    );
    // The new answer came from someone in every count that moved and in none that stayed.
    let mut suspects = everyone.clone();
    for ((who, was), (who2, now)) in before.iter().zip(&after) {
        assert_eq!(who, who2);
        if now > was {
            suspects = suspects.intersection(who).cloned().collect();
        } else {
            suspects = suspects.difference(who).cloned().collect();
        }
    }
    assert!(
        suspects.len() >= K,
        "the new answer is pinned to {} invitee(s)",
        suspects.len()
    );
    // The department's count itself stays readable.
    let rep = report(&app, &hr, &r.id, Some(&dept)).await;
    assert_eq!(rep["group"]["participation"]["invited"], json!(2 * K + 1));
}

/// The same subtraction once the round has closed: the department's participation
/// minus its shown children's said whether the one invitee of the small team answered.
#[tokio::test]
async fn closed_participation_does_not_say_whether_one_invitee_answered() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let dept = app.create_team(&hr, "Dept", None, "frontline").await;
    let a = app
        .create_team(&hr, "Alpha", Some(&dept), "frontline")
        .await;
    let b = app.create_team(&hr, "Beta", Some(&dept), "frontline").await;
    let solo = app.create_team(&hr, "Solo", Some(&dept), "frontline").await;
    let alpha = app.seed_people(&a, K + 1, |_| (None, None, None)).await;
    let beta = app.seed_people(&b, K + 1, |_| (None, None, None)).await;
    app.seed_people(&solo, 1, |_| (None, None, None)).await;
    let r = open(&app, &hr, &[&dept]).await;
    for (i, who) in alpha.iter().take(K).chain(beta.iter().take(K)).enumerate() {
        let v = 1 + (i % 5) as u8;
        answer(&app, who, &r, [v, 6 - v, 2 * v, v % 3]).await;
    }
    close(&app, &hr, &r).await;
    let rep = report(&app, &hr, &r.id, Some(&dept)).await;
    let count = |g: &Value| -> Option<(i64, i64)> {
        let p = &g["participation"];
        let invited = p["invited"].as_i64()?;
        Some((
            invited,
            (p["rate"].as_f64()? * invited as f64).round() as i64,
        ))
    };
    let (invited, answered) = count(&rep["group"]).expect("the department's participation");
    assert_eq!(invited, 2 * K as i64 + 3);
    let (mut rest_invited, mut rest_answered) = (invited, answered);
    for c in rep["children"].as_array().into_iter().flatten() {
        if let Some((i, n)) = count(c) {
            rest_invited -= i;
            rest_answered -= n;
        }
    }
    assert!(
        rest_invited == 0 || rest_invited >= K as i64,
        "the department minus its shown teams is {rest_invited} invitee(s), {rest_answered} of them answered"
    );
}
