//! Engagement scores: the engagement index of one response, and for a group
//! of responses the mean engagement index, eNPS, per-driver and per-question means,
//! favourable percentages and answer distributions.
//!
//! The module is pure arithmetic over answers already loaded and validated: no I/O, no
//! anonymity rules. Suppressing groups smaller than k is the caller's job (the release
//! plan, [`crate::reports::release`]); every score here carries the count it was
//! computed from so the caller can decide.
//!
//! Conventions shared by every function:
//! - Answers to question ids that are not in `questions` are ignored.
//! - A `likert5` answer counts only if its `value` is a whole number 1–5, a `scale11`
//!   answer only if its `value` is a whole number 0–10, and a `choice` answer only if
//!   its `choice` is one of the question's options. Values are validated before they
//!   are stored, so this only guards against corrupt rows; an answer that fails it is
//!   ignored everywhere (counts, means and distributions), which keeps every count equal
//!   to the sum of its distribution.
//! - Every answer to a `text` question counts, whatever its `value` and `choice` hold
//!   (the text itself is not needed for scoring and is not passed in).
//! - If `questions` lists the same id twice, the first entry describes the question.

use std::collections::HashMap;

use crate::surveys::bank::{Driver, QuestionKind};

/// What scoring needs to know about one question of a survey.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInfo {
    /// The question's id, matched against [`Answer::question_id`].
    pub id: String,
    /// How the question is answered.
    pub kind: QuestionKind,
    /// The driver the question measures.
    pub driver: Driver,
    /// Whether this is the survey's eNPS question. Only a `scale11` question flagged
    /// this way feeds [`GroupScores::enps`].
    pub is_enps: bool,
    /// The options of a `choice` question, in display order; empty for other kinds.
    pub options: Vec<String>,
}

/// One answer of a response. A response is a slice of answers, `&[Answer]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The question answered (one shared copy per question: [`QuestionIds`]).
    pub question_id: std::sync::Arc<str>,
    /// The numeric answer to a `likert5` (1–5) or `scale11` (0–10) question.
    pub value: Option<f64>,
    /// The chosen option of a `choice` question.
    pub choice: Option<String>,
}

/// Makes answers that share one copy of each question's id (a kept round holds about a
/// million answers at 100,000 people; a copy each was 48 bytes more per answer).
#[derive(Default)]
pub struct QuestionIds(HashMap<String, std::sync::Arc<str>>);

impl QuestionIds {
    /// An answer to `question_id`.
    pub fn answer(
        &mut self,
        question_id: String,
        value: Option<f64>,
        choice: Option<String>,
    ) -> Answer {
        let question_id = self
            .0
            .entry(question_id)
            .or_insert_with_key(|q| q.as_str().into())
            .clone();
        Answer {
            question_id,
            value,
            choice,
        }
    }
}

/// The scores of a group of responses.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScores {
    /// Number of responses in the group.
    pub n: usize,
    /// Mean of the responses' engagement indexes (see [`engagement_index`]), over the
    /// responses that have one; `None` if none has.
    pub engagement_index: Option<f64>,
    /// Number of responses that have an engagement index.
    pub engagement_n: usize,
    /// Sample standard deviation of those engagement indexes (n − 1 in the divisor);
    /// `None` with fewer than two.
    pub engagement_sd: Option<f64>,
    /// Employee Net Promoter Score, −100..100, over every answer to the `scale11`
    /// question(s) flagged `is_enps`: 100 × (share of answers 9–10 − share of answers
    /// 0–6). `None` without answers.
    pub enps: Option<f64>,
    /// Number of answers behind [`GroupScores::enps`].
    pub enps_n: usize,
    /// One entry per driver that has at least one `likert5` question in `questions`,
    /// in [`Driver::ALL`] order (including drivers nobody answered).
    pub drivers: Vec<DriverScore>,
    /// One entry per question, in the order `questions` lists them.
    pub questions: Vec<QuestionScore>,
}

/// The scores of one driver over a group, from its `likert5` questions only.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverScore {
    /// The driver.
    pub driver: Driver,
    /// Number of responses that answered at least one `likert5` question of the driver
    /// (responses, not answers).
    pub n: usize,
    /// Number of `likert5` answers to the driver's questions, over all responses.
    pub answers: usize,
    /// Mean of all those answers (1–5), each answer weighing the same; `None` if
    /// `answers` is 0.
    pub mean: Option<f64>,
    /// Percent (0–100) of those answers that are 4 or 5; `None` if `answers` is 0.
    pub favorable: Option<f64>,
    /// Sample standard deviation of those answers; `None` with fewer than two. (Over
    /// answers, not responses' scores: the release plan never shows a driver whose
    /// answers are all equal, so a shown driver's spread is never 0 and its absence
    /// never says "all equal".)
    pub sd: Option<f64>,
}

