//! The reports' rules and assembly, shared by the API, the web pages and the CLI: who
//! may read which team's report, that scores show only for closed rounds, how a round's
//! data and release plan become the groups of a report, heatmap, comments or trend, and
//! that every read or export is written to the audit log before it is answered. HR and
//! admins see every team; managers their subtrees (any other team is 404); employees none.
//! The functions answer plain report values; [`super::csv`] renders the CSV exports.

use std::fmt::Write as _;

use rand::seq::SliceRandom;

use crate::auth::Principal;
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::access::team_report_readable_by;
use crate::reports::audit_log;
use crate::reports::crowds::Reach;
use crate::reports::release::RoundData;
use crate::reports::types::{
    Comment, CommentTheme, Comments, Group, HiddenReason, Report, Trend, TrendPoint,
};
use crate::reports::views::{Reached, participation_cell, reach_into};
use crate::state::AppState;
use crate::suggestions::themes::{Doc, themes};
use crate::surveys::model::Cut;
use crate::surveys::store;

/// What the caller does with a report, as the audit log records it: reads it (JSON or a
/// web page, `*.read`) or exports it (CSV, `*.export`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Read,
    Export,
}

impl Purpose {
    pub(crate) fn action(self, read: &'static str, export: &'static str) -> &'static str {
        match self {
            Purpose::Read => read,
            Purpose::Export => export,
        }
    }
}

// ---------- access ----------

