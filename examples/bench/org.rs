//! The shape of a generated organisation, shared by `reportbench` (which stores it) and
//! `planbench` (which plans it in memory): the locations and how people spread over
//! them, and the fan-out of a tree of a given depth.

use rand::Rng;

/// Locations and their weights (per cent of people).
pub const LOCATIONS: [(&str, u32); 5] = [
    ("Berlin", 35),
    ("Lisbon", 25),
    ("Warsaw", 20),
    ("Austin", 15),
    ("Remote", 5),
];

/// A location drawn by weight.
pub fn location(rng: &mut impl Rng) -> &'static str {
    let total: u32 = LOCATIONS.iter().map(|l| l.1).sum();
    let mut pick = rng.gen_range(0..total);
    LOCATIONS
        .iter()
        .find(|(_, w)| {
            let hit = pick < *w;
            pick = pick.saturating_sub(*w);
            hit
        })
        .map_or(LOCATIONS[0].0, |l| l.0)
}

/// The fewest children per team that hold `teams` teams in a tree of `depth` levels.
pub fn fan_out(teams: usize, depth: u32) -> usize {
    (2..)
        .find(|b: &usize| {
            let (mut total, mut level) = (0usize, 1usize);
            for _ in 0..depth {
                total = total.saturating_add(level);
                level = level.saturating_mul(*b);
            }
            total >= teams
        })
        .unwrap_or(teams)
}
