//! The report shapes the API answers and the web pages draw: groups with their driver,
//! question and participation cells, a round's report, the teams × drivers heatmap,
//! released comments and a survey's trend, and a page of the audit log. Data only: the service builds them, the API
//! wraps them as JSON and [`super::csv`] renders them as CSV.

use poem_openapi::{Enum, Object};

use crate::surveys::bank::Driver;

#[derive(Object, Clone)]
pub struct Bucket {
    pub label: String,
    pub count: i64,
}

/// Why a suppressed group or cell is not shown: it has fewer than k answers (or, while
/// a round is open, fewer than k invitees), or it has enough but is hidden so that a
/// smaller group beside it cannot be worked out by subtraction (complementary
/// suppression).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum HiddenReason {
    FewerThanMinGroup,
    ProtectsSmallerGroup,
}

impl HiddenReason {
    /// The reason for a suppressed group or cell of `n` answers under `k`.
    pub fn of(n: usize, k: usize) -> HiddenReason {
        if n < k {
            HiddenReason::FewerThanMinGroup
        } else {
            HiddenReason::ProtectsSmallerGroup
        }
    }
}

#[derive(Object, Clone)]
pub struct DriverCell {
    pub driver: Driver,
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<HiddenReason>,
    pub n: Option<i64>,
    pub mean: Option<f64>,
    /// Percent of answers 4 or 5.
    pub favorable: Option<f64>,
    /// The answers behind the mean, their spread (sample standard deviation, 1–5
    /// scale, 2 decimals) and the mean's 95% interval (Student's t over the answers,
    /// answers − 1 degrees of freedom). Shown with the mean. One person's answers to a
    /// driver's items go together, so for a driver of several items the interval is
    /// narrower than the truth.
    pub answers: Option<i64>,
    pub sd: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Why a shown question's counts per answer are withheld (its mean and favourable share
/// are shown): the group has fewer than 2k answers to it, or enough but its counts
/// would give a smaller group's counts away by subtraction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum DistributionWithheld {
    FewerThanTwiceMinGroup,
    ProtectsSmallerGroup,
}

#[derive(Object, Clone)]
pub struct QuestionCell {
    pub question_id: String,
    pub suppressed: bool,
    pub n: Option<i64>,
    pub mean: Option<f64>,
    pub favorable: Option<f64>,
    /// Counts per answer: only for groups of at least 2k answers to the question.
    pub distribution: Option<Vec<Bucket>>,
    /// Why `distribution` is absent although the question is shown.
    pub distribution_withheld: Option<DistributionWithheld>,
}

/// Who of a group could and did answer. Three figures: `invited` (everyone the round
/// invited), `reachable` (those of them who can sign in: their account is activated)
/// and `answered`. The headline is `reachable_rate` (answered over reachable): people
/// who never activated their account cannot answer, so `rate` (answered over invited)
/// understates the response of those who could.
#[derive(Object, Clone)]
pub struct ParticipationCell {
    pub invited: i64,
    /// Answered over invited (0–1).
    pub rate: f64,
    pub answered: i64,
    /// Invitees who can sign in (an activated account), or who answered. Absent where
    /// it is withheld (`reachable_hidden` says why), and for a cut's values.
    pub reachable: Option<i64>,
    /// Answered over reachable (0–1): the headline response rate.
    pub reachable_rate: Option<f64>,
    /// Why `reachable` is absent for a team: fewer than k reachable people, or it would
    /// let a difference of shown counts cover fewer than k of them.
    pub reachable_hidden: Option<HiddenReason>,
}

/// A group of responses: a team's subtree, or one value of a cut within it. A
/// suppressed group carries its label and nothing else.
#[derive(Object, Clone)]
pub struct Group {
    pub label: String,
    pub team_id: Option<String>,
    pub cut: Option<String>,
    pub value: Option<String>,
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<HiddenReason>,
    pub n: Option<i64>,
    pub participation: Option<ParticipationCell>,
    /// 0–100.
    pub engagement_index: Option<f64>,
    /// The spread of the responses' engagement indexes (sample standard deviation) and
    /// the index's 95% interval (Student's t with n − 1 degrees of freedom: mean ± t ×
    /// sd / √n; it may reach past 0–100 for small groups). Shown with the index, except
    /// where every response has the same index (it would give each one away).
    pub engagement_index_sd: Option<f64>,
    pub engagement_index_low: Option<f64>,
    pub engagement_index_high: Option<f64>,
    /// −100..100.
    pub enps: Option<f64>,
    pub drivers: Option<Vec<DriverCell>>,
    pub questions: Option<Vec<QuestionCell>>,
}

impl Group {
    /// A group without scores: its label, where it stands and, when shown, its
    /// participation; suppressed where `hidden` says why.
    pub fn unscored(
        label: String,
        team_id: Option<String>,
        segment: Option<(String, String)>,
        hidden: Option<HiddenReason>,
        participation: Option<ParticipationCell>,
    ) -> Group {
        let (cut, value) = segment.unzip();
        Group {
            label,
            team_id,
            cut,
            value,
            suppressed: hidden.is_some(),
            hidden,
            n: None,
            participation,
            engagement_index: None,
            engagement_index_sd: None,
            engagement_index_low: None,
            engagement_index_high: None,
            enps: None,
            drivers: None,
            questions: None,
        }
    }
}

#[derive(Object)]
pub struct Report {
    pub round_id: String,
    /// False while the round is open: groups then carry live participation only.
    pub scores_released: bool,
    /// The team reported on; absent for the whole organisation.
    pub team_id: Option<String>,
    pub min_group: i64,
    pub group: Group,
    pub children: Vec<Group>,
    pub segments: Vec<Group>,
}

