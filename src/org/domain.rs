//! Domain values with rules, each parsed once at the edge: e-mail addresses, names,
//! team kinds, languages and roles. A value of these types is valid by construction.

use crate::error::{ApiError, Msg};

/// A lower-cased, trimmed e-mail address of plausible shape (≤ 254 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str, field: &str) -> Result<Email, ApiError> {
        let s = raw.trim().to_lowercase();
        let bad = || ApiError::invalid(field, "must be an e-mail address like name@example.org");
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A mobile number in international (E.164) form: `+`, a country code and at most 15
/// digits in all. Spaces, dots, hyphens and brackets as people write them are dropped.
pub fn parse_phone(raw: &str, field: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::invalid(
            field,
            "must be a phone number in international form, like +44 20 7946 0000",
        )
    };
    if raw.chars().count() > 32 {
        return Err(bad());
    }
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let digits = s.strip_prefix('+').ok_or_else(bad)?;
    if !(7..=15).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        return Err(bad());
    }
    Ok(s)
}

/// Longest employee number.
pub const EMPLOYEE_NUMBER_MAX: usize = 64;

/// An employee number as the HR system writes it: any non-blank text without control
/// characters or `@` (sign-in reads an account with `@` as an e-mail address), at most
/// [`EMPLOYEE_NUMBER_MAX`] characters, trimmed.
pub fn parse_employee_number(raw: &str, field: &str) -> Result<String, ApiError> {
    let n = parse_text(raw, field, EMPLOYEE_NUMBER_MAX)?;
    if n.contains('@') {
        return Err(ApiError::invalid(
            field,
            "must not contain @, which marks an e-mail address",
        ));
    }
    Ok(n)
}

/// One identifier as sent, by its field's name (`email`, `phone`, `employee_number`),
/// the error naming that field.
pub fn parse_identifier(field: &str, raw: &str) -> Result<String, ApiError> {
    match field {
        "email" => Email::parse(raw, field).map(Email::into_inner),
        "phone" => parse_phone(raw, field),
        _ => parse_employee_number(raw, field),
    }
}

/// What tells one person from another: an e-mail address, a mobile number, an employee
/// number. A person has at least one; each is unique among people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifiers {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub employee_number: Option<String>,
}

impl Identifiers {
    /// Parses the three as sent (`None`: not given), each error naming its field.
    pub fn parse(
        email: Option<&str>,
        phone: Option<&str>,
        employee_number: Option<&str>,
    ) -> Result<Identifiers, ApiError> {
        let one = |field, v: Option<&str>| v.map(|v| parse_identifier(field, v)).transpose();
        Ok(Identifiers {
            email: one("email", email)?,
            phone: one("phone", phone)?,
            employee_number: one("employee_number", employee_number)?,
        })
    }

    /// The ones given, each with its field's name: e-mail, employee number, phone.
    pub fn given(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("email", &self.email),
            ("employee_number", &self.employee_number),
            ("phone", &self.phone),
        ]
        .into_iter()
        .filter_map(|(field, v)| v.as_deref().map(|v| (field, v)))
    }

    /// What names the person on a page: the e-mail address, else the employee number,
    /// else the phone number.
    pub fn shown<'a>(
        email: Option<&'a str>,
        employee_number: Option<&'a str>,
        phone: Option<&'a str>,
    ) -> Option<&'a str> {
        email.or(employee_number).or(phone)
    }

    /// Refuses a person with none of the three, naming `email` (the usual one).
    pub fn require_one(self) -> Result<Identifiers, ApiError> {
        if self.email.is_none() && self.phone.is_none() && self.employee_number.is_none() {
            return Err(ApiError::invalid(
                "email",
                "a person needs an e-mail address, a phone number or an employee number",
            ));
        }
        Ok(self)
    }
}

/// What a 409 says when `field` (`email`, `phone`, `employee_number`) is someone
/// else's.
pub fn taken_message(field: &str) -> &'static str {
    match field {
        "phone" => "a person with this phone number already exists",
        "employee_number" => "a person with this employee number already exists",
        _ => "a person with this e-mail already exists",
    }
}

/// An update's changes to the three identifiers, each `None` (untouched),
/// `Some(None)` (removed) or `Some(Some(v))` (set, parsed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierChanges {
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub employee_number: Option<Option<String>>,
}

impl IdentifierChanges {
    /// Parses the three as sent, each error naming its field.
    pub fn parse(
        email: Option<Option<String>>,
        phone: Option<Option<String>>,
        employee_number: Option<Option<String>>,
    ) -> Result<IdentifierChanges, ApiError> {
        let each = |field, v: Option<Option<String>>| {
            v.map(|v| v.map(|v| parse_identifier(field, &v)).transpose())
                .transpose()
        };
        Ok(IdentifierChanges {
            email: each("email", email)?,
            phone: each("phone", phone)?,
            employee_number: each("employee_number", employee_number)?,
        })
    }

