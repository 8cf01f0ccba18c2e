//! The settings of SCIM provisioning, flattened into [`crate::config::Config`].

use clap::{Args, ValueEnum};

/// What decides a provisioned person's team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TeamSource {
    /// The enterprise extension's `department` (a team's name, path or import key);
    /// groups are then read-only views of the teams.
    Department,
    /// Group membership: adding a person to a group moves them into that team.
    Groups,
}

#[derive(Args, Debug, Clone)]
pub struct ScimConfig {
    /// What drives team membership of people provisioned through SCIM: `department`
    /// (the enterprise extension's department names the team) or `groups` (SCIM groups
    /// are teams and their members the team's people).
    #[arg(
        long,
        env = "PULSELINE_SCIM_TEAMS",
        value_enum,
        default_value = "department",
        global = true
    )]
    pub scim_teams: TeamSource,

    /// The mass-change guard: the largest share of active people SCIM may deactivate
    /// within an hour (0 < share ≤ 1) before further deactivations wait for an admin's
    /// confirmation on /admin/scim. 1 turns the guard off.
    #[arg(
        long,
        env = "PULSELINE_SCIM_MAX_DEACTIVATE_SHARE",
        default_value_t = 0.10,
        global = true
    )]
    pub scim_max_deactivate_share: f64,
}

impl ScimConfig {
    /// The guard's share, kept within (0, 1].
    pub fn share(&self) -> f64 {
        if self.scim_max_deactivate_share.is_finite() && self.scim_max_deactivate_share > 0.0 {
            self.scim_max_deactivate_share.min(1.0)
        } else {
            0.10
        }
    }
}
