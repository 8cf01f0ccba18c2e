//! Suggestions over HTTP.
//!
//! Visibility (the rule the tests pin): everyone sees the suggestions of their own
//! team's subtree and of their own team's ancestors (so frontline staff see what their
//! colleagues and the teams above them raised); managers also see their managed
//! subtrees; HR and admins see everything. Anything else answers 404.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::auth::bearer::BearerAuth;
use crate::clock::now;
use crate::db::schema::{people, suggestion_events, suggestion_votes, suggestions};
use crate::db::{AnyConnection, lower};
use crate::error::{ApiError, Msg};
use crate::http::{Created, Tag, page_bounds};
use crate::org::access::readable_teams;
use crate::org::domain::{parse_optional_text, parse_text};
use crate::org::store::{self as org_store, TeamTree};
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::suggestions::model::{EventRow, SuggestionRow};
use crate::suggestions::workflow::{Status, Touchpoint};

pub struct SuggestionsApi {
    pub state: AppState,
}

pub const TITLE_MAX: usize = 140;
pub const BODY_MAX: usize = 5_000;
pub const REPLY_MIN: usize = 10;
pub const REPLY_MAX: usize = 2_000;

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateSuggestion {
    /// At most 140 characters.
    #[oai(validator(
        max_length = 140,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub title: String,
    /// At most 5,000 characters.
    #[oai(validator(
        max_length = 5000,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub body: String,
    pub touchpoint: Touchpoint,
    /// Which customers are affected (free text, at most 100 characters).
    #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub customer_segment: Option<String>,
    /// Anonymous: no author is stored, only the day, and the team is the nearest one
    /// (own or above) with at least k members. Keep the follow-up code to read replies.
    pub anonymous: bool,
}

#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateSuggestion {
    pub status: Status,
    /// The answer everyone who can see the suggestion reads (10 to 2,000 characters,
    /// not counting surrounding white space).
    #[oai(validator(max_length = 2000, pattern = r"^\s*\S[\s\S]{8,}\S\s*$"))]
    pub reply: String,
}

#[derive(Object, Clone)]
pub struct Author {
    pub id: String,
    pub name: String,
}

#[derive(Object)]
pub struct Reply {
    pub from_status: Status,
    pub to_status: Status,
    pub reply: String,
    pub replied_on: NaiveDate,
    pub replied_by: String,
}

#[derive(Object)]
pub struct Suggestion {
    pub id: String,
    pub team_id: String,
    pub team: String,
    pub title: String,
    pub body: String,
    pub touchpoint: Touchpoint,
    pub customer_segment: Option<String>,
    pub anonymous: bool,
    /// Only for signed suggestions.
    pub author: Option<Author>,
    pub status: Status,
    pub votes: i32,
    pub voted_by_me: bool,
    /// The day it was raised.
    pub created_on: NaiveDate,
    pub replies: Vec<Reply>,
}

#[derive(Object)]
pub struct CreatedSuggestion {
    #[oai(flatten)]
    pub suggestion: Suggestion,
    /// Anonymous only, shown once: read replies at `GET /api/v1/suggestions/followup/{code}`.
    pub followup_code: Option<String>,
}

#[derive(Object)]
pub struct SuggestionPage {
    pub items: Vec<Suggestion>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Object)]
