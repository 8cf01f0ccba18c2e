//! Report endpoints: a round's report for a team (with its child teams and, on request,
//! one segmentation cut), the teams × drivers heatmap, released comments, and a survey's
//! trend across rounds — each as JSON or, with `Accept: text/csv`, as CSV with the same
//! suppression. Only closed rounds are reported (no live diffing). HR and admins see
//! every team; managers their subtrees (any other team is 404); employees none.
//! Every read and export is written to the audit log.

use std::fmt::Write as _;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{Object, OpenApi};
use rand::seq::SliceRandom;

use crate::auth::Principal;
use crate::auth::bearer::BearerAuth;
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::http::Tag;
use crate::org::access::readable_teams;
use crate::payload::{JsonOrCsv, csv_field};
use crate::reports::audit_log;
use crate::reports::release::{Item, Plan, RoundData};
use crate::state::AppState;
use crate::surveys::bank::Driver;
use crate::surveys::model::Cut;
use crate::surveys::store;

pub struct ReportsApi {
    pub state: AppState,
}

// ---------- objects ----------

#[derive(Object, Clone)]
pub struct Bucket {
    pub label: String,
    pub count: i64,
}

#[derive(Object, Clone)]
pub struct DriverCell {
    pub driver: Driver,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub mean: Option<f64>,
    /// Percent of answers 4 or 5.
    pub favorable: Option<f64>,
}

#[derive(Object, Clone)]
pub struct QuestionCell {
    pub question_id: String,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub mean: Option<f64>,
    pub favorable: Option<f64>,
    pub distribution: Option<Vec<Bucket>>,
}

#[derive(Object, Clone)]
pub struct ParticipationCell {
    pub invited: i64,
    pub rate: f64,
}

/// A group of responses: a team's subtree, or one value of a cut within it. A
/// suppressed group carries its label and nothing else.
#[derive(Object, Clone)]
pub struct Group {
    pub label: String,
    pub team_id: Option<String>,
    pub cut: Option<String>,
    pub value: Option<String>,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub participation: Option<ParticipationCell>,
    /// 0–100.
    pub engagement_index: Option<f64>,
    /// −100..100.
    pub enps: Option<f64>,
    pub drivers: Option<Vec<DriverCell>>,
    pub questions: Option<Vec<QuestionCell>>,
}

#[derive(Object)]
pub struct Report {
    pub round_id: String,
    /// False while the round is open: groups then carry live participation only.
    pub scores_released: bool,
    /// The team reported on; absent for the whole organisation.
    pub team_id: Option<String>,
    pub min_group: i64,
    pub group: Group,
    pub children: Vec<Group>,
    pub segments: Vec<Group>,
}

#[derive(Object)]
pub struct HeatmapRow {
    pub team_id: Option<String>,
    pub team: String,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub engagement_index: Option<f64>,
    pub cells: Vec<DriverCell>,
}

#[derive(Object)]
pub struct Heatmap {
    pub round_id: String,
    pub min_group: i64,
    pub drivers: Vec<Driver>,
    pub rows: Vec<HeatmapRow>,
}

#[derive(Object)]
pub struct Comment {
    pub question_id: String,
    pub text: String,
}

#[derive(Object)]
pub struct Comments {
    pub round_id: String,
    pub team_id: Option<String>,
    /// Comments are shown only for groups with at least this many of them.
    pub min_comments: i64,
    pub suppressed: bool,
    /// In random order, without the rest of their response.
    pub comments: Vec<Comment>,
}

#[derive(Object)]
pub struct TrendPoint {
    pub round_id: String,
    pub sequence: i32,
    pub closes_at: chrono::NaiveDateTime,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub engagement_index: Option<f64>,
    pub enps: Option<f64>,
}

#[derive(Object)]
pub struct Trend {
    pub survey_id: String,
    pub team_id: Option<String>,
    pub points: Vec<TrendPoint>,
}

