//! Checking a submitted set of answers against the round's questions. Pure: every
//! refusal names the question (`answers.<question id>`), and nothing is written unless
//! every answer is valid.

use std::collections::HashSet;

use crate::error::{ApiError, Msg};
use crate::surveys::bank::QuestionKind;
use crate::surveys::model::QuestionRow;

/// Longest free-text answer, in characters.
pub const MAX_TEXT: usize = 2_000;

/// One answer as submitted.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub question_id: String,
    pub value: Option<f64>,
    pub choice: Option<String>,
    pub text: Option<String>,
}

impl Checked {
    fn value(question_id: &str, v: f64) -> Checked {
        Checked {
            question_id: question_id.to_owned(),
            value: Some(v),
            choice: None,
            text: None,
        }
    }

    fn choice(question_id: &str, c: &str) -> Checked {
        Checked {
            question_id: question_id.to_owned(),
            value: None,
            choice: Some(c.to_owned()),
            text: None,
        }
    }

    fn text(question_id: &str, t: &str) -> Checked {
        Checked {
            question_id: question_id.to_owned(),
            value: None,
            choice: None,
            text: Some(t.to_owned()),
        }
    }
}

/// A checked answer ready to store: one of `value`, `choice` or `text` is set, as the
/// question's kind asks.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub question_id: String,
    pub value: Option<f64>,
    pub choice: Option<String>,
    pub text: Option<String>,
}

fn bad(question: &str, message: impl Into<Msg>) -> ApiError {
    ApiError::invalid(format!("answers.{question}"), message)
}

/// Validates `given` against `questions`: known questions only, each at most once, the
/// right kind of value within its scale, and every required question answered.
pub fn check(questions: &[QuestionRow], given: &[Given]) -> Result<Vec<Checked>, ApiError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, a) in given.iter().enumerate() {
        let Some(q) = questions.iter().find(|q| q.id == a.question_id) else {
            return Err(ApiError::invalid(
                format!("answers[{i}].question_id"),
                "not a question of this round",
            ));
        };
        if !seen.insert(q.id.as_str()) {
            return Err(bad(&q.id, "answered twice"));
        }
        let kind = QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text);
        let checked = match kind {
            QuestionKind::Likert5 | QuestionKind::Scale11 => {
                let (lo, hi) = if kind == QuestionKind::Likert5 {
                    (1.0, 5.0)
                } else {
                    (0.0, 10.0)
                };
                if a.choice.is_some() || a.text.is_some() {
                    return Err(bad(&q.id, "give a `value` for this question"));
                }
                match a.value {
                    None => None,
                    Some(v) if v.fract() == 0.0 && (lo..=hi).contains(&v) => {
                        Some(Checked::value(&q.id, v))
                    }
                    Some(_) => {
                        return Err(bad(
                            &q.id,
                            Msg::new("value must be a whole number from {lo} to {hi}")
                                .arg("lo", lo)
                                .arg("hi", hi),
                        ));
                    }
                }
            }
            QuestionKind::Choice => {
                if a.value.is_some() || a.text.is_some() {
                    return Err(bad(&q.id, "give a `choice` for this question"));
                }
                match &a.choice {
                    None => None,
                    Some(c) if q.options_list().iter().any(|o| o == c) => {
                        Some(Checked::choice(&q.id, c))
                    }
                    Some(_) => return Err(bad(&q.id, "choice is not among the options")),
                }
            }
            QuestionKind::Text => {
                if a.value.is_some() || a.choice.is_some() {
                    return Err(bad(&q.id, "give a `text` for this question"));
                }
                match a.text.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(t) if t.chars().count() > MAX_TEXT => {
                        return Err(bad(
                            &q.id,
                            Msg::new("text must be at most {n} characters").arg("n", MAX_TEXT),
                        ));
                    }
                    Some(t) => Some(Checked::text(&q.id, t)),
                }
            }
        };
        if let Some(c) = checked {
            out.push(c);
        }
    }
    for q in questions {
        if q.required && !out.iter().any(|a: &Checked| a.question_id == q.id) {
            return Err(bad(&q.id, "this question requires an answer"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, kind: &str, required: bool, options: Option<&str>) -> QuestionRow {
        QuestionRow {
            id: id.into(),
            survey_id: "s".into(),
            position: 0,
            kind: kind.into(),
            driver: "voice".into(),
            required,
            bank_item: None,
            text_en: "Q".into(),
            text_ru: "В".into(),
            options: options.map(String::from),
            options_ru: None,
        }
    }

    fn survey() -> Vec<QuestionRow> {
        vec![
            q("l", "likert5", true, None),
            q("e", "scale11", true, None),
            q("c", "choice", false, Some(r#"["Yes","No"]"#)),
            q("t", "text", false, None),
        ]
    }

    fn v(id: &str, value: f64) -> Given {
        Given {
            question_id: id.into(),
            value: Some(value),
            ..Given::default()
        }
    }

    fn field(r: Result<Vec<Checked>, ApiError>) -> String {
        r.expect_err("invalid").problem().field.unwrap_or_default()
    }

    #[test]
    fn a_complete_valid_set_is_accepted() {
        let mut given = vec![v("l", 4.0), v("e", 0.0)];
        given.push(Given {
            question_id: "c".into(),
            choice: Some("No".into()),
            ..Given::default()
        });
        given.push(Given {
            question_id: "t".into(),
            text: Some("  more coffee ".into()),
            ..Given::default()
        });
        let out = check(&survey(), &given).expect("valid");
        assert_eq!(out.len(), 4);
        assert_eq!(out[3].text.as_deref(), Some("more coffee"));
    }

    #[test]
    fn values_outside_the_scale_name_the_question() {
        assert_eq!(
            field(check(&survey(), &[v("l", 6.0), v("e", 5.0)])),
            "answers.l"
        );
        assert_eq!(
            field(check(&survey(), &[v("l", 3.5), v("e", 5.0)])),
            "answers.l"
        );
        assert_eq!(
            field(check(&survey(), &[v("l", 3.0), v("e", 11.0)])),
            "answers.e"
        );
        assert_eq!(
            field(check(&survey(), &[v("l", 3.0), v("e", -1.0)])),
            "answers.e"
        );
    }

    #[test]
    fn a_missing_required_answer_names_the_question() {
        assert_eq!(field(check(&survey(), &[v("l", 3.0)])), "answers.e");
    }

    #[test]
    fn an_unknown_question_or_choice_or_long_text_is_refused() {
        assert_eq!(
            field(check(&survey(), &[v("zzz", 3.0)])),
            "answers[0].question_id"
        );
        let bad_choice = Given {
            question_id: "c".into(),
            choice: Some("Maybe".into()),
            ..Given::default()
        };
        assert_eq!(
            field(check(&survey(), &[v("l", 3.0), v("e", 1.0), bad_choice])),
            "answers.c"
        );
        let long = Given {
            question_id: "t".into(),
            text: Some("x".repeat(2001)),
            ..Given::default()
        };
        assert_eq!(
            field(check(&survey(), &[v("l", 3.0), v("e", 1.0), long])),
            "answers.t"
        );
        let exact = Given {
            question_id: "t".into(),
            text: Some("я".repeat(2000)),
            ..Given::default()
        };
        assert!(check(&survey(), &[v("l", 3.0), v("e", 1.0), exact]).is_ok());
    }

    #[test]
    fn the_same_question_twice_is_refused() {
        assert_eq!(
            field(check(&survey(), &[v("l", 3.0), v("l", 4.0), v("e", 1.0)])),
            "answers.l"
        );
    }
}
