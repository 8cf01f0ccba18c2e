//! Export for a person: everything pulseline stores about them, keyed by their id —
//! profile, team, the teams they manage, their signed suggestions (with the replies
//! they received), the replies they wrote, the actions they own and the updates they
//! wrote on actions, the pulse rounds they were invited to (the
//! team and generalised segments recorded then, and whether they answered), and what
//! they did according to the audit log — with an explanation, in their language, of
//! what is not there because it is anonymous. Nobody's sign-in history is kept (the
//! log line of a sign-in names no one), so there is none to export.
//!
//! Everyone may export themselves (`GET /api/v1/me/export`); admins may export anyone
//! (`GET /api/v1/people/{id}/export`). Each export is written to the audit log.

use diesel::prelude::*;

use crate::auth::{Principal, require_admin};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::db::schema::{
    action_updates, actions, audit_log, participation, people, round_invitees, rounds,
    suggestion_events, suggestions, surveys, team_managers, teams,
};
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::org::model::PersonRow;
use crate::org::service::person_view;
use crate::org::store;
use crate::org::types::{
    ExportAction, ExportActionUpdate, ExportAuditEntry, ExportProvisioning, ExportReply,
    ExportRound, ExportSettings, ExportSuggestion, ExportTeam, PersonExport,
};
use crate::reports::audit_log::record;
use crate::state::AppState;
use crate::suggestions::model::{EventRow, SuggestionRow};

/// What an export leaves out and why, in English and in Russian.
const NOT_INCLUDED: [(&str, &str); 4] = [
    (
        "Your answers to pulse surveys are not here. They are stored without your name, id \
         or the time you answered, shuffled with everyone else's when the round closed, so \
         nobody — not even pulseline — can tell which answers are yours. The rounds below \
         say only that you were invited and whether you answered.",
        "Ваших ответов на пульс-опросы здесь нет. Они хранятся без вашего имени, \
         идентификатора и времени ответа и при закрытии опроса перемешаны с ответами \
         остальных, поэтому никто — даже pulseline — не может определить, какие ответы \
         ваши. Ниже указано только, что вас пригласили и ответили ли вы.",
    ),
    (
        "Suggestions you sent anonymously are not here: they are stored without an author, \
         so they cannot be found as yours.",
        "Предложений, отправленных анонимно, здесь нет: они хранятся без автора, поэтому \
         их нельзя найти как ваши.",
    ),
    (
        "Your votes for suggestions are not here: a vote is stored as a one-way keyed hash \
         that only stops a second vote; the list of what you voted for is not kept.",
        "Ваших голосов за предложения здесь нет: голос хранится как односторонний хеш с \
         ключом, который лишь не даёт проголосовать дважды; список того, за что вы \
         голосовали, не хранится.",
    ),
    (
        "No history of your sign-ins is kept, and your password is stored only as a hash, \
         which is not shown.",
        "История ваших входов не хранится, а пароль хранится только в виде хеша, который \
         не показывается.",
    ),
];

/// The signed-in person's own export.
pub async fn export_me(state: &AppState, p: &Principal) -> Result<PersonExport, ApiError> {
    export(state, p, p.id.clone()).await
}

/// Person `id`'s export (admins).
pub async fn export_person(
    state: &AppState,
    p: &Principal,
    id: String,
) -> Result<PersonExport, ApiError> {
    require_admin(p)?;
    export(state, p, id).await
}

async fn export(state: &AppState, p: &Principal, id: String) -> Result<PersonExport, ApiError> {
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            let row = store::find_person(conn, &id)?.ok_or(ApiError::NotFound("person"))?;
            let out = collect(conn, row)?;
            record(conn, &actor, "person.export", &format!("people/{id}"))?;
            Ok(out)
        })
        .await
}

fn reply(e: EventRow) -> ExportReply {
    ExportReply {
        suggestion_id: e.suggestion_id,
        from_status: e.from_status,
        to_status: e.to_status,
        reply: e.reply,
        replied_on: e.replied_on,
    }
}

