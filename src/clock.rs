//! The one clock: every timestamp pulseline stores or compares comes from [`now`], and
//! every date from [`today`].

use chrono::{NaiveDate, NaiveDateTime};

/// Now, in UTC, truncated to microseconds (what PostgreSQL keeps), so a time written
/// and read back compares equal on both backends.
/// A stored (UTC) time in `zone`, to the minute, with the zone's abbreviation (e.g.
/// `2026-12-06 10:30 CET`): how pages and messages show a time.
pub fn in_zone(t: NaiveDateTime, zone: chrono_tz::Tz) -> String {
    t.and_utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

pub fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Today's date in UTC.
pub fn today() -> NaiveDate {
    now().date()
}

/// Now as seconds since the Unix epoch (token times).
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
