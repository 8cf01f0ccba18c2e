//! What the kiosk endpoints and pages call: printing a sheet of codes (HR, or a manager
//! of the team), and reading and answering a round's pulse by code (no sign-in).

use crate::auth::Principal;
use crate::clock::now;
use crate::error::ApiError;
use crate::kiosk::code;
use crate::kiosk::store::{self, KioskCodeRow};
use crate::kiosk::types::{KioskCode, KioskSheet};
use crate::state::AppState;
use crate::surveys::answers::Given;
use crate::surveys::model::RoundRow;
use crate::surveys::service::{self as surveys, Answerer};
use crate::surveys::types::Pulse;

/// The QR code of `text`, as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    let qr = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("a QR code: {e}")))?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}

/// Prints a sheet for round `round_id` and team `team_id`: one new code per invitee of
/// that team with neither e-mail nor phone (whether or not they answered, so the sheet
/// says nothing of participation), replacing the team's unused codes. HR for any team;
/// a manager for a team in their subtrees. Audited.
pub async fn print(
    state: &AppState,
    p: &Principal,
    round_id: String,
    team_id: String,
) -> Result<KioskSheet, ApiError> {
    let actor = p.clone();
    let public = state.config.public_url();
    state
        .db
        .write(move |conn| {
            let team =
                crate::org::store::find_team(conn, &team_id)?.ok_or(ApiError::NotFound("team"))?;
            if !crate::org::access::may_print_kiosk_codes(conn, &actor, &team_id)? {
                return Err(ApiError::Forbidden);
            }
            let round = crate::surveys::store::find_round(conn, &round_id)?
                .ok_or(ApiError::NotFound("round"))?;
            if !round.is_open(now()) {
                return Err(ApiError::Conflict("the round is not open".into()));
            }
            let survey = crate::surveys::store::find_survey(conn, &round.survey_id)?
                .ok_or(ApiError::NotFound("survey"))?;
            let (unreachable, _) = store::unreachable_invitees(conn, &round_id, &team_id)?;
            let count = usize::try_from(unreachable).unwrap_or(0);
            let mut codes = Vec::with_capacity(count);
            let mut hashes = Vec::with_capacity(count);
            for _ in 0..count {
                let normal = code::generate();
                let shown = code::display(&normal);
                hashes.push(code::hash(&normal));
                let link = match &public {
                    Some(base) => format!("{base}/k?code={shown}"),
                    None => shown.clone(),
                };
                codes.push(KioskCode {
                    qr_svg: qr_svg(&link)?,
                    code: shown,
                    link,
                });
            }
            store::replace_unused(conn, &round_id, &team_id, &hashes)?;
            crate::reports::audit_log::record(
                conn,
                &actor.id,
                "kiosk.print",
                &format!("round {round_id} team {team_id}: {count} codes"),
            )?;
            Ok(KioskSheet {
                round_id,
                team_id,
                team: team.name,
                title: survey.title,
                closes_at: round.closes_at,
                unreachable,
                codes,
            })
        })
        .await
}

/// The code a typed `code` names, while its round is open and it is unused: 404 for a
/// code that names nothing, 409 once used, 410 once its round has closed.
async fn resolve(state: &AppState, typed: &str) -> Result<(KioskCodeRow, RoundRow), ApiError> {
    let normal = code::normalise(typed).ok_or(ApiError::NotFound("kiosk code"))?;
    let hash = code::hash(&normal);
    state
        .db
        .read(move |conn| {
            let row = store::find(conn, &hash)?.ok_or(ApiError::NotFound("kiosk code"))?;
            let round = crate::surveys::store::find_round(conn, &row.round_id)?
                .ok_or(ApiError::NotFound("kiosk code"))?;
            let t = now();
            if round.closes_at <= t {
                return Err(ApiError::Gone("the round has closed".into()));
            }
            if t < round.opens_at {
                return Err(ApiError::NotFound("kiosk code"));
            }
            if row.used {
                return Err(ApiError::Conflict("this code has already been used".into()));
            }
            Ok((row, round))
        })
        .await
}

