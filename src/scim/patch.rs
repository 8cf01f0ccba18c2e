//! PATCH (RFC 7644 §3.5.2), applied to a resource's JSON: `add`, `replace` and `remove`,
//! with a path (`active`, `name.formatted`, `emails[type eq "work"].value`,
//! `members[value eq "…"]`, an attribute of the enterprise extension by its full name)
//! or without one (the value's attributes are each added or replaced). The service turns
//! the result into a replacement, so a PATCH follows the same rules as a PUT. Pure: no
//! database, no HTTP.

use serde_json::{Map, Value};

use crate::scim::types::{ENTERPRISE, GROUP, PatchOperation, ScimError, USER};

/// Attribute names as pulseline writes them; a client's are matched without regard to
/// case (RFC 7643 §2.1).
const NAMES: &[&str] = &[
    "Operations",
    "schemas",
    "id",
    "externalId",
    "userName",
    "name",
    "formatted",
    "givenName",
    "familyName",
    "displayName",
    "active",
    "emails",
    "value",
    "type",
    "primary",
    "phoneNumbers",
    "preferredLanguage",
    "employeeNumber",
    "department",
    "manager",
    "members",
    "$ref",
    ENTERPRISE,
];

/// The name pulseline writes for `key`, or `key` as it came.
pub fn canonical(key: &str) -> String {
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(key))
        .map_or_else(|| key.to_owned(), |n| (*n).to_owned())
}

/// Renames every key of `v` (deeply) to its [`canonical`] name.
pub fn canonical_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (canonical(&k), canonical_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(canonical_keys).collect()),
        other => other,
    }
}

/// A parsed path: in the extension or not, an attribute, an optional `[sub eq "v"]`
/// and an optional sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub extension: bool,
    pub attr: String,
    pub filter: Option<(String, String)>,
    pub sub: Option<String>,
}

fn invalid_path(p: &str) -> ScimError {
    ScimError::bad("invalidPath", format!("the path {p} is not supported"))
}

/// Reads a path; `None` for a bare extension URN (the extension object itself).
pub fn parse_path(raw: &str) -> Result<Option<Path>, ScimError> {
    let p = raw.trim();
    let lower = p.to_ascii_lowercase();
    let (extension, rest) = if lower == ENTERPRISE.to_ascii_lowercase() {
        return Ok(None);
    } else if let Some(r) = strip_ci(p, &format!("{ENTERPRISE}:")) {
        (true, r)
    } else if let Some(r) =
        strip_ci(p, &format!("{USER}:")).or_else(|| strip_ci(p, &format!("{GROUP}:")))
    {
        (false, r)
    } else if lower.starts_with("urn:") {
        return Err(invalid_path(p));
    } else {
        (false, p)
    };
    let (head, filter, tail) = match rest.split_once('[') {
        Some((head, after)) => {
            let (inside, tail) = after.split_once(']').ok_or_else(|| invalid_path(p))?;
            let f = bracket(inside).ok_or_else(|| invalid_path(p))?;
            (head, Some(f), tail.strip_prefix('.').unwrap_or(tail))
        }
        None => match rest.split_once('.') {
            Some((h, s)) => (h, None, s),
            None => (rest, None, ""),
        },
    };
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '$');
    if !ok(head) || (!tail.is_empty() && !ok(tail)) {
        return Err(invalid_path(p));
    }
    Ok(Some(Path {
        extension,
        attr: canonical(head),
        filter,
        sub: (!tail.is_empty()).then(|| canonical(tail)),
    }))
}

fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// `value eq "x"` inside brackets.
fn bracket(inside: &str) -> Option<(String, String)> {
    let mut parts = inside.trim().splitn(3, char::is_whitespace);
    let (sub, op, val) = (parts.next()?, parts.next()?, parts.next()?.trim());
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let val = val.strip_prefix('"')?.strip_suffix('"')?;
    Some((canonical(sub), val.to_owned()))
}

