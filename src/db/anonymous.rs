//! BACKEND-SPECIFIC SQL, kept in this one module: the anonymous tables (and the audit
//! log's append-only triggers, which let only entries past the legal minimum go).
//!
//! While a round is open, what someone answered exists only as a sealed ballot
//! (`ballots`, ciphertext of one fixed length per round, [`crate::surveys::ballot`]) beside
//! a live `participation` row that says they answered. At close, one transaction opens
//! every ballot and writes `responses` and `answers` in the order of fresh ids drawn from
//! a CSPRNG ([`crate::surveys::materialise`]), so neither the physical order of the plaintext rows
//! (cell offsets inside SQLite pages, heap order and `xmin` on PostgreSQL, WAL frames)
//! nor their transaction relates them to arrival or to a participation row. On SQLite the
//! tables are `WITHOUT ROWID`, so no hidden rowid counts rows. PostgreSQL does not parse
//! `WITHOUT ROWID`, so the same tables are declared here per backend (idempotently,
//! after the portable migrations) instead of in `migrations/`.
//!
//! The conversations about comments (`conversations`, `conversation_messages`,
//! [`crate::conversations`]) are written at the same close, in a random order of their own,
//! and carry a code's hash but no person and no time finer than a day.

use diesel::connection::SimpleConnection;

use super::AnyConnection;

/// The anonymous tables, one text for both backends: `{rows}` ends each table
/// (` WITHOUT ROWID` on SQLite, nothing on PostgreSQL), `{bytes}` is the byte type, and
/// `{pg_index}` is the index PostgreSQL adds on responses.
fn tables(sqlite: bool) -> String {
    let (rows, bytes, pg_index) = if sqlite {
        (" WITHOUT ROWID", "BLOB", "")
    } else {
        (
            "",
            "BYTEA",
            "\nCREATE INDEX IF NOT EXISTS responses_round_id_idx ON responses (round_id, id);",
        )
    };
    format!(
        "
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    location TEXT NULL,
    job_family TEXT NULL,
    tenure TEXT NULL
){rows};
CREATE INDEX IF NOT EXISTS responses_round_idx ON responses (round_id, team_id);{pg_index}
CREATE TABLE IF NOT EXISTS answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question_id TEXT NOT NULL REFERENCES survey_questions (id),
    value DOUBLE PRECISION NULL,
    choice TEXT NULL,
    text TEXT NULL,
    PRIMARY KEY (response_id, question_id)
){rows};
CREATE INDEX IF NOT EXISTS answers_question_idx ON answers (question_id);
CREATE TABLE IF NOT EXISTS participation (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    PRIMARY KEY (round_id, person_id)
){rows};
CREATE TABLE IF NOT EXISTS ballots (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    sealed {bytes} NOT NULL
){rows};
CREATE INDEX IF NOT EXISTS ballots_round_idx ON ballots (round_id);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY NOT NULL,
    code_hash TEXT NOT NULL,
    round_id TEXT NULL REFERENCES rounds (id),
    response_id TEXT NULL,
    question_id TEXT NULL,
    suggestion_id TEXT NULL,
    closed_by TEXT NULL,
    closed_on DATE NULL
){rows};
CREATE INDEX IF NOT EXISTS conversations_code_idx ON conversations (code_hash);
CREATE INDEX IF NOT EXISTS conversations_round_idx ON conversations (round_id);
CREATE TABLE IF NOT EXISTS conversation_messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq INTEGER NOT NULL,
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    written_on DATE NOT NULL,
    replies_before INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
){rows};
"
    )
}