// ---------- access ----------

/// Resolves which team the caller may report on: HR any team (or the whole
/// organisation when none is given); managers a team in their subtrees (their only
/// managed team when none is given); employees nothing.
fn authorize(
    conn: &mut AnyConnection,
    p: &Principal,
    team_id: Option<String>,
) -> Result<Option<String>, ApiError> {
    match readable_teams(conn, p)? {
        None => {
            if let Some(t) = &team_id {
                crate::org::store::find_team(conn, t)?.ok_or(ApiError::NotFound("team"))?;
            }
            Ok(team_id)
        }
        Some(set) if set.is_empty() => Err(ApiError::Forbidden),
        Some(set) => match team_id {
            Some(t) if set.contains(&t) => Ok(Some(t)),
            Some(_) => Err(ApiError::NotFound("team")),
            None => {
                let managed = crate::org::store::managed_team_ids(conn, &p.id)?;
                match managed.as_slice() {
                    [only] => Ok(Some(only.clone())),
                    _ => Err(ApiError::invalid(
                        "team_id",
                        "you manage several teams: choose one",
                    )),
                }
            }
        },
    }
}

fn closed_round(
    conn: &mut AnyConnection,
    round_id: &str,
) -> Result<crate::surveys::model::RoundRow, ApiError> {
    let round = store::find_round(conn, round_id)?.ok_or(ApiError::NotFound("round"))?;
    if round.is_open(now()) || now() < round.opens_at {
        return Err(ApiError::Conflict(
            "scores are released only after the round closes".into(),
        ));
    }
    Ok(round)
}

fn wants_csv(accept: &Option<String>) -> bool {
    accept.as_deref().is_some_and(|a| a.contains("text/csv"))
}

// ---------- assembly ----------

fn shown(plan: &Plan, item: &Item, node: usize, col: usize) -> bool {
    plan.items.get(item).is_some_and(|m| m[node][col])
}

fn group_view(
    data: &RoundData,
    plan: &Plan,
    node: usize,
    segment: Option<(usize, usize)>,
) -> Group {
    let col = data.column(segment);
    let (cut, value) = match segment {
        Some((c, v)) => (
            Some(data.cuts[c].0.to_owned()),
            Some(data.cuts[c].1[v].clone()),
        ),
        None => (None, None),
    };
    let label = match &value {
        Some(v) => v.clone(),
        None => data.label(node),
    };
    let team_id = data.team_id(node).map(str::to_owned);
    if !plan.groups[node][col] {
        return Group {
            label,
            team_id,
            cut,
            value,
            suppressed: true,
            n: None,
            participation: None,
            engagement_index: None,
            enps: None,
            drivers: None,
            questions: None,
        };
    }
    let s = data.scores(node, segment);
    let invited = data.invited(node, segment);
    let drivers = s
        .drivers
        .iter()
        .map(|d| {
            let on = shown(plan, &Item::Driver(d.driver), node, col);
            DriverCell {
                driver: d.driver,
                suppressed: !on,
                n: on.then_some(d.n as i64),
                mean: d.mean.filter(|_| on),
                favorable: d.favorable.filter(|_| on),
            }
        })
        .collect();
    let questions = s
        .questions
        .iter()
        .filter(|q| {
            plan.items
                .contains_key(&Item::Question(q.question_id.clone()))
        })
        .map(|q| {
            let on = shown(plan, &Item::Question(q.question_id.clone()), node, col);
            QuestionCell {
                question_id: q.question_id.clone(),
                suppressed: !on,
                n: on.then_some(q.n as i64),
                mean: q.mean.filter(|_| on),
                favorable: q.favorable.filter(|_| on),
                distribution: on.then(|| {
                    q.distribution
                        .iter()
                        .map(|(label, count)| Bucket {
                            label: label.clone(),
                            count: *count as i64,
                        })
                        .collect()
                }),
            }
        })
        .collect();
    Group {
        label,
        team_id,
        cut,
        value,
        suppressed: false,
        n: Some(s.n as i64),
        participation: (invited >= data.k.get() && invited > 0).then(|| ParticipationCell {
            invited: invited as i64,
            rate: s.n as f64 / invited as f64,
        }),
        engagement_index: s
            .engagement_index
            .filter(|_| shown(plan, &Item::Engagement, node, col)),
        enps: s.enps.filter(|_| shown(plan, &Item::Enps, node, col)),
        drivers: Some(drivers),
        questions: Some(questions),
    }
}

