//! Customer ratings for the EX–CX linkage at scale: a survey's closed rounds spread one
//! a month back from now, and CSAT ratings for every team over the last months, written
//! directly (the linkage reads them; importing them is measured elsewhere).

use chrono::{Datelike as _, Months, NaiveDate, TimeDelta};
use diesel::prelude::*;
use pulseline::db::schema::{cx_ratings, rounds, teams};
use pulseline::db::{AnyConnection, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Rows a statement on PostgreSQL.
const CHUNK: usize = 5_000;

/// Moves the closed rounds of `survey_id` to one a month, the latest now and each
/// earlier one a month before the next (their order is kept, so the plans they were
/// made with still hold). Returns how many were moved.
pub async fn spread_rounds_monthly(db: &Db, survey_id: &str) -> anyhow::Result<usize> {
    let survey_id = survey_id.to_owned();
    Ok(db
        .write(move |conn| {
            let ids: Vec<String> = rounds::table
                .filter(rounds::survey_id.eq(&survey_id))
                .order(rounds::sequence.desc())
                .select(rounds::id)
                .load(conn)?;
            let now = pulseline::clock::now();
            for (back, id) in ids.iter().enumerate() {
                let closes = now
                    .checked_sub_months(Months::new(back as u32))
                    .unwrap_or(now)
                    - TimeDelta::minutes(1);
                diesel::update(rounds::table.find(id))
                    .set((
                        rounds::opens_at.eq(closes - TimeDelta::days(14)),
                        rounds::closes_at.eq(closes),
                    ))
                    .execute(conn)?;
            }
            Ok(ids.len())
        })
        .await?)
}

/// Writes `per_month` CSAT ratings (1–5) for every team in each of the last `months`
/// months, this one included; returns how many.
pub async fn seed_ratings(
    db: &Db,
    months: u32,
    per_month: u32,
    seed: u64,
) -> anyhow::Result<usize> {
    Ok(db
        .write(move |conn| {
            let team_ids: Vec<String> = teams::table.select(teams::id).load(conn)?;
            let mut rng = StdRng::seed_from_u64(seed);
            let now = pulseline::clock::now();
            let today = now.date();
            let first = |back: u32| -> NaiveDate {
                let d = today.checked_sub_months(Months::new(back)).unwrap_or(today);
                d.with_day0(0).unwrap_or(d)
            };
            let mut rows = Vec::new();
            for (t, team) in team_ids.iter().enumerate() {
                // Each team has a level of its own; its ratings scatter around it.
                let level: f64 = rng.gen_range(0.3..0.9);
                for back in 0..months {
                    let start = first(back);
                    for r in 0..per_month {
                        let score = if rng.gen_bool(level) {
                            rng.gen_range(4..=5)
                        } else {
                            rng.gen_range(1..=3)
                        };
                        let day = (start + TimeDelta::days(rng.gen_range(0..28))).min(today);
                        rows.push((
                            cx_ratings::id.eq(uuid::Uuid::new_v4().to_string()),
                            cx_ratings::external_id.eq(format!("bench-{t}-{back}-{r}")),
                            cx_ratings::team_id.eq(team.clone()),
                            cx_ratings::metric.eq("csat"),
                            cx_ratings::score.eq(f64::from(score)),
                            cx_ratings::occurred_on.eq(day),
                            cx_ratings::imported_at.eq(now),
                        ));
                    }
                }
            }
            match conn {
                AnyConnection::Sqlite(c) => {
                    for row in &rows {
                        diesel::insert_into(cx_ratings::table)
                            .values(row.clone())
                            .execute(c)?;
                    }
                }
                AnyConnection::Postgresql(c) => {
                    for chunk in rows.chunks(CHUNK) {
                        diesel::insert_into(cx_ratings::table)
                            .values(chunk.to_vec())
                            .execute(c)?;
                    }
                }
            }
            Ok(rows.len())
        })
        .await?)
}
