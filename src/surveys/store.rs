//! Queries on surveys and rounds, including opening a round: recording its audience
//! (with generalised segment values) in the same transaction as the round itself.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::anonymity::min_group::MinGroup;
use crate::auth::{Principal, Standing};
use crate::db::AnyConnection;
use crate::db::schema::{
    participation, people, round_invitees, rounds, survey_audience, survey_questions, surveys,
};
use crate::error::ApiError;
use crate::org::domain::tenure_band;
use crate::org::store::TeamTree;
use crate::surveys::generalise::{Segments, generalise};
use crate::surveys::model::{InviteeRow, QuestionRow, RoundRow, SurveyRow, cuts_mask};

pub fn find_survey(conn: &mut AnyConnection, id: &str) -> Result<Option<SurveyRow>, ApiError> {
    Ok(surveys::table
        .find(id)
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn questions(conn: &mut AnyConnection, survey_id: &str) -> Result<Vec<QuestionRow>, ApiError> {
    Ok(survey_questions::table
        .filter(survey_questions::survey_id.eq(survey_id))
        .order(survey_questions::position)
        .select(QuestionRow::as_select())
        .load(conn)?)
}

pub fn audience_team_ids(
    conn: &mut AnyConnection,
    survey_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(survey_audience::table
        .filter(survey_audience::survey_id.eq(survey_id))
        .order(survey_audience::team_id)
        .select(survey_audience::team_id)
        .load(conn)?)
}

/// The teams whose members a round of the survey invites: the audience's teams with
/// their whole subtrees, or `None` for the whole organisation.
pub fn audience_teams(
    conn: &mut AnyConnection,
    survey_id: &str,
) -> Result<Option<HashSet<String>>, ApiError> {
    let audience = audience_team_ids(conn, survey_id)?;
    if audience.is_empty() {
        return Ok(None);
    }
    Ok(Some(TeamTree::load(conn)?.subtrees(&audience)))
}

/// Who a round of the survey opened now would invite (active people in a team of its
/// audience), each with whether they have activated their account.
pub fn audience_people(
    conn: &mut AnyConnection,
    survey_id: &str,
) -> Result<Vec<(String, bool)>, ApiError> {
    let teams = audience_teams(conn, survey_id)?;
    let mut q = people::table
        .filter(people::active.eq(true))
        .filter(people::team_id.is_not_null())
        .select((people::id, people::password_hash.is_not_null()))
        .into_boxed();
    if let Some(t) = teams {
        q = q.filter(people::team_id.eq_any(t.into_iter().collect::<Vec<_>>()));
    }
    Ok(q.load(conn)?)
}

/// The invitees of a round.
pub fn invitee_ids(conn: &mut AnyConnection, round_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .select(round_invitees::person_id)
        .load(conn)?)
}

pub fn rounds_of(conn: &mut AnyConnection, survey_id: &str) -> Result<Vec<RoundRow>, ApiError> {
    Ok(rounds::table
        .filter(rounds::survey_id.eq(survey_id))
        .order(rounds::sequence)
        .select(RoundRow::as_select())
        .load(conn)?)
}

/// The latest rounds that have closed by `at`, newest first, with their survey's title.
pub fn closed_rounds(
    conn: &mut AnyConnection,
    at: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<(RoundRow, String)>, ApiError> {
    Ok(rounds::table
        .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
        .filter(rounds::closes_at.le(at))
        .order((rounds::closes_at.desc(), rounds::id))
        .limit(limit)
        .select((RoundRow::as_select(), surveys::title))
        .load(conn)?)
}

/// The rounds open at `at`, the soonest to close first, with their survey titles.
pub fn open_rounds(
    conn: &mut AnyConnection,
    at: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<(RoundRow, String)>, ApiError> {
    Ok(rounds::table
        .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
        .filter(rounds::opens_at.le(at))
        .filter(rounds::closes_at.gt(at))
        .order((rounds::closes_at, rounds::id))
        .limit(limit)
        .select((RoundRow::as_select(), surveys::title))
        .load(conn)?)
}

pub fn find_round(conn: &mut AnyConnection, id: &str) -> Result<Option<RoundRow>, ApiError> {
    Ok(rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the survey has had any round: its questions, cuts and k are then frozen.
pub fn is_frozen(conn: &mut AnyConnection, survey_id: &str) -> Result<bool, ApiError> {
    let n: i64 = rounds::table
        .filter(rounds::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn open_round_of(
    conn: &mut AnyConnection,
    survey_id: &str,
    now: NaiveDateTime,
) -> Result<Option<RoundRow>, ApiError> {
    Ok(rounds::table
        .filter(rounds::survey_id.eq(survey_id))
        .filter(rounds::opens_at.le(now))
        .filter(rounds::closes_at.gt(now))
        .select(RoundRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the person has answered the round (a subquery of the invitation reads).
#[diesel::dsl::auto_type]
fn answered<'a>(round_id: &'a str, person_id: &'a str) -> _ {
    diesel::dsl::exists(
        participation::table
            .filter(participation::round_id.eq(round_id))
            .filter(participation::person_id.eq(person_id)),
    )
}

/// The person's invitation to the round, if invited, and whether they have answered it
/// already: one query on the answering path.
pub fn invitee_answered(
    conn: &mut AnyConnection,
    round_id: &str,
    person_id: &str,
) -> Result<Option<(InviteeRow, bool)>, ApiError> {
    Ok(round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .filter(round_invitees::person_id.eq(person_id))
        .select((InviteeRow::as_select(), answered(round_id, person_id)))
        // The key is unique: no LIMIT. A bound LIMIT (`first`) makes SQLite prepare the
        // statement again on every run, and this one runs on every submission.
        .load(conn)?
        .into_iter()
        .next())
}

/// [`invitee_answered`] for the holder of a verified token, together with the token's
/// standing ([`crate::auth::principal`]'s check) — one query for everything answering a
/// pulse reads, so that each submission costs one round trip to the database before
/// the writer. 401 when the database no longer honours the token.
pub fn token_invitee_answered(
    conn: &mut AnyConnection,
    round_id: &str,
    claims: crate::auth::token::Claims,
) -> Result<(Principal, Option<(InviteeRow, bool)>), ApiError> {
    // The invitation's columns one by one: each is NULL when the person is not invited.
    type Row = (
        Standing,
        (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ),
        bool,
    );
    let row: Option<Row> = people::table
        .left_join(
            round_invitees::table.on(round_invitees::person_id
                .eq(people::id)
                .and(round_invitees::round_id.eq(round_id))),
        )
        .filter(people::id.eq(&claims.sub))
        .select((
            crate::auth::standing(&claims.jti),
            (
                round_invitees::team_id.nullable(),
                round_invitees::location.nullable(),
                round_invitees::job_family.nullable(),
                round_invitees::tenure.nullable(),
            ),
            answered(round_id, &claims.sub),
        ))
        // Unique keys on both sides: no LIMIT (see `invitee_answered`).
        .load(conn)?
        .into_iter()
        .next();
    let (standing, invitee, answered) = match row {
        Some((standing, (team_id, location, job_family, tenure), answered)) => {
            let invitee = team_id.map(|team_id| InviteeRow {
                round_id: round_id.to_owned(),
                person_id: claims.sub.clone(),
                team_id,
                location,
                job_family,
                tenure,
            });
            (Some(standing), invitee, answered)
        }
        None => (None, None, false),
    };
    let me = crate::auth::honour(claims, standing)?;
    Ok((me, invitee.map(|i| (i, answered))))
}

/// Per team of round `round_id`'s invitees, how many can be reached: their account is
/// activated (it has a password, so they can sign in and answer), or they have answered
/// (which proves it; it matters only for people given a session without a password, as
/// the demo's are), or they have neither an e-mail address nor a phone and a sheet of
/// kiosk codes was printed for their team. Every team with invitees is listed, with 0
/// where none can be reached. Counted by the database (grouped counts, no person read).
pub fn reachable_by_team(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    use diesel::dsl::count_star;
    let joined = || {
        round_invitees::table
            .left_join(people::table.on(people::id.eq(round_invitees::person_id)))
            .left_join(
                participation::table.on(participation::round_id
                    .eq(round_invitees::round_id)
                    .and(participation::person_id.eq(round_invitees::person_id))),
            )
            .filter(round_invitees::round_id.eq(round_id))
    };
    let mut counts: BTreeMap<String, i64> = round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .group_by(round_invitees::team_id)
        .select(round_invitees::team_id)
        .load::<String>(conn)?
        .into_iter()
        .map(|team| (team, 0))
        .collect();
    // Activated, or answered.
    let signed_in: Vec<(String, i64)> = joined()
        .filter(
            people::password_hash
                .nullable()
                .is_not_null()
                .or(participation::person_id.nullable().is_not_null()),
        )
        .group_by(round_invitees::team_id)
        .select((round_invitees::team_id, count_star()))
        .load(conn)?;
    let sheets: Vec<String> = crate::kiosk::store::teams_with_codes(conn, round_id)?
        .into_iter()
        .collect();
    let by_code: Vec<(String, i64)> = if sheets.is_empty() {
        Vec::new()
    } else {
        joined()
            .filter(people::password_hash.nullable().is_null())
            .filter(participation::person_id.nullable().is_null())
            .filter(people::email.nullable().is_null())
            .filter(people::phone.nullable().is_null())
            .filter(round_invitees::team_id.eq_any(&sheets))
            .group_by(round_invitees::team_id)
            .select((round_invitees::team_id, count_star()))
            .load(conn)?
    };
    for (team, n) in signed_in.into_iter().chain(by_code) {
        *counts.entry(team).or_default() += n;
    }
    Ok(counts.into_iter().collect())
}

/// The reachable counts per team kept when round `round_id` closed
/// ([`reachable_by_team`] then); empty for an open round or one closed before they
/// were kept.
pub fn frozen_reach(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    use crate::db::schema::round_reach;
    Ok(round_reach::table
        .filter(round_reach::round_id.eq(round_id))
        .select((round_reach::team_id, round_reach::reachable))
        .load(conn)?)
}

/// Per team: invited (at opening) and answered so far.
pub fn participation_by_team(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<BTreeMap<String, (i64, i64)>, ApiError> {
    let invited: Vec<(String, i64)> = round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .group_by(round_invitees::team_id)
        .select((round_invitees::team_id, diesel::dsl::count_star()))
        .load(conn)?;
    let answered: Vec<(String, i64)> = participation::table
        .inner_join(
            round_invitees::table.on(round_invitees::round_id
                .eq(participation::round_id)
                .and(round_invitees::person_id.eq(participation::person_id))),
        )
        .filter(participation::round_id.eq(round_id))
        .group_by(round_invitees::team_id)
        .select((round_invitees::team_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: BTreeMap<String, (i64, i64)> =
        invited.into_iter().map(|(t, n)| (t, (n, 0))).collect();
    for (t, n) in answered {
        out.entry(t).or_insert((0, 0)).1 = n;
    }
    // Answers by kiosk code count for the code's team.
    for (t, n) in crate::kiosk::store::used_by_team(conn, round_id)? {
        out.entry(t).or_insert((0, 0)).1 += n;
    }
    Ok(out)
}

/// Who answered the round, each with their invitation's team and segments: the people
/// who answered (by their participation rows) and, as `kiosk:{hash}` with the code's
/// team and no segment, each used kiosk code (an answer that names no person).
#[allow(clippy::type_complexity)]
pub fn respondents(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<
    Vec<(
        String,
        (String, Option<String>, Option<String>, Option<String>),
    )>,
    ApiError,
> {
    let mut out: Vec<(
        String,
        (String, Option<String>, Option<String>, Option<String>),
    )> = participation::table
        .inner_join(
            round_invitees::table.on(round_invitees::round_id
                .eq(participation::round_id)
                .and(round_invitees::person_id.eq(participation::person_id))),
        )
        .filter(participation::round_id.eq(round_id))
        .select((
            participation::person_id,
            (
                round_invitees::team_id,
                round_invitees::location,
                round_invitees::job_family,
                round_invitees::tenure,
            ),
        ))
        .load(conn)?;
    out.extend(
        crate::kiosk::store::used_codes(conn, round_id)?
            .into_iter()
            .map(|(hash, team)| (format!("kiosk:{hash}"), (team, None, None, None))),
    );
    Ok(out)
}

/// Invitees of a round who have not answered (for reminders only; never returned by
/// the API).
pub fn not_answered(conn: &mut AnyConnection, round_id: &str) -> Result<Vec<String>, ApiError> {
    let invited: Vec<String> = round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .select(round_invitees::person_id)
        .load(conn)?;
    let answered: std::collections::HashSet<String> = participation::table
        .filter(participation::round_id.eq(round_id))
        .select(participation::person_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(invited
        .into_iter()
        .filter(|p| !answered.contains(p))
        .collect())
}

/// Opens a round: inserts it with the next sequence number and records its audience —
/// every active person in the audience teams' subtrees, with their segment values
/// generalised per team so each stored combination is shared by at least k of them.
/// A unique violation (another replica opened the same slot) propagates as 409 and the
/// caller's transaction rolls back.
pub fn open_round(
    conn: &mut AnyConnection,
    survey: &SurveyRow,
    slot: Option<i32>,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
) -> Result<RoundRow, ApiError> {
    let last: Option<i32> = rounds::table
        .filter(rounds::survey_id.eq(&survey.id))
        .select(diesel::dsl::max(rounds::sequence))
        .first(conn)?;
    let round = RoundRow {
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: survey.id.clone(),
        sequence: last.unwrap_or(0) + 1,
        slot,
        opens_at,
        closes_at,
        closed_early_at: None,
        created_at: crate::clock::now(),
        materialised_at: None,
        answers_purged_at: None,
        comments_purged_at: None,
    };
    diesel::insert_into(rounds::table)
        .values(&round)
        .execute(conn)?;

    let teams = audience_teams(conn, &survey.id)?;
    let mut q = people::table
        .filter(people::active.eq(true))
        .filter(people::team_id.is_not_null())
        .select((
            people::id,
            people::team_id,
            people::location,
            people::job_family,
            people::start_date,
        ))
        .into_boxed();
    if let Some(t) = &teams {
        q = q.filter(people::team_id.eq_any(t.iter().cloned().collect::<Vec<_>>()));
    }
    type Member = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<chrono::NaiveDate>,
    );
    let members: Vec<Member> = q.load(conn)?;
    let today = opens_at.date();
    let mut by_team: HashMap<String, Vec<(String, Segments)>> = HashMap::new();
    for (id, team, location, job_family, start) in members {
        let Some(team) = team else { continue };
        let tenure = start.map(|s| tenure_band(s, today).to_owned());
        by_team
            .entry(team)
            .or_default()
            .push((id, [location, job_family, tenure]));
    }
    let mask = cuts_mask(&survey.cuts);
    let k = MinGroup::stored(survey.min_group).get();
    let mut rows: Vec<InviteeRow> = Vec::new();
    for (team, members) in by_team {
        let (ids, mut segs): (Vec<String>, Vec<Segments>) = members.into_iter().unzip();
        generalise(&mut segs, mask, k);
        for (person_id, [location, job_family, tenure]) in ids.into_iter().zip(segs) {
            rows.push(InviteeRow {
                round_id: round.id.clone(),
                person_id,
                team_id: team.clone(),
                location,
                job_family,
                tenure,
            });
        }
    }
    // On PostgreSQL many rows a statement (6 parameters each, far under its limit): a
    // statement a row made an audience of 100,000 take 100,000 round trips. SQLite runs
    // in the process, where a statement a row costs no trip.
    for chunk in rows.chunks(INVITEES_PER_INSERT) {
        match conn {
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(round_invitees::table)
                    .values(chunk)
                    .execute(c)?;
            }
            AnyConnection::Sqlite(_) => {
                for row in chunk {
                    diesel::insert_into(round_invitees::table)
                        .values(row)
                        .execute(conn)?;
                }
            }
        }
    }
    Ok(round)
}

/// Invitees written by one `INSERT` when a round opens.
const INVITEES_PER_INSERT: usize = 1_000;

pub fn insert_survey(conn: &mut AnyConnection, row: &SurveyRow) -> Result<(), ApiError> {
    diesel::insert_into(surveys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a survey's editable settings (title, cuts, k, schedule, reminders) and
/// `updated_at`.
pub fn update_survey(conn: &mut AnyConnection, row: &SurveyRow) -> Result<(), ApiError> {
    diesel::update(surveys::table.find(&row.id))
        .set((
            surveys::title.eq(&row.title),
            surveys::title_ru.eq(&row.title_ru),
            surveys::cuts.eq(&row.cuts),
            surveys::min_group.eq(row.min_group),
            surveys::starts_on.eq(row.starts_on),
            surveys::cadence.eq(&row.cadence),
            surveys::window_days.eq(row.window_days),
            surveys::ends_on.eq(row.ends_on),
            surveys::reminders.eq(row.reminders),
            surveys::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn archive_survey(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(surveys::table.find(id))
        .set((surveys::archived.eq(true), surveys::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// One page of surveys, newest first, and how many there are in all.
pub fn surveys_page(
    conn: &mut AnyConnection,
    include_archived: bool,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<SurveyRow>), ApiError> {
    let build = || {
        let mut q = surveys::table.into_boxed();
        if !include_archived {
            q = q.filter(surveys::archived.eq(false));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<SurveyRow> = build()
        .select(SurveyRow::as_select())
        .order((surveys::created_at.desc(), surveys::id))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((total, rows))
}

/// Replaces a survey's questions with `rows`, inserted in order.
pub fn replace_questions(
    conn: &mut AnyConnection,
    survey_id: &str,
    rows: Vec<QuestionRow>,
) -> Result<(), ApiError> {
    diesel::delete(survey_questions::table.filter(survey_questions::survey_id.eq(survey_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(survey_questions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn replace_audience(
    conn: &mut AnyConnection,
    survey_id: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(survey_audience::table.filter(survey_audience::survey_id.eq(survey_id)))
        .execute(conn)?;
    for t in ids {
        diesel::insert_into(survey_audience::table)
            .values((
                survey_audience::survey_id.eq(survey_id),
                survey_audience::team_id.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many people were invited to the round when it opened.
pub fn invited_count(conn: &mut AnyConnection, round_id: &str) -> Result<i64, ApiError> {
    Ok(round_invitees::table
        .filter(round_invitees::round_id.eq(round_id))
        .count()
        .get_result(conn)?)
}

/// Ends a round at `at`, marking it closed early.
pub fn close_round_early(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::closes_at.eq(at),
            rounds::closed_early_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The person's language (`en` or `ru`).
pub fn person_language(conn: &mut AnyConnection, person_id: &str) -> Result<String, ApiError> {
    Ok(people::table
        .find(person_id)
        .select(people::language)
        .first(conn)?)
}

/// The rounds open at `at` that the person is invited to, soonest closing first.
pub fn open_rounds_for(
    conn: &mut AnyConnection,
    person_id: &str,
    at: NaiveDateTime,
) -> Result<Vec<RoundRow>, ApiError> {
    Ok(rounds::table
        .inner_join(round_invitees::table.on(round_invitees::round_id.eq(rounds::id)))
        .filter(round_invitees::person_id.eq(person_id))
        .filter(rounds::opens_at.le(at))
        .filter(rounds::closes_at.gt(at))
        .select(RoundRow::as_select())
        .order(rounds::closes_at)
        .load(conn)?)
}

/// The rounds the person has answered.
pub fn answered_rounds(
    conn: &mut AnyConnection,
    person_id: &str,
) -> Result<HashSet<String>, ApiError> {
    Ok(participation::table
        .filter(participation::person_id.eq(person_id))
        .select(participation::round_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}