/// A group while its round is open: live participation (only with at least k invitees)
/// and nothing about answers.
fn participation_view(data: &RoundData, node: usize) -> Group {
    let invited = data.invited(node, None);
    let answered = data.cell(node, None).len();
    Group {
        label: data.label(node),
        team_id: data.team_id(node).map(str::to_owned),
        cut: None,
        value: None,
        suppressed: invited < data.k.get(),
        n: None,
        participation: (invited >= data.k.get()).then(|| ParticipationCell {
            invited: invited as i64,
            rate: answered as f64 / invited as f64,
        }),
        engagement_index: None,
        enps: None,
        drivers: None,
        questions: None,
    }
}

fn participation_csv(group: &Group, children: &[Group]) -> String {
    let mut out = String::from("role,group,team_id,invited,participation_rate\n");
    for (role, g) in std::iter::once(("group", group)).chain(children.iter().map(|c| ("child", c)))
    {
        let (invited, rate) = match &g.participation {
            Some(p) => (p.invited.to_string(), p.rate.to_string()),
            None => (String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "{role},{},{},{invited},{rate}",
            csv_field(&g.label),
            g.team_id.clone().unwrap_or_default()
        );
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

fn report_csv(groups: &[(&str, &Group)]) -> String {
    let mut out =
        String::from("role,group,team_id,cut,value,suppressed,metric,n,value_mean,favorable\n");
    for (role, g) in groups {
        let head = format!(
            "{role},{},{},{},{},{}",
            csv_field(&g.label),
            g.team_id.clone().unwrap_or_default(),
            g.cut.clone().unwrap_or_default(),
            csv_field(&g.value.clone().unwrap_or_default()),
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
        }
        let _ = writeln!(
            out,
            "{head},engagement_index,{n},{},",
            num(g.engagement_index)
        );
        let _ = writeln!(out, "{head},enps,{n},{},", num(g.enps));
        for d in g.drivers.iter().flatten() {
            let _ = writeln!(
                out,
                "{head},driver:{},{},{},{}",
                d.driver.as_str(),
                d.n.map(|x| x.to_string()).unwrap_or_default(),
                num(d.mean),
                num(d.favorable)
            );
        }
        for q in g.questions.iter().flatten() {
            let _ = writeln!(
                out,
                "{head},question:{},{},{},{}",
                q.question_id,
                q.n.map(|x| x.to_string()).unwrap_or_default(),
                num(q.mean),
                num(q.favorable)
            );
        }
    }
    out
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

// ---------- handlers ----------

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Reports")]
impl ReportsApi {
    /// A closed round's report for a team: the team, its child teams and, with `cut`,
    /// the values of that cut — every group and item released only under the anonymity
    /// rules. Without `team_id`, HR gets the whole organisation.
    #[oai(
        path = "/rounds/:id/report",
        method = "get",
        operation_id = "round_report"
    )]
    async fn report(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        #[oai(validator(max_length = 64))] team_id: Query<Option<String>>,
        cut: Query<Option<Cut>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Report>, ApiError> {
        round_report(
            &self.state,
            &auth.0,
            &id.0,
            team_id.0,
            cut.0,
            wants_csv(&accept.0),
        )
        .await
    }

    /// Teams × drivers for a closed round, with the same suppression as the reports.
    #[oai(
        path = "/rounds/:id/heatmap",
        method = "get",
        operation_id = "round_heatmap"
    )]
    async fn heatmap(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Heatmap>, ApiError> {
        round_heatmap(&self.state, &auth.0, &id.0, wants_csv(&accept.0)).await
    }

    /// Free-text answers of a closed round for a team, only when the group has at least
    /// max(k, 10) of them (with complementary suppression), shuffled and detached from
    /// the rest of their response.
    #[oai(
        path = "/rounds/:id/comments",
        method = "get",
        operation_id = "round_comments"
    )]
    async fn comments(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        #[oai(validator(max_length = 64))] team_id: Query<Option<String>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Comments>, ApiError> {
        round_comments(&self.state, &auth.0, &id.0, team_id.0, wants_csv(&accept.0)).await
    }

    /// A survey's engagement index and eNPS for a team, one point per closed round.
    #[oai(
        path = "/surveys/:id/trend",
        method = "get",
        operation_id = "survey_trend"
    )]
    async fn trend(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        #[oai(validator(max_length = 64))] team_id: Query<Option<String>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Trend>, ApiError> {
        survey_trend(&self.state, &auth.0, &id.0, team_id.0, wants_csv(&accept.0)).await
    }
}

