//! What a survey may contain, checked without the database: its questions (from the
//! bank or custom, with their limits), its schedule, its k and its cuts, and the rows
//! the checked questions are stored as. `service.rs` runs these before it writes.

use std::collections::HashSet;

use crate::anonymity::min_group::MinGroup;
use crate::error::{ApiError, Msg};
use crate::org::domain::parse_text;
use crate::surveys::bank::{self, Driver, QuestionKind};
use crate::surveys::model::{CUTS, Cut, QuestionRow};
use crate::surveys::reminder_times::{DEFAULT, MOST};
use crate::surveys::types::{QuestionInput, ScheduleInput};

/// Most questions in one survey.
pub const MAX_QUESTIONS: usize = 60;
/// Most options of a choice question.
pub const MAX_OPTIONS: usize = 20;

/// A checked question, before it gets its id and survey.
pub struct NewQuestion {
    kind: QuestionKind,
    driver: Driver,
    required: bool,
    bank_item: Option<String>,
    text_en: String,
    text_ru: String,
    options: Option<Vec<String>>,
    options_ru: Option<Vec<String>>,
}

pub fn check_questions(inputs: &[QuestionInput]) -> Result<Vec<NewQuestion>, ApiError> {
    if inputs.is_empty() {
        return Err(ApiError::invalid(
            "questions",
            "a survey needs at least one question",
        ));
    }
    if inputs.len() > MAX_QUESTIONS {
        return Err(ApiError::invalid(
            "questions",
            Msg::new("at most {n} questions").arg("n", MAX_QUESTIONS),
        ));
    }
    let mut seen_bank = HashSet::new();
    let mut out = Vec::new();
    for (i, q) in inputs.iter().enumerate() {
        let f = |name: &str| format!("questions[{i}].{name}");
        if let Some(key) = &q.bank_item {
            let item = bank::item(key)
                .ok_or_else(|| ApiError::invalid(f("bank_item"), "no such bank item"))?;
            if q.kind.is_some()
                || q.driver.is_some()
                || q.text.is_some()
                || q.text_ru.is_some()
                || q.options.is_some()
                || q.options_ru.is_some()
            {
                return Err(ApiError::invalid(
                    f("bank_item"),
                    "a bank item brings its own kind, driver and texts; give only `required` with it",
                ));
            }
            if !seen_bank.insert(item.key) {
                return Err(ApiError::invalid(
                    f("bank_item"),
                    "this bank item is already in the survey",
                ));
            }
            out.push(NewQuestion {
                kind: item.kind,
                driver: item.driver,
                required: q.required.unwrap_or(!item.optional_by_default()),
                bank_item: Some(item.key.to_owned()),
                text_en: item.text_en.to_owned(),
                text_ru: item.text_ru.to_owned(),
                options: None,
                options_ru: None,
            });
            continue;
        }
        let kind = q
            .kind
            .ok_or_else(|| ApiError::invalid(f("kind"), "give a kind, or a bank_item"))?;
        let driver = q
            .driver
            .ok_or_else(|| ApiError::invalid(f("driver"), "give a driver, or a bank_item"))?;
        let text_en = parse_text(q.text.as_deref().unwrap_or(""), &f("text"), 500)?;
        let text_ru = match q.text_ru.as_deref() {
            None => String::new(),
            Some(t) => parse_text(t, &f("text_ru"), 500)?,
        };
        let options = match (kind, &q.options) {
            (QuestionKind::Choice, None) => {
                return Err(ApiError::invalid(
                    f("options"),
                    "a choice question needs options",
                ));
            }
            (QuestionKind::Choice, Some(opts)) => {
                if opts.len() < 2 || opts.len() > MAX_OPTIONS {
                    return Err(ApiError::invalid(
                        f("options"),
                        Msg::new("give 2 to {n} options").arg("n", MAX_OPTIONS),
                    ));
                }
                let mut clean = Vec::new();
                for (j, o) in opts.iter().enumerate() {
                    let o = parse_text(o, &format!("questions[{i}].options[{j}]"), 200)?;
                    if clean.contains(&o) {
                        return Err(ApiError::invalid(
                            format!("questions[{i}].options[{j}]"),
                            "listed twice",
                        ));
                    }
                    clean.push(o);
                }
                Some(clean)
            }
            (_, Some(_)) => {
                return Err(ApiError::invalid(
                    f("options"),
                    "only choice questions have options",
                ));
            }
            (_, None) => None,
        };
        let options_ru = check_options_ru(i, options.as_deref(), q.options_ru.as_deref())?;
        out.push(NewQuestion {
            kind,
            driver,
            required: q.required.unwrap_or(kind != QuestionKind::Text),
            bank_item: None,
            text_en,
            text_ru,
            options,
            options_ru,
        });
    }
    Ok(out)
}

