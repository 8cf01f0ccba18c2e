//! The manager view of frontline insights for a subtree and a period: top themes (with
//! their trend against the previous period of equal length), counts by touchpoint and
//! status, the most voted suggestions, and loop-closure figures. JSON or CSV.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::NaiveDate;
use diesel::prelude::*;
use poem_openapi::param::{Header, Query};
use poem_openapi::{Object, OpenApi};

use crate::auth::Principal;
use crate::auth::bearer::BearerAuth;
use crate::db::schema::{suggestion_events, suggestions};
use crate::error::{ApiError, Msg};
use crate::http::Tag;
use crate::org::access::readable_teams;
use crate::org::store::TeamTree;
use crate::payload::{JsonOrCsv, csv_field};
use crate::state::AppState;
use crate::suggestions::model::SuggestionRow;
use crate::suggestions::themes::{self, Doc};
use crate::suggestions::workflow::{Status, Touchpoint, loop_closure};

/// Most themes listed.
pub const MAX_THEMES: usize = 10;
/// Longest period accepted, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

pub struct InsightsApi {
    pub state: AppState,
}

#[derive(Object)]
pub struct ThemeSummary {
    pub label: String,
    pub stems: Vec<String>,
    /// Suggestions of the period in this theme.
    pub count: i64,
    /// Up to three of them.
    pub example_ids: Vec<String>,
    /// Suggestions of the previous period of equal length sharing the theme's stems.
    pub previous_count: i64,
    /// count − previous_count.
    pub trend: i64,
}

#[derive(Object)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Object)]
pub struct TopVoted {
    pub id: String,
    pub title: String,
    pub votes: i32,
    pub status: Status,
}

#[derive(Object)]
pub struct LoopClosureFigures {
    /// Share (0–1) of the period's suggestions answered within 7 days.
    pub answered_within_7_days: Option<f64>,
    /// Median days from being raised to the first reply, over those answered.
    pub median_days_to_first_reply: Option<f64>,
    /// Suggestions without a reply raised more than 14 days ago.
    pub waiting_over_14_days: i64,
}

#[derive(Object)]
pub struct FrontlineInsights {
    pub team_id: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: i64,
    pub themes: Vec<ThemeSummary>,
    pub touchpoints: Vec<Count>,
    pub statuses: Vec<Count>,
    pub top_voted: Vec<TopVoted>,
    pub loop_closure: LoopClosureFigures,
}