/// The scores of one question over a group.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionScore {
    /// The question's id.
    pub question_id: String,
    /// Number of answers to the question (the sum of `distribution` for every kind but
    /// `text`).
    pub n: usize,
    /// Mean answer, for `likert5` and `scale11` questions only; `None` for other kinds
    /// or when `n` is 0.
    pub mean: Option<f64>,
    /// Percent (0–100) of answers that are 4 or 5, for `likert5` questions only; `None`
    /// for other kinds or when `n` is 0.
    pub favorable: Option<f64>,
    /// Number of answers per possible answer, every possible answer listed even at 0:
    /// `"1"`..`"5"` for `likert5`, `"0"`..`"10"` for `scale11`, each option in order for
    /// `choice`; empty for `text`.
    pub distribution: Vec<(String, usize)>,
}

/// The engagement index of one response: the mean of its answers to `likert5`
/// questions whose driver is [`Driver::EngagementOutcome`], rescaled from 1–5 to 0–100
/// as (mean − 1) / 4 × 100. `None` if the response answered none of them.
///
/// The eNPS item (`scale11`) is not part of the index even though its driver is the
/// engagement outcome.
pub fn engagement_index(questions: &[QuestionInfo], response: &[Answer]) -> Option<f64> {
    let lookup = Lookup::new(questions);
    response_index(&lookup, response)
}

/// [`engagement_index`] of each response, the questions looked up once for all.
pub fn engagement_indexes<'r>(
    questions: &[QuestionInfo],
    responses: impl IntoIterator<Item = &'r [Answer]>,
) -> Vec<Option<f64>> {
    let lookup = Lookup::new(questions);
    responses
        .into_iter()
        .map(|r| response_index(&lookup, r))
        .collect()
}

/// Scores a group of responses against the survey's questions; see [`GroupScores`],
/// [`DriverScore`] and [`QuestionScore`] for what each number means.
pub fn score_group<R: AsRef<[Answer]>>(questions: &[QuestionInfo], responses: &[R]) -> GroupScores {
    let lookup = Lookup::new(questions);

    let mut index_sum = 0.0;
    let mut indexes = Vec::new();
    let mut engagement_n = 0;
    let mut drivers = [DriverTally::default(); Driver::ALL.len()];
    let mut tallies: Vec<Tally> = questions.iter().map(Tally::new).collect();

    for response in responses {
        let response = response.as_ref();
        if let Some(index) = response_index(&lookup, response) {
            index_sum += index;
            indexes.push(index);
            engagement_n += 1;
        }
        let mut answered = [false; Driver::ALL.len()];
        for answer in response {
            let Some((pos, question)) = lookup.get(&answer.question_id) else {
                continue;
            };
            let Some(bucket) = bucket_of(question, answer) else {
                continue;
            };
            tallies[pos].add(bucket);
            if question.kind == QuestionKind::Likert5 {
                let d = driver_pos(question.driver);
                answered[d] = true;
                // Likert buckets 0..=4 stand for the answers 1..=5.
                drivers[d].add(bucket + 1);
            }
        }
        for (tally, hit) in drivers.iter_mut().zip(answered) {
            if hit {
                tally.responses += 1;
            }
        }
    }

    let (enps, enps_n) = enps_of(&lookup, &tallies);

    let driver_scores = Driver::ALL
        .into_iter()
        .zip(drivers)
        .filter(|(driver, _)| {
            questions
                .iter()
                .any(|q| q.kind == QuestionKind::Likert5 && q.driver == *driver)
        })
        .map(|(driver, tally)| tally.score(driver))
        .collect();

    let question_scores = questions
        .iter()
        .map(|q| {
            // A repeated id shares the first entry's tally.
            let pos = lookup.get(&q.id).map_or(0, |(pos, _)| pos);
            tallies[pos].score(&lookup.questions[pos].id)
        })
        .collect();

    let engagement_index = mean(index_sum, engagement_n);
    // Two passes (around the mean), not the sum of squares: no cancellation.
    let engagement_sd = engagement_index.filter(|_| engagement_n >= 2).map(|m| {
        let squares: f64 = indexes.iter().map(|x| (x - m).powi(2)).sum();
        (squares / (engagement_n - 1) as f64).sqrt()
    });
    GroupScores {
        n: responses.len(),
        engagement_index,
        engagement_n,
        engagement_sd,
        enps,
        enps_n,
        drivers: driver_scores,
        questions: question_scores,
    }
}

/// The 95% interval of a mean of `n` values with sample standard deviation `sd`
/// (Student's t, n − 1 degrees of freedom); `None` when the values are all equal (the
/// spread would give each away: a spread under 10⁻⁶, far below any real one on these
/// scales, counts as none, so rounding noise cannot pass for one) or fewer than two.
pub fn mean_interval(mean: f64, sd: f64, n: usize) -> Option<(f64, f64)> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if n < 2 || sd.is_nan() || sd <= 1e-6 {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.975);
    let half = t * sd / (n as f64).sqrt();
    Some((mean - half, mean + half))
}

