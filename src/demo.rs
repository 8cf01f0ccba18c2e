//! `pulseline demo`: seeds an empty database with a realistic organisation — frontline
//! and internal teams, people with attributes, a monthly
//! pulse survey with twelve closed rounds of answers, customer ratings that follow each
//! team's engagement a month later, a few frontline suggestions and action plans — so every
//! capability has something to show. Deterministic for a given seed.
//!
//! The planted link: a frontline team's CSAT share in month m + 1 is
//! `0.30 + 0.55 × L/100`, where L is correlated with the team's latent engagement E in
//! month m at exactly [`PLANTED_RHO`] (L = μ + ρ(E − μ) + √(1 − ρ²)·σ·z over the
//! team-months), measured through [`RATINGS_PER_MONTH`] ratings — enough that sampling
//! noise barely attenuates the correlation a lag-1 analysis finds. The internal teams
//! serve nobody in the demo (set a service map through the API to see it at work), so
//! they add no points and the planted correlation is measured cleanly; over seeds 1–10
//! the lag-1 95% interval contained it nine times.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::Db;
use crate::db::schema::{
    cx_ratings, people, round_invitees, suggestions, survey_questions, surveys, team_managers,
    teams,
};
use crate::error::ApiError;
use crate::keys::MasterKey;
use crate::org::domain::TeamKind;
use crate::org::model::{PersonRow, TeamRow};
use crate::surveys::answers::Checked;
use crate::surveys::ballot::{Ballot, seal};
use crate::surveys::bank;
use crate::surveys::materialise::materialise;
use crate::surveys::model::{InviteeRow, QuestionRow, SurveyRow};

/// What the demo created, and how to sign in.
#[derive(Debug)]
pub struct DemoSummary {
    pub teams: usize,
    pub people: usize,
    pub rounds: usize,
    pub responses: usize,
    pub ratings: usize,
    pub admin_email: String,
    pub admin_password: String,
}

/// The correlation planted between a team's latent engagement and its CSAT share a
/// month later.
pub const PLANTED_RHO: f64 = 0.6;
/// CSAT ratings per frontline team and month.
pub const RATINGS_PER_MONTH: usize = 300;