fn text_of(s: &SuggestionRow) -> String {
    format!("{}. {}", s.title, s.body)
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Suggestions")]
impl InsightsApi {
    /// Frontline insights for a subtree and period (HR: any team or the whole
    /// organisation; managers: their subtrees). `from`/`to` default to the last 30 days.
    #[oai(
        path = "/insights/frontline",
        method = "get",
        operation_id = "frontline_insights"
    )]
    async fn frontline(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] team_id: Query<Option<String>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<FrontlineInsights>, ApiError> {
        let csv = accept.0.as_deref().is_some_and(|a| a.contains("text/csv"));
        let insights = frontline_insights(&self.state, &auth.0, team_id.0, from.0, to.0).await?;
        if !csv {
            return Ok(JsonOrCsv::Json(insights));
        }
        let mut out = String::from("section,key,count,detail\n");
        for t in &insights.themes {
            let _ = writeln!(out, "theme,{},{},{}", csv_field(&t.label), t.count, t.trend);
        }
        for c in &insights.touchpoints {
            let _ = writeln!(out, "touchpoint,{},{},", c.key, c.count);
        }
        for c in &insights.statuses {
            let _ = writeln!(out, "status,{},{},", c.key, c.count);
        }
        for t in &insights.top_voted {
            let _ = writeln!(
                out,
                "top_voted,{},{},{}",
                t.id,
                t.votes,
                csv_field(&t.title)
            );
        }
        let lc = &insights.loop_closure;
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "loop_closure,answered_within_7_days,,{}",
            num(lc.answered_within_7_days)
        );
        let _ = writeln!(
            out,
            "loop_closure,median_days_to_first_reply,,{}",
            num(lc.median_days_to_first_reply)
        );
        let _ = writeln!(
            out,
            "loop_closure,waiting_over_14_days,{},",
            lc.waiting_over_14_days
        );
        Ok(JsonOrCsv::Csv(out))
    }
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
    let p = p.clone();
    let insights = state
        .db
        .read(move |conn| {
            let managed = readable_teams(conn, &p)?;
            if managed.as_ref().is_some_and(|m| m.is_empty()) {
                return Err(ApiError::Forbidden);
            }
            let tree = TeamTree::load(conn)?;
            let scope: Option<HashSet<String>> = match (&requested, managed) {
                (Some(t), None) if tree.contains(t) => Some(tree.subtrees([t])),
                (Some(_), None) => return Err(ApiError::NotFound("team")),
                (Some(t), Some(m)) if m.contains(t) => Some(tree.subtrees([t])),
                (Some(_), Some(_)) => return Err(ApiError::NotFound("team")),
                (None, m) => m,
            };
            let load = |conn: &mut crate::db::AnyConnection,
                        a: NaiveDate,
                        b: NaiveDate|
             -> Result<Vec<SuggestionRow>, ApiError> {
                let mut q = suggestions::table
                    .filter(suggestions::created_on.ge(a))
                    .filter(suggestions::created_on.le(b))
                    .select(SuggestionRow::as_select())
                    .into_boxed();
                if let Some(s) = &scope {
                    q = q
                        .filter(suggestions::team_id.eq_any(s.iter().cloned().collect::<Vec<_>>()));
                }
                Ok(q.order((suggestions::created_on, suggestions::id))
                    .load(conn)?)
            };
            let current = load(conn, from, to)?;
            let previous = load(conn, prev_from, prev_to)?;

            let texts: Vec<String> = current.iter().map(text_of).collect();
            let docs: Vec<Doc> = current
                .iter()
                .zip(&texts)
                .map(|(s, t)| Doc { id: &s.id, text: t })
                .collect();
            let previous_stems: Vec<HashSet<String>> = previous
                .iter()
                .map(|s| themes::keywords(&text_of(s)).into_iter().collect())
                .collect();
            let theme_list = themes::themes(&docs, MAX_THEMES)
                .into_iter()
                .map(|t| {
                    let stems: HashSet<&String> = t.stems.iter().collect();
                    let previous_count = previous_stems
                        .iter()
                        .filter(|ks| ks.iter().any(|k| stems.contains(k)))
                        .count() as i64;
                    let count = t.doc_ids.len() as i64;
                    ThemeSummary {
                        example_ids: t.doc_ids.iter().take(3).cloned().collect(),
                        label: t.label,
                        stems: t.stems,
                        count,
                        previous_count,
                        trend: count - previous_count,
                    }
                })
                .collect();

            let mut touch: HashMap<&str, i64> = HashMap::new();
            let mut status: HashMap<&str, i64> = HashMap::new();
            for s in &current {
                *touch.entry(s.touchpoint.as_str()).or_default() += 1;
                *status.entry(s.status.as_str()).or_default() += 1;
            }
            let touchpoints = Touchpoint::ALL
                .iter()
                .map(|t| Count {
                    key: t.as_str().into(),
                    count: touch.get(t.as_str()).copied().unwrap_or(0),
                })
                .collect();
            let statuses = [
                Status::New,
                Status::Acknowledged,
                Status::InProgress,
                Status::Done,
                Status::Declined,
            ]
            .iter()
            .map(|st| Count {
                key: st.as_str().into(),
                count: status.get(st.as_str()).copied().unwrap_or(0),
            })
            .collect();
            let mut by_votes: Vec<&SuggestionRow> = current.iter().collect();
            by_votes.sort_by(|a, b| {
                b.votes
                    .cmp(&a.votes)
                    .then(b.created_on.cmp(&a.created_on))
                    .then(a.id.cmp(&b.id))
            });
            let top_voted = by_votes
                .into_iter()
                .take(5)
                .map(|s| TopVoted {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    votes: s.votes,
                    status: Status::from_db(&s.status),
                })
                .collect();

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
            let pairs: Vec<(NaiveDate, Option<NaiveDate>)> = current
                .iter()
                .map(|s| (s.created_on, firsts.get(&s.id).copied()))
                .collect();
            let lc = loop_closure(&pairs, today);
            Ok(FrontlineInsights {
                team_id: requested,
                from,
                to,
                total: current.len() as i64,
                themes: theme_list,
                touchpoints,
                statuses,
                top_voted,
                loop_closure: LoopClosureFigures {
                    answered_within_7_days: lc.answered_within_7_days,
                    median_days_to_first_reply: lc.median_days_to_first_reply,
                    waiting_over_14_days: lc.waiting_over_14_days as i64,
                },
            })
        })
        .await?;
    Ok(insights)
}