pub(crate) fn closed_round(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<crate::surveys::model::RoundRow, ApiError> {
    let round = store::find_round(conn, round_id)?.ok_or(ApiError::NotFound("round"))?;
    if round.is_open(now()) || now() < round.opens_at {
        return Err(ApiError::Conflict(
            "scores are released only after the round closes".into(),
        ));
    }
    kept(&round)?;
    Ok(round)
}

/// A closed round whose answer values the retention purge has deleted has no reports
/// any more: 410 with the day it happened.
pub(crate) fn kept(round: &crate::surveys::model::RoundRow) -> Result<(), ApiError> {
    match round.answers_purged_at {
        Some(at) => Err(ApiError::Gone(
            crate::error::Msg::new(
                "the answers of this round were deleted on {day} under the organisation's retention settings",
            )
            .arg("day", at.date()),
        )),
        None => Ok(()),
    }
}

// ---------- assembly ----------

/// A group of a closed round as [`group_view`] makes it, from the round's kept views:
/// the scores are worked out once per group, the reachable counts on every read.
pub(crate) fn closed_group(
    model: &crate::reports::closed_rounds::Closed,
    reached: Reached<'_>,
    node: usize,
    segment: Option<(usize, usize)>,
) -> Group {
    let mut g = (*model.views.group(&model.data, &model.plan, node, segment)).clone();
    if let Some(cell) = g.participation.as_mut() {
        reach_into(cell, &model.data, reached, node, segment);
    }
    g
}

/// A group while its round is open: live participation where `shown` (the round's
/// [`RoundData::participation_plan`]: at least k invitees, and no difference of shown
/// counts covering 1 to k − 1) and nothing about answers.
fn participation_view(
    data: &RoundData,
    shown: &[Vec<bool>],
    reached: Reached<'_>,
    node: usize,
) -> Group {
    let invited = data.invited(node, None);
    let answered = data.answered(node);
    let on = shown[node][0] && invited > 0;
    Group::unscored(
        data.label(node),
        data.team_id(node).map(str::to_owned),
        None,
        (!on).then_some(HiddenReason::of(invited, data.k.get())),
        on.then(|| participation_cell(data, reached, node, None, invited, answered)),
    )
}

fn target(path: &str, team: &Option<String>, extra: &str) -> String {
    let mut t = path.to_owned();
    if let Some(team) = team {
        let _ = write!(t, "?team_id={team}");
    }
    if !extra.is_empty() {
        t.push(if team.is_some() { '&' } else { '?' });
        t.push_str(extra);
    }
    t
}

// ---------- reads ----------

/// [`audit_log::audited_read`] for a read of one team's report: `read` gets the team `requested` if
/// `principal` may read it ([`team_report_readable_by`]; `None`: the whole organisation).
pub(crate) async fn audited_team_read<T, F>(
    state: &AppState,
    principal: &Principal,
    requested: Option<String>,
    action: &'static str,
    read: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, Option<String>) -> Result<(String, T), ApiError>
        + Clone
        + Send
        + 'static,
{
    audit_log::audited_read(state, principal, action, move |conn, principal| {
        let team = team_report_readable_by(conn, principal, requested)?;
        read(conn, team)
    })
    .await
}

/// The node of the requested team in a round's tree (the root when none is named).
pub(crate) fn team_node(data: &RoundData, team: &Option<String>) -> Result<usize, ApiError> {
    match team {
        Some(t) => data.node(t).ok_or(ApiError::NotFound("team")),
        None => Ok(0),
    }
}

/// A round's report for a team (participation only while it is open), audited.
pub async fn round_report(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    requested: Option<String>,
    cut: Option<Cut>,
    purpose: Purpose,
) -> Result<Report, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    let action = purpose.action("report.read", "report.export");
    audited_team_read(state, principal, requested, action, move |conn, team| {
        let round = store::find_round(conn, &round_id)?.ok_or(ApiError::NotFound("round"))?;
        let released = round.closes_at <= now();
        // A closed round's data and plan come from the cache; an open round is read
        // afresh (its participation moves).
        let (model, open_data) = if released {
            kept(&round)?;
            (Some(rounds.closed(conn, round)?), None)
        } else {
            (None, Some(RoundData::load(conn, round)?))
        };
        let Some(data) = model.as_ref().map(|m| &m.data).or(open_data.as_ref()) else {
            return Err(ApiError::NotFound("round"));
        };
        let cut_index = match cut {
            None => None,
            Some(c) => {
                let name = match c {
                    Cut::Location => "location",
                    Cut::JobFamily => "job_family",
                    Cut::Tenure => "tenure",
                };
                Some(
                    data.cuts
                        .iter()
                        .position(|(n, _)| *n == name)
                        .ok_or_else(|| {
                            ApiError::invalid("cut", "this survey does not collect that cut")
                        })?,
                )
            }
        };
        let node = team_node(data, &team)?;
        if !released {
            // No live diffing: while the round is open only participation shows.
            let shown = data.participation_plan(false);
            let reach = Reach::load(conn, data)?;
            let reach_plan = reach.plan(data);
            let reached = Some((&reach, reach_plan.as_slice()));
            let group = participation_view(data, &shown, reached, node);
            let children: Vec<Group> = data
                .tree
                .children(node)
                .iter()
                .map(|&c| participation_view(data, &shown, reached, c))
                .collect();
            return Ok((
                target(&format!("rounds/{round_id}/report"), &team, ""),
                Report {
                    round_id: round_id.clone(),
                    scores_released: false,
                    team_id: team,
                    min_group: data.k.get() as i64,
                    group,
                    children,
                    segments: Vec::new(),
                },
            ));
        }
        let Some(model) = &model else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "round {round_id} has no plan"
            )));
        };
        let reach = model.views.reach(conn, data)?;
        let reach_plan = model.views.reach_plan(data, &reach);
        let reached = Some((reach.as_ref(), reach_plan.as_slice()));
        let group = closed_group(model, reached, node, None);
        let children: Vec<Group> = data
            .tree
            .children(node)
            .iter()
            .map(|&c| closed_group(model, reached, c, None))
            .collect();
        let segments: Vec<Group> = match cut_index {
            None => Vec::new(),
            Some(c) => (0..data.cuts[c].1.len())
                .filter(|&v| !data.cell(node, Some((c, v))).is_empty())
                .map(|v| closed_group(model, reached, node, Some((c, v))))
                .collect(),
        };
        let extra = cut_index
            .map(|c| format!("cut={}", data.cuts[c].0))
            .unwrap_or_default();
        Ok((
            target(&format!("rounds/{round_id}/report"), &team, &extra),
            Report {
                round_id,
                scores_released: true,
                team_id: team,
                min_group: data.k.get() as i64,
                group,
                children,
                segments,
            },
        ))
    })
    .await
}

