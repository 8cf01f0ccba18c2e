//! The effect of a done action on its page: the rounds before and after it on the
//! engagement side, and the customer ratings of the teams served around its day, each
//! with what it cannot say.

use maud::{Markup, html};

use crate::actions::types::{ActionEffect, CxEffect, CxVerdict, EffectRound, EffectVerdict};
use crate::org::domain::Language;
use crate::web::i18n::{t, tf};
use crate::web::layout::when_in;

fn one_decimal(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}"))
        .unwrap_or_else(|| "—".to_owned())
}

fn effect_rows(lang: Language, tz: chrono_tz::Tz, rounds: &[EffectRound]) -> Markup {
    html! {
        @for r in rounds {
            tr {
                th scope="row" { (r.survey) }
                td { (when_in(tz, r.closes_at)) }
                @if r.released {
                    td.num { (r.n.map(|n| n.to_string()).unwrap_or_default()) }
                    td.num { (one_decimal(r.engagement_index)) }
                    td.num { (one_decimal(r.driver_favorable)) }
                } @else {
                    td colspan="3" { span.suppressed { (t(lang, "not released for this group")) } }
                }
            }
        }
    }
}

/// What the rounds before and after a done action show, with what they cannot say.
pub fn effect_section(lang: Language, tz: chrono_tz::Tz, e: &ActionEffect) -> Markup {
    let verdict = match e.verdict {
        EffectVerdict::NotDone => t(
            lang,
            "The action is not done: its effect can be read once it is marked done.",
        ),
        EffectVerdict::NoResultsBefore => t(
            lang,
            "No round that closed before the action was done released these results: the data cannot show an effect.",
        ),
        EffectVerdict::NoResultsAfter => t(
            lang,
            "No round that opened after the action was done has released these results yet: the data cannot show an effect.",
        ),
        EffectVerdict::Compared => t(
            lang,
            "The change from the last released round before the action to the first after it, with its 95% interval. It compares two rounds and proves nothing by itself: other things changed too, and the rounds may ask different questions. A change whose interval includes 0 is no clear change.",
        ),
    };
    html! {
        section aria-labelledby="effect" {
            h2 #effect { (t(lang, "Effect")) }
            p { (verdict) }
            @if e.verdict == EffectVerdict::Compared {
                p {
                    (t(lang, "Engagement index")) ": " strong { (one_decimal(e.engagement_change)) }
                    @if let (Some(low), Some(high)) = (e.engagement_change_low, e.engagement_change_high) {
                        " " (tf(lang, "(95% interval {low} to {high})", &[("low", &format!("{low:.1}")), ("high", &format!("{high:.1}"))]))
                    }
                    @if e.driver.is_some() {
                        " · " (t(lang, "Driver, favourable %")) ": " strong { (one_decimal(e.driver_favorable_change)) }
                        @if let Some(change) = e.driver_mean_change {
                            " · " (t(lang, "Driver, mean (1–5)")) ": " strong { (format!("{change:+.2}")) }
                            @if let (Some(low), Some(high)) = (e.driver_mean_change_low, e.driver_mean_change_high) {
                                " " (tf(lang, "(95% interval {low} to {high})", &[("low", &format!("{low:.2}")), ("high", &format!("{high:.2}"))]))
                            }
                        }
                    }
                }
            }
            @if !e.before.is_empty() || !e.after.is_empty() {
                div.table-wrap tabindex="0" { table {
                    caption.visually-hidden { (t(lang, "Effect")) }
                    thead { tr {
                        th { (t(lang, "Survey")) } th { (t(lang, "Closes")) }
                        th.num { (t(lang, "Answers")) } th.num { (t(lang, "Engagement index")) }
                        th.num { (t(lang, "Driver, favourable %")) }
                    } }
                    tbody {
                        @if !e.before.is_empty() {
                            tr { th colspan="5" { (t(lang, "Before")) } }
                            (effect_rows(lang, tz, &e.before))
                        }
                        @if !e.after.is_empty() {
                            tr { th colspan="5" { (t(lang, "After")) } }
                            (effect_rows(lang, tz, &e.after))
                        }
                    }
                } }
            }
            @if !e.cx.is_empty() { (cx_effect_table(lang, &e.cx, e.team_id.is_none())) }
        }
    }
}

/// The customer ratings of the teams served around the day the action was done.
fn cx_effect_table(lang: Language, cx: &[CxEffect], organisation: bool) -> Markup {
    let verdict = |v: CxVerdict| match v {
        CxVerdict::TooFewRatings => t(
            lang,
            "Too few ratings to compare (at least 30 on each side).",
        ),
        CxVerdict::NoClearChange => t(lang, "No clear change: the interval contains 0."),
        CxVerdict::Changed => t(
            lang,
            "A change beyond the noise; a before/after comparison does not show its cause.",
        ),
    };
    html! {
        h3 #effect-cx { (t(lang, "Customers of the teams served")) }
        p.hint {
            @if organisation {
                (t(lang, "Every customer rating of the organisation, in the 90 days before the day the action was done and from that day."))
            } @else {
                (t(lang, "Customer ratings of the teams this team serves, in the 90 days before the day the action was done and from that day."))
            }
        }
        div.table-wrap tabindex="0" { table {
            caption.visually-hidden { (t(lang, "Customers of the teams served")) }
            thead { tr {
                th { (t(lang, "Metric")) } th.num { (t(lang, "Before")) } th.num { (t(lang, "After")) }
                th.num { (t(lang, "Change (95% interval)")) } th { (t(lang, "What it says")) }
            } }
            tbody {
                @for m in cx {
                    tr {
                        th scope="row" { (m.metric.as_str().to_uppercase()) }
                        td.num { (one_decimal(m.before)) " (" (m.before_n) ")" }
                        td.num { (one_decimal(m.after)) " (" (m.after_n) ")" }
                        td.num {
                            @if let (Some(c), Some(lo), Some(hi)) = (m.change, m.change_low, m.change_high) {
                                (format!("{c:+.1} ({lo:.1} … {hi:.1})"))
                            } @else { "—" }
                        }
                        td { (verdict(m.verdict)) }
                    }
                }
            }
        } }
    }
}