/// What `answers`' two foreign keys guaranteed, checked once per statement instead of once
/// per row (PostgreSQL): every answer belongs to a stored response and to a survey
/// question, and neither can be deleted (or re-keyed) from under its answers.
///
/// A foreign key runs one lookup through the server's query interface for each answer
/// and each key: on a batch of 30 submissions, 600 of them, which was half of the
/// writer's time inserting answers. These
/// triggers see all of a statement's rows at once (transition tables) and check them in
/// one query. The questions an insert refers to are locked `FOR KEY SHARE`, as a foreign
/// key would, so a concurrent transaction cannot delete one before this one commits;
/// responses need no lock, since their answers are written in the transaction that
/// creates them. `TRUNCATE` (which fires no delete trigger) of responses or questions is
/// refused while any answer exists. SQLite keeps its foreign keys: there a check is an
/// index lookup.
fn postgres_answer_refs() -> String {
    let mut sql = String::from(
        "
ALTER TABLE answers DROP CONSTRAINT IF EXISTS answers_response_id_fkey;
ALTER TABLE answers DROP CONSTRAINT IF EXISTS answers_question_id_fkey;",
    );
    sql += &refusing_function(
        "answers_refer_to_rows",
        "
    PERFORM 1 FROM survey_questions q
    WHERE q.id IN (SELECT DISTINCT question_id FROM fresh) FOR KEY SHARE;",
        "(
        SELECT 1 FROM fresh f
        WHERE NOT EXISTS (SELECT 1 FROM responses r WHERE r.id = f.response_id)
           OR NOT EXISTS (SELECT 1 FROM survey_questions q WHERE q.id = f.question_id)
    )",
        "an answer must belong to a stored response and a survey question",
    );
    sql += &refusing_function(
        "answers_block_truncate",
        "",
        "(SELECT 1 FROM answers)",
        "responses and questions cannot be emptied while answers refer to them",
    );
    for event in ["INSERT", "UPDATE"] {
        sql += &statement_trigger(
            "answers_refs",
            event,
            "answers",
            "NEW TABLE AS fresh",
            "answers_refer_to_rows",
        );
    }
    // The two tables answers refer to: (table, trigger prefix, answers' column, noun).
    for (table, prefix, column, noun) in [
        ("responses", "responses_answers", "response_id", "response"),
        (
            "survey_questions",
            "questions_answers",
            "question_id",
            "question",
        ),
    ] {
        let function = format!("{}_keep_their_answers", prefix.trim_end_matches("_answers"));
        sql += &refusing_function(
            &function,
            "",
            &format!(
                "(
        SELECT 1 FROM gone g
        WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = g.id)
          AND EXISTS (SELECT 1 FROM answers a WHERE a.{column} = g.id)
    )"
            ),
            &format!("a {noun} with answers cannot be removed"),
        );
        sql += &format!(
            "
DROP TRIGGER IF EXISTS {prefix}_truncate ON {table};
CREATE TRIGGER {prefix}_truncate BEFORE TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION answers_block_truncate();
"
        );
        for event in ["DELETE", "UPDATE"] {
            sql += &statement_trigger(prefix, event, table, "OLD TABLE AS gone", &function);
        }
    }
    sql
}

/// A trigger function `name` that runs `first`, then refuses the statement as a foreign
/// key would (`foreign_key_violation`, saying `message`) when the query `exists` finds a
/// row.
fn refusing_function(name: &str, first: &str, exists: &str, message: &str) -> String {
    format!(
        "
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN{first}
    IF EXISTS {exists} THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = '{message}';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;"
    )
}

/// An `AFTER {event}` statement-level trigger `{prefix}_{event}` on `table` that sees the
/// statement's rows as the transition table `referencing` names.
fn statement_trigger(
    prefix: &str,
    event: &str,
    table: &str,
    referencing: &str,
    function: &str,
) -> String {
    let name = format!("{prefix}_{}", event.to_lowercase());
    format!(
        "
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} AFTER {event} ON {table}
REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"
    )
}

/// The shortest time, in months, the audit log keeps an entry: PCI DSS v4.0 requirement
/// 10.5.1 asks for twelve months of audit log history, the longest floor among the
/// common frameworks a customer is held to, so retention may never go below it.
pub const AUDIT_LOG_MIN_MONTHS: u32 = 12;

