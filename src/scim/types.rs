//! The SCIM JSON shapes (RFC 7643): what a client sends (read leniently with serde:
//! unknown attributes are ignored, `active` may come as `"False"`), the error body and
//! the list response; and [`ScimError`], the one error type of the SCIM paths.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::ApiError;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The media type of every SCIM answer.
pub const MEDIA_TYPE: &str = "application/scim+json";
/// The most resources one list answer holds (`count` is capped to it).
pub const MAX_RESULTS: i64 = 200;

/// An error on a SCIM path, answered as a SCIM error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    /// `invalidFilter`, `invalidValue`, `uniqueness`, `mutability`, `invalidPath`,
    /// `noTarget`, `invalidSyntax`, `tooMany` (RFC 7644 §3.12).
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::new(400, Some(scim_type), detail)
    }
    pub fn unauthorized() -> Self {
        ScimError::new(401, None, "a valid SCIM bearer token is required")
    }
    pub fn not_found(what: &str) -> Self {
        ScimError::new(404, None, format!("{what} not found"))
    }

    /// The SCIM error body (`status` is a string, as RFC 7644 §3.12 shows it).
    pub fn body(&self) -> Value {
        let mut v = serde_json::json!({
            "schemas": [ERROR],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(o)) = (self.scim_type, v.as_object_mut()) {
            o.insert("scimType".into(), Value::String(t.into()));
        }
        v
    }
}

impl From<ApiError> for ScimError {
    fn from(e: ApiError) -> Self {
        let detail = e.to_string();
        match e {
            ApiError::Unauthorized => ScimError::unauthorized(),
            ApiError::Forbidden | ApiError::PasswordLoginOff => ScimError::new(403, None, detail),
            ApiError::NotFound(_) => ScimError::new(404, None, detail),
            // A clash with an existing userName or externalId; other conflicts (a team
            // still in use) have no SCIM type.
            ApiError::Conflict(m) if m.key().contains("already exists") => {
                ScimError::new(409, Some("uniqueness"), detail)
            }
            ApiError::Conflict(_) => ScimError::new(409, None, detail),
            ApiError::Validation { .. } | ApiError::ValidationMany(_) => {
                ScimError::bad("invalidValue", detail)
            }
            ApiError::BadRequest { .. } => ScimError::bad("invalidSyntax", detail),
            ApiError::PayloadTooLarge(_) => ScimError::new(413, None, detail),
            ApiError::TooManyRequests { .. } => ScimError::new(429, None, detail),
            ApiError::Gone(_) => ScimError::new(410, None, detail),
            ApiError::Unavailable(_) | ApiError::NotReady(_) => ScimError::new(503, None, detail),
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "SCIM request failed");
                ScimError::new(500, None, "an internal error occurred; it has been logged")
            }
        }
    }
}

/// `true`, `false`, or the strings `"True"`/`"False"` some identity providers send.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "active must be true or false, not {other}"
        ))),
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct NameIn {
    pub formatted: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// One entry of `emails` or `phoneNumbers`.
#[derive(Deserialize, Debug, Default, Clone)]
pub struct TypedValue {
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub primary: Option<Value>,
}

#[derive(Deserialize, Debug, Default, Clone)]
pub struct Reference {
    pub value: Option<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseIn {
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub manager: Option<Reference>,
}

/// A user as a client sends it (POST, PUT, or the result of applying a PATCH).
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct UserIn {
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub name: Option<NameIn>,
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub active: Option<bool>,
    #[serde(default)]
    pub emails: Vec<TypedValue>,
    #[serde(default)]
    pub phone_numbers: Vec<TypedValue>,
    pub preferred_language: Option<String>,
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    pub enterprise: Option<EnterpriseIn>,
}

/// A group as a client sends it.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct GroupIn {
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    /// `None`: not sent (left as it is); an empty list: no members.
    pub members: Option<Vec<Reference>>,
}

/// One operation of a PATCH request.
#[derive(Deserialize, Debug, Clone)]
pub struct PatchOperation {
    pub op: String,
    pub path: Option<String>,
    pub value: Option<Value>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct PatchRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub operations: Vec<PatchOperation>,
}

/// `startIndex`, `count` and the other query parameters of a list or a search.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ListQuery {
    /// (offset, limit): `startIndex` is 1-based (less than 1 is 1); `count` is capped to
    /// [`MAX_RESULTS`] (negative is 0).
    pub fn bounds(&self) -> (i64, i64) {
        let start = self.start_index.unwrap_or(1).max(1);
        let count = self.count.unwrap_or(MAX_RESULTS).clamp(0, MAX_RESULTS);
        (start - 1, count)
    }
}

