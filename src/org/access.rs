//! Who may read which teams and people. Each function is one rule, named for what it
//! allows; the API handlers, the web pages and the other capabilities (reports,
//! suggestions, CX, linkage) ask here rather than restating the rule.

use std::collections::HashSet;

use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::model::PersonRow;
use crate::org::store::{self, TeamTree};

/// Which teams the caller may read organisation data about: `None` means all of them
/// (HR and admin); otherwise the subtrees of the teams they manage.
pub fn readable_teams(
    conn: &mut AnyConnection,
    p: &Principal,
) -> Result<Option<HashSet<String>>, ApiError> {
    if p.is_hr_or_admin() {
        return Ok(None);
    }
    let managed = store::managed_team_ids(conn, &p.id)?;
    let tree = TeamTree::load(conn)?;
    Ok(Some(tree.subtrees(&managed)))
}

/// Teams a principal may see: what they may read in full, plus their own team chain.
pub fn teams_visible_to(
    conn: &mut AnyConnection,
    p: &Principal,
) -> Result<Option<HashSet<String>>, ApiError> {
    let readable = readable_teams(conn, p)?;
    widen_by_own_team(conn, p, readable, |tree, own| tree.ancestors_inclusive(own))
}

/// `teams` (`None`: all of them) and, when the principal is in a team, the teams
/// `related` to it in the tree.
fn widen_by_own_team<I: IntoIterator<Item = String>>(
    conn: &mut AnyConnection,
    p: &Principal,
    teams: Option<HashSet<String>>,
    related: impl FnOnce(&TeamTree, &String) -> I,
) -> Result<Option<HashSet<String>>, ApiError> {
    let Some(mut set) = teams else {
        return Ok(None);
    };
    if let Some(own) = &p.team_id {
        set.extend(related(&TeamTree::load(conn)?, own));
    }
    Ok(Some(set))
}

/// Whether the principal may read this person's record: their own, or one in a team
/// they may read.
pub fn may_read_person(
    conn: &mut AnyConnection,
    p: &Principal,
    person: &PersonRow,
) -> Result<bool, ApiError> {
    if p.id == person.id {
        return Ok(true);
    }
    Ok(match readable_teams(conn, p)? {
        None => true,
        Some(set) => person.team_id.as_ref().is_some_and(|t| set.contains(t)),
    })
}

/// Whether a caller may make a change that touches administrator rights
/// (`touches_admin`): granting or removing `admin`, or managing an admin's account
/// (deactivating it, issuing it an activation token, which signs its holder in as the
/// admin). Only an admin may; HR may make every other change to people.
pub fn may_change_admin(caller_is_admin: bool, touches_admin: bool) -> bool {
    caller_is_admin || !touches_admin
}

/// Teams whose suggestions `p` may read (`None`: all): the teams visible to them
/// ([`teams_visible_to`]) and their own team's subtree.
pub fn suggestion_teams_visible_to(
    conn: &mut AnyConnection,
    p: &Principal,
) -> Result<Option<HashSet<String>>, ApiError> {
    let visible = teams_visible_to(conn, p)?;
    widen_by_own_team(conn, p, visible, |tree, own| tree.subtrees([own]))
}

/// The teams a summary (CX ratings, frontline insights) covers when `p` asks for
/// `requested` (`None`: everything they may read; `None` back: all teams). A manager of
/// no team is refused (403); a team that does not exist or that they may not read is
/// 404, so the answer does not tell which.
pub fn summary_scope(
    conn: &mut AnyConnection,
    p: &Principal,
    requested: Option<&str>,
) -> Result<Option<HashSet<String>>, ApiError> {
    let readable = readable_teams(conn, p)?;
    if readable.as_ref().is_some_and(|m| m.is_empty()) {
        return Err(ApiError::Forbidden);
    }
    let Some(team) = requested else {
        return Ok(readable);
    };
    let tree = TeamTree::load(conn)?;
    if tree.contains(team) && readable.as_ref().is_none_or(|m| m.contains(team)) {
        Ok(Some(tree.subtrees([&team.to_owned()])))
    } else {
        Err(ApiError::NotFound("team"))
    }
}

/// Resolves which team the caller may report on: HR any team (or the whole
/// organisation when none is given); managers a team in their subtrees (their only
/// managed team when none is given); employees nothing. This is the one rule of who may
/// read a team's report: every report, comment list and trend read goes through it.
pub fn team_report_readable_by(
    conn: &mut AnyConnection,
    p: &Principal,
    team_id: Option<String>,
) -> Result<Option<String>, ApiError> {
    match readable_teams(conn, p)? {
        None => {
            if let Some(t) = &team_id {
                store::find_team(conn, t)?.ok_or(ApiError::NotFound("team"))?;
            }
            Ok(team_id)
        }
        Some(set) if set.is_empty() => Err(ApiError::Forbidden),
        Some(set) => match team_id {
            Some(t) if set.contains(&t) => Ok(Some(t)),
            Some(_) => Err(ApiError::NotFound("team")),
            None => {
                let managed = store::managed_team_ids(conn, &p.id)?;
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

/// Whether the principal may print kiosk codes for team `team_id`: HR and admins for
/// any team, a manager for a team in their subtrees.
pub fn may_print_kiosk_codes(
    conn: &mut AnyConnection,
    p: &Principal,
    team_id: &str,
) -> Result<bool, ApiError> {
    Ok(readable_teams(conn, p)?.is_none_or(|set| set.contains(team_id)))
}
