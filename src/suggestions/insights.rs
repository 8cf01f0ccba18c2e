//! The manager view of frontline insights for a subtree and a period, computed from the
//! period's suggestions (pure: the service loads them): top themes with their trend
//! against the previous period of equal length, counts by touchpoint and status, the most
//! voted suggestions and loop-closure figures — and its CSV rendering.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::payload::csv_field;
use crate::suggestions::model::SuggestionRow;
use crate::suggestions::themes::{self, Doc};
use crate::suggestions::types::{
    Count, FrontlineInsights, LoopClosureFigures, ThemeSummary, TopVoted,
};
use crate::suggestions::workflow::{Status, Touchpoint, loop_closure};

/// Most themes listed.
pub const MAX_THEMES: usize = 10;
/// Longest period accepted, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The audit-log action of a read of frontline insights (API JSON or CSV, or the page).
pub const AUDIT_ACTION: &str = "insights.read";

/// The audit-log target of a read of frontline insights: the team and the period.
pub fn audit_target(team_id: Option<&str>, from: NaiveDate, to: NaiveDate) -> String {
    let (from, to) = (from.to_string(), to.to_string());
    crate::reports::audit_log::target(
        "insights/frontline",
        &[
            ("team_id", team_id),
            ("from", Some(&from)),
            ("to", Some(&to)),
        ],
    )
}

fn text_of(s: &SuggestionRow) -> String {
    format!("{}. {}", s.title, s.body)
}

/// The insights over the period's suggestions (`current`), those of the previous period
/// of equal length, and each suggestion's first reply day (`firsts`), as of `today`.
pub fn summarise(
    team_id: Option<String>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    current: &[SuggestionRow],
    previous: &[SuggestionRow],
    firsts: &HashMap<String, NaiveDate>,
) -> FrontlineInsights {
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
    for s in current {
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

    let pairs: Vec<(NaiveDate, Option<NaiveDate>)> = current
        .iter()
        .map(|s| (s.created_on, firsts.get(&s.id).copied()))
        .collect();
    let lc = loop_closure(&pairs, today);
    FrontlineInsights {
        team_id,
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
    }
}

/// The insights as CSV: one line per theme, touchpoint, status and top-voted suggestion,
/// then the loop-closure figures.
pub fn insights_csv(insights: &FrontlineInsights) -> String {
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
    out
}