fn collect(conn: &mut AnyConnection, row: PersonRow) -> Result<PersonExport, ApiError> {
    let id = row.id.clone();
    let team = match &row.team_id {
        Some(t) => store::find_team(conn, t)?.map(|t| ExportTeam {
            id: t.id,
            name: t.name,
        }),
        None => None,
    };
    let manages = team_managers::table
        .inner_join(teams::table)
        .filter(team_managers::person_id.eq(&id))
        .select((teams::id, teams::name))
        .order(teams::name)
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, name)| ExportTeam { id, name })
        .collect();
    let signed: Vec<SuggestionRow> = suggestions::table
        .filter(suggestions::author_id.eq(&id))
        .select(SuggestionRow::as_select())
        .order((suggestions::created_on, suggestions::id))
        .load(conn)?;
    let ids: Vec<&str> = signed.iter().map(|s| s.id.as_str()).collect();
    let received: Vec<EventRow> = suggestion_events::table
        .filter(suggestion_events::suggestion_id.eq_any(&ids))
        .select(EventRow::as_select())
        .order(suggestion_events::replied_at)
        .load(conn)?;
    let signed_suggestions = signed
        .into_iter()
        .map(|s| ExportSuggestion {
            replies: received
                .iter()
                .filter(|e| e.suggestion_id == s.id)
                .cloned()
                .map(reply)
                .collect(),
            id: s.id,
            // A signed suggestion is always filed at its author's team.
            team_id: s.team_id.unwrap_or_default(),
            title: s.title,
            body: s.body,
            touchpoint: s.touchpoint,
            customer_segment: s.customer_segment,
            status: s.status,
            votes: i64::from(s.votes),
            created_on: s.created_on,
            created_at: s.created_at,
        })
        .collect();
    let replies_written = suggestion_events::table
        .filter(suggestion_events::replied_by.eq(&id))
        .select(EventRow::as_select())
        .order(suggestion_events::replied_at)
        .load(conn)?
        .into_iter()
        .map(reply)
        .collect();
    type OwnedAction = (
        String,
        Option<String>,
        String,
        String,
        String,
        chrono::NaiveDate,
        Option<chrono::NaiveDate>,
    );
    let actions_owned = actions::table
        .filter(actions::owner_id.eq(&id))
        .select((
            actions::id,
            actions::team_id,
            actions::title,
            actions::description,
            actions::status,
            actions::due_on,
            actions::closed_on,
        ))
        .order((actions::due_on, actions::id))
        .load::<OwnedAction>(conn)?
        .into_iter()
        .map(
            |(id, team_id, title, description, status, due_on, closed_on)| ExportAction {
                id,
                team_id,
                title,
                description,
                status,
                due_on,
                closed_on,
            },
        )
        .collect();
    let action_updates_written = action_updates::table
        .filter(action_updates::author_id.eq(&id))
        .select((
            action_updates::action_id,
            action_updates::body,
            action_updates::to_status,
            action_updates::created_at,
        ))
        .order((action_updates::created_at, action_updates::id))
        .load::<(String, String, Option<String>, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(
            |(action_id, text, to_status, created_at)| ExportActionUpdate {
                action_id,
                text,
                to_status,
                created_at,
            },
        )
        .collect();
    let answered: std::collections::HashSet<String> = participation::table
        .filter(participation::person_id.eq(&id))
        .select(participation::round_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    type Invited = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let invited: Vec<Invited> = round_invitees::table
        .inner_join(rounds::table.on(rounds::id.eq(round_invitees::round_id)))
        .inner_join(surveys::table.on(surveys::id.eq(rounds::survey_id)))
        .filter(round_invitees::person_id.eq(&id))
        .select((
            round_invitees::round_id,
            surveys::title,
            round_invitees::team_id,
            round_invitees::location,
            round_invitees::job_family,
            round_invitees::tenure,
        ))
        .order(rounds::opens_at)
        .load(conn)?;
    let rounds = invited
        .into_iter()
        .map(
            |(round_id, survey_title, team_id, location, job_family, tenure)| ExportRound {
                answered: answered.contains(&round_id),
                round_id,
                survey_title,
                team_id,
                location,
                job_family,
                tenure,
            },
        )
        .collect();
    let audit_entries = audit_log::table
        .filter(audit_log::actor_id.eq(&id))
        .select((audit_log::at, audit_log::action, audit_log::target))
        .order((audit_log::at, audit_log::id))
        .load::<(chrono::NaiveDateTime, String, String)>(conn)?
        .into_iter()
        .map(|(at, action, target)| ExportAuditEntry { at, action, target })
        .collect();
    let language = Language::from_db(&row.language);
    let not_included = NOT_INCLUDED
        .iter()
        .map(|(en, ru)| match language {
            Language::Ru => (*ru).to_owned(),
            Language::En => (*en).to_owned(),
        })
        .collect();
    let (external_id, phone, employee_number) = people::table
        .find(&id)
        .select((people::external_id, people::phone, people::employee_number))
        .first::<(Option<String>, Option<String>, Option<String>)>(conn)?;
    let (reminders_off, time_zone) = store::settings(conn, &id)?;
    Ok(PersonExport {
        generated_at: now(),
        language,
        profile: person_view(row),
        provisioning: ExportProvisioning {
            external_id,
            phone,
            employee_number,
        },
        settings: ExportSettings {
            reminders: !reminders_off,
            time_zone,
        },
        team,
        manages,
        signed_suggestions,
        replies_written,
        actions_owned,
        action_updates_written,
        rounds,
        audit_entries,
        not_included,
    })
}
