//! What the unit tests share: a small deterministic number stream, and a team tree
//! written as (team, parent) edges.

use std::collections::HashMap;

/// A small deterministic generator (a 64-bit linear congruential one): no dependency,
/// the same numbers every run.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next step's upper 31 bits.
    pub fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.step() % n.max(1) as u64) as usize
    }

    /// One of `items`, which must not be empty.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.step() as f64 / (1u64 << 31) as f64
    }
}

/// Each team's parent, from (team, parent) edges.
pub fn parents(edges: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
    edges
        .iter()
        .map(|(t, p)| (t.to_string(), p.map(str::to_owned)))
        .collect()
}
