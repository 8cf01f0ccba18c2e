//! The discovery documents (RFC 7643 §5–7): `/ServiceProviderConfig`, `/ResourceTypes`
//! and `/Schemas`. They announce what pulseline does and nothing more: PATCH yes, bulk
//! no, filters yes (the few in [`crate::scim::filter`], at most
//! [`MAX_RESULTS`] a page), no password change, no sorting, no ETags; and the schemas
//! list only the attributes pulseline keeps, with their real mutability (and as
//! required what a person always has: `displayName`, `active`, `preferredLanguage`;
//! `name` is read when sent but the one name is `displayName`): `emails` is
//! read-only (the e-mail address is the `userName`), `manager` write-only (it becomes a
//! team's manager, not an attribute of the person), `department` names one of the teams
//! (listed as its canonical values) and is read-only when groups drive teams, as group
//! `members` are when the department does.

use serde_json::{Value, json};

use crate::scim::config::TeamSource;
use crate::scim::types::{ENTERPRISE, GROUP, LIST, MAX_RESULTS, USER};

const SPC: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A provisioning token an admin creates on /admin/scim",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

fn resource_type(base: &str, name: &str, endpoint: &str, schema: &str, ext: bool) -> Value {
    let mut r = json!({
        "schemas": [RESOURCE_TYPE],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "schema": schema,
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
    });
    if ext && let Some(o) = r.as_object_mut() {
        o.insert(
            "schemaExtensions".into(),
            json!([{"schema": ENTERPRISE, "required": false}]),
        );
    }
    r
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        resource_type(base, "User", "/Users", USER, true),
        resource_type(base, "Group", "/Groups", GROUP, false),
    ]
}

/// One attribute definition.
struct A<'a> {
    name: &'a str,
    ty: &'a str,
    multi: bool,
    required: bool,
    mutability: &'a str,
    sub: Vec<Value>,
    canonical: Vec<String>,
    ref_types: &'a [&'a str],
    unique: bool,
}

impl<'a> A<'a> {
    fn new(name: &'a str, ty: &'a str, mutability: &'a str) -> A<'a> {
        A {
            name,
            ty,
            multi: false,
            required: false,
            mutability,
            sub: Vec::new(),
            canonical: Vec::new(),
            ref_types: &[],
            unique: false,
        }
    }
    fn json(self) -> Value {
        let returned = if self.mutability == "writeOnly" {
            "never"
        } else {
            "default"
        };
        let mut v = json!({
            "name": self.name,
            "type": self.ty,
            "multiValued": self.multi,
            "description": self.name,
            "required": self.required,
            "caseExact": false,
            "mutability": self.mutability,
            "returned": returned,
            "uniqueness": if self.unique { "server" } else { "none" },
        });
        if let Some(o) = v.as_object_mut() {
            if !self.sub.is_empty() {
                o.insert("subAttributes".into(), Value::Array(self.sub));
            }
            if !self.canonical.is_empty() {
                o.insert("canonicalValues".into(), json!(self.canonical));
            }
            if !self.ref_types.is_empty() {
                o.insert("referenceTypes".into(), json!(self.ref_types));
            }
        }
        v
    }
}

fn schema(base: &str, id: &str, name: &str, attributes: Vec<Value>) -> Value {
    json!({
        "schemas": [SCHEMA],
        "id": id,
        "name": name,
        "description": name,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

/// The three schemas; `teams` are the team names `department` may take.
pub fn schemas(base: &str, source: TeamSource, teams: Vec<String>) -> Vec<Value> {
    let rw = "readWrite";
    let ro = "readOnly";
    let work = || vec!["work".to_owned()];
    let user = vec![
        A {
            required: true,
            unique: true,
            ..A::new("userName", "string", rw)
        }
        .json(),
        // What pulseline always holds is required: a name, whether the person is
        // active, a language.
        A {
            required: true,
            ..A::new("displayName", "string", rw)
        }
        .json(),
        A {
            required: true,
            ..A::new("active", "boolean", rw)
        }
        .json(),
        A {
            multi: true,
            sub: vec![
                A::new("value", "string", ro).json(),
                A {
                    canonical: work(),
                    ..A::new("type", "string", ro)
                }
                .json(),
                A::new("primary", "boolean", ro).json(),
            ],
            ..A::new("emails", "complex", ro)
        }
        .json(),
        A {
            multi: true,
            sub: vec![
                A::new("value", "string", rw).json(),
                A {
                    canonical: work(),
                    ..A::new("type", "string", rw)
                }
                .json(),
            ],
            ..A::new("phoneNumbers", "complex", rw)
        }
        .json(),
        A {
            canonical: vec!["en".into(), "ru".into()],
            required: true,
            ..A::new("preferredLanguage", "string", rw)
        }
        .json(),
    ];
    let department = match source {
        TeamSource::Department => A {
            canonical: teams,
            ..A::new("department", "string", rw)
        },
        TeamSource::Groups => A::new("department", "string", ro),
    };
    let enterprise = vec![
        A::new("employeeNumber", "string", rw).json(),
        department.json(),
        A {
            sub: vec![A::new("value", "string", "writeOnly").json()],
            ..A::new("manager", "complex", "writeOnly")
        }
        .json(),
    ];
    let members_mutability = match source {
        TeamSource::Groups => "readWrite",
        TeamSource::Department => ro,
    };
    let member_sub = if members_mutability == ro {
        ro
    } else {
        "immutable"
    };
    let group = vec![
        A {
            required: true,
            ..A::new("displayName", "string", rw)
        }
        .json(),
        A {
            multi: true,
            sub: vec![
                A::new("value", "string", member_sub).json(),
                A {
                    ref_types: &["User"],
                    ..A::new("$ref", "reference", member_sub)
                }
                .json(),
            ],
            ..A::new("members", "complex", members_mutability)
        }
        .json(),
    ];
    vec![
        schema(base, USER, "User", user),
        schema(base, GROUP, "Group", group),
        schema(base, ENTERPRISE, "EnterpriseUser", enterprise),
    ]
}

/// A discovery list (`/Schemas`, `/ResourceTypes`).
pub fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