fn matches(item: &Value, (sub, val): &(String, String)) -> bool {
    match item.get(sub) {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(val),
        Some(Value::Bool(b)) => b.to_string() == *val,
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies `ops` in order to `resource` (a JSON object).
pub fn apply(resource: &mut Value, ops: &[PatchOperation]) -> Result<(), ScimError> {
    for o in ops {
        let op = match o.op.to_ascii_lowercase().as_str() {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            other => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("unknown PATCH operation {other}"),
                ));
            }
        };
        let value = o.value.clone().map(canonical_keys);
        match (o.path.as_deref().filter(|p| !p.trim().is_empty()), op) {
            (None, Op::Remove) => {
                return Err(ScimError::bad("noTarget", "remove needs a path"));
            }
            (None, _) => {
                let Some(Value::Object(m)) = value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "an operation without a path needs an object as its value",
                    ));
                };
                for (k, v) in m {
                    let path = parse_path(&k)?;
                    apply_one(resource, path.as_ref(), op, Some(v))?;
                }
            }
            (Some(p), _) => {
                let path = parse_path(p)?;
                apply_one(resource, path.as_ref(), op, value)?;
            }
        }
    }
    Ok(())
}

fn object(v: &mut Value) -> Result<&mut Map<String, Value>, ScimError> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut()
        .ok_or_else(|| ScimError::bad("invalidPath", "not an object"))
}

/// Merges object `v` into `target` (`add`/`replace` of a complex attribute).
fn merge(target: &mut Value, v: Value) {
    match (target.as_object_mut(), v) {
        (Some(t), Value::Object(m)) => {
            for (k, v) in m {
                t.insert(k, v);
            }
        }
        (_, v) => *target = v,
    }
}

