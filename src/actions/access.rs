//! Who may read and who may change an action, one rule each, built on the
//! organisation's own rules ([`crate::org::access`]):
//!
//! - **change** (edit, add updates, create): HR and admins any action, the
//!   organisation's included; a manager the actions of the teams in the subtrees they
//!   manage; nobody else;
//! - **read**: whoever may change it, the members of its team, and — for an action of
//!   the whole organisation — everyone.
//!
//! A reader who may not read an action is answered 404, so the answer does not tell
//! whether it exists.

use std::collections::HashSet;

use crate::auth::Principal;
use crate::db::AnyConnection;
use crate::error::ApiError;
use crate::org::access::readable_teams;

/// What one caller may do, computed once per request.
pub struct Rights {
    /// `None`: every team and the organisation (HR, admin).
    manages: Option<HashSet<String>>,
    own_team: Option<String>,
}

impl Rights {
    pub fn of(conn: &mut AnyConnection, p: &Principal) -> Result<Rights, ApiError> {
        Ok(Rights {
            manages: readable_teams(conn, p)?,
            own_team: p.team_id.clone(),
        })
    }

    /// HR or admin: every action.
    pub fn is_hr(&self) -> bool {
        self.manages.is_none()
    }

    /// Whether the caller may create or change actions of nothing at all.
    pub fn changes_nothing(&self) -> bool {
        self.manages.as_ref().is_some_and(HashSet::is_empty)
    }

    /// Whether the caller may change the actions of `team` (`None`: the organisation).
    pub fn may_change(&self, team: Option<&str>) -> bool {
        match (&self.manages, team) {
            (None, _) => true,
            (Some(set), Some(t)) => set.contains(t),
            (Some(_), None) => false,
        }
    }

    /// Whether the caller may read the actions of `team` (`None`: the organisation).
    pub fn may_read(&self, team: Option<&str>) -> bool {
        team.is_none() || self.may_change(team) || self.own_team.as_deref() == team
    }

    /// The teams whose actions the caller may read (`None`: all); the organisation's
    /// actions are readable by everyone.
    pub fn readable(&self) -> Option<HashSet<String>> {
        self.manages.as_ref().map(|set| {
            let mut s = set.clone();
            s.extend(self.own_team.iter().cloned());
            s
        })
    }
}
