//! The suggestions' rules and orchestration, shared by the API and the web pages: the
//! limits on what is written, who sees what, anonymous authorship, votes that cannot be
//! cast twice yet record nobody, and the status workflow with its replies.
//!
//! Visibility (the rule the tests pin): everyone sees the suggestions of their own
//! team's subtree and of their own team's ancestors (so frontline staff see what their
//! colleagues and the teams above them raised); managers also see their managed
//! subtrees; HR and admins see everything. Anything else answers 404.
//!
//! Anonymous suggestions are filed, shown and counted at the team whose possible-author
//! catchment holds k ([`catchment`]): visibility, team filters, the insights' scope and
//! who may answer all read an anonymous row at that team, never at one below it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::clock::now;
use crate::conversations::model::Side;
use crate::conversations::store as conv_store;
use crate::db::schema::{people, suggestion_events, suggestion_votes, suggestions};
use crate::db::{AnyConnection, lower};
use crate::error::{ApiError, Msg};
use crate::notify::queue;
use crate::org::access::{readable_teams, suggestion_teams_visible_to, summary_scope};
use crate::org::domain::{parse_optional_text, parse_text};
use crate::org::store::{self as org_store, TeamTree};
use crate::state::AppState;
use crate::suggestions::catchment::{self, Catchments};
use crate::suggestions::insights::{self, MAX_PERIOD_DAYS};
use crate::suggestions::model::{EventRow, SuggestionRow};
use crate::suggestions::types::{
    Author, AuthorAnswer, CreateSuggestion, CreatedSuggestion, Filter, FrontlineInsights, Reply,
    Sort, Suggestion, SuggestionPage, VoteState,
};
use crate::suggestions::workflow::{Status, Touchpoint};

pub const TITLE_MAX: usize = 140;
pub const BODY_MAX: usize = 5_000;
pub const REPLY_MIN: usize = 10;
pub const REPLY_MAX: usize = 2_000;

// ---------- rules ----------

/// The keyed hash stored for a vote: HMAC-SHA256 of person and suggestion under a
/// server key, so the same person's second vote collides without storing who voted.
pub fn voter_hash(key: &[u8], person_id: &str, suggestion_id: &str) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(person_id.as_bytes());
    mac.update(b"\x1f");
    mac.update(suggestion_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The hashes a typed follow-up code may be stored under: a code of today's form
/// (groups of Crockford base32, [`crate::conversations::code`]) by its canonical
/// symbols, and one of the earlier form (URL-safe base64) as it was given.
fn followup_hashes(code: &str) -> Vec<String> {
    let mut out = vec![hex::encode(Sha256::digest(code.trim().as_bytes()))];
    if let Some(h) = crate::conversations::code::hash(code) {
        out.insert(0, hex::encode(h));
    }
    out
}

/// For an anonymous suggestion: where the anonymous suggestions of `own`'s people are
/// filed, a team or (`None`) the organisation, whose catchment holds at least k people
/// who could have written it ([`catchment`]); refused (422) where the whole organisation
/// has fewer.
fn anonymous_team(
    conn: &mut AnyConnection,
    own: &str,
    k: usize,
) -> Result<Option<String>, ApiError> {
    match catchment::load(conn, k)?.home(own) {
        Some(place) => Ok(place.team().map(str::to_owned)),
        None => Err(ApiError::invalid(
            "anonymous",
            Msg::new("anonymous suggestions need at least {k} people who could have written them; the organisation has fewer, so send it signed").arg("k", k),
        )),
    }
}

/// The row as it is shown and counted: an anonymous one at the place that receives its
/// catchment now (one filed under an older rule, or before the tree changed, is rolled
/// up to where its possible authors are at least k; `team_id` None: the organisation).
fn placed(c: &Catchments, mut row: SuggestionRow) -> SuggestionRow {
    if row.anonymous {
        row.team_id = c.shown_at(row.team_id.as_deref()).team().map(str::to_owned);
    }
    row
}

/// Which rows a reader sees: signed rows of these teams, anonymous rows stored at these
/// teams, and (when `organisation`) the anonymous rows stored with no team.
struct Scope {
    signed: Vec<String>,
    anonymous: Vec<String>,
    organisation: bool,
}

/// The rows shown at one of `teams` (and at the organisation when `organisation`):
/// signed rows by their own team, anonymous ones by where they are [`placed`].
fn scope_of(c: &Catchments, teams: &HashSet<String>, organisation: bool) -> Scope {
    let mut signed: Vec<String> = teams.iter().cloned().collect();
    signed.sort();
    Scope {
        signed,
        anonymous: c.stored_for(teams, organisation),
        organisation,
    }
}

/// The filter for a [`Scope`].
fn in_scope(
    scope: &Scope,
) -> Box<
    dyn BoxableExpression<
            suggestions::table,
            <AnyConnection as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    let seen = (suggestions::anonymous
        .eq(false)
        .and(suggestions::team_id.eq_any(scope.signed.clone())))
    .or(suggestions::anonymous
        .eq(true)
        .and(suggestions::team_id.eq_any(scope.anonymous.clone())));
    if scope.organisation {
        Box::new(
            seen.or(suggestions::anonymous
                .eq(true)
                .and(suggestions::team_id.is_null())
                .nullable()),
        )
    } else {
        Box::new(seen)
    }
}

