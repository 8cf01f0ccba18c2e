//! Schedule arithmetic: when the n-th round of a survey opens and closes.
//!
//! Rounds open at 00:00 UTC on their day and stay open `window_days` days. Occurrence n
//! (1-based) is computed from the start date directly, never from the previous
//! occurrence, so a monthly survey started on 31 January opens on 28/29 February and
//! again on 31 March (month lengths do not drift). Times are UTC, so daylight-saving
//! changes never move a weekly round by an hour.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Once,
    Weekly,
    Biweekly,
    Monthly,
    Quarterly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Once => "once",
            Cadence::Weekly => "weekly",
            Cadence::Biweekly => "biweekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
        }
    }

    pub fn from_db(s: &str) -> Cadence {
        match s {
            "weekly" => Cadence::Weekly,
            "biweekly" => Cadence::Biweekly,
            "monthly" => Cadence::Monthly,
            "quarterly" => Cadence::Quarterly,
            _ => Cadence::Once,
        }
    }

    /// The longest window that never overlaps the next round: the shortest gap between
    /// two occurrences (28 days for monthly, 89 for quarterly); a one-off round may stay
    /// open up to 90 days.
    pub fn max_window_days(self) -> i32 {
        match self {
            Cadence::Once => 90,
            Cadence::Weekly => 7,
            Cadence::Biweekly => 14,
            Cadence::Monthly => 28,
            Cadence::Quarterly => 89,
        }
    }
}

/// A survey's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub starts_on: NaiveDate,
    pub cadence: Cadence,
    pub window_days: i32,
    pub ends_on: Option<NaiveDate>,
}

impl Schedule {
    /// The day occurrence `n` (1-based) opens, or `None` past the end of the schedule.
    pub fn opening_day(&self, n: u32) -> Option<NaiveDate> {
        if n == 0 {
            return None;
        }
        let k = n - 1;
        let day = match self.cadence {
            Cadence::Once => (k == 0).then_some(self.starts_on)?,
            Cadence::Weekly => self
                .starts_on
                .checked_add_days(Days::new(7 * u64::from(k)))?,
            Cadence::Biweekly => self
                .starts_on
                .checked_add_days(Days::new(14 * u64::from(k)))?,
            Cadence::Monthly => self.starts_on.checked_add_months(Months::new(k))?,
            Cadence::Quarterly => self.starts_on.checked_add_months(Months::new(3 * k))?,
        };
        match self.ends_on {
            Some(end) if day > end => None,
            _ => Some(day),
        }
    }

    /// When occurrence `n` opens and closes.
    pub fn window(&self, n: u32) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let day = self.opening_day(n)?;
        let opens = day.and_time(NaiveTime::MIN);
        let closes = opens.checked_add_days(Days::new(u64::try_from(self.window_days).ok()?))?;
        Some((opens, closes))
    }

    /// The occurrence whose window contains `now`, if any: the round that should be
    /// open now.
    pub fn due(&self, now: NaiveDateTime) -> Option<u32> {
        if now < self.starts_on.and_time(NaiveTime::MIN) {
            return None;
        }
        // Estimate from elapsed days, then check the neighbours (months vary in length).
        let days = (now.date() - self.starts_on).num_days().max(0) as u32;
        let estimate = match self.cadence {
            Cadence::Once => 1,
            Cadence::Weekly => days / 7 + 1,
            Cadence::Biweekly => days / 14 + 1,
            Cadence::Monthly => days / 28 + 1,
            Cadence::Quarterly => days / 89 + 1,
        };
        let low = estimate.saturating_sub(2).max(1);
        (low..=estimate + 1).rev().find(|&n| {
            self.window(n)
                .is_some_and(|(opens, closes)| opens <= now && now < closes)
        })
    }
}

/// A round of the survey as far as the schedule cares: its slot (`None` when HR opened
/// it by hand) and its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub slot: Option<i32>,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
}

impl Schedule {
    /// Whether occurrence `slot` (opening at `opens`, closing at `closes`) has already
    /// had its round among `held`: its own, or one HR opened by hand that was open during
    /// its window; for a one-off survey, any round at all. The scheduler opens no round
    /// for a taken slot (it would ask again people who have answered), and the survey
    /// page announces none.
    pub fn slot_taken(
        &self,
        slot: u32,
        opens: NaiveDateTime,
        closes: NaiveDateTime,
        held: &[Held],
    ) -> bool {
        if self.cadence == Cadence::Once {
            return !held.is_empty();
        }
        let slot = i32::try_from(slot).unwrap_or(i32::MAX);
        held.iter().any(|h| match h.slot {
            Some(s) => s == slot,
            None => h.opens_at < closes && h.closes_at > opens,
        })
    }

