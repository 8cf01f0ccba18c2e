//! The question list of the survey form, as the form itself carries it: bank items
//! ticked (`bank_item`), questions of one's own in numbered slots (`custom.<i>.*`), and
//! their order (`order` fields naming `bank:<key>` or `custom:<i>`). The editing buttons
//! (add a slot, move a question up or down, remove one) post the form back with an
//! `op`; [`apply`] turns that into the form drawn next, saving nothing. Also the form
//! of a stored survey ([`form_of`]) and the API's question errors placed beside the
//! slots they concern ([`place_question_errors`]). Pure: no database, no page.

use crate::surveys::types::Survey;
use crate::web::layout::Errors;
use crate::web::respond::Form;

/// At most how many slots for questions of one's own the form has (the API allows 60
/// questions in all, bank items included).
pub const MAX_SLOTS: usize = 40;

/// The name of a part of slot `i` (`text`, `text_ru`, `kind`, `driver`, `required`,
/// `options`, `options_ru`).
pub fn slot(i: usize, part: &str) -> String {
    format!("custom.{i}.{part}")
}

/// The parts of a slot, as the form posts them.
const PARTS: [&str; 7] = [
    "text",
    "text_ru",
    "kind",
    "driver",
    "required",
    "options",
    "options_ru",
];

/// Whether slot `i` of the form holds a question.
pub fn slot_filled(form: &Form, i: usize) -> bool {
    ["text", "text_ru", "options", "options_ru"]
        .iter()
        .any(|p| !form.text(&slot(i, p)).trim().is_empty())
}

/// How many question slots to draw: the filled ones and one blank one, or as many as
/// the form asked for with "Add a question" (`slots`), whichever is more.
pub fn slot_count(form: &Form) -> usize {
    let filled = (0..MAX_SLOTS)
        .rev()
        .find(|&i| slot_filled(form, i))
        .map_or(0, |i| i + 1);
    let asked = form.text("slots").trim().parse::<usize>().unwrap_or(0);
    (filled + 1).max(asked).min(MAX_SLOTS)
}

/// The form's questions in their order: each by its tag (`bank:<key>`, `custom:<i>`).
/// Tags the `order` fields name come first, in that order; the rest follow, bank items
/// before one's own.
pub fn tags(form: &Form) -> Vec<String> {
    let mut tags: Vec<String> = form
        .all("bank_item")
        .into_iter()
        .map(|k| format!("bank:{k}"))
        .collect();
    tags.dedup();
    tags.extend(
        (0..MAX_SLOTS)
            .filter(|&i| slot_filled(form, i))
            .map(|i| format!("custom:{i}")),
    );
    let order = form.all("order");
    tags.sort_by_key(|tag| order.iter().position(|o| o == tag).unwrap_or(usize::MAX));
    tags
}

/// What an editing button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// One more blank slot.
    Add,
    Up(String),
    Down(String),
    Remove(String),
}

impl Op {
    /// The button the form was posted with, if it was an editing one.
    pub fn of(form: &Form) -> Option<Op> {
        let op = form.get("op")?;
        if op == "add" {
            return Some(Op::Add);
        }
        let (verb, tag) = op.split_once(' ')?;
        let tag = tag.to_owned();
        match verb {
            "up" => Some(Op::Up(tag)),
            "down" => Some(Op::Down(tag)),
            "remove" => Some(Op::Remove(tag)),
            _ => None,
        }
    }

    /// The button's value.
    pub fn value(verb: &str, tag: &str) -> String {
        format!("{verb} {tag}")
    }
}

