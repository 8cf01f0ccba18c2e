//! The life of a suggestion: statuses, the transitions managers may make, and the
//! loop-closure figures that show whether frontline voices get answers. Pure.

use chrono::NaiveDate;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Acknowledged,
    InProgress,
    Done,
    Declined,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Declined => "declined",
        }
    }

    pub fn from_db(s: &str) -> Status {
        match s {
            "acknowledged" => Status::Acknowledged,
            "in_progress" => Status::InProgress,
            "done" => Status::Done,
            "declined" => Status::Declined,
            _ => Status::New,
        }
    }

    /// Where a suggestion may go next: forward one step, or declined from any open
    /// status. Done and declined are final; nothing moves backwards, and nothing skips
    /// from new straight to done.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::New => &[Status::Acknowledged, Status::Declined],
            Status::Acknowledged => &[Status::InProgress, Status::Declined],
            Status::InProgress => &[Status::Done, Status::Declined],
            Status::Done | Status::Declined => &[],
        }
    }

    /// The statuses a reply may leave a suggestion in: while it is open, its own (a
    /// reply that keeps the status as it is) and the moves of [`Status::next`]; none
    /// once it is done or declined.
    pub fn reply_targets(self) -> Vec<Status> {
        let next = self.next();
        if next.is_empty() {
            return vec![];
        }
        std::iter::once(self).chain(next.iter().copied()).collect()
    }
}

/// The customer touchpoint a pain point is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Touchpoint {
    Awareness,
    Purchase,
    Onboarding,
    Usage,
    Support,
    Billing,
    Renewal,
    Other,
}

impl Touchpoint {
    pub const ALL: [Touchpoint; 8] = [
        Touchpoint::Awareness,
        Touchpoint::Purchase,
        Touchpoint::Onboarding,
        Touchpoint::Usage,
        Touchpoint::Support,
        Touchpoint::Billing,
        Touchpoint::Renewal,
        Touchpoint::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Touchpoint::Awareness => "awareness",
            Touchpoint::Purchase => "purchase",
            Touchpoint::Onboarding => "onboarding",
            Touchpoint::Usage => "usage",
            Touchpoint::Support => "support",
            Touchpoint::Billing => "billing",
            Touchpoint::Renewal => "renewal",
            Touchpoint::Other => "other",
        }
    }

    pub fn from_db(s: &str) -> Touchpoint {
        Touchpoint::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .unwrap_or(Touchpoint::Other)
    }
}

/// Loop-closure figures over a set of suggestions.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopClosure {
    /// Suggestions considered.
    pub total: usize,
    /// Share (0–1) of all suggestions whose first reply came within 7 days of being
    /// raised; None when there are none.
    pub answered_within_7_days: Option<f64>,
    /// Median whole days from being raised to the first reply, over those answered.
    pub median_days_to_first_reply: Option<f64>,
    /// Suggestions without any reply raised more than 14 days before `today`.
    pub waiting_over_14_days: usize,
}

/// Computes the figures from (raised on, first reply on) pairs, by day (anonymous
/// suggestions keep only the day they were raised).
pub fn loop_closure(items: &[(NaiveDate, Option<NaiveDate>)], today: NaiveDate) -> LoopClosure {
    let total = items.len();
    let mut days: Vec<i64> = items
        .iter()
        .filter_map(|(raised, reply)| reply.map(|r| (r - *raised).num_days().max(0)))
        .collect();
    days.sort_unstable();
    let within = days.iter().filter(|d| **d <= 7).count();
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2] as f64),
        n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    };
    LoopClosure {
        total,
        answered_within_7_days: (total > 0).then(|| within as f64 / total as f64),
        median_days_to_first_reply: median,
        waiting_over_14_days: items
            .iter()
            .filter(|(raised, reply)| reply.is_none() && (today - *raised).num_days() > 14)
            .count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    #[test]
    fn nothing_moves_backwards_or_skips_to_done() {
        assert!(!Status::New.next().contains(&Status::Done));
        assert!(!Status::InProgress.next().contains(&Status::Acknowledged));
        assert!(Status::Done.next().is_empty());
        assert!(Status::New.next().contains(&Status::Declined));
        assert_eq!(
            Status::Acknowledged.next(),
            &[Status::InProgress, Status::Declined]
        );
    }

    #[test]
    fn exactly_the_forward_moves_and_declines_are_allowed() {
        use Status::*;
        let all = [New, Acknowledged, InProgress, Done, Declined];
        let allowed = [
            (New, Acknowledged),
            (New, Declined),
            (Acknowledged, InProgress),
            (Acknowledged, Declined),
            (InProgress, Done),
            (InProgress, Declined),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    from.next().contains(&to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn an_open_suggestion_may_be_answered_without_changing_its_status() {
        use Status::*;
        assert_eq!(New.reply_targets(), vec![New, Acknowledged, Declined]);
        assert_eq!(InProgress.reply_targets(), vec![InProgress, Done, Declined]);
        assert!(Done.reply_targets().is_empty());
        assert!(Declined.reply_targets().is_empty());
    }

    #[test]
    fn loop_closure_matches_hand_computed_figures() {
        // Raised → first reply: 3 days, 10 days, 1 day, 7 days; two unanswered, raised
        // 20 and 5 days before "today" (1 March + 30 = 31 March).
        let items = [
            (d(3, 1), Some(d(3, 4))),
            (d(3, 1), Some(d(3, 11))),
            (d(3, 10), Some(d(3, 11))),
            (d(3, 12), Some(d(3, 19))),
            (d(3, 11), None),
            (d(3, 26), None),
        ];
        let f = loop_closure(&items, d(3, 31));
        assert_eq!(f.total, 6);
        // Within 7 days: 3, 1, 7 → 3 of 6.
        assert_eq!(f.answered_within_7_days, Some(0.5));
        // Days sorted 1, 3, 7, 10 → median (3 + 7) / 2 = 5.
        assert_eq!(f.median_days_to_first_reply, Some(5.0));
        // Unanswered for more than 14 days: the one raised 11 March (20 days).
        assert_eq!(f.waiting_over_14_days, 1);
    }

    #[test]
    fn no_suggestions_have_no_figures() {
        let f = loop_closure(&[], d(1, 1));
        assert_eq!(f.answered_within_7_days, None);
        assert_eq!(f.median_days_to_first_reply, None);
    }
}