fn apply_one(
    resource: &mut Value,
    path: Option<&Path>,
    op: Op,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let root = object(resource)?;
    let Some(path) = path else {
        // The extension object itself.
        match value {
            _ if op == Op::Remove => {
                root.remove(ENTERPRISE);
            }
            Some(v) => {
                let ext = root.entry(ENTERPRISE).or_insert(Value::Null);
                object(ext)?;
                merge(ext, v);
            }
            None => return Err(ScimError::bad("invalidValue", "a value is required")),
        }
        return Ok(());
    };
    let container = if path.extension {
        object(root.entry(ENTERPRISE).or_insert(Value::Null))?
    } else {
        root
    };
    if op != Op::Remove && value.is_none() {
        return Err(ScimError::bad("invalidValue", "a value is required"));
    }
    let value = value.unwrap_or(Value::Null);
    match (&path.filter, &path.sub) {
        (None, None) => match op {
            Op::Remove => {
                match (container.get_mut(&path.attr), value) {
                    // `remove` of some values of a multi-valued attribute (`members`).
                    (Some(Value::Array(items)), Value::Array(gone)) => {
                        items.retain(|i| !gone.iter().any(|g| g.get("value") == i.get("value")));
                    }
                    _ => {
                        container.remove(&path.attr);
                    }
                }
            }
            Op::Add => match (container.get_mut(&path.attr), value) {
                (Some(Value::Array(items)), Value::Array(new)) => {
                    for n in new {
                        let dup = items.iter().any(|i| {
                            i == &n
                                || (n.get("value").is_some() && i.get("value") == n.get("value"))
                        });
                        if !dup {
                            items.push(n);
                        }
                    }
                }
                (Some(t @ Value::Object(_)), v @ Value::Object(_)) => merge(t, v),
                (_, v) => {
                    container.insert(path.attr.clone(), v);
                }
            },
            Op::Replace => match (container.get_mut(&path.attr), value) {
                (Some(t @ Value::Object(_)), v @ Value::Object(_)) => merge(t, v),
                (_, v) => {
                    container.insert(path.attr.clone(), v);
                }
            },
        },
        (None, Some(sub)) => {
            let target = container.entry(path.attr.clone()).or_insert(Value::Null);
            if let Value::Array(items) = target {
                // `emails.value`: the primary (or first) entry.
                let i = items
                    .iter()
                    .position(|i| i.get("primary") == Some(&Value::Bool(true)))
                    .unwrap_or(0);
                if items.is_empty() {
                    items.push(Value::Object(Map::new()));
                }
                let item = object(&mut items[i])?;
                set_sub(item, sub, op, value);
            } else if op == Op::Remove && target.is_null() {
                container.remove(&path.attr);
            } else {
                set_sub(object(target)?, sub, op, value);
            }
        }
        (Some(f), sub) => {
            let target = container
                .entry(path.attr.clone())
                .or_insert(Value::Array(Vec::new()));
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let Value::Array(items) = target else {
                return Ok(());
            };
            if op == Op::Remove && sub.is_none() {
                items.retain(|i| !matches(i, f));
                return Ok(());
            }
            if op != Op::Remove && !items.iter().any(|i| matches(i, f)) {
                let mut fresh = Map::new();
                fresh.insert(f.0.clone(), Value::String(f.1.clone()));
                items.push(Value::Object(fresh));
            }
            for item in items.iter_mut().filter(|i| matches(i, f)) {
                let item = object(item)?;
                match sub {
                    Some(s) => set_sub(item, s, op, value.clone()),
                    None => {
                        if let Value::Object(m) = value.clone() {
                            item.extend(m);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn set_sub(item: &mut Map<String, Value>, sub: &str, op: Op, value: Value) {
    if op == Op::Remove {
        item.remove(sub);
    } else {
        item.insert(sub.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(op: &str, path: Option<&str>, value: Value) -> PatchOperation {
        PatchOperation {
            op: op.into(),
            path: path.map(Into::into),
            value: Some(value),
        }
    }

    #[test]
    fn a_replace_without_a_path_sets_each_attribute_including_an_extension_one() {
        let mut u = json!({"userName": "a@b.org", "active": true});
        let ext_attr = format!("{ENTERPRISE}:department");
        apply(
            &mut u,
            &[op(
                "Replace",
                None,
                json!({"ACTIVE": false, ext_attr: "Sales"}),
            )],
        )
        .unwrap();
        assert_eq!(u["active"], json!(false));
        assert_eq!(u[ENTERPRISE]["department"], json!("Sales"));
    }

    #[test]
    fn a_filtered_path_sets_the_matching_entry_or_adds_one() {
        let mut u = json!({"emails": [{"type": "work", "value": "old@b.org"}]});
        apply(
            &mut u,
            &[op(
                "replace",
                Some(r#"emails[type eq "work"].value"#),
                json!("new@b.org"),
            )],
        )
        .unwrap();
        assert_eq!(u["emails"], json!([{"type": "work", "value": "new@b.org"}]));
        apply(
            &mut u,
            &[op(
                "add",
                Some(r#"phoneNumbers[type eq "work"].value"#),
                json!("+1 555"),
            )],
        )
        .unwrap();
        assert_eq!(
            u["phoneNumbers"],
            json!([{"type": "work", "value": "+1 555"}])
        );
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter_or_by_value() {
        let mut g = json!({"members": [{"value": "a"}]});
        apply(
            &mut g,
            &[op(
                "add",
                Some("members"),
                json!([{"value": "a"}, {"value": "b"}, {"value": "c"}]),
            )],
        )
        .unwrap();
        assert_eq!(g["members"].as_array().unwrap().len(), 3);
        apply(
            &mut g,
            &[op("remove", Some(r#"members[value eq "b"]"#), Value::Null)],
        )
        .unwrap();
        apply(
            &mut g,
            &[op("remove", Some("members"), json!([{"value": "c"}]))],
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "a"}]));
    }

    #[test]
    fn remove_needs_a_path_and_unknown_paths_and_operations_are_refused() {
        let mut u = json!({});
        let no_path = PatchOperation {
            op: "remove".into(),
            path: None,
            value: None,
        };
        assert_eq!(
            apply(&mut u, &[no_path]).unwrap_err().scim_type,
            Some("noTarget")
        );
        assert_eq!(
            apply(&mut u, &[op("add", Some("urn:x:y:z"), json!(1))])
                .unwrap_err()
                .scim_type,
            Some("invalidPath")
        );
        assert!(apply(&mut u, &[op("move", Some("a"), json!(1))]).is_err());
    }

    #[test]
    fn removing_a_sub_attribute_and_an_attribute() {
        let mut u = json!({"name": {"formatted": "A", "givenName": "B"}, "externalId": "x"});
        apply(
            &mut u,
            &[
                PatchOperation {
                    op: "remove".into(),
                    path: Some("name.givenName".into()),
                    value: None,
                },
                PatchOperation {
                    op: "remove".into(),
                    path: Some("externalId".into()),
                    value: None,
                },
            ],
        )
        .unwrap();
        assert_eq!(u, json!({"name": {"formatted": "A"}}));
    }
}
