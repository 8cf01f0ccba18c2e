//! The CSV exports of the reports: one renderer per report shape, reading the value the
//! service built (so a CSV carries exactly the suppression of the JSON). Pure text: the
//! columns and their order are part of the API, and exports are compared byte for byte.

use std::fmt::Write as _;

use crate::payload::{csv_field, csv_optional};
use crate::reports::types::{AuditPage, Comments, Group, Heatmap, Impact, Report, Trend};

/// A round's report: participation only while the round is open; once its scores are
/// released, one line per metric of the group, its child teams and the cut's values.
pub fn report(r: &Report) -> String {
    if !r.scores_released {
        return participation_csv(&r.group, &r.children);
    }
    let mut rows: Vec<(&str, &Group)> = vec![("group", &r.group)];
    rows.extend(r.children.iter().map(|g| ("child", g)));
    rows.extend(r.segments.iter().map(|g| ("segment", g)));
    report_csv(&rows)
}

/// Teams × drivers: one line per team, one column per driver (its mean).
pub fn heatmap(h: &Heatmap) -> String {
    let mut out = String::from("team_id,team,suppressed,n,engagement_index");
    for d in &h.drivers {
        let _ = write!(out, ",{}", d.as_str());
    }
    out.push('\n');
    for r in &h.rows {
        let _ = write!(
            out,
            "{},{},{},{},{}",
            csv_optional(r.team_id.as_deref()),
            csv_field(&r.team),
            r.suppressed,
            csv_optional(r.n),
            csv_optional(r.engagement_index)
        );
        for c in &r.cells {
            let _ = write!(out, ",{}", csv_optional(c.mean));
        }
        out.push('\n');
    }
    out
}

/// Released comments, in the order the service shuffled them.
pub fn comments(c: &Comments) -> String {
    let mut out = String::from("question_id,text\n");
    for c in &c.comments {
        let _ = writeln!(out, "{},{}", c.question_id, csv_field(&c.text));
    }
    out
}

/// A page of the audit log: one line per entry, newest first.
pub fn audit(page: &AuditPage) -> String {
    let mut out = String::from("at,actor_id,actor_email,action,target\n");
    for e in &page.items {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            e.at.format("%Y-%m-%dT%H:%M:%S"),
            csv_field(&e.actor_id),
            csv_optional(e.actor_email.as_deref()),
            csv_field(&e.action),
            csv_field(&e.target)
        );
    }
    out
}

/// A survey's trend: one line per closed round.
pub fn trend(t: &Trend) -> String {
    let mut out = String::from("round_id,sequence,closes_at,suppressed,n,engagement_index,enps\n");
    for p in &t.points {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            p.round_id,
            p.sequence,
            p.closes_at,
            p.suppressed,
            csv_optional(p.n),
            csv_optional(p.engagement_index),
            csv_optional(p.enps)
        );
    }
    out
}

/// A team's driver impact: one line per driver (a withheld group: one line saying why),
/// with the focus areas' rank (1–3) where a driver is one.
pub fn impact(i: &Impact) -> String {
    let mut out = String::from(
        "team_id,n,r_squared,withheld,driver,suppressed,score,organisation_score,relative_score,r,ci_low,ci_high,relative_weight,share,focus_rank\n",
    );
    let head = format!(
        "{},{},{},{}",
        csv_optional(i.team_id.as_deref()),
        csv_optional(i.n),
        csv_optional(i.r_squared),
        csv_optional(i.withheld.map(|w| w.as_str()))
    );
    if !i.released {
        let _ = writeln!(out, "{head},,,,,,,,,,,");
        return out;
    }
    for d in &i.drivers {
        let rank = i
            .focus_areas
            .iter()
            .position(|f| f.driver == d.driver)
            .map(|p| p + 1);
        let _ = writeln!(
            out,
            "{head},{},{},{},{},{},{},{},{},{},{},{}",
            d.driver.as_str(),
            d.suppressed,
            csv_optional(d.score),
            csv_optional(d.organisation_score),
            csv_optional(d.relative_score),
            csv_optional(d.r),
            csv_optional(d.ci_low),
            csv_optional(d.ci_high),
            csv_optional(d.relative_weight),
            csv_optional(d.share),
            csv_optional(rank)
        );
    }
    out
}

fn participation_csv(group: &Group, children: &[Group]) -> String {
    let mut out = String::from(
        "role,group,team_id,invited,participation_rate,answered,reachable,reachable_rate\n",
    );
    for (role, g) in std::iter::once(("group", group)).chain(children.iter().map(|c| ("child", c)))
    {
        let cells = match &g.participation {
            Some(p) => format!(
                "{},{},{},{},{}",
                p.invited,
                p.rate,
                p.answered,
                csv_optional(p.reachable),
                csv_optional(p.reachable_rate)
            ),
            None => ",,,,".to_owned(),
        };
        let _ = writeln!(
            out,
            "{role},{},{},{cells}",
            csv_field(&g.label),
            csv_optional(g.team_id.as_deref())
        );
    }
    out
}

fn report_csv(groups: &[(&str, &Group)]) -> String {
    let mut out =
        String::from("role,group,team_id,cut,value,suppressed,metric,n,value_mean,favorable\n");
    for (role, g) in groups {
        let head = format!(
            "{role},{},{},{},{},{}",
            csv_field(&g.label),
            csv_optional(g.team_id.as_deref()),
            csv_optional(g.cut.as_deref()),
            csv_field(&csv_optional(g.value.as_deref())),
            g.suppressed
        );
        if g.suppressed {
            let _ = writeln!(out, "{head},,,,");
            continue;
        }
        let n = g.n.unwrap_or(0);
        let _ = writeln!(out, "{head},responses,{n},,");
        if let Some(p) = &g.participation {
            let _ = writeln!(out, "{head},participation_rate,{},{},", p.invited, p.rate);
            let _ = writeln!(out, "{head},answered,{},,", p.answered);
            if p.reachable.is_some() {
                let _ = writeln!(
                    out,
                    "{head},reachable_rate,{},{},",
                    csv_optional(p.reachable),
                    csv_optional(p.reachable_rate)
                );
            }
        }
        let _ = writeln!(
            out,
            "{head},engagement_index,{n},{},",
            csv_optional(g.engagement_index)
        );
        let _ = writeln!(out, "{head},enps,{n},{},", csv_optional(g.enps));
        for d in g.drivers.iter().flatten() {
            let _ = writeln!(
                out,
                "{head},driver:{},{},{},{}",
                d.driver.as_str(),
                csv_optional(d.n),
                csv_optional(d.mean),
                csv_optional(d.favorable)
            );
        }
        for q in g.questions.iter().flatten() {
            let _ = writeln!(
                out,
                "{head},question:{},{},{},{}",
                q.question_id,
                csv_optional(q.n),
                csv_optional(q.mean),
                csv_optional(q.favorable)
            );
        }
    }
    out
}