fn view(
    conn: &mut AnyConnection,
    row: SuggestionRow,
    me: &str,
    key: &[u8],
) -> Result<Suggestion, ApiError> {
    let team = match &row.team_id {
        Some(t) => org_store::find_team(conn, t)?.map(|t| t.name),
        None => None,
    };
    let author = match (&row.author_id, row.anonymous) {
        (Some(a), false) => org_store::find_person(conn, a)?.map(|p| Author {
            id: p.id,
            name: p.name,
        }),
        _ => None,
    };
    let events: Vec<(EventRow, String)> = suggestion_events::table
        .inner_join(people::table.on(people::id.eq(suggestion_events::replied_by)))
        .filter(suggestion_events::suggestion_id.eq(&row.id))
        .order(suggestion_events::replied_at)
        .select((EventRow::as_select(), people::name))
        .load(conn)?;
    let mine: i64 = suggestion_votes::table
        .filter(suggestion_votes::suggestion_id.eq(&row.id))
        .filter(suggestion_votes::voter_hash.eq(voter_hash(key, me, &row.id)))
        .count()
        .get_result(conn)?;
    let (author_answers, author_closed) = match conv_store::of_suggestion(conn, &row.id)? {
        Some(c) => (
            conv_store::messages(conn, std::slice::from_ref(&c.id))?
                .into_iter()
                .map(|m| AuthorAnswer {
                    text: m.body,
                    written_on: m.written_on,
                    after_replies: i64::from(m.replies_before),
                })
                .collect(),
            c.closed_by.as_deref() == Some(Side::Author.as_str()),
        ),
        None => (Vec::new(), false),
    };
    Ok(Suggestion {
        author_answers,
        author_closed,
        team,
        author,
        touchpoint: Touchpoint::from_db(&row.touchpoint),
        status: Status::from_db(&row.status),
        voted_by_me: mine > 0,
        replies: events
            .into_iter()
            .map(|(e, name)| Reply {
                from_status: Status::from_db(&e.from_status),
                to_status: Status::from_db(&e.to_status),
                reply: e.reply,
                replied_on: e.replied_on,
                replied_by: name,
            })
            .collect(),
        id: row.id,
        team_id: row.team_id,
        title: row.title,
        body: row.body,
        customer_segment: row.customer_segment,
        anonymous: row.anonymous,
        votes: row.votes,
        created_on: row.created_on,
    })
}

fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<SuggestionRow>, ApiError> {
    Ok(suggestions::table
        .find(id)
        .select(SuggestionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The suggestion as [`placed`] if the caller may see it there, else 404.
fn visible(
    conn: &mut AnyConnection,
    p: &Principal,
    id: &str,
    k: usize,
) -> Result<SuggestionRow, ApiError> {
    let row = find(conn, id)?.ok_or(ApiError::NotFound("suggestion"))?;
    let row = placed(&catchment::load(conn, k)?, row);
    // The organisation is above everyone's team: its suggestions are everyone's to see.
    match (suggestion_teams_visible_to(conn, p)?, &row.team_id) {
        (Some(set), Some(team)) if !set.contains(team) => Err(ApiError::NotFound("suggestion")),
        _ => Ok(row),
    }
}

// ---------- shared by the API and the web pages ----------

/// Raises a suggestion for `p` (who needs a team); anonymous ones get a follow-up code.
pub async fn create_suggestion(
    state: &AppState,
    p: &Principal,
    b: CreateSuggestion,
) -> Result<CreatedSuggestion, ApiError> {
    let p = p.clone();
    let title = parse_text(&b.title, "title", TITLE_MAX)?;
    let text = parse_text(&b.body, "body", BODY_MAX)?;
    let segment = parse_optional_text(b.customer_segment.as_deref(), "customer_segment", 100)?;
    let own = p
        .team_id
        .clone()
        .ok_or_else(|| ApiError::invalid("team", "you need a team to raise a suggestion"))?;
    let k = state.config.k().get();
    let key = state.vote_key.clone();
    // Five groups of four (100 bits), the same form as a pulse comment's code; only its
    // hash is stored.
    let code = b.anonymous.then(crate::conversations::code::generate);
    let hash = code
        .as_deref()
        .and_then(crate::conversations::code::hash)
        .map(hex::encode);
    let (anonymous, touchpoint, me) = (b.anonymous, b.touchpoint, p.id.clone());
    let created = state
        .db
        .write(move |conn| {
            let team_id = if anonymous {
                anonymous_team(conn, &own, k)?
            } else {
                Some(own)
            };
            let t = now();
            let row = SuggestionRow {
                id: uuid::Uuid::new_v4().to_string(),
                team_id,
                author_id: (!anonymous).then(|| me.clone()),
                title,
                body: text,
                touchpoint: touchpoint.as_str().into(),
                customer_segment: segment,
                anonymous,
                status: Status::New.as_str().into(),
                votes: 0,
                created_on: t.date(),
                created_at: (!anonymous).then_some(t),
                followup_hash: hash,
            };
            diesel::insert_into(suggestions::table)
                .values(&row)
                .execute(conn)?;
            crate::hooks::queue::suggestion_created(conn, &row)?;
            view(conn, row, &me, &key)
        })
        .await?;
    Ok(CreatedSuggestion {
        suggestion: created,
        followup_code: code,
    })
}

/// The suggestions `p` may see, filtered and paged.
pub async fn list_suggestions(
    state: &AppState,
    p: &Principal,
    filter: Filter,
    limit: i64,
    offset: i64,
) -> Result<SuggestionPage, ApiError> {
    let p = p.clone();
    let key = state.vote_key.clone();
    let k = state.config.k().get();
    let Filter {
        team,
        touchpoint: tp,
        status: st,
        from,
        to,
        q,
        sort,
    } = filter;
    state
        .db
        .read_replicated(move |conn| {
            let mut allowed = suggestion_teams_visible_to(conn, &p)?;
            if let Some(t) = &team {
                let tree = TeamTree::load(conn)?;
                if !tree.contains(t) || allowed.as_ref().is_some_and(|a| !a.contains(t)) {
                    return Err(ApiError::NotFound("team"));
                }
                let sub = tree.subtrees([t]);
                allowed = Some(match allowed {
                    None => sub,
                    Some(a) => a.intersection(&sub).cloned().collect(),
                });
            }
            let c = catchment::load(conn, k)?;
            // The organisation's own suggestions are in every unfiltered list.
            let scope = allowed.as_ref().map(|a| scope_of(&c, a, team.is_none()));
            let pattern =
                q.map(|s| format!("%{}%", s.trim().to_lowercase().replace(['%', '_'], "")));
            let build = || {
                let mut query = suggestions::table.into_boxed();
                if let Some(scope) = &scope {
                    query = query.filter(in_scope(scope));
                }
                if let Some(t) = tp {
                    query = query.filter(suggestions::touchpoint.eq(t.as_str()));
                }
                if let Some(s) = st {
                    query = query.filter(suggestions::status.eq(s.as_str()));
                }
                if let Some(f) = from {
                    query = query.filter(suggestions::created_on.ge(f));
                }
                if let Some(t) = to {
                    query = query.filter(suggestions::created_on.le(t));
                }
                if let Some(p) = &pattern {
                    query = query.filter(
                        lower(suggestions::title)
                            .like(p.clone())
                            .or(lower(suggestions::body).like(p.clone())),
                    );
                }
                query
            };
            let total: i64 = build().count().get_result(conn)?;
            let query = build().select(SuggestionRow::as_select());
            let query = match sort {
                Some(Sort::Votes) => query.order((
                    suggestions::votes.desc(),
                    suggestions::created_on.desc(),
                    suggestions::id,
                )),
                _ => query.order((suggestions::created_on.desc(), suggestions::id)),
            };
            let rows: Vec<SuggestionRow> = query.limit(limit).offset(offset).load(conn)?;
            let items = rows
                .into_iter()
                .map(|r| view(conn, placed(&c, r), &p.id, &key))
                .collect::<Result<_, _>>()?;
            Ok(SuggestionPage {
                items,
                total,
                limit,
                offset,
            })
        })
        .await
}

/// One suggestion `p` may see, with its replies.
pub async fn get_suggestion(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Suggestion, ApiError> {
    let (p, key, id) = (p.clone(), state.vote_key.clone(), id.to_owned());
    let k = state.config.k().get();
    state
        .db
        .read(move |conn| {
            let row = visible(conn, &p, &id, k)?;
            view(conn, row, &p.id, &key)
        })
        .await
}

/// An anonymous suggestion and its replies, found by its follow-up code.
pub async fn followup(state: &AppState, p: &Principal, code: &str) -> Result<Suggestion, ApiError> {
    let (p, key, code) = (p.clone(), state.vote_key.clone(), code.to_owned());
    let k = state.config.k().get();
    state
        .db
        .read(move |conn| {
            let row = by_followup_code(conn, &code)?.ok_or(ApiError::NotFound("suggestion"))?;
            let row = placed(&catchment::load(conn, k)?, row);
            view(conn, row, &p.id, &key)
        })
        .await
}

/// The suggestion a follow-up code belongs to, if any.
pub fn by_followup_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<SuggestionRow>, ApiError> {
    Ok(suggestions::table
        .filter(suggestions::followup_hash.eq_any(followup_hashes(code)))
        .select(SuggestionRow::as_select())
        .first(conn)
        .optional()?)
}

/// A suggestion's replies in order, each with the side that wrote it (HR for HR or an
/// administrator, a manager otherwise) and its day: what its anonymous author's
/// conversation shows of them ([`crate::conversations`]).
pub fn replies_by_side(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Vec<(Side, String, NaiveDate)>, ApiError> {
    let rows: Vec<(String, NaiveDate, bool, bool)> = suggestion_events::table
        .inner_join(people::table.on(people::id.eq(suggestion_events::replied_by)))
        .filter(suggestion_events::suggestion_id.eq(id))
        .order(suggestion_events::replied_at)
        .select((
            suggestion_events::reply,
            suggestion_events::replied_on,
            people::is_hr,
            people::is_admin,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reply, on, hr, admin)| {
            let side = if hr || admin { Side::Hr } else { Side::Manager };
            (side, reply, on)
        })
        .collect())
}

/// Whether a suggestion's status ends its conversation (done or declined).
pub fn is_closed_status(status: &str) -> bool {
    matches!(Status::from_db(status), Status::Done | Status::Declined)
}

/// Toggles `p`'s vote on a suggestion they may see. One vote per person.
pub async fn toggle_vote(state: &AppState, p: &Principal, id: &str) -> Result<VoteState, ApiError> {
    let (p, key, id) = (p.clone(), state.vote_key.clone(), id.to_owned());
    let k = state.config.k().get();
    let hash = voter_hash(&key, &p.id, &id);
    let outcome = state
        .db
        .write({
            let (p, id, hash) = (p.clone(), id.clone(), hash.clone());
            move |conn| {
                visible(conn, &p, &id, k)?;
                let removed = diesel::delete(
                    suggestion_votes::table
                        .filter(suggestion_votes::suggestion_id.eq(&id))
                        .filter(suggestion_votes::voter_hash.eq(&hash)),
                )
                .execute(conn)?;
                let voted = if removed > 0 {
                    diesel::update(suggestions::table.find(&id))
                        .set(suggestions::votes.eq(suggestions::votes - 1))
                        .execute(conn)?;
                    false
                } else {
                    diesel::insert_into(suggestion_votes::table)
                        .values((
                            suggestion_votes::suggestion_id.eq(&id),
                            suggestion_votes::voter_hash.eq(&hash),
                        ))
                        .execute(conn)?;
                    diesel::update(suggestions::table.find(&id))
                        .set(suggestions::votes.eq(suggestions::votes + 1))
                        .execute(conn)?;
                    true
                };
                let votes: i32 = suggestions::table
                    .find(&id)
                    .select(suggestions::votes)
                    .first(conn)?;
                Ok(VoteState { voted, votes })
            }
        })
        .await;
    match outcome {
        Ok(voted) => Ok(voted),
        // A racing request by the same person inserted the same vote first: one vote.
        Err(ApiError::Conflict(_)) => {
            let votes = state
                .db
                .read(move |conn| {
                    Ok(suggestions::table
                        .find(&id)
                        .select(suggestions::votes)
                        .first::<i32>(conn)?)
                })
                .await?;
            Ok(VoteState { voted: true, votes })
        }
        Err(e) => Err(e),
    }
}

/// Moves a suggestion along its workflow with a reply (its team's manager, a manager
/// above it, or HR); illegal moves are 409 naming the allowed ones.
pub async fn update_suggestion(
    state: &AppState,
    p: &Principal,
    id: &str,
    to: Status,
    reply: &str,
) -> Result<Suggestion, ApiError> {
    // The upper limit applies to the text as sent; the lower one to what it says.
    let sent = reply.chars().count();
    let reply = reply.trim().to_owned();
    let n = reply.chars().count();
    if n < REPLY_MIN {
        return Err(ApiError::invalid(
            "reply",
            Msg::new("a reply needs at least {n} characters").arg("n", REPLY_MIN),
        ));
    }
    if sent > REPLY_MAX {
        return Err(ApiError::invalid(
            "reply",
            Msg::new("a reply has at most {n} characters").arg("n", REPLY_MAX),
        ));
    }
    let (p, key, id) = (p.clone(), state.vote_key.clone(), id.to_owned());
    let k = state.config.k().get();
    state
        .db
        .write(move |conn| {
            let row = visible(conn, &p, &id, k)?;
            // The organisation's suggestions are answered by HR (who manages everything).
            if let Some(managed) = readable_teams(conn, &p)?
                && !row.team_id.as_ref().is_some_and(|t| managed.contains(t))
            {
                return Err(ApiError::Forbidden);
            }
            let from = Status::from_db(&row.status);
            // A reply may keep the status as it is while the suggestion is open.
            if !from.reply_targets().contains(&to) {
                let allowed: Vec<&str> = from.reply_targets().iter().map(|s| s.as_str()).collect();
                return Err(ApiError::Conflict(if allowed.is_empty() {
                    Msg::new("a suggestion that is {status} cannot change status")
                        .term("status", from.as_str())
                } else {
                    Msg::new("from {status} the allowed transitions are: {allowed}")
                        .term("status", from.as_str())
                        .arg("allowed", allowed.join(", "))
                }));
            }
            let t = now();
            let event_id = uuid::Uuid::new_v4().to_string();
            diesel::insert_into(suggestion_events::table)
                .values(EventRow {
                    id: event_id.clone(),
                    suggestion_id: id.clone(),
                    from_status: from.as_str().into(),
                    to_status: to.as_str().into(),
                    reply,
                    replied_by: p.id.clone(),
                    replied_on: t.date(),
                    replied_at: t,
                })
                .execute(conn)?;
            diesel::update(suggestions::table.find(&id))
                .set(suggestions::status.eq(to.as_str()))
                .execute(conn)?;
            crate::hooks::queue::suggestion_status(conn, &row, &event_id, to.as_str())?;
            // A signed author hears of the reply; an anonymous one reads it by code only.
            if let Some(author) = row.author_id.as_deref().filter(|a| *a != p.id) {
                queue::suggestion_reply(conn, &id, &event_id, &row.title, to.as_str(), author)?;
            }
            let row = find(conn, &id)?.ok_or(ApiError::NotFound("suggestion"))?;
            let row = placed(&catchment::load(conn, k)?, row);
            view(conn, row, &p.id, &key)
        })
        .await
}

/// Frontline insights for a subtree and period (HR: any team or the whole organisation;
/// managers: their subtrees); the period defaults to the last 30 days.
pub async fn frontline_insights(
    state: &AppState,
    p: &Principal,
    requested: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<FrontlineInsights, ApiError> {
    let today = crate::clock::now().date();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::TimeDelta::days(29));
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_PERIOD_DAYS {
        return Err(ApiError::invalid(
            "from",
            Msg::new("a period is at most {n} days").arg("n", MAX_PERIOD_DAYS),
        ));
    }
    let prev_from = from - chrono::TimeDelta::days(days);
    let prev_to = from - chrono::TimeDelta::days(1);
    let (actor, target) = (
        p.id.clone(),
        insights::audit_target(requested.as_deref(), from, to),
    );
    let p = p.clone();
    let k = state.config.k().get();
    let insights = state
        .db
        .read_replicated(move |conn| {
            let scope = summary_scope(conn, &p, requested.as_deref())?;
            // Anonymous suggestions count where their catchment holds k ([`placed`]).
            let c = catchment::load(conn, k)?;
            let scope = scope.map(|s| scope_of(&c, &s, false));
            let load = |conn: &mut crate::db::AnyConnection,
                        a: NaiveDate,
                        b: NaiveDate|
             -> Result<Vec<SuggestionRow>, ApiError> {
                let mut q = suggestions::table
                    .filter(suggestions::created_on.ge(a))
                    .filter(suggestions::created_on.le(b))
                    .select(SuggestionRow::as_select())
                    .into_boxed();
                if let Some(scope) = &scope {
                    q = q.filter(in_scope(scope));
                }
                Ok(q.order((suggestions::created_on, suggestions::id))
                    .load(conn)?)
            };
            let current = load(conn, from, to)?;
            let previous = load(conn, prev_from, prev_to)?;

            let ids: Vec<String> = current.iter().map(|s| s.id.clone()).collect();
            let firsts: Vec<(String, Option<NaiveDate>)> = suggestion_events::table
                .filter(suggestion_events::suggestion_id.eq_any(&ids))
                .group_by(suggestion_events::suggestion_id)
                .select((
                    suggestion_events::suggestion_id,
                    diesel::dsl::min(suggestion_events::replied_on),
                ))
                .load(conn)?;
            let firsts: HashMap<String, NaiveDate> = firsts
                .into_iter()
                .filter_map(|(id, d)| d.map(|d| (id, d)))
                .collect();
            Ok(insights::summarise(
                requested, from, to, today, &current, &previous, &firsts,
            ))
        })
        .await?;
    crate::reports::audit_log::append(state, &actor, insights::AUDIT_ACTION, &target).await?;
    Ok(insights)
}
