//! The minimum group size k and the comment floor: the two numbers that decide whether
//! anything about survey answers may be released. Defined here once; the release
//! planner, the round opener, the configuration check and the privacy statement
//! employees read all take them from [`MinGroup`], so what the page promises is what
//! the planner does.

use std::fmt;

/// The smallest k any survey or instance may use.
pub const LEAST: u32 = 3;
/// k when nothing else is configured.
pub const DEFAULT: u32 = 5;
/// The largest k a survey may ask for.
pub const MOST: u32 = 1000;
/// Fewest comments a group must have before any of its comments is shown (or k, if
/// larger): free text identifies its writer more easily than a score.
pub const COMMENT_FLOOR: u32 = 10;

/// A minimum group size k, at least [`LEAST`]: no figure about survey answers is
/// released for a group smaller than this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinGroup(u32);

impl MinGroup {
    /// k as configured or asked for: refused below [`LEAST`] or above [`MOST`].
    pub fn parse(k: i64) -> Result<MinGroup, OutOfRange> {
        match u32::try_from(k) {
            Ok(k) if (LEAST..=MOST).contains(&k) => Ok(MinGroup(k)),
            _ => Err(OutOfRange),
        }
    }

    /// k as a survey row stores it. A stored value was checked when it was written; one
    /// that is somehow out of range is read as the nearest allowed value, never smaller
    /// than [`LEAST`].
    pub fn stored(k: i32) -> MinGroup {
        MinGroup(u32::try_from(k).unwrap_or(LEAST).clamp(LEAST, MOST))
    }

    /// k as a count.
    pub fn get(self) -> usize {
        self.0 as usize
    }

    /// k as the survey tables and the API carry it.
    pub fn as_i32(self) -> i32 {
        // At most MOST, so always fits.
        i32::try_from(self.0).unwrap_or(i32::MAX)
    }

    /// Fewest comments a group must have before any is shown: k or
    /// [`COMMENT_FLOOR`], whichever is larger.
    pub fn comment_floor(self) -> usize {
        self.0.max(COMMENT_FLOOR) as usize
    }
}

impl Default for MinGroup {
    fn default() -> Self {
        MinGroup(DEFAULT)
    }
}

impl fmt::Display for MinGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A k outside [`LEAST`]..=[`MOST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_k_of_2_is_refused_and_3_is_the_least() {
        assert_eq!(MinGroup::parse(2), Err(OutOfRange));
        assert_eq!(MinGroup::parse(3).map(MinGroup::get), Ok(3));
        assert_eq!(MinGroup::parse(1001), Err(OutOfRange));
        assert_eq!(MinGroup::parse(-5), Err(OutOfRange));
    }

    #[test]
    fn comments_need_ten_or_k_whichever_is_larger() {
        assert_eq!(MinGroup::stored(5).comment_floor(), 10);
        assert_eq!(MinGroup::stored(12).comment_floor(), 12);
    }

    #[test]
    fn a_stored_k_below_the_least_is_read_as_the_least() {
        assert_eq!(MinGroup::stored(0).get(), 3);
        assert_eq!(MinGroup::stored(-1).get(), 3);
        assert_eq!(MinGroup::stored(7).get(), 7);
    }
}