/// The audit log refuses changes: rows can be added, never updated, and deleted only
/// once they are older than [`AUDIT_LOG_MIN_MONTHS`] (the retention purge), which the
/// database itself checks against its own clock.
fn sqlite_audit() -> String {
    format!(
        "
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
DROP TRIGGER IF EXISTS audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.at >= datetime('now', '-{AUDIT_LOG_MIN_MONTHS} months')
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"
    )
}

fn postgres_audit() -> String {
    format!(
        "
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.at < (now() AT TIME ZONE 'UTC') - interval '{AUDIT_LOG_MIN_MONTHS} months' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"
    )
}

/// A person's e-mail address may be empty (migration `people_without_email`): drops the
/// foundation's NOT NULL on `people.email`, once.
const POSTGRES_EMAIL_OPTIONAL: &str = "
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'people' AND column_name = 'email' AND is_nullable = 'NO') THEN
        ALTER TABLE people ALTER COLUMN email DROP NOT NULL;
    END IF;
END $$;
";

/// [`POSTGRES_EMAIL_OPTIONAL`] for SQLite, which has no `ALTER COLUMN`: the procedure
/// SQLite documents for removing a NOT NULL constraint (section 7 of its `ALTER TABLE`
/// page), which edits the stored `CREATE TABLE` text and bumps the schema version, so
/// no row is rewritten and no foreign key pointing at `people` is touched. It runs
/// inside the migration's `BEGIN IMMEDIATE` transaction, so a failure leaves the
/// schema as it was.
fn sqlite_email_optional(c: &mut diesel::SqliteConnection) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Integer};

    #[derive(QueryableByName)]
    struct NotNull {
        #[diesel(sql_type = Integer)]
        notnull: i32,
    }
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = BigInt)]
        schema_version: i64,
    }
    let column: Vec<NotNull> = diesel::sql_query(
        "SELECT \"notnull\" FROM pragma_table_info('people') WHERE name = 'email'",
    )
    .load(c)?;
    if !column.iter().any(|col| col.notnull == 1) {
        return Ok(());
    }
    let version: Version = diesel::sql_query("PRAGMA schema_version").get_result(c)?;
    c.batch_execute(&format!(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = replace(sql, 'email TEXT NOT NULL UNIQUE', 'email TEXT NULL UNIQUE')
          WHERE type = 'table' AND name = 'people';
         PRAGMA schema_version = {};
         PRAGMA writable_schema = OFF;",
        version.schema_version + 1
    ))?;
    let after: Vec<NotNull> = diesel::sql_query(
        "SELECT \"notnull\" FROM pragma_table_info('people') WHERE name = 'email'",
    )
    .load(c)?;
    if after.iter().any(|col| col.notnull == 1) {
        return Err(diesel::result::Error::QueryBuilderError(
            "people.email is still NOT NULL: its CREATE TABLE text is not the foundation's".into(),
        ));
    }
    Ok(())
}

/// Creates the anonymous tables if they do not exist yet, and the audit log's
/// append-only triggers.
pub fn ensure(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => ensure_sqlite(c),
        AnyConnection::Postgresql(c) => {
            c.batch_execute(POSTGRES_EMAIL_OPTIONAL)?;
            c.batch_execute(&tables(false))?;
            c.batch_execute(&postgres_answer_refs())?;
            c.batch_execute(&postgres_audit())
        }
    }
}

/// [`ensure`] for a SQLite connection.
pub fn ensure_sqlite(c: &mut diesel::SqliteConnection) -> diesel::QueryResult<()> {
    sqlite_email_optional(c)?;
    c.batch_execute(&tables(true))?;
    c.batch_execute(&sqlite_audit())
}

