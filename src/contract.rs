//! The published OpenAPI document, finished so it states exactly what the server does,
//! and the `Allow` header a 405 answer carries.
//!
//! poem-openapi derives the document from the handler types, but three things the
//! server enforces or emits are not expressible through its derive, so [`finish`]
//! adds them in one place:
//!
//! - Every optional property is `nullable`: an absent `Option` is serialised as `null`
//!   in answers, and the strict body parser ([`crate::payload`]) reads `null` for an
//!   optional field as "not given" (or, for `MaybeUndefined` fields, "clear it").
//! - Every object reachable from a JSON request body has `additionalProperties: false`:
//!   all request types deny unknown fields, and an unknown field is a 422 naming it.
//! - chrono's dates carry poem-openapi's private `naive-date` format; on the wire they
//!   are RFC 3339 full dates (`2024-05-31`), which is the standard `date` format.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// Finishes the document poem-openapi generated (see the module documentation).
pub fn finish(spec: &str) -> anyhow::Result<String> {
    let mut doc: Value = serde_json::from_str(spec)?;
    let request_roots = request_body_refs(&doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let strict = reachable(schemas, request_roots);
        for (name, schema) in schemas.iter_mut() {
            if strict.contains(name) && schema.get("properties").is_some() {
                schema["additionalProperties"] = Value::Bool(false);
            }
        }
    }
    walk(&mut doc);
    Ok(serde_json::to_string(&doc)?)
}

/// Component names used directly by a JSON request body.
fn request_body_refs(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for ops in paths.values().filter_map(Value::as_object) {
        for op in ops.values() {
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (media, body) in content {
                    if media.contains("json") {
                        collect_refs(&body["schema"], &mut out);
                    }
                }
            }
        }
    }
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str)
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                out.push(name.to_owned());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// The components reachable from `roots` through `$ref`s.
fn reachable(schemas: &Map<String, Value>, roots: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = roots;
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get(&name) {
            collect_refs(schema, &mut todo);
        }
    }
    seen
}

/// Marks optional properties nullable and renames the date format, everywhere.
fn walk(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("format").and_then(Value::as_str) == Some("naive-date") {
                m.insert("format".into(), json!("date"));
            }
            let required: BTreeSet<String> = m
                .get("required")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(props) = m.get_mut("properties").and_then(Value::as_object_mut) {
                for (name, prop) in props.iter_mut() {
                    if !required.contains(name) {
                        make_nullable(prop);
                    }
                }
            }
            m.values_mut().for_each(walk);
        }
        Value::Array(a) => a.iter_mut().for_each(walk),
        _ => {}
    }
}

fn make_nullable(prop: &mut Value) {
    let Value::Object(m) = prop else { return };
    if m.contains_key("$ref") {
        // OpenAPI 3.0 ignores siblings of `$ref`, so the reference moves into `allOf`.
        let reference = Value::Object(std::mem::take(m));
        m.insert("allOf".into(), json!([reference]));
    }
    m.insert("nullable".into(), Value::Bool(true));
}

/// For each documented path (as a pattern of segments, `None` for a parameter), the
/// methods it supports — what a 405 answer lists in `Allow`.
#[derive(Debug, Default, Clone)]
pub struct AllowedMethods(Vec<(Vec<Option<String>>, String)>);

impl AllowedMethods {
    pub fn from_spec(spec: &str) -> anyhow::Result<Self> {
        let doc: Value = serde_json::from_str(spec)?;
        let mut by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, ops) in paths {
                let methods = ops
                    .as_object()
                    .map(|o| o.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                by_path.insert(path.clone(), methods);
            }
        }
        Ok(AllowedMethods(
            by_path
                .into_iter()
                .map(|(path, methods)| {
                    let pattern = path
                        .split('/')
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect();
                    (pattern, methods.join(", "))
                })
                .collect(),
        ))
    }

    /// The `Allow` value for a request path, if it names a documented resource.
    pub fn for_path(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.as_deref().is_none_or(|p| p == *s))
            })
            .map(|(_, allow)| allow.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"{
      "paths": {
        "/a/{id}": {
          "get": {"responses": {}},
          "patch": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}
        },
        "/a/{id}/x": {"post": {}}
      },
      "components": {"schemas": {
        "In": {"type": "object", "required": ["n"], "properties": {
          "n": {"type": "string"}, "d": {"type": "string", "format": "naive-date"},
          "inner": {"$ref": "#/components/schemas/Inner"}}},
        "Inner": {"type": "object", "properties": {"k": {"type": "integer"}}},
        "Out": {"type": "object", "properties": {"o": {"type": "string"}}}
      }}
    }"##;

    #[test]
    fn request_objects_are_closed_and_optional_properties_nullable() {
        let doc: Value = serde_json::from_str(&finish(SPEC).expect("finish")).expect("json");
        let s = &doc["components"]["schemas"];
        assert_eq!(s["In"]["additionalProperties"], json!(false));
        assert_eq!(s["Inner"]["additionalProperties"], json!(false));
        assert!(s["Out"].get("additionalProperties").is_none());
        assert!(s["In"]["properties"]["n"].get("nullable").is_none());
        assert_eq!(s["In"]["properties"]["d"]["nullable"], json!(true));
        assert_eq!(s["In"]["properties"]["d"]["format"], json!("date"));
        assert_eq!(
            s["In"]["properties"]["inner"],
            json!({"allOf": [{"$ref": "#/components/schemas/Inner"}], "nullable": true})
        );
    }

    #[test]
    fn allow_lists_the_methods_of_the_matching_path() {
        let allowed = AllowedMethods::from_spec(SPEC).expect("spec");
        assert_eq!(allowed.for_path("/a/123"), Some("GET, PATCH"));
        assert_eq!(allowed.for_path("/a/123/x"), Some("POST"));
        assert_eq!(allowed.for_path("/b"), None);
    }
}
