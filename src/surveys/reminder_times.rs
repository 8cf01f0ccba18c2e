//! When a round's automatic reminders go out, computed without the database or a clock.
//!
//! A survey sends 0 to [`MOST`] reminders per round ([`DEFAULT`] 2). Their nominal
//! moments ([`nominal`]): one reminder at half the round's window; two at half the
//! window and one day before it closes; three at a third, two thirds and one day before
//! it closes. Each moment then waits for working hours ([`WorkingHours::next_open`]:
//! Monday to Friday, `start` to `end` o'clock in the configured time zone), and a
//! reminder whose moment would not come before the round closes, or not after the one
//! before it, is not sent at all ([`moments`]). Reminders keep their numbers (1, 2, 3)
//! whichever are dropped: the number is part of each message's idempotency key.

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike};
use chrono_tz::Tz;

/// Reminders a new survey's rounds send.
pub const DEFAULT: i32 = 2;
/// The most reminders a survey's rounds may send.
pub const MOST: i32 = 3;

/// Working hours: Monday to Friday, from `start` o'clock (inclusive) to `end` o'clock
/// (exclusive), in time zone `zone`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    pub zone: Tz,
    pub start: u32,
    pub end: u32,
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours {
            zone: Tz::UTC,
            start: 9,
            end: 17,
        }
    }
}

impl WorkingHours {
    /// Reads an IANA time zone name (`Europe/Berlin`) and hours as `START-END` in whole
    /// hours (`9-17`), or says what is wrong.
    pub fn parse(zone: &str, hours: &str) -> Result<WorkingHours, String> {
        let zone: Tz = zone.trim().parse().map_err(|_| {
            format!("PULSELINE_TIME_ZONE must be an IANA time zone name such as Europe/Berlin (got {zone:?})")
        })?;
        let bad = || {
            format!(
                "PULSELINE_WORKING_HOURS must be START-END in whole hours, START before END, \
                 e.g. 9-17 (got {hours:?})"
            )
        };
        let (start, end) = hours.trim().split_once('-').ok_or_else(bad)?;
        let start: u32 = start.trim().parse().map_err(|_| bad())?;
        let end: u32 = end.trim().parse().map_err(|_| bad())?;
        if start >= end || end > 24 {
            return Err(bad());
        }
        Ok(WorkingHours { zone, start, end })
    }