/// Inserts a submission's answers: the array statement of [`insert_responses_batch`] on
/// PostgreSQL; one statement per row on SQLite, where diesel's multi-row insert opens a
/// transaction of its own, which fails inside the writer's `BEGIN IMMEDIATE`.
pub fn insert_answers(
    conn: &mut AnyConnection,
    rows: &[crate::surveys::model::AnswerRow],
) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;

    use crate::db::schema::answers;
    match conn {
        AnyConnection::Postgresql(pg) => insert_answers_batch(pg, rows)?,
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

/// A batch's participation rows (PostgreSQL): one short statement whatever the batch
/// size, the columns bound as arrays, so the server parses a few hundred bytes with two
/// parameters instead of a `VALUES` list with two per row. Returns the (round, person)
/// pairs that were new; a pair already stored (or twice in the batch) is left out.
pub fn insert_participation_batch(
    pg: &mut diesel::PgConnection,
    rounds: &[&str],
    people: &[&str],
) -> diesel::QueryResult<Vec<(String, String)>> {
    use diesel::prelude::*;
    use diesel::sql_types::{Array, Text};

    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = Text)]
        round_id: String,
        #[diesel(sql_type = Text)]
        person_id: String,
    }
    if rounds.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "INSERT INTO participation (round_id, person_id) \
         SELECT * FROM unnest($1::text[], $2::text[]) \
         ON CONFLICT DO NOTHING RETURNING round_id, person_id",
    )
    .bind::<Array<Text>, _>(rounds)
    .bind::<Array<Text>, _>(people)
    .load::<Pair>(pg)
    .map(|rows| {
        rows.into_iter()
            .map(|p| (p.round_id, p.person_id))
            .collect()
    })
}

/// A batch's sealed ballots (PostgreSQL): (id, round, ciphertext), one array statement.
pub fn insert_ballots_batch(
    pg: &mut diesel::PgConnection,
    ballots: &[(String, &str, &[u8])],
) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Array, Binary, Text};

    if ballots.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO ballots (id, round_id, sealed) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])",
    )
    .bind::<Array<Text>, _>(ballots.iter().map(|b| b.0.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(ballots.iter().map(|b| b.1).collect::<Vec<_>>())
    .bind::<Array<Binary>, _>(ballots.iter().map(|b| b.2).collect::<Vec<_>>())
    .execute(pg)?;
    Ok(())
}

/// A batch's responses and their answers (PostgreSQL), in the order given: two short
/// statements with the columns bound as arrays (see [`insert_participation_batch`]).
pub fn insert_responses_batch(
    pg: &mut diesel::PgConnection,
    responses: &[crate::surveys::model::ResponseRow],
    answers: &[crate::surveys::model::AnswerRow],
) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Array, Nullable, Text};

    if responses.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&crate::surveys::model::ResponseRow) -> &String| {
        responses.iter().map(f).collect::<Vec<&String>>()
    };
    let opt = |f: fn(&crate::surveys::model::ResponseRow) -> &Option<String>| {
        responses.iter().map(f).collect::<Vec<&Option<String>>>()
    };
    diesel::sql_query(
        "INSERT INTO responses (id, round_id, team_id, location, job_family, tenure) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
         $6::text[])",
    )
    .bind::<Array<Text>, _>(col(|r| &r.id))
    .bind::<Array<Text>, _>(col(|r| &r.round_id))
    .bind::<Array<Text>, _>(col(|r| &r.team_id))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| &r.location))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| &r.job_family))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| &r.tenure))
    .execute(pg)?;
    insert_answers_batch(pg, answers)
}