/// Questions by id, the first entry winning for a repeated id.
struct Lookup<'a> {
    questions: &'a [QuestionInfo],
    by_id: HashMap<&'a str, usize>,
    /// Where the next answer's question probably is: answers are mostly stored in
    /// question order, so one comparison usually replaces a hash lookup.
    next: std::cell::Cell<usize>,
    /// Per position, whether it is the first entry of its id.
    first: Vec<bool>,
}

impl<'a> Lookup<'a> {
    fn new(questions: &'a [QuestionInfo]) -> Self {
        let mut by_id = HashMap::with_capacity(questions.len());
        for (pos, q) in questions.iter().enumerate() {
            by_id.entry(q.id.as_str()).or_insert(pos);
        }
        let first = questions
            .iter()
            .enumerate()
            .map(|(pos, q)| by_id.get(q.id.as_str()) == Some(&pos))
            .collect();
        Lookup {
            questions,
            by_id,
            next: std::cell::Cell::new(0),
            first,
        }
    }

    /// The position and description of a question, or `None` for an unknown id.
    fn get(&self, id: &str) -> Option<(usize, &'a QuestionInfo)> {
        let guess = self.next.get();
        let pos = match self.questions.get(guess) {
            // The guess must also be the first entry of its id (repeated ids share it).
            Some(q) if self.first[guess] && q.id == id => guess,
            _ => *self.by_id.get(id)?,
        };
        self.next.set(pos + 1);
        self.questions.get(pos).map(|q| (pos, q))
    }
}

/// [`engagement_index`] with the lookup already built.
fn response_index(lookup: &Lookup<'_>, response: &[Answer]) -> Option<f64> {
    let mut sum = 0.0;
    let mut count = 0;
    for answer in response {
        let Some((_, q)) = lookup.get(&answer.question_id) else {
            continue;
        };
        if q.kind != QuestionKind::Likert5 || q.driver != Driver::EngagementOutcome {
            continue;
        }
        if let Some(v) = whole_in(answer.value, 1, 5) {
            sum += f64::from(v);
            count += 1;
        }
    }
    mean(sum, count).map(|m| (m - 1.0) / 4.0 * 100.0)
}

/// eNPS and its answer count from the tallies of the flagged `scale11` questions.
fn enps_of(lookup: &Lookup<'_>, tallies: &[Tally]) -> (Option<f64>, usize) {
    let (mut promoters, mut detractors, mut total) = (0usize, 0usize, 0usize);
    for (pos, (q, tally)) in lookup.questions.iter().zip(tallies).enumerate() {
        // A repeated id is tallied once, under its first entry; skip the copies.
        let first = lookup.get(&q.id).map(|(first, _)| first);
        if !q.is_enps || q.kind != QuestionKind::Scale11 || first != Some(pos) {
            continue;
        }
        // Scale11 bucket i is the answer i.
        promoters += tally.counts.iter().skip(9).sum::<usize>();
        detractors += tally.counts.iter().take(7).sum::<usize>();
        total += tally.n;
    }
    if total == 0 {
        return (None, 0);
    }
    let share = |count: usize| count as f64 / total as f64;
    (Some(100.0 * (share(promoters) - share(detractors))), total)
}

/// The bucket an answer falls in for its question's distribution, or `None` if the
/// answer does not count (see the module documentation). Likert5 answer v goes to
/// bucket v − 1, scale11 answer v to bucket v, a choice to its option's position; every
/// text answer counts, as bucket 0 (text questions have no distribution).
fn bucket_of(question: &QuestionInfo, answer: &Answer) -> Option<usize> {
    match question.kind {
        QuestionKind::Likert5 => whole_in(answer.value, 1, 5).map(|v| usize::from(v) - 1),
        QuestionKind::Scale11 => whole_in(answer.value, 0, 10).map(usize::from),
        QuestionKind::Choice => {
            let choice = answer.choice.as_deref()?;
            question.options.iter().position(|o| o == choice)
        }
        QuestionKind::Text => Some(0),
    }
}

/// The value as a whole number within `lo..=hi`, or `None`.
fn whole_in(value: Option<f64>, lo: u8, hi: u8) -> Option<u8> {
    let v = value?;
    let in_range = v.is_finite() && v.fract() == 0.0 && v >= f64::from(lo) && v <= f64::from(hi);
    // The cast is exact: v is a whole number within a u8 range.
    in_range.then_some(v as u8)
}

/// `sum / count`, or `None` when `count` is 0.
fn mean(sum: f64, count: usize) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

/// `100 × part / whole`, or `None` when `whole` is 0.
fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// Position of a driver in [`Driver::ALL`].
fn driver_pos(driver: Driver) -> usize {
    Driver::ALL
        .iter()
        .position(|d| *d == driver)
        .unwrap_or_default()
}

/// Running totals of one driver's likert5 answers.
#[derive(Debug, Clone, Copy, Default)]
struct DriverTally {
    responses: usize,
    answers: usize,
    sum: f64,
    favorable: usize,
    /// The sum of the answers' squares.
    squares: f64,
}