    /// The next round the schedule will open after `now`: the first occurrence that
    /// opens later than `now` and whose slot is not taken by `held`, with its window.
    /// Looks at most `look` occurrences ahead.
    pub fn next_after(
        &self,
        now: NaiveDateTime,
        held: &[Held],
        look: u32,
    ) -> Option<(u32, NaiveDateTime, NaiveDateTime)> {
        // The occurrence that opened last at `now` is about k + 1; start one earlier
        // (month lengths vary) and keep the first that opens after `now`.
        let days = u32::try_from((now.date() - self.starts_on).num_days().max(0)).unwrap_or(0);
        let months = u32::try_from(
            (now.year() - self.starts_on.year()) * 12 + now.month() as i32
                - self.starts_on.month() as i32,
        )
        .unwrap_or(0);
        let k = match self.cadence {
            Cadence::Once => 0,
            Cadence::Weekly => days / 7,
            Cadence::Biweekly => days / 14,
            Cadence::Monthly => months,
            Cadence::Quarterly => months / 3,
        };
        let first = k.max(1);
        (first..first.saturating_add(look))
            .filter_map(|n| self.window(n).map(|(o, c)| (n, o, c)))
            .find(|&(n, o, c)| o > now && !self.slot_taken(n, o, c, held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn sched(start: NaiveDate, cadence: Cadence, window: i32) -> Schedule {
        Schedule {
            starts_on: start,
            cadence,
            window_days: window,
            ends_on: None,
        }
    }

    fn at(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).expect("valid time")
    }

    #[test]
    fn the_next_round_skips_slots_taken_by_a_round_opened_by_hand() {
        // Weekly from Monday 5 January 2026, open 3 days. On Wednesday 7 January the
        // first round is open; the next opens on 12 January.
        let s = sched(d(2026, 1, 5), Cadence::Weekly, 3);
        let first = Held {
            slot: Some(1),
            opens_at: at(2026, 1, 5, 0),
            closes_at: at(2026, 1, 8, 0),
        };
        assert_eq!(
            s.next_after(at(2026, 1, 7, 12), &[first], 10),
            Some((2, at(2026, 1, 12, 0), at(2026, 1, 15, 0)))
        );
        // Between windows (Friday 9 January) the answer is the same.
        assert_eq!(
            s.next_after(at(2026, 1, 9, 12), &[first], 10).map(|n| n.0),
            Some(2)
        );
        // A round HR opened by hand on 11 January for 3 days covers slot 2's window:
        // the schedule skips to slot 3 (19 January).
        let by_hand = Held {
            slot: None,
            opens_at: at(2026, 1, 11, 9),
            closes_at: at(2026, 1, 14, 9),
        };
        assert_eq!(
            s.next_after(at(2026, 1, 11, 12), &[first, by_hand], 10),
            Some((3, at(2026, 1, 19, 0), at(2026, 1, 22, 0)))
        );
        // Before the start, the first occurrence.
        assert_eq!(
            s.next_after(at(2025, 12, 30, 0), &[], 10).map(|n| n.0),
            Some(1)
        );
    }

    #[test]
    fn a_one_off_survey_has_no_next_round_once_it_had_one() {
        let s = sched(d(2026, 3, 2), Cadence::Once, 5);
        assert_eq!(
            s.next_after(at(2026, 3, 1, 0), &[], 10),
            Some((1, at(2026, 3, 2, 0), at(2026, 3, 7, 0)))
        );
        let by_hand = Held {
            slot: None,
            opens_at: at(2026, 2, 1, 0),
            closes_at: at(2026, 2, 3, 0),
        };
        assert_eq!(s.next_after(at(2026, 3, 1, 0), &[by_hand], 10), None);
        assert_eq!(s.next_after(at(2026, 3, 9, 0), &[], 10), None);
    }

    #[test]
    fn a_schedule_past_its_end_has_no_next_round() {
        let mut s = sched(d(2026, 1, 1), Cadence::Monthly, 7);
        s.ends_on = Some(d(2026, 2, 15));
        assert_eq!(
            s.next_after(at(2026, 1, 20, 0), &[], 10).map(|n| n.0),
            Some(2)
        );
        assert_eq!(s.next_after(at(2026, 2, 20, 0), &[], 10), None);
    }

    #[test]
    fn a_monthly_survey_started_on_the_31st_keeps_to_month_ends() {
        let s = sched(d(2025, 1, 31), Cadence::Monthly, 7);
        assert_eq!(s.opening_day(2), Some(d(2025, 2, 28)));
        assert_eq!(s.opening_day(3), Some(d(2025, 3, 31)));
        assert_eq!(s.opening_day(4), Some(d(2025, 4, 30)));
    }

    #[test]
    fn a_leap_year_has_a_29th_of_february() {
        let s = sched(d(2024, 1, 29), Cadence::Monthly, 5);
        assert_eq!(s.opening_day(2), Some(d(2024, 2, 29)));
        let s = sched(d(2024, 2, 29), Cadence::Quarterly, 10);
        assert_eq!(s.opening_day(5), Some(d(2025, 2, 28)));
    }

    #[test]
    fn weekly_rounds_stay_seven_days_apart_across_daylight_saving_changes() {
        // 30 March 2025 and 26 October 2025 are DST changes in Europe; in UTC every
        // weekly opening is exactly 7 × 24 hours after the previous one.
        let s = sched(d(2025, 3, 24), Cadence::Weekly, 3);
        let (a, _) = s.window(1).expect("w1");
        let (b, _) = s.window(2).expect("w2");
        assert_eq!((b - a).num_hours(), 168);
        assert_eq!(s.opening_day(2), Some(d(2025, 3, 31)));
        let s = sched(d(2025, 10, 20), Cadence::Weekly, 3);
        assert_eq!(s.opening_day(2), Some(d(2025, 10, 27)));
    }

    #[test]
    fn a_once_schedule_has_one_occurrence_and_ends_on_stops_the_rest() {
        let s = sched(d(2025, 5, 1), Cadence::Once, 10);
        assert_eq!(s.opening_day(1), Some(d(2025, 5, 1)));
        assert_eq!(s.opening_day(2), None);
        let mut s = sched(d(2025, 5, 1), Cadence::Weekly, 3);
        s.ends_on = Some(d(2025, 5, 15));
        assert_eq!(s.opening_day(3), Some(d(2025, 5, 15)));
        assert_eq!(s.opening_day(4), None);
    }

    #[test]
    fn the_due_round_is_the_one_whose_window_contains_now() {
        let s = sched(d(2025, 1, 31), Cadence::Monthly, 3);
        let at = |y, m, day, h| d(y, m, day).and_hms_opt(h, 0, 0).expect("time");
        assert_eq!(s.due(at(2025, 1, 30, 23)), None);
        assert_eq!(s.due(at(2025, 1, 31, 0)), Some(1));
        assert_eq!(s.due(at(2025, 2, 2, 23)), Some(1));
        assert_eq!(
            s.due(at(2025, 2, 3, 0)),
            None,
            "window of 3 days has closed"
        );
        assert_eq!(s.due(at(2025, 2, 28, 12)), Some(2));
        assert_eq!(s.due(at(2026, 1, 31, 1)), Some(13));
        let w = sched(d(2025, 1, 1), Cadence::Weekly, 7);
        assert_eq!(w.due(at(2025, 3, 5, 0)), Some(10));
    }

    #[test]
    fn windows_never_overlap_at_the_longest_allowed_length() {
        for cadence in [
            Cadence::Weekly,
            Cadence::Biweekly,
            Cadence::Monthly,
            Cadence::Quarterly,
        ] {
            for start in [
                d(2024, 1, 31),
                d(2024, 2, 29),
                d(2025, 11, 30),
                d(2025, 12, 31),
            ] {
                let s = sched(start, cadence, cadence.max_window_days());
                for n in 1..40 {
                    let (_, closes) = s.window(n).expect("window");
                    let (next, _) = s.window(n + 1).expect("next");
                    assert!(
                        closes <= next,
                        "{cadence:?} from {start}: round {n} overlaps"
                    );
                }
            }
        }
    }
}