/// The form after `op`: every field that is not about the questions as it was, the
/// questions edited, and their order written out whole.
pub fn apply(form: &Form, op: &Op) -> Form {
    let mut tags = tags(form);
    let mut slots = slot_count(form);
    let mut removed_slot = None;
    match op {
        Op::Add => slots = (slots + 1).min(MAX_SLOTS),
        Op::Up(tag) | Op::Down(tag) => {
            if let Some(at) = tags.iter().position(|t| t == tag) {
                let to = if matches!(op, Op::Up(_)) {
                    at.checked_sub(1)
                } else {
                    Some(at + 1).filter(|&to| to < tags.len())
                };
                if let Some(to) = to {
                    tags.swap(at, to);
                }
            }
        }
        Op::Remove(tag) => {
            tags.retain(|t| t != tag);
            removed_slot = tag
                .strip_prefix("custom:")
                .and_then(|i| i.parse::<usize>().ok());
        }
    }
    let kept_bank: Vec<String> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("bank:").map(str::to_owned))
        .collect();
    // A removed slot's questions below it move up one slot, so the slots stay dense.
    let renumber = |i: usize| match removed_slot {
        Some(r) if i > r => Some(i - 1),
        Some(r) if i == r => None,
        _ => Some(i),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in &form.0 {
        if matches!(k.as_str(), "op" | "order" | "slots" | "bank_item") {
            continue;
        }
        if let Some((i, part)) = slot_field(k) {
            if let Some(j) = renumber(i) {
                out.push((slot(j, part), v.clone()));
            }
            continue;
        }
        out.push((k.clone(), v.clone()));
    }
    out.extend(kept_bank.into_iter().map(|k| ("bank_item".to_owned(), k)));
    for tag in &tags {
        let tag = match tag.strip_prefix("custom:").and_then(|i| i.parse().ok()) {
            Some(i) => match renumber(i) {
                Some(j) => format!("custom:{j}"),
                None => continue,
            },
            None => tag.clone(),
        };
        out.push(("order".to_owned(), tag));
    }
    if removed_slot.is_some() {
        slots = slots.saturating_sub(1);
    }
    out.push(("slots".to_owned(), slots.to_string()));
    Form(out)
}

/// The API names a question by its place (`questions[3].text`, `questions[3].options[1]`);
/// the page puts that beside the slot the question came from.
pub fn place_question_errors(mut errors: Errors, sources: &[String]) -> Errors {
    for (field, _) in &mut errors.fields {
        let Some(rest) = field.strip_prefix("questions[") else {
            continue;
        };
        let Some((index, part)) = rest.split_once(']') else {
            continue;
        };
        let Some(source) = index.parse::<usize>().ok().and_then(|i| sources.get(i)) else {
            continue;
        };
        let part = part.trim_start_matches('.');
        let part = part.split('[').next().unwrap_or(part);
        *field = if source == "questions" || part.is_empty() || part == "bank_item" {
            "questions".to_owned()
        } else {
            format!("{source}.{part}")
        };
    }
    errors
}

/// The form, filled in from a stored survey: bank items ticked, questions of one's own
/// in their slots, audience, cuts, schedule and k.
pub fn form_of(sv: &Survey) -> Form {
    let mut f = vec![
        ("title".to_owned(), sv.title.clone()),
        ("title_ru".to_owned(), sv.title_ru.clone()),
    ];
    let mut i = 0;
    for q in &sv.questions {
        match &q.bank_item {
            Some(key) => {
                f.push(("bank_item".into(), key.clone()));
                f.push(("order".into(), format!("bank:{key}")));
            }
            None => {
                f.push(("order".into(), format!("custom:{i}")));
                f.push((slot(i, "text"), q.text.clone()));
                f.push((slot(i, "text_ru"), q.text_ru.clone()));
                f.push((slot(i, "kind"), q.kind.as_str().into()));
                f.push((slot(i, "driver"), q.driver.as_str().into()));
                if q.required {
                    f.push((slot(i, "required"), "1".into()));
                }
                f.push((slot(i, "options"), q.options.join("\n")));
                f.push((slot(i, "options_ru"), q.options_ru.join("\n")));
                i += 1;
            }
        }
    }
    for team in &sv.audience.team_ids {
        f.push(("team_id".into(), team.clone()));
    }
    for cut in &sv.cuts {
        f.push(("cut".into(), cut.as_str().into()));
    }
    f.push(("starts_on".into(), sv.schedule.starts_on.to_string()));
    f.push(("cadence".into(), sv.schedule.cadence.as_str().into()));
    f.push((
        "schedule.window_days".into(),
        sv.schedule.window_days.to_string(),
    ));
    if let Some(e) = sv.schedule.ends_on {
        f.push(("schedule.ends_on".into(), e.to_string()));
    }
    f.push(("min_group".into(), sv.min_group.to_string()));
    f.push(("reminders".into(), sv.reminders.to_string()));
    Form(f)
}

