//! Rows that seed a benchmark organisation directly, beside the API: people are many,
//! and inserting them one request at a time would measure the seeding.

use diesel::prelude::*;
use pulseline::db::Db;
use pulseline::db::schema::people;
use pulseline::org::model::PersonRow;

/// An active person with the id `id` and an e-mail and name made of `handle`; HR and
/// admin when `hr`.
pub fn person(id: &str, handle: &str, team: Option<&str>, hr: bool) -> PersonRow {
    PersonRow {
        id: id.to_owned(),
        team_id: team.map(str::to_owned),
        is_hr: hr,
        is_admin: hr,
        ..PersonRow::new(
            Some(format!("{handle}-{}@bench.example.org", &id[..8])),
            format!("Bench {handle}"),
            pulseline::clock::now(),
        )
    }
}

/// Inserts `rows` in one transaction.
pub async fn insert_people(db: &Db, rows: Vec<PersonRow>) -> anyhow::Result<()> {
    db.write(move |conn| {
        for r in &rows {
            diesel::insert_into(people::table).values(r).execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}
