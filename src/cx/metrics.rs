//! The CX metrics, their scales and per-period aggregation. Pure.

use chrono::{Datelike, NaiveDate};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    poem_openapi::Enum,
    serde::Serialize,
    serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Customer satisfaction, 1–5; reported as % of 4–5.
    Csat,
    /// Net promoter score, 0–10; reported as % 9–10 − % 0–6.
    Nps,
    /// Customer effort score, 1–7; reported as the mean.
    Ces,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Csat => "csat",
            Metric::Nps => "nps",
            Metric::Ces => "ces",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        match s.trim().to_lowercase().as_str() {
            "csat" => Some(Metric::Csat),
            "nps" => Some(Metric::Nps),
            "ces" => Some(Metric::Ces),
            _ => None,
        }
    }

    /// The valid whole-number range of a score.
    pub fn range(self) -> (f64, f64) {
        match self {
            Metric::Csat => (1.0, 5.0),
            Metric::Nps => (0.0, 10.0),
            Metric::Ces => (1.0, 7.0),
        }
    }

    pub fn accepts(self, score: f64) -> bool {
        let (lo, hi) = self.range();
        score.is_finite() && score.fract() == 0.0 && (lo..=hi).contains(&score)
    }

    /// The metric's value over a set of scores: CSAT = 100 × share of 4–5; NPS =
    /// 100 × (share of 9–10 − share of 0–6); CES = mean. None for no scores.
    pub fn value(self, scores: &[f64]) -> Option<f64> {
        if scores.is_empty() {
            return None;
        }
        let n = scores.len() as f64;
        let share = |f: &dyn Fn(f64) -> bool| scores.iter().filter(|s| f(**s)).count() as f64 / n;
        Some(match self {
            Metric::Csat => 100.0 * share(&|s| s >= 4.0),
            Metric::Nps => 100.0 * (share(&|s| s >= 9.0) - share(&|s| s <= 6.0)),
            Metric::Ces => scores.iter().sum::<f64>() / n,
        })
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Month,
    Quarter,
}

impl Period {
    /// The label of the period containing `day`: `2026-03` or `2026-Q1`.
    pub fn label(self, day: NaiveDate) -> String {
        match self {
            Period::Month => format!("{:04}-{:02}", day.year(), day.month()),
            Period::Quarter => format!("{:04}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values_follow_their_definitions() {
        // CSAT 5,4,3,2 → 2 of 4 are 4–5 → 50 %.
        assert_eq!(Metric::Csat.value(&[5.0, 4.0, 3.0, 2.0]), Some(50.0));
        // NPS 10, 9, 8, 6, 0 → promoters 2/5, detractors 2/5 → 0; 10,10,7,3 → 25.
        assert_eq!(Metric::Nps.value(&[10.0, 9.0, 8.0, 6.0, 0.0]), Some(0.0));
        assert_eq!(Metric::Nps.value(&[10.0, 10.0, 7.0, 3.0]), Some(25.0));
        // CES mean of 2, 3, 7 = 4.
        assert_eq!(Metric::Ces.value(&[2.0, 3.0, 7.0]), Some(4.0));
        assert_eq!(Metric::Ces.value(&[]), None);
    }

    #[test]
    fn scores_outside_the_scale_are_refused() {
        assert!(Metric::Csat.accepts(1.0) && Metric::Csat.accepts(5.0));
        assert!(
            !Metric::Csat.accepts(0.0) && !Metric::Csat.accepts(6.0) && !Metric::Csat.accepts(4.5)
        );
        assert!(Metric::Nps.accepts(0.0) && !Metric::Nps.accepts(11.0));
        assert!(
            Metric::Ces.accepts(7.0) && !Metric::Ces.accepts(8.0) && !Metric::Ces.accepts(f64::NAN)
        );
    }

    #[test]
    fn periods_are_labelled_by_month_and_quarter() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(Period::Month.label(d), "2026-11");
        assert_eq!(Period::Quarter.label(d), "2026-Q4");
        let d = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
        assert_eq!(Period::Quarter.label(d), "2026-Q1");
    }
}