pub struct VoteState {
    pub voted: bool,
    pub votes: i32,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Sort {
    Recent,
    Votes,
}

// ---------- rules ----------

/// Teams whose suggestions `p` may read; None means all.
pub fn visible_teams(
    conn: &mut AnyConnection,
    p: &Principal,
) -> Result<Option<HashSet<String>>, ApiError> {
    let Some(mut set) = readable_teams(conn, p)? else {
        return Ok(None);
    };
    if let Some(own) = &p.team_id {
        let tree = TeamTree::load(conn)?;
        set.extend(tree.subtrees([own]));
        set.extend(tree.ancestors_inclusive(own));
    }
    Ok(Some(set))
}

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

fn followup_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// For an anonymous suggestion: the nearest team, the author's own or an ancestor,
/// whose subtree has at least k active members.
fn anonymous_team(conn: &mut AnyConnection, own: &str, k: usize) -> Result<String, ApiError> {
    let tree = TeamTree::load(conn)?;
    let chain = tree.ancestors_inclusive(own);
    let members: Vec<String> = people::table
        .filter(people::active.eq(true))
        .filter(people::team_id.is_not_null())
        .select(people::team_id.assume_not_null())
        .load(conn)?;
    for team in &chain {
        let subtree = tree.subtrees([team]);
        if members.iter().filter(|t| subtree.contains(*t)).count() >= k {
            return Ok(team.clone());
        }
    }
    Ok(chain.last().cloned().unwrap_or_else(|| own.to_owned()))
}

fn view(
    conn: &mut AnyConnection,
    row: SuggestionRow,
    me: &str,
    key: &[u8],
) -> Result<Suggestion, ApiError> {
    let team = org_store::find_team(conn, &row.team_id)?
        .map(|t| t.name)
        .unwrap_or_default();
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
    Ok(Suggestion {
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

/// The suggestion if the caller may see it, else 404.
fn visible(conn: &mut AnyConnection, p: &Principal, id: &str) -> Result<SuggestionRow, ApiError> {
    let row = find(conn, id)?.ok_or(ApiError::NotFound("suggestion"))?;
    match visible_teams(conn, p)? {
        Some(set) if !set.contains(&row.team_id) => Err(ApiError::NotFound("suggestion")),
        _ => Ok(row),
    }
}

// ---------- handlers ----------

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Suggestions")]
impl SuggestionsApi {
    /// Raise a suggestion about a customer pain point (any employee with a team).
    #[oai(
        path = "/suggestions",
        method = "post",
        operation_id = "create_suggestion"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateSuggestion>,
    ) -> Result<Created<CreatedSuggestion>, ApiError> {
        create_suggestion(&self.state, &auth.0, body.0)
            .await
            .map(|c| Created::Created(Json(c)))
    }

    /// Suggestions the caller may see, filtered and paged.
    #[oai(
        path = "/suggestions",
        method = "get",
        operation_id = "list_suggestions"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this team's subtree.
        #[oai(validator(max_length = 64))]
        team_id: Query<Option<String>>,
        touchpoint: Query<Option<Touchpoint>>,
        status: Query<Option<Status>>,
        /// Raised on or after this day.
        from: Query<Option<NaiveDate>>,
        /// Raised on or before this day.
        to: Query<Option<NaiveDate>>,
        /// Case-insensitive search in title and body.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// `recent` (default) or `votes`.
        sort: Query<Option<Sort>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))] offset: Query<
            Option<i64>,
        >,
    ) -> Result<Json<SuggestionPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let filter = Filter {
            team: team_id.0,
            touchpoint: touchpoint.0,
            status: status.0,
            from: from.0,
            to: to.0,
            q: q.0,
            sort: sort.0,
        };
        list_suggestions(&self.state, &auth.0, filter, limit, offset)
            .await
            .map(Json)
    }

    /// One suggestion with its replies.
    #[oai(
        path = "/suggestions/:id",
        method = "get",
        operation_id = "get_suggestion"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Suggestion>, ApiError> {
        get_suggestion(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Read an anonymous suggestion and its replies with the follow-up code given when
    /// it was raised.
    #[oai(
        path = "/suggestions/followup/:code",
        method = "get",
        operation_id = "followup_suggestion"
    )]
    async fn followup(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 128))] code: Path<String>,
    ) -> Result<Json<Suggestion>, ApiError> {
        followup(&self.state, &auth.0, &code.0).await.map(Json)
    }

    /// Vote for a suggestion, or take the vote back (a toggle). One vote per person.
    #[oai(
        path = "/suggestions/:id/votes",
        method = "post",
        operation_id = "toggle_vote"
    )]
    async fn vote(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<VoteState>, ApiError> {
        toggle_vote(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Move a suggestion along its workflow with a reply (the team's manager, a manager
    /// above it, or HR). Illegal moves are 409 naming the allowed ones.
    #[oai(
        path = "/suggestions/:id",
        method = "patch",
        operation_id = "update_suggestion"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<UpdateSuggestion>,
    ) -> Result<Json<Suggestion>, ApiError> {
        update_suggestion(&self.state, &auth.0, &id.0, body.status, &body.reply)
            .await
            .map(Json)
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
    let code = b.anonymous.then(|| {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    });
    let hash = code.as_deref().map(followup_hash);
    let (anonymous, touchpoint, me) = (b.anonymous, b.touchpoint, p.id.clone());
    let created = state
        .db
        .write(move |conn| {
            let team_id = if anonymous {
                anonymous_team(conn, &own, k)?
            } else {
                own
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
            view(conn, row, &me, &key)
        })
        .await?;
    Ok(CreatedSuggestion {
        suggestion: created,
        followup_code: code,
    })
}

/// What to list: every field narrows the list; `sort` orders it.
#[derive(Default)]
pub struct Filter {
    pub team: Option<String>,
    pub touchpoint: Option<Touchpoint>,
    pub status: Option<Status>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub q: Option<String>,
    pub sort: Option<Sort>,
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
        .read(move |conn| {
            let mut allowed = visible_teams(conn, &p)?;
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
            let pattern =
                q.map(|s| format!("%{}%", s.trim().to_lowercase().replace(['%', '_'], "")));
            let build = || {
                let mut query = suggestions::table.into_boxed();
                if let Some(a) = &allowed {
                    query = query
                        .filter(suggestions::team_id.eq_any(a.iter().cloned().collect::<Vec<_>>()));
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
                .map(|r| view(conn, r, &p.id, &key))
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
    state
        .db
        .read(move |conn| {
            let row = visible(conn, &p, &id)?;
            view(conn, row, &p.id, &key)
        })
        .await
}

/// An anonymous suggestion and its replies, found by its follow-up code.
pub async fn followup(state: &AppState, p: &Principal, code: &str) -> Result<Suggestion, ApiError> {
    let (p, key, hash) = (
        p.clone(),
        state.vote_key.clone(),
        followup_hash(code.trim()),
    );
    state
        .db
        .read(move |conn| {
            let row: SuggestionRow = suggestions::table
                .filter(suggestions::followup_hash.eq(&hash))
                .select(SuggestionRow::as_select())
                .first(conn)
                .optional()?
                .ok_or(ApiError::NotFound("suggestion"))?;
            view(conn, row, &p.id, &key)
        })
        .await
}

/// Toggles `p`'s vote on a suggestion they may see. One vote per person.
pub async fn toggle_vote(state: &AppState, p: &Principal, id: &str) -> Result<VoteState, ApiError> {
    let (p, key, id) = (p.clone(), state.vote_key.clone(), id.to_owned());
    let hash = voter_hash(&key, &p.id, &id);
    let outcome = state
        .db
        .write({
            let (p, id, hash) = (p.clone(), id.clone(), hash.clone());
            move |conn| {
                visible(conn, &p, &id)?;
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
    state
        .db
        .write(move |conn| {
            let row = visible(conn, &p, &id)?;
            if let Some(managed) = readable_teams(conn, &p)?
                && !managed.contains(&row.team_id)
            {
                return Err(ApiError::Forbidden);
            }
            let from = Status::from_db(&row.status);
            if !from.next().contains(&to) {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
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
            diesel::insert_into(suggestion_events::table)
                .values(EventRow {
                    id: uuid::Uuid::new_v4().to_string(),
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
            let row = find(conn, &id)?.ok_or(ApiError::NotFound("suggestion"))?;
            view(conn, row, &p.id, &key)
        })
        .await
}
