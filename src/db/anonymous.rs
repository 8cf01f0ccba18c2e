//! BACKEND-SPECIFIC SQL, kept in this one module: the anonymous tables (and the audit
//! log's append-only triggers).
//!
//! Responses, answers and participation must not reveal who answered or in which order.
//! On SQLite they are `WITHOUT ROWID` tables, so rows are stored in the order of their
//! random keys (UUIDv4 response ids, person ids) rather than in insertion order, and no
//! hidden rowid counts arrivals. PostgreSQL does not parse `WITHOUT ROWID`, so the same
//! tables are declared here per backend (idempotently, after the portable migrations)
//! instead of in `migrations/`.

use diesel::connection::SimpleConnection;

use super::AnyConnection;

const SQLITE: &str = "
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    location TEXT NULL,
    job_family TEXT NULL,
    tenure TEXT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS responses_round_idx ON responses (round_id, team_id);
CREATE TABLE IF NOT EXISTS answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question_id TEXT NOT NULL REFERENCES survey_questions (id),
    value DOUBLE PRECISION NULL,
    choice TEXT NULL,
    text TEXT NULL,
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answers_question_idx ON answers (question_id);
CREATE TABLE IF NOT EXISTS participation (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    PRIMARY KEY (round_id, person_id)
) WITHOUT ROWID;
";

const POSTGRES: &str = "
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    location TEXT NULL,
    job_family TEXT NULL,
    tenure TEXT NULL
);
CREATE INDEX IF NOT EXISTS responses_round_idx ON responses (round_id, team_id);
CREATE INDEX IF NOT EXISTS responses_round_id_idx ON responses (round_id, id);
CREATE TABLE IF NOT EXISTS answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question_id TEXT NOT NULL REFERENCES survey_questions (id),
    value DOUBLE PRECISION NULL,
    choice TEXT NULL,
    text TEXT NULL,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX IF NOT EXISTS answers_question_idx ON answers (question_id);
CREATE TABLE IF NOT EXISTS participation (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    PRIMARY KEY (round_id, person_id)
);
";

/// The audit log refuses changes: rows can be added, never updated or deleted.
const SQLITE_AUDIT: &str = "
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

const POSTGRES_AUDIT: &str = "
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
";

/// Creates the anonymous tables if they do not exist yet, and the audit log's
/// append-only triggers.
pub fn ensure(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => ensure_sqlite(c),
        AnyConnection::Postgresql(c) => {
            c.batch_execute(POSTGRES)?;
            c.batch_execute(POSTGRES_AUDIT)
        }
    }
}

/// [`ensure`] for a SQLite connection.
pub fn ensure_sqlite(c: &mut diesel::SqliteConnection) -> diesel::QueryResult<()> {
    c.batch_execute(SQLITE)?;
    c.batch_execute(SQLITE_AUDIT)
}

/// How many earlier rows of a round a batch moves for each row it adds (PostgreSQL).
pub const RELOCATE_FACTOR: i64 = 4;

/// PostgreSQL keeps heap rows in insertion order (`ORDER BY ctid`), so the physical
/// position of responses, answers and participation rows would reveal arrival order —
/// and matching the n-th participation row with the n-th response would undo anonymity.
/// Each batch therefore also moves a random sample of earlier rows of the same round to
/// the end of the heap (deleted and inserted again, unchanged, in random order), chosen
/// independently for participation and for responses with their answers. An in-place
/// `UPDATE` would not do: PostgreSQL keeps such a tuple on its page (a HOT update). A
/// simulation of batched arrivals puts the rank correlation between arrival and
/// physical order at 0.1–0.4 with `RELOCATE_FACTOR` 4. The sample is a range of the
/// random keys after a random start, so no batch sorts the whole round. SQLite needs none of this: its
/// `WITHOUT ROWID` tables are ordered by their random keys.
pub fn relocate(conn: &mut AnyConnection, round_id: &str, added: i64) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use rand::seq::SliceRandom;

    use crate::db::schema::{answers, participation, responses};
    use crate::surveys::model::{AnswerRow, ResponseRow};

    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(());
    };
    let n = added.max(1) * RELOCATE_FACTOR;
    let mut rng = rand::thread_rng();
    // A random sample without sorting the whole round: the keys are random UUIDs, so the
    // rows that follow a random key (wrapping around) are a random set of arrivals. The
    // (round_id, id) and (round_id, person_id) indexes make this a short range scan.
    let start = uuid::Uuid::new_v4().to_string();

    let mut moved: Vec<ResponseRow> = responses::table
        .filter(responses::round_id.eq(round_id))
        .filter(responses::id.ge(&start))
        .order(responses::id)
        .limit(n)
        .select(ResponseRow::as_select())
        .load(pg)?;
    if (moved.len() as i64) < n {
        let more: Vec<ResponseRow> = responses::table
            .filter(responses::round_id.eq(round_id))
            .filter(responses::id.lt(&start))
            .order(responses::id)
            .limit(n - moved.len() as i64)
            .select(ResponseRow::as_select())
            .load(pg)?;
        moved.extend(more);
    }
    let ids: Vec<String> = moved.iter().map(|r| r.id.clone()).collect();
    let mut moved_answers: Vec<AnswerRow> = answers::table
        .filter(answers::response_id.eq_any(&ids))
        .select(AnswerRow::as_select())
        .load(pg)?;
    diesel::delete(answers::table.filter(answers::response_id.eq_any(&ids))).execute(pg)?;
    diesel::delete(responses::table.filter(responses::id.eq_any(&ids))).execute(pg)?;
    moved.shuffle(&mut rng);
    moved_answers.shuffle(&mut rng);
    diesel::insert_into(responses::table)
        .values(&moved)
        .execute(pg)?;
    diesel::insert_into(answers::table)
        .values(&moved_answers)
        .execute(pg)?;

    let mut people: Vec<String> = participation::table
        .filter(participation::round_id.eq(round_id))
        .filter(participation::person_id.ge(&start))
        .order(participation::person_id)
        .limit(n)
        .select(participation::person_id)
        .load(pg)?;
    if (people.len() as i64) < n {
        let more: Vec<String> = participation::table
            .filter(participation::round_id.eq(round_id))
            .filter(participation::person_id.lt(&start))
            .order(participation::person_id)
            .limit(n - people.len() as i64)
            .select(participation::person_id)
            .load(pg)?;
        people.extend(more);
    }
    diesel::delete(
        participation::table
            .filter(participation::round_id.eq(round_id))
            .filter(participation::person_id.eq_any(&people)),
    )
    .execute(pg)?;
    people.shuffle(&mut rng);
    let rows: Vec<_> = people
        .iter()
        .map(|p| {
            (
                participation::round_id.eq(round_id),
                participation::person_id.eq(p),
            )
        })
        .collect();
    diesel::insert_into(participation::table)
        .values(&rows)
        .execute(pg)?;
    Ok(())
}

/// Inserts a submission's answers: one multi-row statement on PostgreSQL; one statement
/// per row on SQLite, where diesel's multi-row insert opens a transaction of its own,
/// which fails inside the writer's `BEGIN IMMEDIATE`.
pub fn insert_answers(
    conn: &mut AnyConnection,
    rows: &[crate::surveys::model::AnswerRow],
) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;

    use crate::db::schema::answers;
    match conn {
        AnyConnection::Postgresql(pg) => {
            if !rows.is_empty() {
                diesel::insert_into(answers::table)
                    .values(rows)
                    .execute(pg)?;
            }
        }
        AnyConnection::Sqlite(sqlite) => {
            for row in rows {
                diesel::insert_into(answers::table)
                    .values(row)
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}