/// The pulse a code answers, in `lang` (`en` or `ru`).
pub async fn pulse(state: &AppState, typed: &str, lang: &str) -> Result<Pulse, ApiError> {
    let (_, round) = resolve(state, typed).await?;
    let lang = lang.to_owned();
    state
        .db
        .read(move |conn| {
            let s = crate::surveys::store::find_survey(conn, &round.survey_id)?
                .ok_or(ApiError::NotFound("survey"))?;
            let questions = crate::surveys::store::questions(conn, &s.id)?
                .into_iter()
                .map(|q| surveys::pulse_question(q, &lang))
                .collect();
            Ok(Pulse {
                round_id: round.id,
                title: s.title(&lang).to_owned(),
                survey_id: s.id,
                closes_at: round.closes_at,
                min_group: s.min_group,
                questions,
            })
        })
        .await
}

/// Answers the round of a code, once, for the code's team: a sealed ballot with the
/// team and no segment, counted for the team, naming nobody. Refused (409) when the
/// team's answers by code and in person already match its unreachable invitees.
pub async fn answer(
    state: &AppState,
    typed: &str,
    given: Vec<Given>,
    allow_replies: bool,
) -> Result<Option<String>, ApiError> {
    let (row, _) = resolve(state, typed).await?;
    let (round, team) = (row.round_id.clone(), row.team_id.clone());
    let full = state
        .db
        .read(move |conn| {
            let (unreachable, in_person) = store::unreachable_invitees(conn, &round, &team)?;
            Ok(in_person + store::used(conn, &round, &team)? >= unreachable)
        })
        .await?;
    if full {
        return Err(ApiError::Conflict(
            "everyone this code was printed for has answered".into(),
        ));
    }
    surveys::submit_response(
        state,
        Answerer::Code {
            hash: row.code_hash,
            team_id: row.team_id,
        },
        &row.round_id,
        given,
        allow_replies,
    )
    .await
}

/// A round's teams the caller may print codes for, each with its invitees who have
/// neither e-mail nor phone, for the printing page.
pub struct PrintableTeams {
    pub round_id: String,
    pub title: String,
    pub closes_at: chrono::NaiveDateTime,
    pub open: bool,
    /// (team id, name, unreachable invitees), by name.
    pub teams: Vec<(String, String, i64)>,
}

/// The teams of round `round_id` the caller may print codes for, with how many codes
/// each sheet would have; 403 for someone who may print for none.
pub async fn printable_teams(
    state: &AppState,
    p: &Principal,
    round_id: String,
) -> Result<PrintableTeams, ApiError> {
    let p = p.clone();
    state
        .db
        .read(move |conn| {
            let round = crate::surveys::store::find_round(conn, &round_id)?
                .ok_or(ApiError::NotFound("round"))?;
            let survey = crate::surveys::store::find_survey(conn, &round.survey_id)?
                .ok_or(ApiError::NotFound("survey"))?;
            let readable = crate::org::access::readable_teams(conn, &p)?;
            if readable.as_ref().is_some_and(|s| s.is_empty()) {
                return Err(ApiError::Forbidden);
            }
            let mut teams = Vec::new();
            for (team_id, n) in store::unreachable_by_team(conn, &round_id)? {
                if readable.as_ref().is_none_or(|s| s.contains(&team_id)) {
                    let name = crate::org::store::find_team(conn, &team_id)?
                        .map(|t| t.name)
                        .unwrap_or_default();
                    teams.push((team_id, name, n));
                }
            }
            teams.sort_by(|a, b| a.1.cmp(&b.1));
            Ok(PrintableTeams {
                open: round.is_open(now()),
                round_id,
                title: survey.title,
                closes_at: round.closes_at,
                teams,
            })
        })
        .await
}