/// A choice question's Russian options: one for each English option, none blank or
/// listed twice; an empty list (or none) leaves them untranslated.
fn check_options_ru(
    i: usize,
    options: Option<&[String]>,
    ru: Option<&[String]>,
) -> Result<Option<Vec<String>>, ApiError> {
    let field = format!("questions[{i}].options_ru");
    let ru = match ru {
        None => return Ok(None),
        Some([]) => return Ok(None),
        Some(ru) => ru,
    };
    let Some(options) = options else {
        return Err(ApiError::invalid(
            field,
            "only choice questions have options",
        ));
    };
    if ru.len() != options.len() {
        return Err(ApiError::invalid(
            field,
            Msg::new("give one Russian option for each of the {n} options").arg("n", options.len()),
        ));
    }
    let mut clean: Vec<String> = Vec::new();
    for (j, o) in ru.iter().enumerate() {
        let o = parse_text(o, &format!("questions[{i}].options_ru[{j}]"), 200)?;
        if clean.contains(&o) {
            return Err(ApiError::invalid(
                format!("questions[{i}].options_ru[{j}]"),
                "listed twice",
            ));
        }
        clean.push(o);
    }
    Ok(Some(clean))
}

pub fn check_schedule(s: &ScheduleInput) -> Result<(), ApiError> {
    let max = s.cadence.max_window_days();
    if s.window_days < 1 || s.window_days > max {
        return Err(ApiError::invalid(
            "schedule.window_days",
            Msg::new("must be 1 to {max} days for a {cadence} survey (no longer than the cadence)")
                .arg("max", max)
                .term("cadence", s.cadence.as_str()),
        ));
    }
    if s.ends_on.is_some_and(|e| e < s.starts_on) {
        return Err(ApiError::invalid(
            "schedule.ends_on",
            "must not be before starts_on",
        ));
    }
    Ok(())
}

/// A survey's k: the instance's when none is given; never below it.
pub fn check_min_group(v: Option<i32>, configured: MinGroup) -> Result<i32, ApiError> {
    match v.map(|k| MinGroup::parse(k.into())) {
        None => Ok(configured.as_i32()),
        Some(Ok(k)) if k >= configured => Ok(k.as_i32()),
        Some(_) => Err(ApiError::invalid(
            "min_group",
            Msg::new("must be from {floor} to 1000").arg("floor", configured.as_i32()),
        )),
    }
}

/// A survey's number of automatic reminders: [`DEFAULT`] when none is given, else 0 to
/// [`MOST`].
pub fn check_reminders(v: Option<i32>) -> Result<i32, ApiError> {
    match v {
        None => Ok(DEFAULT),
        Some(n) if (0..=MOST).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "reminders",
            Msg::new("must be from 0 to {most}").arg("most", MOST),
        )),
    }
}

pub fn cuts_string(cuts: &[Cut]) -> String {
    CUTS.iter()
        .filter(|c| cuts.iter().any(|x| x.as_str() == **c))
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored rows of a survey's checked questions, in order, each with a new id.
pub fn question_rows(survey_id: &str, qs: Vec<NewQuestion>) -> Vec<QuestionRow> {
    qs.into_iter()
        .enumerate()
        .map(|(pos, q)| QuestionRow {
            id: uuid::Uuid::new_v4().to_string(),
            survey_id: survey_id.to_owned(),
            position: i32::try_from(pos).unwrap_or(i32::MAX),
            kind: q.kind.as_str().into(),
            driver: q.driver.as_str().into(),
            required: q.required,
            bank_item: q.bank_item,
            text_en: q.text_en,
            text_ru: q.text_ru,
            options: q
                .options
                .map(|o| serde_json::to_string(&o).unwrap_or_else(|_| "[]".into())),
            options_ru: q
                .options_ru
                .map(|o| serde_json::to_string(&o).unwrap_or_else(|_| "[]".into())),
        })
        .collect()
}