#[derive(Object, Clone)]
pub struct HeatmapRow {
    pub team_id: Option<String>,
    pub team: String,
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<HiddenReason>,
    pub n: Option<i64>,
    pub engagement_index: Option<f64>,
    pub cells: Vec<DriverCell>,
}

#[derive(Object)]
pub struct Heatmap {
    pub round_id: String,
    pub min_group: i64,
    pub drivers: Vec<Driver>,
    pub rows: Vec<HeatmapRow>,
}

#[derive(Object)]
pub struct Comment {
    pub question_id: String,
    pub text: String,
    /// When its author allowed replies: the conversation to read and answer at
    /// `/api/v1/comment-threads/{id}`. Absent otherwise.
    #[oai(skip_serializing_if_is_none)]
    pub conversation_id: Option<String>,
}

#[derive(Object)]
pub struct Comments {
    pub round_id: String,
    pub team_id: Option<String>,
    /// Comments are shown only for groups with at least this many of them.
    pub min_comments: i64,
    pub suppressed: bool,
    /// In random order, without the rest of their response.
    pub comments: Vec<Comment>,
    /// What several of the comments shown are about (EN and RU words alike), at most
    /// five, largest first; computed from the shown comments only.
    pub themes: Vec<CommentTheme>,
}

/// Comments that share keywords.
#[derive(Object)]
pub struct CommentTheme {
    /// A readable name: its most frequent word (and the second, when close).
    pub label: String,
    /// Its keywords (word stems), heaviest first.
    pub keywords: Vec<String>,
    /// How many of the comments shown are about it.
    pub comments: i64,
}

#[derive(Object)]
pub struct TrendPoint {
    pub round_id: String,
    pub sequence: i32,
    pub closes_at: chrono::NaiveDateTime,
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<HiddenReason>,
    pub n: Option<i64>,
    pub engagement_index: Option<f64>,
    pub enps: Option<f64>,
}

#[derive(Object)]
pub struct Trend {
    pub survey_id: String,
    pub team_id: Option<String>,
    pub points: Vec<TrendPoint>,
}

#[derive(Object)]
pub struct AuditEntry {
    pub at: chrono::NaiveDateTime,
    pub actor_id: String,
    pub actor_email: Option<String>,
    /// What was done, e.g. `report.read` or `report.export`.
    pub action: String,
    /// Which report, e.g. `round/<id>/report?team_id=<id>&cut=location`.
    pub target: String,
}

#[derive(Object)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Why a group's driver impact is withheld.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ImpactWithheld {
    /// Fewer than `min_respondents` responses.
    FewerThanMinRespondents,
    /// The round's release plan hides the group, or its engagement index, here (so that
    /// a smaller group cannot be worked out by subtraction); or somebody of the group
    /// left the engagement items unanswered (impact rests only on the whole group, never
    /// on "all but those who skipped").
    ProtectsSmallerGroup,
    /// Nothing to relate: the engagement index does not vary across the group, or the
    /// survey asks about no driver besides engagement.
    NothingToRelate,
}

impl ImpactWithheld {
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactWithheld::FewerThanMinRespondents => "fewer_than_min_respondents",
            ImpactWithheld::ProtectsSmallerGroup => "protects_smaller_group",
            ImpactWithheld::NothingToRelate => "nothing_to_relate",
        }
    }
}

/// One driver's impact on the engagement index of a group. Scores are on 0–100 like
/// the engagement index: (mean answer − 1) / 4 × 100.
#[derive(Object, Clone)]
pub struct DriverImpact {
    pub driver: Driver,
    /// The release plan hides this driver for the group (it is then left out).
    pub suppressed: bool,
    /// Why it is suppressed; absent when shown.
    pub hidden: Option<HiddenReason>,
    /// The group's score on the driver (0–100).
    pub score: Option<f64>,
    /// The organisation's score on the driver (0–100), where the plan shows it.
    pub organisation_score: Option<f64>,
    /// `score − organisation_score`, in points.
    pub relative_score: Option<f64>,
    /// Pearson's r between respondents' driver scores and their engagement index;
    /// absent when the driver's scores do not vary.
    pub r: Option<f64>,
    /// The Fisher-z 95% interval of `r`.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Johnson's relative weight: the part of R² this driver carries.
    pub relative_weight: Option<f64>,
    /// `relative_weight` as a percent of R².
    pub share: Option<f64>,
}

/// A driver to focus on: impact above the group's median, score below the organisation's.
#[derive(Object, Clone)]
pub struct FocusArea {
    pub driver: Driver,
    pub relative_weight: f64,
    pub share: f64,
    /// How far the group's score is below the organisation's, in points (0–100 scale).
    pub points_below: f64,
}

/// Which drivers go with engagement in a group of a closed round: per driver the
/// correlation with the engagement index and its relative weight, and the focus areas.
/// Released only for groups of at least `min_respondents` (max(k, 25)) that the round's
/// release plan shows; figures rounded to 2 decimals. Correlation, not causation.
#[derive(Object, Clone)]
pub struct Impact {
    pub round_id: String,
    /// The team; absent for the whole organisation.
    pub team_id: Option<String>,
    pub label: String,
    pub min_respondents: i64,
    pub released: bool,
    /// Why nothing is released; absent when released.
    pub withheld: Option<ImpactWithheld>,
    /// Complete responses the figures rest on.
    pub n: Option<i64>,
    /// R² of the engagement index on the drivers (the sum of the relative weights).
    pub r_squared: Option<f64>,
    pub drivers: Vec<DriverImpact>,
    /// Up to three, largest weight first.
    pub focus_areas: Vec<FocusArea>,
}