/// Answers in the order given (PostgreSQL), the columns bound as arrays.
pub fn insert_answers_batch(
    pg: &mut diesel::PgConnection,
    answers: &[crate::surveys::model::AnswerRow],
) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Array, Double, Nullable, Text};

    if answers.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO answers (response_id, question_id, value, choice, text) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[])",
    )
    .bind::<Array<Text>, _>(answers.iter().map(|a| &a.response_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(answers.iter().map(|a| &a.question_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Double>>, _>(answers.iter().map(|a| a.value).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(answers.iter().map(|a| &a.choice).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(answers.iter().map(|a| &a.text).collect::<Vec<_>>())
    .execute(pg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::{Integer, Text};
    use diesel_migrations::MigrationHarness;

    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Integer)]
        n: i32,
    }

    fn lines(c: &mut SqliteConnection, sql: &str) -> Vec<String> {
        diesel::sql_query(sql)
            .load::<Line>(c)
            .expect(sql)
            .into_iter()
            .map(|l| l.line)
            .collect()
    }

    fn email_not_null(c: &mut SqliteConnection) -> i32 {
        diesel::sql_query(
            "SELECT \"notnull\" AS n FROM pragma_table_info('people') WHERE name = 'email'",
        )
        .get_result::<Count>(c)
        .expect("table info")
        .n
    }

    /// A SQLite file whose `people` the foundation made (e-mail NOT NULL), with rows
    /// and a foreign key into it, gets a nullable e-mail from `ensure_sqlite`: the rows,
    /// the foreign keys and the e-mail's uniqueness stay, the file checks clean, and a
    /// second run changes nothing.
    #[test]
    fn an_existing_sqlite_file_lets_a_person_go_without_e_mail_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("upgrade.db");
        let url = path.to_str().expect("path").to_owned();
        let mut c = SqliteConnection::establish(&url).expect("open");
        c.batch_execute("PRAGMA foreign_keys = ON").expect("fk");
        c.run_pending_migrations(crate::db::MIGRATIONS)
            .expect("migrations");
        assert_eq!(email_not_null(&mut c), 1, "the foundation's column");
        c.batch_execute(
            "INSERT INTO teams (id, name, kind, created_at, updated_at)
                 VALUES ('t1', 'Floor', 'frontline', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO people (id, email, name, team_id, created_at, updated_at)
                 VALUES ('p1', 'ann@example.org', 'Ann', 't1', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO team_managers (team_id, person_id) VALUES ('t1', 'p1');",
        )
        .expect("rows");
        let without =
            "INSERT INTO people (id, email, name, employee_number, created_at, updated_at)
             VALUES ('p2', NULL, 'Ola', 'E-1', '2026-01-01 00:00:00', '2026-01-01 00:00:00')";
        assert!(c.batch_execute(without).is_err(), "NOT NULL before");

        for _ in 0..2 {
            c.immediate_transaction(super::ensure_sqlite)
                .expect("ensure");
            assert_eq!(email_not_null(&mut c), 0);
        }
        c.batch_execute(without).expect("a person without e-mail");
        let twin = "INSERT INTO people (id, email, name, created_at, updated_at)
             VALUES ('p3', 'ann@example.org', 'Twin', '2026-01-01 00:00:00', '2026-01-01 00:00:00')";
        assert!(c.batch_execute(twin).is_err(), "e-mail is still unique");
        let number_twin = "INSERT INTO people (id, name, employee_number, created_at, updated_at)
             VALUES ('p4', 'Twin', 'E-1', '2026-01-01 00:00:00', '2026-01-01 00:00:00')";
        assert!(
            c.batch_execute(number_twin).is_err(),
            "an employee number is unique"
        );
        assert_eq!(
            lines(
                &mut c,
                "SELECT email || '/' || name AS line FROM people WHERE id = 'p1'"
            ),
            vec!["ann@example.org/Ann".to_owned()]
        );
        assert_eq!(
            lines(
                &mut c,
                "SELECT integrity_check AS line FROM pragma_integrity_check"
            ),
            vec!["ok".to_owned()]
        );
        assert!(
            lines(
                &mut c,
                "SELECT \"table\" AS line FROM pragma_foreign_key_check"
            )
            .is_empty()
        );
        // The foreign key into `people` still holds.
        assert!(
            c.batch_execute(
                "INSERT INTO team_managers (team_id, person_id) VALUES ('t1', 'ghost')"
            )
            .is_err()
        );
        // A new connection reads the edited schema.
        drop(c);
        let mut again = SqliteConnection::establish(&url).expect("reopen");
        assert_eq!(email_not_null(&mut again), 0);
        assert_eq!(
            lines(
                &mut again,
                "SELECT name AS line FROM people WHERE email IS NULL"
            ),
            vec!["Ola".to_owned()]
        );
    }
}
