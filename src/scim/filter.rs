//! The SCIM filters pulseline answers (RFC 7644 §3.4.2.2), parsed by hand (the grammar we
//! accept is four comparisons, too small for a parser crate): `userName eq "…"`,
//! `externalId eq "…"`, `emails[type eq "work"].value eq "…"` (or `emails.value eq`,
//! `emails eq`) for users, `displayName eq "…"` and `externalId eq "…"` for groups, each
//! joined with `and`. Attribute names are case-insensitive, as the RFC says; anything else
//! is refused (`invalidFilter`).

/// One accepted comparison: attribute `eq` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    UserName(String),
    ExternalId(String),
    /// A work e-mail address (the only e-mail a person has).
    Email(String),
    DisplayName(String),
}

/// Every term must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter(pub Vec<Term>);

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
}

fn tokens(s: &str) -> Result<Vec<Tok>, Invalid> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut v = String::new();
            loop {
                match chars.next() {
                    None => return Err(Invalid("an unterminated string".into())),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e @ ('"' | '\\' | '/')) => v.push(e),
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        _ => return Err(Invalid("an unknown escape in a string".into())),
                    },
                    Some(ch) => v.push(ch),
                }
            }
            out.push(Tok::Str(v));
        } else {
            let mut w = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '"' {
                    break;
                }
                w.push(ch);
                chars.next();
            }
            out.push(Tok::Word(w));
        }
    }
    Ok(out)
}

/// The attribute path a term compares, for users or groups.
fn term(path: &str, value: String, users: bool) -> Result<Term, Invalid> {
    let p = path.to_ascii_lowercase();
    let p = p
        .strip_prefix("urn:ietf:params:scim:schemas:core:2.0:user:")
        .or_else(|| p.strip_prefix("urn:ietf:params:scim:schemas:core:2.0:group:"))
        .unwrap_or(&p);
    match (p, users) {
        ("username", true) => Ok(Term::UserName(value)),
        ("externalid", _) => Ok(Term::ExternalId(value)),
        ("emails" | "emails.value", true) => Ok(Term::Email(value)),
        ("displayname", false) => Ok(Term::DisplayName(value)),
        _ => Err(Invalid(format!("filtering on {path} is not supported"))),
    }
}

/// Reads `emails[type eq "work"].value` as it is tokenised: the bracket holds a word,
/// `eq` and a string that end in `"]` + `.value`.
fn bracketed(words: &[Tok]) -> Option<(String, usize)> {
    match words {
        [
            Tok::Word(a),
            Tok::Word(op),
            Tok::Str(kind),
            Tok::Word(rest),
            ..,
        ] if a.eq_ignore_ascii_case("emails[type")
            && op.eq_ignore_ascii_case("eq")
            && kind.eq_ignore_ascii_case("work")
            && (rest == "].value" || rest == "]") =>
        {
            Some(("emails.value".into(), 4))
        }
        _ => None,
    }
}

/// Parses a filter of users (`users`) or groups.
pub fn parse(s: &str, users: bool) -> Result<Filter, Invalid> {
    if s.len() > 1000 {
        return Err(Invalid("the filter is too long".into()));
    }
    let toks = tokens(s)?;
    let mut terms = Vec::new();
    let mut i = 0;
    loop {
        let (path, used) = match bracketed(&toks[i..]) {
            Some(b) if users => b,
            _ => match toks.get(i) {
                Some(Tok::Word(w)) if !w.contains('[') => (w.clone(), 1),
                _ => return Err(Invalid("expected an attribute".into())),
            },
        };
        i += used;
        match toks.get(i) {
            Some(Tok::Word(op)) if op.eq_ignore_ascii_case("eq") => {}
            Some(Tok::Word(op)) => {
                return Err(Invalid(format!("the operator {op} is not supported")));
            }
            _ => return Err(Invalid("expected eq".into())),
        }
        let value = match toks.get(i + 1) {
            Some(Tok::Str(v)) => v.clone(),
            _ => return Err(Invalid("expected a quoted string after eq".into())),
        };
        i += 2;
        terms.push(term(&path, value, users)?);
        match toks.get(i) {
            None => break,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("and") => i += 1,
            Some(_) => return Err(Invalid("only and joins comparisons".into())),
        }
    }
    Ok(Filter(terms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_name_comparison_is_read_with_any_case_of_attribute_and_operator() {
        let f = parse(r#"USERNAME Eq "Ann@Example.org""#, true).unwrap();
        assert_eq!(f.0, vec![Term::UserName("Ann@Example.org".into())]);
    }

    #[test]
    fn the_work_email_path_and_an_and_are_read() {
        let f = parse(
            r#"emails[type eq "work"].value eq "a@b.org" and externalId eq "x \"1\"""#,
            true,
        )
        .unwrap();
        assert_eq!(
            f.0,
            vec![
                Term::Email("a@b.org".into()),
                Term::ExternalId("x \"1\"".into())
            ]
        );
    }

    #[test]
    fn other_operators_attributes_and_or_are_refused() {
        for bad in [
            r#"userName sw "a""#,
            r#"title eq "x""#,
            r#"userName eq "a" or userName eq "b""#,
            r#"userName eq"#,
            r#"userName eq "open"#,
            r#"emails[type eq "home"].value eq "a@b.org""#,
            r#"displayName eq "Sales""#,
            "",
        ] {
            assert!(parse(bad, true).is_err(), "{bad}");
        }
        assert!(parse(r#"userName eq "a""#, false).is_err());
        assert_eq!(
            parse(r#"displayName eq "Sales""#, false).unwrap().0,
            vec![Term::DisplayName("Sales".into())]
        );
    }
}