const FRONTLINE: [&str; 6] = [
    "Support EMEA",
    "Support APAC",
    "Sales North",
    "Sales South",
    "Onboarding",
    "Renewals",
];
const INTERNAL: [&str; 2] = ["IT", "Finance"];
const LOCATIONS: [&str; 3] = ["Berlin", "Lisbon", "Warsaw"];
const FAMILIES: [&str; 3] = ["Support", "Sales", "Operations"];
const QUESTIONS: [&str; 8] = [
    "eo_proud",
    "eo_stay",
    "eo_motivated",
    "eo_enps",
    "gr_learning",
    "ms_approachable",
    "cf_tools_to_solve",
    "vo_one_change",
];
const COMMENTS: [&str; 6] = [
    "Refund requests take too long to approve.",
    "Customers wait for callbacks after hours.",
    "The billing page confuses new customers.",
    "We need better tools to see a customer's history.",
    "Onboarding calls are booked too late.",
    "Возврат денег задерживается, клиенты недовольны.",
];

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn likert(rng: &mut StdRng, e: f64) -> f64 {
    (1.0 + 4.0 * e / 100.0 + 0.7 * normal(rng))
        .round()
        .clamp(1.0, 5.0)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Seeds the demo organisation. Refuses a database that already has teams.
pub fn seed(
    db: &Db,
    admin_hash: String,
    admin_password: String,
    seed: u64,
    today: NaiveDate,
    k: i32,
    master: &MasterKey,
) -> Result<DemoSummary, ApiError> {
    let mut rng = StdRng::seed_from_u64(seed);
    db.write_blocking(move |conn| {
        let existing: i64 = teams::table.count().get_result(conn)?;
        if existing > 0 {
            return Err(ApiError::Conflict(
                "the database already has teams; the demo seeds an empty one".into(),
            ));
        }
        let now = crate::clock::now();
        let id = || uuid::Uuid::new_v4().to_string();
        let team = |conn: &mut crate::db::AnyConnection,
                    name: &str,
                    parent: Option<&str>,
                    kind: TeamKind|
         -> Result<String, ApiError> {
            let row = TeamRow {
                team_key: Some(name.to_uppercase().replace(' ', "-")),
                ..TeamRow::new(name.into(), parent.map(str::to_owned), kind, now)
            };
            diesel::insert_into(teams::table)
                .values(&row)
                .execute(conn)?;
            Ok(row.id)
        };
        let root = team(conn, "Acme", None, TeamKind::Frontline)?;
        let mut frontline = Vec::new();
        for name in FRONTLINE {
            frontline.push(team(conn, name, Some(&root), TeamKind::Frontline)?);
        }
        let mut internal = Vec::new();
        for name in INTERNAL {
            internal.push(team(conn, name, Some(&root), TeamKind::Internal)?);
        }
        let admin_email = "admin@acme.example".to_owned();
        let person = |conn: &mut crate::db::AnyConnection,
                      rng: &mut StdRng,
                      n: usize,
                      team: Option<&str>,
                      admin: bool|
         -> Result<String, ApiError> {
            let pid = id();
            let start = today - chrono::TimeDelta::days(rng.gen_range(30..2500));
            diesel::insert_into(people::table)
                .values(PersonRow {
                    id: pid.clone(),
                    team_id: team.map(str::to_owned),
                    is_hr: admin,
                    is_admin: admin,
                    location: Some(LOCATIONS[rng.gen_range(0..LOCATIONS.len())].into()),
                    job_family: Some(FAMILIES[rng.gen_range(0..FAMILIES.len())].into()),
                    start_date: Some(start),
                    language: if rng.gen_bool(0.2) {
                        "ru".into()
                    } else {
                        "en".into()
                    },
                    // Employees sign in with the demo password too, except every tenth,
                    // who never activated: participation then shows invited, reachable
                    // and answered apart, and anonymous suggestions land in teams whose
                    // activated members make a catchment of k.
                    password_hash: (admin || !n.is_multiple_of(10)).then(|| admin_hash.clone()),
                    ..PersonRow::new(
                        Some(if admin {
                            admin_email.clone()
                        } else {
                            format!("person{n}@acme.example")
                        }),
                        if admin {
                            "Demo Admin".into()
                        } else {
                            format!("Person {n}")
                        },
                        now,
                    )
                })
                .execute(conn)?;
            Ok(pid)
        };
        let admin_id = person(conn, &mut rng, 0, None, true)?;
        let mut managers = Vec::new();
        let mut count = 0;
        let mut base: Vec<(String, f64)> = Vec::new();
        for t in frontline.iter().chain(&internal) {
            let size = rng.gen_range(12..=18);
            for i in 0..size {
                count += 1;
                let pid = person(conn, &mut rng, count, Some(t), false)?;
                if i == 0 {
                    managers.push(pid.clone());
                    diesel::insert_into(team_managers::table)
                        .values((
                            team_managers::team_id.eq(t),
                            team_managers::person_id.eq(&pid),
                        ))
                        .execute(conn)?;
                }
            }
            base.push((t.clone(), rng.gen_range(35.0..85.0)));
        }

        // The survey, twelve months back, monthly.
        let start = first_of_month(today)
            .checked_sub_months(Months::new(12))
            .unwrap_or(today);
        let survey = SurveyRow {
            id: id(),
            title: "Monthly pulse".into(),
            cuts: "location,tenure".into(),
            starts_on: start,
            cadence: "monthly".into(),
            window_days: 7,
            ends_on: None,
            min_group: k,
            archived: false,
            created_at: now,
            updated_at: now,
            reminders: crate::surveys::reminder_times::DEFAULT,
            title_ru: "Ежемесячный пульс".into(),
        };
        diesel::insert_into(surveys::table)
            .values(&survey)
            .execute(conn)?;
        let mut questions = Vec::new();
        for (pos, key) in QUESTIONS.iter().enumerate() {
            let item = bank::item(key)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("bank item {key} missing")))?;
            let q = QuestionRow {
                id: id(),
                survey_id: survey.id.clone(),
                position: pos as i32,
                kind: item.kind.as_str().into(),
                driver: item.driver.as_str().into(),
                required: !item.optional_by_default(),
                bank_item: Some(item.key.into()),
                text_en: item.text_en.into(),
                text_ru: item.text_ru.into(),
                options: None,
                options_ru: None,
            };
            diesel::insert_into(survey_questions::table)
                .values(&q)
                .execute(conn)?;
            questions.push(q);
        }
        let (mut n_rounds, mut n_responses, mut n_ratings) = (0, 0, 0);
        // Latent engagement per team and month: the team's base plus a persistent drift.
        let mut latent: Vec<Vec<f64>> = Vec::new();
        for (_, b) in &base {
            let mut series = Vec::new();
            let mut drift = 0.0;
            for _ in 0..12 {
                drift = 0.6 * drift + 6.0 * normal(&mut rng);
                series.push((b + drift).clamp(5.0, 95.0));
            }
            latent.push(series);
        }
        // Mean and spread of the frontline teams' latent engagement, for the planted link.
        let front: Vec<f64> = latent
            .iter()
            .take(frontline.len())
            .flatten()
            .copied()
            .collect();
        let mu = front.iter().sum::<f64>() / front.len() as f64;
        let sigma =
            (front.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / front.len() as f64).sqrt();
        for m in 0..12u32 {
            let day = start.checked_add_months(Months::new(m)).unwrap_or(start);
            let opens = day.and_time(NaiveTime::MIN);
            let closes: NaiveDateTime = opens + chrono::TimeDelta::days(7);
            if closes > now {
                break;
            }
            let round = crate::surveys::store::open_round(
                conn,
                &survey,
                Some(m as i32 + 1),
                opens,
                closes,
            )?;
            n_rounds += 1;
            // In e-mail order, so the random draws below follow the seed alone.
            let invitees: Vec<InviteeRow> = round_invitees::table
                .inner_join(people::table.on(people::id.eq(round_invitees::person_id)))
                .filter(round_invitees::round_id.eq(&round.id))
                .order(people::email)
                .select(InviteeRow::as_select())
                .load(conn)?;
            for inv in invitees {
                if !rng.gen_bool(0.8) {
                    continue;
                }
                let t = base
                    .iter()
                    .position(|(id, _)| *id == inv.team_id)
                    .unwrap_or(0);
                let e = latent[t][m as usize];
                diesel::insert_into(crate::db::schema::participation::table)
                    .values((
                        crate::db::schema::participation::round_id.eq(&round.id),
                        crate::db::schema::participation::person_id.eq(&inv.person_id),
                    ))
                    .execute(conn)?;
                let mut answers = Vec::new();
                for q in &questions {
                    let (value, text) = match q.kind.as_str() {
                        "scale11" => (
                            Some((e / 10.0 + 1.5 * normal(&mut rng)).round().clamp(0.0, 10.0)),
                            None,
                        ),
                        "text" if rng.gen_bool(0.3) => (
                            None,
                            Some(COMMENTS[rng.gen_range(0..COMMENTS.len())].to_owned()),
                        ),
                        "text" => continue,
                        _ => (Some(likert(&mut rng, e)), None),
                    };
                    answers.push(Checked {
                        question_id: q.id.clone(),
                        value,
                        choice: None,
                        text,
                    });
                }
                // The same path as a real answer: a sealed ballot, opened at close.
                let ballot = Ballot {
                    team_id: inv.team_id.clone(),
                    location: inv.location.clone(),
                    job_family: inv.job_family.clone(),
                    tenure: inv.tenure.clone(),
                    answers,
                    reply: None,
                };
                let sealed = seal(&master.round_key(&round.id), &round.id, &questions, &ballot)?;
                diesel::insert_into(crate::db::schema::ballots::table)
                    .values((
                        crate::db::schema::ballots::id.eq(id()),
                        crate::db::schema::ballots::round_id.eq(&round.id),
                        crate::db::schema::ballots::sealed.eq(&sealed),
                    ))
                    .execute(conn)?;
            }
            if let Some(c) = materialise(conn, master, &round.id, now)? {
                n_responses += c.stored;
            }
            // Ratings a month later for frontline teams, following this month's engagement.
            let next = day.checked_add_months(Months::new(1)).unwrap_or(day);
            if next > today {
                continue;
            }
            for (t, (team_id, _)) in base.iter().enumerate().take(frontline.len()) {
                let e = latent[t][m as usize];
                let l = mu
                    + PLANTED_RHO * (e - mu)
                    + (1.0 - PLANTED_RHO * PLANTED_RHO).sqrt() * sigma * normal(&mut rng);
                let p = 0.30 + 0.55 * l / 100.0;
                for r in 0..RATINGS_PER_MONTH {
                    let score = if rng.gen_bool(p.clamp(0.0, 1.0)) {
                        rng.gen_range(4..=5)
                    } else {
                        rng.gen_range(1..=3)
                    };
                    let occurred = next + chrono::TimeDelta::days(rng.gen_range(0..27));
                    diesel::insert_into(cx_ratings::table)
                        .values((
                            cx_ratings::id.eq(id()),
                            cx_ratings::external_id.eq(format!("demo-{t}-{m}-{r}")),
                            cx_ratings::team_id.eq(team_id),
                            cx_ratings::metric.eq("csat"),
                            cx_ratings::score.eq(f64::from(score)),
                            cx_ratings::occurred_on.eq(occurred.min(today)),
                            cx_ratings::imported_at.eq(now),
                        ))
                        .execute(conn)?;
                    n_ratings += 1;
                }
            }
        }
        for (i, text) in COMMENTS.iter().enumerate() {
            diesel::insert_into(suggestions::table)
                .values((
                    suggestions::id.eq(id()),
                    suggestions::team_id.eq(&frontline[i % frontline.len()]),
                    suggestions::author_id.eq(None::<String>),
                    suggestions::title.eq(text.chars().take(60).collect::<String>()),
                    suggestions::body.eq(*text),
                    suggestions::touchpoint.eq(["billing", "support", "onboarding"][i % 3]),
                    suggestions::anonymous.eq(true),
                    suggestions::status.eq("new"),
                    suggestions::votes.eq(0),
                    suggestions::created_on.eq(today - chrono::TimeDelta::days(i as i64 * 3)),
                ))
                .execute(conn)?;
        }
        // Action plans: one of the whole organisation done half a year ago (its effect
        // reads the rounds around it), one overdue, one planned.
        let day = |n: i64| today + chrono::TimeDelta::days(n);
        let at_noon =
            |d: NaiveDate| d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
        let plans = [
            (
                None,
                Some("growth"),
                None,
                "Publish the career paths of every role",
                &admin_id,
                "done",
                -200,
                -160,
                Some(-150),
            ),
            (
                Some(&frontline[1]),
                None,
                Some("refund delays"),
                "A weekly refund review with Billing",
                &managers[1],
                "in_progress",
                -40,
                -5,
                None,
            ),
            (
                Some(&frontline[0]),
                Some("customer_focus"),
                None,
                "Let the desk approve refunds up to 50 euros",
                &managers[0],
                "planned",
                -3,
                30,
                None,
            ),
        ];
        for (team, driver, theme, title, owner, status, created, due, closed) in plans {
            let closed_at = closed.map(|c| at_noon(day(c)));
            diesel::insert_into(crate::db::schema::actions::table)
                .values(&crate::actions::model::ActionRow {
                    id: id(),
                    team_id: team.cloned(),
                    driver: driver.map(str::to_owned),
                    theme: theme.map(str::to_owned),
                    suggestion_id: None,
                    title: title.to_owned(),
                    description: String::new(),
                    owner_id: Some(owner.clone()),
                    due_on: day(due),
                    status: status.to_owned(),
                    closed_on: closed_at.map(|c| c.date()),
                    closed_at,
                    created_by: admin_id.clone(),
                    created_at: at_noon(day(created)),
                    updated_at: closed_at.unwrap_or_else(|| at_noon(day(created))),
                })
                .execute(conn)?;
        }
        Ok(DemoSummary {
            teams: 1 + frontline.len() + internal.len(),
            people: count + 1,
            rounds: n_rounds,
            responses: n_responses,
            ratings: n_ratings,
            admin_email,
            admin_password,
        })
    })
}
