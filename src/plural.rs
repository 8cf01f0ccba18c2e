//! Plural forms by the CLDR rules, through `intl_pluralrules`: English has the
//! categories one/other, Russian one/few/many/other (and `other` only for fractions).
//! A message keeps its forms in one place per language: the English ones where it is
//! made (`web::i18n::tn`, `Msg::plural`), the Russian ones in `web::i18n`'s plural table.
//! Pure logic below `error` (whose messages pick their English form here), so it names
//! languages by their own functions rather than `org::domain::Language`.

use std::sync::OnceLock;

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

/// The cardinal rules of `code`, made once.
fn rules(cell: &'static OnceLock<PluralRules>, code: &str) -> &'static PluralRules {
    cell.get_or_init(|| {
        let id: LanguageIdentifier = code.parse().expect("a valid language tag");
        PluralRules::create(id, PluralRuleType::CARDINAL).expect("CLDR rules for the language")
    })
}

/// The CLDR cardinal plural category of `n` in English.
pub fn english_category(n: u64) -> PluralCategory {
    static EN: OnceLock<PluralRules> = OnceLock::new();
    rules(&EN, "en").select(n).unwrap_or(PluralCategory::OTHER)
}

/// The CLDR cardinal plural category of `n` in Russian.
pub fn russian_category(n: u64) -> PluralCategory {
    static RU: OnceLock<PluralRules> = OnceLock::new();
    rules(&RU, "ru").select(n).unwrap_or(PluralCategory::OTHER)
}

/// The English form for `n`: `one` or `other`.
pub fn english<'a>(n: u64, one: &'a str, other: &'a str) -> &'a str {
    match english_category(n) {
        PluralCategory::ONE => one,
        _ => other,
    }
}

/// The English form for `n` with `{n}` filled in: `"{n} error"`, `"{n} errors"`.
pub fn english_n(n: u64, one: &str, other: &str) -> String {
    english(n, one, other).replace("{n}", &n.to_string())
}

/// The Russian form for `n` of `[one, few, many, other]`.
pub fn russian<'a>(n: u64, forms: &[&'a str; 4]) -> &'a str {
    match russian_category(n) {
        PluralCategory::ONE => forms[0],
        PluralCategory::FEW => forms[1],
        PluralCategory::MANY => forms[2],
        _ => forms[3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The categories of the CLDR cardinal rules
    /// (https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html):
    /// Russian `one` is v = 0 and i % 10 = 1 and i % 100 != 11; `few` is i % 10 = 2..4
    /// and i % 100 != 12..14; `many` is i % 10 = 0 or 5..9 or i % 100 = 11..14.
    /// English `one` is i = 1 and v = 0; everything else is `other`.
    #[test]
    fn categories_follow_cldr() {
        use PluralCategory::*;
        for (n, want) in [
            (0, MANY),
            (1, ONE),
            (2, FEW),
            (5, MANY),
            (11, MANY),
            (21, ONE),
            (22, FEW),
            (25, MANY),
            (101, ONE),
            (111, MANY),
        ] {
            assert_eq!(russian_category(n), want, "ru {n}");
        }
        for (n, want) in [(0, OTHER), (1, ONE), (2, OTHER)] {
            assert_eq!(english_category(n), want, "en {n}");
        }
    }

    #[test]
    fn forms_are_picked_by_category() {
        let ru = [
            "{n} предложение",
            "{n} предложения",
            "{n} предложений",
            "{n} предложения",
        ];
        assert_eq!(russian(1, &ru), "{n} предложение");
        assert_eq!(russian(2, &ru), "{n} предложения");
        assert_eq!(russian(5, &ru), "{n} предложений");
        assert_eq!(russian(21, &ru), "{n} предложение");
        assert_eq!(
            english(1, "{n} suggestion", "{n} suggestions"),
            "{n} suggestion"
        );
        assert_eq!(
            english(0, "{n} suggestion", "{n} suggestions"),
            "{n} suggestions"
        );
        assert_eq!(english_n(1, "{n} error", "{n} errors"), "1 error");
        assert_eq!(english_n(2, "{n} error", "{n} errors"), "2 errors");
    }
}