/// `custom.<i>.<part>` as its slot and part.
fn slot_field(name: &str) -> Option<(usize, &'static str)> {
    let rest = name.strip_prefix("custom.")?;
    let (i, part) = rest.split_once('.')?;
    let part = PARTS.iter().find(|p| **p == part)?;
    Some((i.parse().ok()?, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn questions() -> Form {
        form(&[
            ("title", "Pulse"),
            ("bank_item", "eo_proud"),
            ("bank_item", "eo_enps"),
            ("custom.0.text", "First own"),
            ("custom.0.kind", "likert5"),
            ("custom.1.text", ""),
            ("custom.2.text", "Third own"),
            ("custom.2.kind", "text"),
        ])
    }

    #[test]
    fn questions_keep_the_order_the_form_names_and_new_ones_follow() {
        let mut f = questions();
        assert_eq!(
            tags(&f),
            ["bank:eo_proud", "bank:eo_enps", "custom:0", "custom:2"]
        );
        f.0.push(("order".into(), "custom:2".into()));
        f.0.push(("order".into(), "bank:eo_enps".into()));
        assert_eq!(
            tags(&f),
            ["custom:2", "bank:eo_enps", "bank:eo_proud", "custom:0"]
        );
    }

    #[test]
    fn moving_a_question_swaps_it_with_its_neighbour_and_not_past_the_ends() {
        let f = apply(&questions(), &Op::Up("custom:0".into()));
        assert_eq!(
            tags(&f),
            ["bank:eo_proud", "custom:0", "bank:eo_enps", "custom:2"]
        );
        let g = apply(&f, &Op::Down("bank:eo_proud".into()));
        assert_eq!(
            tags(&g),
            ["custom:0", "bank:eo_proud", "bank:eo_enps", "custom:2"]
        );
        assert_eq!(tags(&apply(&g, &Op::Up("custom:0".into()))), tags(&g));
        assert_eq!(tags(&apply(&g, &Op::Down("custom:2".into()))), tags(&g));
        // Nothing else on the form changes.
        assert_eq!(g.text("title"), "Pulse");
        assert_eq!(g.text("custom.2.kind"), "text");
    }

    #[test]
    fn removing_an_own_question_moves_the_later_slots_up() {
        let f = apply(&questions(), &Op::Up("custom:2".into()));
        let f = apply(&f, &Op::Remove("custom:0".into()));
        assert_eq!(tags(&f), ["bank:eo_proud", "bank:eo_enps", "custom:1"]);
        assert_eq!(f.text("custom.1.text"), "Third own");
        assert_eq!(f.text("custom.1.kind"), "text");
        assert_eq!(f.text("custom.0.text"), "", "the blank slot moved up");
        assert!(f.get("custom.2.text").is_none());
        let f = apply(&f, &Op::Remove("bank:eo_proud".into()));
        assert_eq!(tags(&f), ["bank:eo_enps", "custom:1"]);
        assert_eq!(f.all("bank_item"), ["eo_enps"]);
    }

    #[test]
    fn adding_gives_one_more_slot_up_to_the_limit() {
        let f = questions();
        assert_eq!(
            slot_count(&f),
            4,
            "three slots used or blank, one more blank"
        );
        let g = apply(&f, &Op::Add);
        assert_eq!(slot_count(&g), 5);
        assert_eq!(slot_count(&apply(&g, &Op::Add)), 6);
        let mut full = form(&[("slots", "40")]);
        full = apply(&full, &Op::Add);
        assert_eq!(slot_count(&full), MAX_SLOTS);
        assert_eq!(slot_count(&form(&[("slots", "100000")])), MAX_SLOTS);
    }

    #[test]
    fn only_the_editing_buttons_are_ops() {
        assert_eq!(Op::of(&form(&[("op", "add")])), Some(Op::Add));
        assert_eq!(
            Op::of(&form(&[("op", &Op::value("down", "custom:3"))])),
            Some(Op::Down("custom:3".into()))
        );
        assert_eq!(Op::of(&form(&[("op", "delete everything")])), None);
        assert_eq!(Op::of(&form(&[("title", "x")])), None);
    }
}