// ---------- shared by the API and the web pages ----------

/// Runs a report read as `principal` and writes who read what to the audit log: `read`
/// answers the result with its audit action and target.
async fn audited<T, F>(state: &AppState, principal: &Principal, read: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, &Principal) -> Result<(T, &'static str, String), ApiError>
        + Send
        + 'static,
{
    let p = principal.clone();
    let actor = p.id.clone();
    let (out, action, target) = state.db.read(move |conn| read(conn, &p)).await?;
    audit_log::append(state, &actor, action, &target).await?;
    Ok(out)
}

/// A round's report for a team (participation only while it is open), audited.
pub async fn round_report(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    requested: Option<String>,
    cut: Option<Cut>,
    csv: bool,
) -> Result<JsonOrCsv<Report>, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    audited(state, principal, move |conn, principal| {
        let team = authorize(conn, principal, requested)?;
        let round = store::find_round(conn, &round_id)?.ok_or(ApiError::NotFound("round"))?;
        let released = round.closes_at <= now();
        // A closed round's data and plan come from the cache; an open round is read
        // afresh (its participation moves).
        let (model, open_data) = if released {
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
        let node = match &team {
            Some(t) => data.node(t).ok_or(ApiError::NotFound("team"))?,
            None => 0,
        };
        if !released {
            // No live diffing: while the round is open only participation shows.
            let group = participation_view(data, node);
            let children: Vec<Group> = data
                .tree
                .children(node)
                .iter()
                .map(|&c| participation_view(data, c))
                .collect();
            let (action, target): (&str, String) = (
                if csv { "report.export" } else { "report.read" },
                target(&format!("rounds/{round_id}/report"), &team, ""),
            );
            if csv {
                return Ok((
                    JsonOrCsv::Csv(participation_csv(&group, &children)),
                    action,
                    target,
                ));
            }
            return Ok((
                JsonOrCsv::Json(Report {
                    round_id: round_id.clone(),
                    scores_released: false,
                    team_id: team,
                    min_group: data.k.get() as i64,
                    group,
                    children,
                    segments: Vec::new(),
                }),
                action,
                target,
            ));
        }
        let Some(model) = &model else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "round {round_id} has no plan"
            )));
        };
        let plan = &model.plan;
        let group = group_view(data, plan, node, None);
        let children: Vec<Group> = data
            .tree
            .children(node)
            .iter()
            .map(|&c| group_view(data, plan, c, None))
            .collect();
        let segments: Vec<Group> = match cut_index {
            None => Vec::new(),
            Some(c) => (0..data.cuts[c].1.len())
                .filter(|&v| !data.cell(node, Some((c, v))).is_empty())
                .map(|v| group_view(data, plan, node, Some((c, v))))
                .collect(),
        };
        let extra = cut_index
            .map(|c| format!("cut={}", data.cuts[c].0))
            .unwrap_or_default();
        let (action, target): (&str, String) = (
            if csv { "report.export" } else { "report.read" },
            (target(&format!("rounds/{round_id}/report"), &team, &extra)).to_string(),
        );
        if csv {
            let mut rows: Vec<(&str, &Group)> = vec![("group", &group)];
            rows.extend(children.iter().map(|g| ("child", g)));
            rows.extend(segments.iter().map(|g| ("segment", g)));
            return Ok((JsonOrCsv::Csv(report_csv(&rows)), action, target));
        }
        Ok((
            JsonOrCsv::Json(Report {
                round_id,
                scores_released: true,
                team_id: team,
                min_group: data.k.get() as i64,
                group,
                children,
                segments,
            }),
            action,
            target,
        ))
    })
    .await
}