    /// The identifiers a person keeps once these changes apply to `stored`; refuses
    /// leaving none.
    pub fn applied_to(&self, stored: Identifiers) -> Result<Identifiers, ApiError> {
        Identifiers {
            email: self.email.clone().unwrap_or(stored.email),
            phone: self.phone.clone().unwrap_or(stored.phone),
            employee_number: self
                .employee_number
                .clone()
                .unwrap_or(stored.employee_number),
        }
        .require_one()
    }
}

/// Longest team or person name.
pub const NAME_MAX: usize = 200;
/// Longest attribute value (location, job family, team key).
pub const ATTR_MAX: usize = 100;

/// A non-blank display text of at most `max` characters as sent, with no control
/// characters anywhere (not even surrounding tabs or line breaks), returned trimmed.
/// The OpenAPI document states the same rule as a `pattern` and `maxLength`.
pub fn parse_text(raw: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if raw.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            Msg::new("must be at most {n} characters").arg("n", max),
        ));
    }
    if raw.chars().any(|c| c.is_control()) {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// A text of several lines: not blank (when `required`), at most `max` characters as
/// sent, no control characters but line breaks and tabs; returned trimmed, with
/// Windows line breaks made plain.
pub fn parse_long_text(
    raw: &str,
    field: &str,
    max: usize,
    required: bool,
) -> Result<String, ApiError> {
    if required && raw.trim().is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if raw.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            Msg::new("must be at most {n} characters").arg("n", max),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(raw.trim().replace("\r\n", "\n"))
}

/// A team or person name: [`parse_text`] with the [`NAME_MAX`] limit, so every place
/// that takes a name applies the same rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str, field: &str) -> Result<Name, ApiError> {
        parse_text(raw, field, NAME_MAX).map(Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An optional attribute text: empty means none.
pub fn parse_optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    if let Some(r) = raw
        && r.chars().any(|c| c.is_control())
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_text(s, field, max).map(Some),
    }
}

/// The key the people list sorts names by: lower case, and every run of digits
/// compared as a number (`Person 2` before `Person 10`): leading zeros dropped and the
/// run left-padded with zeros to 20 places (a longer run is kept as it is).
pub fn natural_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.is_empty() {
            return;
        }
        let trimmed = digits.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        for _ in trimmed.len()..20 {
            out.push('0');
        }
        out.push_str(trimmed);
        digits.clear();
    };
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.extend(c.to_lowercase());
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// Where a person's account stands, as the people list filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum PersonStatus {
    /// Active and signed up (a password set).
    Active,
    /// Active, invited, and not signed up yet.
    Invited,
    /// Deactivated (and not erased).
    Deactivated,
    /// Erased: the row holds no personal data.
    Erased,
}

impl PersonStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonStatus::Active => "active",
            PersonStatus::Invited => "invited",
            PersonStatus::Deactivated => "deactivated",
            PersonStatus::Erased => "erased",
        }
    }

    pub fn parse(v: &str) -> Option<PersonStatus> {
        [
            PersonStatus::Active,
            PersonStatus::Invited,
            PersonStatus::Deactivated,
            PersonStatus::Erased,
        ]
        .into_iter()
        .find(|s| s.as_str() == v)
    }
}

/// A team's kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum TeamKind {
    /// Serves external customers.
    Frontline,
    /// Serves other teams.
    Internal,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamKind::Frontline => "frontline",
            TeamKind::Internal => "internal",
        }
    }

    pub fn from_db(s: &str) -> TeamKind {
        if s == "internal" {
            TeamKind::Internal
        } else {
            TeamKind::Frontline
        }
    }
}

/// The language a person is shown texts in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Ru,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ru => "ru",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<Language, ApiError> {
        match s.trim().to_lowercase().as_str() {
            "en" => Ok(Language::En),
            "ru" => Ok(Language::Ru),
            _ => Err(ApiError::invalid(field, "must be en or ru")),
        }
    }

    pub fn from_db(s: &str) -> Language {
        if s == "ru" {
            Language::Ru
        } else {
            Language::En
        }
    }
}

/// A role that can be granted. Everyone is an employee; managers are made by being
/// named a team's manager.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum GrantedRole {
    Hr,
    Admin,
}

impl GrantedRole {
    pub fn parse(s: &str, field: &str) -> Result<GrantedRole, ApiError> {
        match s.trim().to_lowercase().as_str() {
            "hr" => Ok(GrantedRole::Hr),
            "admin" => Ok(GrantedRole::Admin),
            _ => Err(ApiError::invalid(field, "roles must be hr or admin")),
        }
    }
}