impl DriverTally {
    /// Adds one likert5 answer (1–5).
    fn add(&mut self, value: usize) {
        self.answers += 1;
        self.sum += value as f64;
        self.squares += (value * value) as f64;
        if value >= 4 {
            self.favorable += 1;
        }
    }

    fn score(self, driver: Driver) -> DriverScore {
        DriverScore {
            driver,
            n: self.responses,
            answers: self.answers,
            mean: mean(self.sum, self.answers),
            favorable: percent(self.favorable, self.answers),
            sd: (self.answers >= 2).then(|| {
                let n = self.answers as f64;
                // Whole answers of 1–5: the sums are exact, so no cancellation.
                let squares = self.squares - self.sum.powi(2) / n;
                (squares.max(0.0) / (n - 1.0)).sqrt()
            }),
        }
    }
}

/// Running counts of one question's answers, per bucket (see [`bucket_of`]).
#[derive(Debug, Clone)]
struct Tally {
    kind: QuestionKind,
    n: usize,
    counts: Vec<usize>,
    labels: Vec<String>,
}

impl Tally {
    fn new(question: &QuestionInfo) -> Self {
        let labels: Vec<String> = match question.kind {
            QuestionKind::Likert5 => (1..=5).map(|v: u8| v.to_string()).collect(),
            QuestionKind::Scale11 => (0..=10).map(|v: u8| v.to_string()).collect(),
            QuestionKind::Choice => question.options.clone(),
            QuestionKind::Text => Vec::new(),
        };
        Tally {
            kind: question.kind,
            n: 0,
            counts: vec![0; labels.len()],
            labels,
        }
    }

    /// Counts one answer in its bucket; a text answer is only counted.
    fn add(&mut self, bucket: usize) {
        if self.kind == QuestionKind::Text {
            self.n += 1;
        } else if let Some(count) = self.counts.get_mut(bucket) {
            *count += 1;
            self.n += 1;
        }
    }

    /// The value of each bucket, for the kinds that have a mean.
    fn bucket_value(&self, bucket: usize) -> f64 {
        match self.kind {
            QuestionKind::Likert5 => (bucket + 1) as f64,
            _ => bucket as f64,
        }
    }

    fn score(&self, question_id: &str) -> QuestionScore {
        let numeric = matches!(self.kind, QuestionKind::Likert5 | QuestionKind::Scale11);
        let mean = if numeric {
            let sum: f64 = self
                .counts
                .iter()
                .enumerate()
                .map(|(bucket, &count)| self.bucket_value(bucket) * count as f64)
                .sum();
            mean(sum, self.n)
        } else {
            None
        };
        let favorable = if self.kind == QuestionKind::Likert5 {
            // Buckets 3 and 4 are the answers 4 and 5.
            percent(self.counts.iter().skip(3).sum(), self.n)
        } else {
            None
        };
        QuestionScore {
            question_id: question_id.to_owned(),
            n: self.n,
            mean,
            favorable,
            distribution: self
                .labels
                .iter()
                .cloned()
                .zip(self.counts.iter().copied())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < EPS)
    }

    fn assert_close(actual: Option<f64>, expected: f64) {
        assert!(
            close(actual, expected),
            "expected {expected}, got {actual:?}"
        );
    }

    fn q(id: &str, kind: QuestionKind, driver: Driver) -> QuestionInfo {
        QuestionInfo {
            id: id.to_owned(),
            kind,
            driver,
            is_enps: false,
            options: Vec::new(),
        }
    }

    /// A deliberately unordered survey: voice first, engagement later, a `scale11`
    /// item that is not the eNPS question, a choice and a text question.
    fn survey() -> Vec<QuestionInfo> {
        use Driver as D;
        use QuestionKind as K;
        vec![
            q("vo1", K::Likert5, D::Voice),
            q("gr1", K::Likert5, D::Growth),
            q("eo1", K::Likert5, D::EngagementOutcome),
            q("eo2", K::Likert5, D::EngagementOutcome),
            q("eo3", K::Likert5, D::EngagementOutcome),
            QuestionInfo {
                is_enps: true,
                ..q("enps", K::Scale11, D::EngagementOutcome)
            },
            q("gr2", K::Likert5, D::Growth),
            q("rc11", K::Scale11, D::Recognition),
            QuestionInfo {
                options: vec!["office".into(), "hybrid".into(), "remote".into()],
                ..q("mode", K::Choice, D::Autonomy)
            },
            q("comment", K::Text, D::Voice),
        ]
    }

    fn v(id: &str, value: f64) -> Answer {
        Answer {
            question_id: id.into(),
            value: Some(value),
            choice: None,
        }
    }

    fn c(id: &str, choice: &str) -> Answer {
        Answer {
            question_id: id.into(),
            value: None,
            choice: Some(choice.to_owned()),
        }
    }

