//! The statuses of an action and what a move between them records. Any move is
//! allowed (plans change); moving to `done` or `dropped` records the day it closed, and
//! moving back to an open status clears it. An open action past its due day is
//! overdue. Pure.

use chrono::NaiveDate;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename = "ActionStatus", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Planned,
    InProgress,
    Done,
    Dropped,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Planned,
        Status::InProgress,
        Status::Done,
        Status::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
    }

    /// The status stored as `s` (an unknown value reads as planned).
    pub fn from_db(s: &str) -> Status {
        Status::parse(s).unwrap_or(Status::Planned)
    }

    /// The status named `s` exactly, if any.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Planned or in progress: still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Planned | Status::InProgress)
    }
}

/// When an action closed (a day or a moment) after it moves from `from` to `to` at
/// `now`, given when it had closed (`closed`): kept when it stays as it was, set when it
/// closes or moves between done and dropped, cleared when it opens again.
pub fn closed_on_after<T: Copy>(from: Status, to: Status, closed: Option<T>, now: T) -> Option<T> {
    match (from.is_open(), to.is_open()) {
        (_, true) => None,
        (true, false) => Some(now),
        (false, false) if from == to => closed.or(Some(now)),
        (false, false) => Some(now),
    }
}

/// Whether an action with this status and due day is overdue on `today`.
pub fn is_overdue(status: Status, due_on: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).expect("day")
    }

    #[test]
    fn closing_records_the_day_and_reopening_clears_it() {
        let s = |x| Status::parse(x).expect("status");
        assert_eq!(
            closed_on_after(s("planned"), s("done"), None, d(4)),
            Some(d(4))
        );
        assert_eq!(
            closed_on_after(s("done"), s("done"), Some(d(1)), d(4)),
            Some(d(1))
        );
        assert_eq!(
            closed_on_after(s("done"), s("dropped"), Some(d(1)), d(4)),
            Some(d(4))
        );
        assert_eq!(
            closed_on_after(s("done"), s("in_progress"), Some(d(1)), d(4)),
            None
        );
    }

    #[test]
    fn only_an_open_action_past_its_day_is_overdue() {
        assert!(is_overdue(Status::Planned, d(3), d(4)));
        assert!(!is_overdue(Status::Planned, d(4), d(4)));
        assert!(!is_overdue(Status::Done, d(1), d(4)));
    }
}