/// The tenure band reported for a start date on a given day.
pub fn tenure_band(start: chrono::NaiveDate, on: chrono::NaiveDate) -> &'static str {
    let months = (on.year_month_index() - start.year_month_index())
        - i32::from(on.day_of_month() < start.day_of_month());
    match months {
        m if m < 12 => "<1y",
        m if m < 24 => "1-2y",
        m if m < 60 => "2-5y",
        _ => "5y+",
    }
}

trait MonthIndex {
    fn year_month_index(&self) -> i32;
    fn day_of_month(&self) -> u32;
}

impl MonthIndex for chrono::NaiveDate {
    fn year_month_index(&self) -> i32 {
        use chrono::Datelike;
        self.year() * 12 + self.month() as i32
    }
    fn day_of_month(&self) -> u32 {
        use chrono::Datelike;
        self.day()
    }
}

/// Why a team with `children` child teams and `people` people in it cannot be deleted,
/// counted in the forms of the count (`Msg::plural`); `None` when it is empty.
pub fn team_in_use(children: i64, people: i64) -> Option<Msg> {
    if children > 0 {
        return Some(Msg::plural(
            "the team has {n} child team: move or delete it first",
            "the team has {n} child teams: move or delete them first",
            children.unsigned_abs(),
        ));
    }
    if people > 0 {
        return Some(Msg::plural(
            "{n} person belongs to the team: move them to another team first",
            "{n} people belong to the team: move them to another team first",
            people.unsigned_abs(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn names_sort_with_their_numbers_as_numbers() {
        let mut names = vec![
            "Person 10",
            "person 2",
            "Person 1",
            "Person 02b",
            "Person 2a",
            "Büro 3",
            "büro 20",
            "Zed",
            "alpha",
        ];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            vec![
                "alpha",
                "Büro 3",
                "büro 20",
                "Person 1",
                "person 2",
                "Person 2a",
                "Person 02b",
                "Person 10",
                "Zed"
            ]
        );
        assert_eq!(natural_key("A7"), format!("a{}7", "0".repeat(19)));
        assert_eq!(natural_key("x000"), format!("x{}0", "0".repeat(19)));
        // A run longer than 20 digits is kept whole, after the shorter ones.
        let long = "n 123456789012345678901";
        assert!(natural_key("n 99") < natural_key(long));
    }

    #[test]
    fn a_phone_number_is_kept_in_international_form() {
        assert_eq!(
            parse_phone(" +44 (20) 7946-0000 ", "phone").expect("valid"),
            "+442079460000"
        );
        assert_eq!(
            parse_phone("+7.912.345.67.89", "phone").expect("valid"),
            "+79123456789"
        );
        for bad in [
            "020 7946 0000",
            "+44",
            "+0442079460000",
            "+44 20 7946 0000 ext 2",
            "+1234567890123456",
            "",
        ] {
            assert!(parse_phone(bad, "phone").is_err(), "{bad}");
        }
    }

    #[test]
    fn an_email_is_lowercased_and_trimmed() {
        let e = Email::parse("  Alice@Example.ORG ", "email").expect("valid");
        assert_eq!(e.as_str(), "alice@example.org");
    }

    #[test]
    fn an_email_without_a_domain_dot_is_rejected() {
        for bad in [
            "alice",
            "alice@",
            "@x.org",
            "a@b",
            "a b@x.org",
            "a@x..org",
            "a@@x.org",
        ] {
            assert!(Email::parse(bad, "email").is_err(), "{bad}");
        }
    }

    #[test]
    fn an_empty_or_overlong_name_is_rejected() {
        assert!(parse_text("   ", "name", 10).is_err());
        assert!(parse_text("abcdefghijk", "name", 10).is_err());
        assert_eq!(parse_text(" Ann ", "name", 10).expect("ok"), "Ann");
    }

    #[test]
    fn a_name_is_trimmed_and_held_to_the_name_limit() {
        assert_eq!(Name::parse(" Ann ", "name").expect("ok").as_str(), "Ann");
        assert!(Name::parse(&"a".repeat(NAME_MAX + 1), "name").is_err());
        assert!(Name::parse("a\tb", "name").is_err());
    }

    #[test]
    fn tenure_bands_change_on_the_anniversary() {
        assert_eq!(tenure_band(d(2025, 3, 15), d(2026, 3, 14)), "<1y");
        assert_eq!(tenure_band(d(2025, 3, 15), d(2026, 3, 15)), "1-2y");
        assert_eq!(tenure_band(d(2024, 3, 15), d(2026, 3, 15)), "2-5y");
        assert_eq!(tenure_band(d(2021, 3, 16), d(2026, 3, 15)), "2-5y");
        assert_eq!(tenure_band(d(2021, 3, 15), d(2026, 3, 15)), "5y+");
    }
}