/// Teams × drivers for a closed round, audited.
pub async fn round_heatmap(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    csv: bool,
) -> Result<JsonOrCsv<Heatmap>, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    audited(state, principal, move |conn, principal| {
        let visible = readable_teams(conn, principal)?;
        if visible.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(ApiError::Forbidden);
        }
        let round = closed_round(conn, &round_id)?;
        let model = rounds.closed(conn, round)?;
        let (data, plan) = (&model.data, &model.plan);
        let mut nodes: Vec<usize> = data
            .tree
            .top_down()
            .into_iter()
            .filter(|&n| match &visible {
                None => true,
                Some(set) => data.team_id(n).is_some_and(|t| set.contains(t)),
            })
            .collect();
        nodes.retain(|&n| n == 0 || !data.cell(n, None).is_empty() || data.invited(n, None) > 0);
        let drivers: Vec<Driver> = Driver::ALL
            .into_iter()
            .filter(|d| plan.items.contains_key(&Item::Driver(*d)))
            .collect();
        let rows: Vec<HeatmapRow> = nodes
            .into_iter()
            .map(|n| {
                let g = group_view(data, plan, n, None);
                let cells = drivers
                    .iter()
                    .map(|d| {
                        g.drivers
                            .as_ref()
                            .and_then(|ds| ds.iter().find(|c| c.driver == *d).cloned())
                            .unwrap_or(DriverCell {
                                driver: *d,
                                suppressed: true,
                                n: None,
                                mean: None,
                                favorable: None,
                            })
                    })
                    .collect();
                HeatmapRow {
                    team_id: g.team_id,
                    team: g.label,
                    suppressed: g.suppressed,
                    n: g.n,
                    engagement_index: g.engagement_index,
                    cells,
                }
            })
            .collect();
        let (action, target): (&str, String) = (
            if csv {
                "heatmap.export"
            } else {
                "heatmap.read"
            },
            (format!("rounds/{round_id}/heatmap")).to_string(),
        );
        if csv {
            let mut out = String::from("team_id,team,suppressed,n,engagement_index");
            for d in &drivers {
                let _ = write!(out, ",{}", d.as_str());
            }
            out.push('\n');
            for r in &rows {
                let _ = write!(
                    out,
                    "{},{},{},{},{}",
                    r.team_id.clone().unwrap_or_default(),
                    csv_field(&r.team),
                    r.suppressed,
                    r.n.map(|x| x.to_string()).unwrap_or_default(),
                    num(r.engagement_index)
                );
                for c in &r.cells {
                    let _ = write!(out, ",{}", num(c.mean));
                }
                out.push('\n');
            }
            return Ok((JsonOrCsv::Csv(out), action, target));
        }
        Ok((
            JsonOrCsv::Json(Heatmap {
                round_id,
                min_group: data.k.get() as i64,
                drivers,
                rows,
            }),
            action,
            target,
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
    csv: bool,
) -> Result<JsonOrCsv<Comments>, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    audited(state, principal, move |conn, principal| {
        let team = authorize(conn, principal, requested)?;
        let round = closed_round(conn, &round_id)?;
        let model = rounds.closed(conn, round)?;
        let (data, plan) = (&model.data, &model.plan);
        let node = match &team {
            Some(t) => data.node(t).ok_or(ApiError::NotFound("team"))?,
            None => 0,
        };
        let mut comments = Vec::new();
        let mut any_hidden = false;
        for (qid, mask) in &plan.comments {
            let texts: Vec<&(String, String)> = data
                .cell(node, None)
                .into_iter()
                .flat_map(|r| r.texts.iter().filter(|(q, _)| q == qid))
                .collect();
            if mask[node] {
                comments.extend(texts.into_iter().map(|(q, t)| Comment {
                    question_id: q.clone(),
                    text: t.clone(),
                }));
            } else if !texts.is_empty() {
                any_hidden = true;
            }
        }
        comments.shuffle(&mut rand::thread_rng());
        let (action, target): (&str, String) = (
            if csv {
                "comments.export"
            } else {
                "comments.read"
            },
            (target(&format!("rounds/{round_id}/comments"), &team, "")).to_string(),
        );
        if csv {
            let mut out = String::from("question_id,text\n");
            for c in &comments {
                let _ = writeln!(out, "{},{}", c.question_id, csv_field(&c.text));
            }
            return Ok((JsonOrCsv::Csv(out), action, target));
        }
        Ok((
            JsonOrCsv::Json(Comments {
                round_id,
                team_id: team,
                min_comments: data.k.comment_floor() as i64,
                suppressed: any_hidden,
                comments,
            }),
            action,
            target,
        ))
    })
    .await
}

/// A survey's engagement index and eNPS for a team, one point per closed round; audited.
pub async fn survey_trend(
    state: &AppState,
    principal: &Principal,
    survey_id: &str,
    requested: Option<String>,
    csv: bool,
) -> Result<JsonOrCsv<Trend>, ApiError> {
    let survey_id = survey_id.to_owned();
    let rounds = state.rounds.clone();
    audited(state, principal, move |conn, principal| {
        let team = authorize(conn, principal, requested)?;
        store::find_survey(conn, &survey_id)?.ok_or(ApiError::NotFound("survey"))?;
        let t = now();
        let mut points = Vec::new();
        for round in store::rounds_of(conn, &survey_id)? {
            if round.closes_at > t {
                continue;
            }
            let model = rounds.closed(conn, round)?;
            let (data, plan) = (&model.data, &model.plan);
            let node = match &team {
                Some(x) => data.node(x).ok_or(ApiError::NotFound("team"))?,
                None => 0,
            };
            let g = group_view(data, plan, node, None);
            points.push(TrendPoint {
                round_id: data.round.id.clone(),
                sequence: data.round.sequence,
                closes_at: data.round.closes_at,
                suppressed: g.suppressed,
                n: g.n,
                engagement_index: g.engagement_index,
                enps: g.enps,
            });
        }
        let (action, target): (&str, String) = (
            if csv { "trend.export" } else { "trend.read" },
            (target(&format!("surveys/{survey_id}/trend"), &team, "")).to_string(),
        );
        if csv {
            let mut out =
                String::from("round_id,sequence,closes_at,suppressed,n,engagement_index,enps\n");
            for p in &points {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    p.round_id,
                    p.sequence,
                    p.closes_at,
                    p.suppressed,
                    p.n.map(|x| x.to_string()).unwrap_or_default(),
                    num(p.engagement_index),
                    num(p.enps)
                );
            }
            return Ok((JsonOrCsv::Csv(out), action, target));
        }
        Ok((
            JsonOrCsv::Json(Trend {
                survey_id,
                team_id: team,
                points,
            }),
            action,
            target,
        ))
    })
    .await
}