/// A closed round's free-text answers for a team, when the group is large enough; audited.
pub async fn round_comments(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    requested: Option<String>,
    purpose: Purpose,
) -> Result<Comments, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    let action = purpose.action("comments.read", "comments.export");
    audited_team_read(state, principal, requested, action, move |conn, team| {
        let round = closed_round(conn, &round_id)?;
        if let Some(at) = round.comments_purged_at {
            return Err(ApiError::Gone(
                crate::error::Msg::new(
                    "the comments of this round were deleted on {day} under the organisation's retention settings",
                )
                .arg("day", at.date()),
            ));
        }
        let model = rounds.closed(conn, round)?;
        let (data, plan) = (&model.data, &model.plan);
        let node = team_node(data, &team)?;
        let threads = crate::conversations::store::of_round(conn, &round_id)?;
        let mut comments = Vec::new();
        let mut any_hidden = false;
        for (qid, mask) in &plan.comments {
            let texts: Vec<(&str, &(String, String))> = data
                .cell(node, None)
                .into_iter()
                .flat_map(|r| {
                    r.texts
                        .iter()
                        .filter(|(q, _)| q == qid)
                        .map(move |t| (r.id.as_str(), t))
                })
                .collect();
            if mask[node] {
                comments.extend(texts.into_iter().map(|(rid, (q, t))| Comment {
                    question_id: q.clone(),
                    text: t.clone(),
                    conversation_id: threads.get(&(rid.to_owned(), q.clone())).cloned(),
                }));
            } else if !texts.is_empty() {
                any_hidden = true;
            }
        }
        comments.shuffle(&mut rand::thread_rng());
        let themes = comment_themes(&comments);
        Ok((
            target(&format!("rounds/{round_id}/comments"), &team, ""),
            Comments {
                round_id,
                team_id: team,
                min_comments: data.k.comment_floor() as i64,
                suppressed: any_hidden,
                comments,
                themes,
            },
        ))
    })
    .await
}

/// The themes of the comments a group's plan releases (the suggestions' engine: the
/// same comments give the same themes, whatever their order); nothing is read beyond
/// the comments shown.
fn comment_themes(comments: &[Comment]) -> Vec<CommentTheme> {
    const MAX_THEMES: usize = 5;
    let ids: Vec<String> = (0..comments.len()).map(|i| i.to_string()).collect();
    let docs: Vec<Doc<'_>> = comments
        .iter()
        .zip(&ids)
        .map(|(c, id)| Doc { id, text: &c.text })
        .collect();
    themes(&docs, MAX_THEMES)
        .into_iter()
        .map(|t| CommentTheme {
            label: t.label,
            keywords: t.stems,
            comments: t.doc_ids.len() as i64,
        })
        .collect()
}

/// A survey's engagement index and eNPS for a team, one point per closed round; audited.
pub async fn survey_trend(
    state: &AppState,
    principal: &Principal,
    survey_id: &str,
    requested: Option<String>,
    purpose: Purpose,
) -> Result<Trend, ApiError> {
    let survey_id = survey_id.to_owned();
    let rounds = state.rounds.clone();
    let action = purpose.action("trend.read", "trend.export");
    audited_team_read(state, principal, requested, action, move |conn, team| {
        store::find_survey(conn, &survey_id)?.ok_or(ApiError::NotFound("survey"))?;
        let t = now();
        let mut points = Vec::new();
        for round in store::rounds_of(conn, &survey_id)? {
            // An open round is not a point yet; one whose answers have expired no more.
            if round.closes_at > t || round.answers_purged_at.is_some() {
                continue;
            }
            // Each round's point of every team is kept with its footprint.
            let kept = rounds.points(conn, round.clone())?;
            let g = kept
                .points
                .get()
                .ok_or(ApiError::NotFound("round"))?
                .of_team(&team)?;
            points.push(TrendPoint {
                round_id: round.id,
                sequence: round.sequence,
                closes_at: round.closes_at,
                suppressed: g.suppressed,
                hidden: g.hidden,
                n: g.n,
                engagement_index: g.engagement_index,
                enps: g.enps,
            });
        }
        Ok((
            target(&format!("surveys/{survey_id}/trend"), &team, ""),
            Trend {
                survey_id,
                team_id: team,
                points,
            },
        ))
    })
    .await
}