    /// Whether `t` (UTC) falls in working hours.
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        let local = self.zone.from_utc_datetime(&t).naive_local();
        is_workday(local.date()) && (self.start..self.end).contains(&local.hour())
    }

    /// `t` (UTC) when it falls in working hours, else the start of the next working
    /// hours (in UTC).
    pub fn next_open(&self, t: NaiveDateTime) -> NaiveDateTime {
        if self.contains(t) {
            return t;
        }
        let local = self.zone.from_utc_datetime(&t).naive_local();
        let mut day = local.date();
        if !(is_workday(day) && local.hour() < self.start) {
            day = day.succ_opt().unwrap_or(day);
        }
        // At most two weekend days to skip; the bound only guards the loop.
        for _ in 0..7 {
            if is_workday(day)
                && let Some(at) = self.start_of(day)
                && at >= t
            {
                return at;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        t
    }

    /// The moment (UTC) working hours start on local day `day`. A start that a clock
    /// change skips (the hour does not exist that day) is the first hour after it that
    /// does; one that happens twice is the earlier.
    fn start_of(&self, day: NaiveDate) -> Option<NaiveDateTime> {
        let start = day.and_hms_opt(self.start, 0, 0)?;
        (0..4).find_map(|h| {
            match self
                .zone
                .from_local_datetime(&(start + TimeDelta::hours(h)))
            {
                LocalResult::Single(t) => Some(t.naive_utc()),
                LocalResult::Ambiguous(a, _) => Some(a.naive_utc()),
                LocalResult::None => None,
            }
        })
    }
}

fn is_workday(d: NaiveDate) -> bool {
    d.weekday().number_from_monday() <= 5
}

/// The nominal moments (UTC) of `count` reminders of a round open from `opens` to
/// `closes`, reminder 1 first, before working hours are applied.
pub fn nominal(opens: NaiveDateTime, closes: NaiveDateTime, count: i32) -> Vec<NaiveDateTime> {
    let count = count.clamp(0, MOST);
    let window = closes - opens;
    match count {
        0 => vec![],
        1 => vec![opens + window / 2],
        n => {
            let mut at: Vec<NaiveDateTime> = (1..n).map(|i| opens + window * i / n).collect();
            at.push(closes - TimeDelta::days(1));
            at
        }
    }
}

/// The reminders that go out, as (number, moment in UTC): [`nominal`]'s moments moved
/// into working hours, without those that would come at or after the close, at or
/// before the opening, or not after the reminder before them.
pub fn moments(
    opens: NaiveDateTime,
    closes: NaiveDateTime,
    count: i32,
    hours: &WorkingHours,
) -> Vec<(i32, NaiveDateTime)> {
    let mut out: Vec<(i32, NaiveDateTime)> = Vec::new();
    for (i, at) in nominal(opens, closes, count).into_iter().enumerate() {
        if at <= opens {
            continue;
        }
        let at = hours.next_open(at);
        let after_last = out.last().is_none_or(|(_, prev)| at > *prev);
        if at > opens && at < closes && after_last {
            out.push((i32::try_from(i).unwrap_or(0) + 1, at));
        }
    }
    out
}

/// The reminder due at `now`: the latest of [`moments`] that has come, if any.
pub fn due(
    opens: NaiveDateTime,
    closes: NaiveDateTime,
    count: i32,
    hours: &WorkingHours,
    now: NaiveDateTime,
) -> Option<i32> {
    if now < opens || now >= closes {
        return None;
    }
    moments(opens, closes, count, hours)
        .into_iter()
        .rev()
        .find(|(_, at)| *at <= now)
        .map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a time")
    }

    fn utc() -> WorkingHours {
        WorkingHours::default()
    }

    fn zone(name: &str) -> WorkingHours {
        WorkingHours::parse(name, "9-17").expect("hours")
    }

    #[test]
    fn two_reminders_of_a_four_day_window_go_at_the_half_and_a_day_before_the_close() {
        // Monday 10:00 to Friday 10:00 UTC.
        let (opens, closes) = (at("2026-12-07 10:00"), at("2026-12-11 10:00"));
        assert_eq!(
            moments(opens, closes, 2, &utc()),
            vec![(1, at("2026-12-09 10:00")), (2, at("2026-12-10 10:00"))]
        );
        assert_eq!(
            moments(opens, closes, 1, &utc()),
            vec![(1, at("2026-12-09 10:00"))]
        );
        // Three: a third (Tuesday 18:00) and two thirds (Thursday 02:00) fall outside
        // working hours and wait for 09:00 the next morning.
        assert_eq!(
            moments(opens, closes, 3, &utc()),
            vec![
                (1, at("2026-12-09 09:00")),
                (2, at("2026-12-10 09:00")),
                (3, at("2026-12-10 10:00"))
            ]
        );
    }

    #[test]
    fn no_reminders_means_none() {
        let (opens, closes) = (at("2026-12-07 10:00"), at("2026-12-11 10:00"));
        assert!(moments(opens, closes, 0, &utc()).is_empty());
        assert_eq!(due(opens, closes, 0, &utc(), at("2026-12-10 12:00")), None);
    }

    /// Each moment (UTC) of `cases` waits under `hours` for the moment beside it.
    fn waits(hours: &WorkingHours, cases: &[(&str, &str)]) {
        for (moment, open) in cases {
            assert_eq!(hours.next_open(at(moment)), at(open), "{moment}");
        }
    }

    #[test]
    fn a_moment_at_3_at_night_local_waits_for_9_local() {
        // Tokyo is UTC+9 all year: 03:00 there is 18:00 UTC the day before.
        let tokyo = zone("Asia/Tokyo");
        let night = at("2026-12-08 18:00"); // Wednesday 03:00 in Tokyo
        assert!(!tokyo.contains(night));
        waits(
            &tokyo,
            &[
                ("2026-12-08 18:00", "2026-12-09 00:00"), // Wednesday 09:00
                // In working hours a moment stays where it is; 17:00 is after them.
                ("2026-12-09 01:30", "2026-12-09 01:30"),
                ("2026-12-09 08:00", "2026-12-10 00:00"),
            ],
        );
    }

    #[test]
    fn a_weekend_moment_waits_for_monday() {
        waits(
            &zone("Europe/Berlin"),
            &[
                // Friday 18:00 in Berlin (UTC+1 in December) → Monday 09:00.
                ("2026-12-11 17:00", "2026-12-14 08:00"),
                // Saturday noon and Sunday night too.
                ("2026-12-12 11:00", "2026-12-14 08:00"),
                ("2026-12-13 23:30", "2026-12-14 08:00"),
                // Monday 07:00 local waits two hours.
                ("2026-12-14 06:00", "2026-12-14 08:00"),
            ],
        );
    }

    #[test]
    fn the_clock_change_moves_working_hours_in_utc() {
        // Berlin moves to summer time on Sunday 29 March 2026: Friday evening's moment
        // waits for Monday 09:00 summer time, 07:00 UTC (not 08:00).
        waits(
            &zone("Europe/Berlin"),
            &[("2026-03-27 19:00", "2026-03-30 07:00")],
        );
        // Hours that start at 02:00, on the night the clock jumps from 02:00 to 03:00:
        // they start at 03:00 summer time, 01:00 UTC.
        let skipped = WorkingHours::parse("Europe/Berlin", "2-10").expect("hours");
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("day");
        assert_eq!(skipped.start_of(day), Some(at("2026-03-29 01:00")));
    }

    #[test]
    fn a_reminder_that_would_wait_past_the_close_is_not_sent() {
        // Thursday 08:00 to Monday 08:00 UTC: the half (Saturday) and the day before the
        // close (Sunday) would both wait for Monday 09:00, after the close: none is sent.
        let hours = utc();
        assert!(moments(at("2026-12-10 08:00"), at("2026-12-14 08:00"), 2, &hours).is_empty());
        // Closing at Monday 12:00 instead, the first waits for Monday 09:00 and goes;
        // the second would go at the same moment, so it does not.
        assert_eq!(
            moments(at("2026-12-10 08:00"), at("2026-12-14 12:00"), 2, &hours),
            vec![(1, at("2026-12-14 09:00"))]
        );
    }

    #[test]
    fn a_short_window_sends_no_reminder_at_its_opening() {
        // A one-day window opening at midnight: "a day before the close" is the
        // opening itself, so only the half goes.
        let (opens, closes) = (at("2026-12-08 00:00"), at("2026-12-09 00:00"));
        assert_eq!(
            moments(opens, closes, 2, &utc()),
            vec![(1, at("2026-12-08 12:00"))]
        );
    }

    #[test]
    fn the_due_reminder_is_the_latest_whose_moment_has_come() {
        let (opens, closes) = (at("2026-12-07 10:00"), at("2026-12-11 10:00"));
        let due_at = |t| due(opens, closes, 2, &utc(), at(t));
        assert_eq!(due_at("2026-12-09 09:59"), None);
        assert_eq!(due_at("2026-12-09 10:00"), Some(1));
        assert_eq!(due_at("2026-12-10 09:59"), Some(1));
        assert_eq!(due_at("2026-12-10 10:00"), Some(2));
        assert_eq!(due_at("2026-12-11 10:00"), None, "closed");
    }

    #[test]
    fn working_hours_are_read_or_refused() {
        assert_eq!(
            WorkingHours::parse("Europe/Berlin", "8-18"),
            Ok(WorkingHours {
                zone: chrono_tz::Europe::Berlin,
                start: 8,
                end: 18
            })
        );
        for (z, h) in [
            ("Mars/Olympus", "9-17"),
            ("UTC", "17-9"),
            ("UTC", "9"),
            ("UTC", "9-25"),
            ("UTC", "a-b"),
        ] {
            assert!(WorkingHours::parse(z, h).is_err(), "{z} {h}");
        }
    }
}