    fn t(id: &str) -> Answer {
        Answer {
            question_id: id.into(),
            value: None,
            choice: None,
        }
    }

    fn question<'a>(scores: &'a GroupScores, id: &str) -> &'a QuestionScore {
        scores
            .questions
            .iter()
            .find(|s| s.question_id == id)
            .expect("question scored")
    }

    fn driver(scores: &GroupScores, driver: Driver) -> &DriverScore {
        scores
            .drivers
            .iter()
            .find(|s| s.driver == driver)
            .expect("driver scored")
    }

    // (4, 5): mean 4.5 → (4.5 − 1) / 4 × 100 = 3.5 / 4 × 100 = 87.5
    // (3):    mean 3   → (3 − 1) / 4 × 100   = 50
    // (2,2,2): mean 2  → (2 − 1) / 4 × 100   = 25
    // (1):    → 0;  (5, 5): → (5 − 1) / 4 × 100 = 100
    #[test]
    fn engagement_index_is_the_mean_of_engagement_answers_rescaled_to_0_100() {
        let qs = survey();
        assert_close(engagement_index(&qs, &[v("eo1", 4.0), v("eo2", 5.0)]), 87.5);
        assert_close(engagement_index(&qs, &[v("eo3", 3.0)]), 50.0);
        let twos = [v("eo1", 2.0), v("eo2", 2.0), v("eo3", 2.0)];
        assert_close(engagement_index(&qs, &twos), 25.0);
        assert_close(engagement_index(&qs, &[v("eo1", 1.0)]), 0.0);
        assert_close(
            engagement_index(&qs, &[v("eo1", 5.0), v("eo2", 5.0)]),
            100.0,
        );
    }

    // Only eo1 = 2 counts: (2 − 1) / 4 × 100 = 25. Growth, voice, the eNPS item (a
    // scale11 engagement-outcome question) and the unknown id "zz" are ignored.
    #[test]
    fn engagement_index_ignores_other_drivers_the_enps_item_and_unknown_questions() {
        let qs = survey();
        let mixed = [
            v("eo1", 2.0),
            v("gr1", 5.0),
            v("enps", 10.0),
            v("zz", 5.0),
            v("vo1", 1.0),
        ];
        assert_close(engagement_index(&qs, &mixed), 25.0);
        let none = [v("gr1", 5.0), v("enps", 10.0), t("comment")];
        assert_eq!(engagement_index(&qs, &none), None);
        assert_eq!(engagement_index(&qs, &[]), None);
    }

    // Indexes 87.5, 50, 25 → (87.5 + 50 + 25) / 3 = 162.5 / 3 = 54.1666…
    // (not the pooled answer mean: (4+5+3+2+2+2) / 6 = 3 → 50).
    #[test]
    fn group_engagement_index_is_the_mean_of_the_response_indexes() {
        let responses = vec![
            vec![v("eo1", 4.0), v("eo2", 5.0)],
            vec![v("eo1", 3.0)],
            vec![v("eo1", 2.0), v("eo2", 2.0), v("eo3", 2.0)],
        ];
        let s = score_group(&survey(), &responses);
        assert_eq!(s.n, 3);
        assert_eq!(s.engagement_n, 3);
        assert_close(s.engagement_index, 162.5 / 3.0);
        assert_close(s.engagement_index, 54.166_666_666_666_664);
    }

    // Responses: (eo1 = 5) → 100; (gr1 = 1, a comment) → no index; () → no index.
    // n = 3, engagement_n = 1, group index = 100 / 1 = 100.
    #[test]
    fn response_without_engagement_answers_is_excluded_from_engagement_n() {
        let responses = vec![
            vec![v("eo1", 5.0)],
            vec![v("gr1", 1.0), t("comment")],
            vec![],
        ];
        let s = score_group(&survey(), &responses);
        assert_eq!(s.n, 3);
        assert_eq!(s.engagement_n, 1);
        assert_close(s.engagement_index, 100.0);
    }

    // 10, 9 promoters (2); 8, 7 passives; 6, 0 detractors (2):
    // 100 × (2/6 − 2/6) = 0.
    #[test]
    fn enps_of_10_9_8_7_6_0_is_zero() {
        let responses: Vec<Vec<Answer>> = [10.0, 9.0, 8.0, 7.0, 6.0, 0.0]
            .into_iter()
            .map(|x| vec![v("enps", x)])
            .collect();
        let s = score_group(&survey(), &responses);
        assert_eq!(s.enps_n, 6);
        assert_close(s.enps, 0.0);
    }

    // 10, 10, 9 promoters (3); 3 detractor (1): 100 × (3/4 − 1/4) = 100 × 2/4 = 50.
    // 0, 6 → 100 × (0/2 − 2/2) = −100.
    #[test]
    fn enps_of_10_10_9_3_is_fifty_and_all_detractors_is_minus_100() {
        let group =
            |xs: &[f64]| -> Vec<Vec<Answer>> { xs.iter().map(|&x| vec![v("enps", x)]).collect() };
        let s = score_group(&survey(), &group(&[10.0, 10.0, 9.0, 3.0]));
        assert_eq!(s.enps_n, 4);
        assert_close(s.enps, 50.0);
        let s = score_group(&survey(), &group(&[0.0, 6.0]));
        assert_close(s.enps, -100.0);
    }

    // No answer to "enps"; the 10 given to rc11 (scale11, not flagged is_enps) does
    // not count → enps None, enps_n 0.
    #[test]
    fn enps_is_none_without_answers_to_the_flagged_question() {
        let responses = vec![vec![v("eo1", 4.0), v("rc11", 10.0)]];
        let s = score_group(&survey(), &responses);
        assert_eq!(s.enps, None);
        assert_eq!(s.enps_n, 0);
    }

    // gr1 answers 1, 4, 5, 5: favourable = 3 of 4 = 75 %;
    // mean = (1 + 4 + 5 + 5) / 4 = 15 / 4 = 3.75; distribution 1:1 2:0 3:0 4:1 5:2.
    #[test]
    fn favorable_is_the_percent_of_answers_of_4_or_5() {
        let responses: Vec<Vec<Answer>> = [1.0, 4.0, 5.0, 5.0]
            .into_iter()
            .map(|x| vec![v("gr1", x)])
            .collect();
        let s = score_group(&survey(), &responses);
        let gr1 = question(&s, "gr1");
        assert_eq!(gr1.n, 4);
        assert_close(gr1.favorable, 75.0);
        assert_close(gr1.mean, 3.75);
        let expected: Vec<(String, usize)> = [("1", 1), ("2", 0), ("3", 0), ("4", 1), ("5", 2)]
            .into_iter()
            .map(|(l, n)| (l.to_owned(), n))
            .collect();
        assert_eq!(gr1.distribution, expected);
    }

    // Growth: A answers gr1 = 5, gr2 = 4; B answers gr1 = 2; C answers no growth item.
    // n = 2 responses (A, B), answers = 3, mean = (5 + 4 + 2) / 3 = 11/3 = 3.666…,
    // favourable = 2 of 3 (5, 4) = 66.666… %.
    // Question gr1: n = 2, mean (5 + 2) / 2 = 3.5, favourable 1 of 2 = 50 %.
    #[test]
    fn driver_n_counts_responses_not_answers() {
        let responses = vec![
            vec![v("gr1", 5.0), v("gr2", 4.0)],
            vec![v("gr1", 2.0)],
            vec![v("eo1", 3.0)],
        ];
        let s = score_group(&survey(), &responses);
        let growth = driver(&s, Driver::Growth);
        assert_eq!(growth.n, 2);
        assert_eq!(growth.answers, 3);
        assert_close(growth.mean, 11.0 / 3.0);
        assert_close(growth.favorable, 200.0 / 3.0);
        let gr1 = question(&s, "gr1");
        assert_eq!(gr1.n, 2);
        assert_close(gr1.mean, 3.5);
        assert_close(gr1.favorable, 50.0);
    }

    // Likert5 drivers in the survey: voice, growth, engagement outcome → listed as
    // engagement outcome, growth, voice (Driver::ALL order). Recognition (scale11 only)
    // and autonomy (choice only) are absent. Engagement outcome counts eo1 = 4 but not
    // the eNPS 10: answers 1, mean 4, favourable 100 %. Voice, unanswered, is listed
    // with n 0 and no mean.
    #[test]
    fn drivers_are_listed_in_driver_order_for_drivers_with_likert_questions() {
        let responses = vec![vec![v("eo1", 4.0), v("enps", 10.0), v("rc11", 7.0)]];
        let s = score_group(&survey(), &responses);
        let order: Vec<Driver> = s.drivers.iter().map(|d| d.driver).collect();
        assert_eq!(
            order,
            [Driver::EngagementOutcome, Driver::Growth, Driver::Voice]
        );
        let eo = driver(&s, Driver::EngagementOutcome);
        assert_eq!((eo.n, eo.answers), (1, 1));
        assert_close(eo.mean, 4.0);
        assert_close(eo.favorable, 100.0);
        let voice = driver(&s, Driver::Voice);
        assert_eq!(
            (voice.n, voice.answers, voice.mean, voice.favorable),
            (0, 0, None, None)
        );
    }

    // Options office, hybrid, remote; answers remote, office, remote, plus "moon" (not
    // an option) and an empty answer, both ignored: office 1, hybrid 0, remote 2, n 3.
    #[test]
    fn choice_distribution_lists_every_option_in_question_order() {
        let responses = vec![
            vec![c("mode", "remote")],
            vec![c("mode", "office")],
            vec![c("mode", "remote")],
            vec![c("mode", "moon")],
            vec![t("mode")],
        ];
        let s = score_group(&survey(), &responses);
        let mode = question(&s, "mode");
        assert_eq!(mode.n, 3);
        assert_eq!(
            mode.distribution,
            vec![
                ("office".to_owned(), 1),
                ("hybrid".to_owned(), 0),
                ("remote".to_owned(), 2)
            ]
        );
        assert_eq!((mode.mean, mode.favorable), (None, None));
    }

    // eNPS answers 10, 9, 0: mean (10 + 9 + 0) / 3 = 19/3 = 6.333…, no favourable %;
    // distribution "0".."10" with 1 at "0", "9" and "10".
    #[test]
    fn scale11_question_has_a_mean_and_an_eleven_point_distribution() {
        let responses = vec![
            vec![v("enps", 10.0)],
            vec![v("enps", 9.0)],
            vec![v("enps", 0.0)],
        ];
        let s = score_group(&survey(), &responses);
        let enps = question(&s, "enps");
        assert_eq!(enps.n, 3);
        assert_close(enps.mean, 19.0 / 3.0);
        assert_eq!(enps.favorable, None);
        let labels: Vec<&str> = enps.distribution.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
        );
        let counts: Vec<usize> = enps.distribution.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    }

    // Two comments → n 2; no mean, no favourable %, no distribution.
    #[test]
    fn text_question_counts_answers_without_mean_or_distribution() {
        let responses = vec![vec![t("comment")], vec![t("comment"), v("eo1", 3.0)]];
        let s = score_group(&survey(), &responses);
        let comment = question(&s, "comment");
        assert_eq!(comment.n, 2);
        assert_eq!((comment.mean, comment.favorable), (None, None));
        assert!(comment.distribution.is_empty());
    }

    // gr1 = 6, 3.5, NaN and no value are not whole numbers 1–5 and are ignored; the
    // answer to the unknown "zz" too. What remains: gr1 = 4 from the second response.
    // Growth: n 1, answers 1, mean 4, favourable 1 of 1 = 100 %.
    #[test]
    fn invalid_values_and_unknown_questions_are_ignored() {
        let responses = vec![
            vec![v("gr1", 6.0), v("gr1", 3.5), v("gr1", f64::NAN), t("gr1")],
            vec![v("gr1", 4.0), v("zz", 5.0)],
        ];
        let s = score_group(&survey(), &responses);
        let growth = driver(&s, Driver::Growth);
        assert_eq!((growth.n, growth.answers), (1, 1));
        assert_close(growth.mean, 4.0);
        assert_close(growth.favorable, 100.0);
        let gr1 = question(&s, "gr1");
        assert_eq!(gr1.n, 1);
        assert_close(gr1.mean, 4.0);
        assert_eq!(s.questions.len(), survey().len());
    }

    // No responses: n 0, every score None, every count 0. Drivers and questions are
    // still listed (3 likert5 drivers, 10 questions) with zero counts.
    #[test]
    fn empty_group_has_no_scores() {
        let s = score_group::<Vec<Answer>>(&survey(), &[]);
        assert_eq!(s.n, 0);
        assert_eq!((s.engagement_index, s.engagement_n), (None, 0));
        assert_eq!((s.enps, s.enps_n), (None, 0));
        assert_eq!(s.drivers.len(), 3);
        for d in &s.drivers {
            assert_eq!((d.n, d.answers, d.mean, d.favorable), (0, 0, None, None));
        }
        assert_eq!(s.questions.len(), 10);
        for qs in &s.questions {
            assert_eq!((qs.n, qs.mean, qs.favorable), (0, None, None));
            assert!(qs.distribution.iter().all(|(_, n)| *n == 0));
        }
        let nothing = score_group::<Vec<Answer>>(&[], &[]);
        assert_eq!(
            nothing,
            GroupScores {
                n: 0,
                engagement_index: None,
                engagement_n: 0,
                engagement_sd: None,
                enps: None,
                enps_n: 0,
                drivers: Vec::new(),
                questions: Vec::new(),
            }
        );
    }

    // "x" is listed twice, first as an engagement likert5, then as a flagged scale11.
    // The first entry wins: x = 4 gives index (4 − 1) / 4 × 100 = 75, no eNPS, and both
    // listed entries report the same tally (n 1, mean 4).
    #[test]
    fn repeated_question_id_is_described_by_its_first_entry() {
        let qs = vec![
            q("x", QuestionKind::Likert5, Driver::EngagementOutcome),
            QuestionInfo {
                is_enps: true,
                ..q("x", QuestionKind::Scale11, Driver::EngagementOutcome)
            },
        ];
        let s = score_group(&qs, &[vec![v("x", 4.0)]]);
        assert_close(s.engagement_index, 75.0);
        assert_eq!((s.enps, s.enps_n), (None, 0));
        assert_eq!(s.questions.len(), 2);
        assert_eq!(s.questions[0], s.questions[1]);
        assert_eq!(s.questions[0].n, 1);
        assert_close(s.questions[0].mean, 4.0);
    }

    /// The fixture: a 7-response round with known answers.
    ///
    /// | # | eo1 | eo2 | enps | gr1 |  index (mean eo1,eo2 → (m−1)/4·100) |
    /// |---|-----|-----|------|-----|-------------------------------------|
    /// | 1 |  5  |  5  |  10  |  4  | 5   → 100                           |
    /// | 2 |  4  |  3  |   9  |  5  | 3.5 → 62.5                          |
    /// | 3 |  3  |  3  |   8  |  2  | 3   → 50                            |
    /// | 4 |  2  |  1  |   6  |  3  | 1.5 → 12.5                          |
    /// | 5 |  4  |  4  |   7  |  4  | 4   → 75                            |
    /// | 6 |  1  |  2  |   0  |  1  | 1.5 → 12.5                          |
    /// | 7 |  5  |  4  |  10  |  5  | 4.5 → 87.5                          |
    ///
    /// Engagement index = 400 / 7 = 57.142857…; eNPS: promoters 10, 9, 10 (3), detractors
    /// 6, 0 (2) → (3 − 2) / 7 × 100 = 14.285714…; eo1 favourable: 5, 4, 4, 5 → 4/7 =
    /// 57.142857…%, mean 24/7; growth (gr1) mean 24/7, favourable 4/7; engagement driver
    /// over 14 answers summing to 46 → mean 46/14 = 3.285714…, favourable 7/14 = 50 %.
    #[test]
    fn a_seven_response_round_gives_the_hand_computed_scores() {
        let rows = [
            [5.0, 5.0, 10.0, 4.0],
            [4.0, 3.0, 9.0, 5.0],
            [3.0, 3.0, 8.0, 2.0],
            [2.0, 1.0, 6.0, 3.0],
            [4.0, 4.0, 7.0, 4.0],
            [1.0, 2.0, 0.0, 1.0],
            [5.0, 4.0, 10.0, 5.0],
        ];
        let responses: Vec<Vec<Answer>> = rows
            .iter()
            .map(|r| {
                vec![
                    v("eo1", r[0]),
                    v("eo2", r[1]),
                    v("enps", r[2]),
                    v("gr1", r[3]),
                ]
            })
            .collect();
        let s = score_group(&survey(), &responses);
        assert_eq!(s.n, 7);
        assert_close(s.engagement_index, 400.0 / 7.0);
        assert_close(s.enps, 100.0 / 7.0);
        let eo1 = question(&s, "eo1");
        assert_close(eo1.favorable, 400.0 / 7.0);
        assert_close(eo1.mean, 24.0 / 7.0);
        let growth = driver(&s, Driver::Growth);
        assert_close(growth.mean, 24.0 / 7.0);
        assert_close(growth.favorable, 400.0 / 7.0);
        let eo = driver(&s, Driver::EngagementOutcome);
        assert_eq!(eo.answers, 14);
        assert_close(eo.mean, 46.0 / 14.0);
        assert_close(eo.favorable, 50.0);
    }

    /// Reference: t(0.975, 4) = 2.7764451051977987 from a t table; the values 87.5, 75,
    /// 37.5, 12.5, 100 have mean 62.5 and sample variance 5312.5 / 4.
    #[test]
    fn the_mean_interval_uses_student_t_and_withholds_a_uniform_group() {
        let sd = (5312.5_f64 / 4.0).sqrt();
        let (low, high) = mean_interval(62.5, sd, 5).expect("an interval");
        let half = 2.776_445_105_197_798_7 * sd / 5.0_f64.sqrt();
        assert!((low - (62.5 - half)).abs() < 1e-9 && (high - (62.5 + half)).abs() < 1e-9);
        assert_eq!(mean_interval(50.0, 0.0, 8), None, "every index equal");
        assert_eq!(mean_interval(50.0, 3.0, 1), None, "one response");
    }

    /// A two-item driver's spread is over its answers: 2, 3 / 3, 4 / 4, 5 have mean
    /// 3.5 and squared deviations 2.25 + 0.25 + 0.25 + 0.25 + 0.25 + 2.25 = 5.5, so a
    /// sample sd of √(5.5 / 5); with every answer equal there is none.
    #[test]
    fn a_driver_s_spread_is_over_its_answers() {
        use Driver as D;
        use QuestionKind as K;
        let qs = vec![
            q("g1", K::Likert5, D::Growth),
            q("g2", K::Likert5, D::Growth),
        ];
        let r = |a: f64, b: f64| vec![v("g1", a), v("g2", b)];
        let s = score_group(&qs, &[r(2.0, 3.0), r(3.0, 4.0), r(4.0, 5.0)]);
        let growth = driver(&s, D::Growth);
        assert_eq!((growth.n, growth.answers), (3, 6));
        assert_close(growth.sd, (5.5_f64 / 5.0).sqrt());
        let same = score_group(&qs, &[r(4.0, 4.0), r(4.0, 4.0)]);
        let sd = driver(&same, D::Growth).sd.unwrap_or(f64::NAN);
        assert_eq!(mean_interval(4.0, sd, 4), None);
    }
}