/// A list answer (RFC 7644 §3.4.2).
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse {
    pub schemas: [&'static str; 1],
    pub total_results: i64,
    pub start_index: i64,
    pub items_per_page: i64,
    #[serde(rename = "Resources")]
    pub resources: Vec<Value>,
}

impl ListResponse {
    pub fn new(total: i64, offset: i64, resources: Vec<Value>) -> ListResponse {
        ListResponse {
            schemas: [LIST],
            total_results: total,
            start_index: offset + 1,
            items_per_page: resources.len() as i64,
            resources,
        }
    }
}

/// Keeps of `resource` what `attributes` asks for (besides `id` and `schemas`, always
/// returned), or drops what `excluded` names: top-level attributes, an extension's
/// attributes by their full name, names compared without regard to case.
pub fn project(mut resource: Value, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let names = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|a| {
                let a = a.trim().to_ascii_lowercase();
                let a = [USER, GROUP]
                    .iter()
                    .find_map(|u| a.strip_prefix(&format!("{}:", u.to_ascii_lowercase())))
                    .map(str::to_owned)
                    .unwrap_or(a);
                if a.starts_with("urn:") {
                    a
                } else {
                    a.split(['.', '[']).next().unwrap_or("").to_owned()
                }
            })
            .filter(|a| !a.is_empty())
            .collect()
    };
    let Some(obj) = resource.as_object_mut() else {
        return resource;
    };
    let named = |key: &str, list: &[String]| {
        let k = key.to_ascii_lowercase();
        list.iter()
            .any(|n| *n == k || (k.starts_with("urn:") && n.starts_with(&format!("{k}:"))))
    };
    if let Some(a) = attributes.filter(|a| !a.trim().is_empty()) {
        let keep = names(a);
        obj.retain(|k, _| k == "id" || k == "schemas" || named(k, &keep));
    } else if let Some(e) = excluded.filter(|e| !e.trim().is_empty()) {
        let drop = names(e);
        obj.retain(|k, _| k == "id" || k == "schemas" || !drop.contains(&k.to_ascii_lowercase()));
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_error_body_has_the_error_schema_a_string_status_and_the_scim_type() {
        let b = ScimError::bad("invalidFilter", "userName is required").body();
        assert_eq!(b["schemas"], json!([ERROR]));
        assert_eq!(b["status"], json!("400"));
        assert_eq!(b["scimType"], json!("invalidFilter"));
    }

    #[test]
    fn active_may_be_a_string_and_unknown_attributes_are_ignored() {
        let u: UserIn =
            serde_json::from_value(json!({"userName": "a@b.org", "active": "False", "x": 1}))
                .unwrap();
        assert_eq!(u.active, Some(false));
        assert!(serde_json::from_value::<UserIn>(json!({"active": "maybe"})).is_err());
    }

    #[test]
    fn attributes_keep_id_and_the_named_ones_and_excluded_ones_drop() {
        let r = json!({"id": "1", "schemas": [], "userName": "u", "displayName": "d", "name": {"formatted": "f"}});
        let kept = project(r.clone(), Some("name.formatted,USERNAME"), None);
        assert_eq!(
            kept,
            json!({"id": "1", "schemas": [], "userName": "u", "name": {"formatted": "f"}})
        );
        let dropped = project(r, None, Some("displayName"));
        assert!(dropped.get("displayName").is_none() && dropped.get("userName").is_some());
    }

    #[test]
    fn paging_is_one_based_and_capped() {
        let q = ListQuery {
            start_index: Some(0),
            count: Some(10_000),
            ..ListQuery::default()
        };
        assert_eq!(q.bounds(), (0, MAX_RESULTS));
    }
}
