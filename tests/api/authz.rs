//! The authorization matrix of the foundation: every organisation and identity endpoint
//! called by every kind of caller — no token, an employee, the manager of the team the
//! call is about, the manager of another team, HR (not admin) and an admin — with the
//! exact status each must get. The table is data; one run reports every mismatch.
//!
//! Besides the status, every error answer must be problem+json and must not carry any of
//! the organisation's team names, e-mail addresses or ids; some successful answers are
//! checked for data their caller may not see (a manager listing people sees only their
//! subtree).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Actor, PASSWORD, Resp, TestApp, short, spawn_app};

/// The password the `/me/password` rows change to (and then back from).
const OTHER_PASSWORD: &str = "another sturdy test password";

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    /// No `Authorization` header at all.
    Anon,
    /// An employee of team A1 (a child of A) who manages nothing.
    Employee,
    /// The manager of team A (so of A and A1): "the manager of the team".
    MgrA,
    /// The manager of team B: "the manager of another team".
    MgrB,
    /// HR, not admin.
    Hr,
    /// An admin (HR rights too).
    Admin,
    /// A SCIM provisioning token an admin created (not a sign-in token): only the SCIM
    /// paths let it in; every sign-in token gets 401 there.
    Scim,
}

/// The callers, in the order of the status arrays of [`per_caller`].
const CALLERS: [Who; 6] = [
    Who::Anon,
    Who::Employee,
    Who::MgrA,
    Who::MgrB,
    Who::Hr,
    Who::Admin,
];

#[derive(Clone, Debug)]
enum Body {
    None,
    Json(Value),
    Csv(String),
}

/// One call and what it must answer.
#[derive(Clone, Debug)]
struct Row {
    who: Who,
    method: Method,
    path: String,
    body: Body,
    expect: u16,
    /// Sign in again and use that new token (for calls that revoke the token they use).
    fresh_token: bool,
    /// Texts the answer must not contain, whatever its status.
    absent: Vec<String>,
}

impl Row {
    fn new(who: Who, method: Method, path: impl Into<String>, body: Body, expect: u16) -> Row {
        Row {
            who,
            method,
            path: path.into(),
            body,
            expect,
            fresh_token: false,
            absent: Vec::new(),
        }
    }
}

/// One endpoint for all six callers; `expect` is in the order of [`CALLERS`]. The path
/// and body are built per caller so mutating rows can each get their own target.
fn per_caller(
    method: Method,
    path: impl Fn(Who) -> String,
    body: impl Fn(Who) -> Body,
    expect: [u16; 6],
) -> Vec<Row> {
    CALLERS
        .iter()
        .zip(expect)
        .map(|(&who, status)| Row::new(who, method.clone(), path(who), body(who), status))
        .collect()
}

/// Marks rows as using a freshly issued token.
fn fresh(rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| Row {
            fresh_token: true,
            ..r
        })
        .collect()
}

/// The index of a caller in [`CALLERS`].
fn slot(who: Who) -> usize {
    CALLERS.iter().position(|w| *w == who).unwrap_or(0)
}

/// What the org is made of: the texts no error may carry, and readable names for ids.
#[derive(Default)]
struct Org {
    secrets: Vec<String>,
    labels: Vec<(String, String)>,
}

impl Org {
    fn team(&mut self, id: &str, name: &str, label: &str) {
        self.secrets.push(id.to_owned());
        self.secrets.push(name.to_owned());
        self.labels.push((id.to_owned(), format!("<{label}>")));
    }

    fn person(&mut self, id: &str, email: &str, label: &str) {
        self.secrets.push(id.to_owned());
        self.secrets.push(email.to_owned());
        self.labels.push((id.to_owned(), format!("<{label}>")));
        self.labels
            .push((email.to_owned(), format!("<{label}'s e-mail>")));
    }

    /// The text with known ids and e-mail addresses replaced by their labels.
    fn describe(&self, path: &str) -> String {
        self.labels
            .iter()
            .fold(path.to_owned(), |p, (id, label)| p.replace(id, label))
    }
}

async fn team(
    app: &TestApp,
    org: &mut Org,
    by: &Actor,
    label: &str,
    parent: Option<&str>,
    kind: &str,
) -> (String, String) {
    let name = format!("Authz{label}-{}", short());
    let id = app.create_team(by, &name, parent, kind).await;
    org.team(&id, &name, label);
    (id, name)
}

/// A person created (not activated) in `team`, to be changed or deactivated by one row.
async fn throwaway_person(
    app: &TestApp,
    org: &mut Org,
    by: &Actor,
    team: &str,
    label: &str,
) -> String {
    let email = format!("tmp-{}@example.org", short());
    let (id, _) = app.create_person(by, &email, Some(team)).await;
    org.person(&id, &email, label);
    id
}

/// Six throwaway people in `team`, one per caller.
async fn throwaway_people(
    app: &TestApp,
    org: &mut Org,
    by: &Actor,
    team: &str,
    what: &str,
) -> Vec<String> {
    let mut ids = Vec::new();
    for who in CALLERS {
        ids.push(throwaway_person(app, org, by, team, &format!("{what}-{who:?}")).await);
    }
    ids
}

/// Six throwaway teams under `parent`, one per caller.
async fn throwaway_teams(
    app: &TestApp,
    org: &mut Org,
    by: &Actor,
    parent: &str,
    kind: &str,
    what: &str,
) -> Vec<String> {
    let mut ids = Vec::new();
    for who in CALLERS {
        ids.push(
            team(app, org, by, &format!("{what}-{who:?}"), Some(parent), kind)
                .await
                .0,
        );
    }
    ids
}

/// Sends a row's request with the given token.
async fn send(app: &TestApp, row: &Row, token: Option<&str>) -> Resp {
    match &row.body {
        Body::None => app.send(row.method.clone(), &row.path, token, None).await,
        Body::Json(v) => {
            app.json(row.method.clone(), &row.path, token, v.clone())
                .await
        }
        Body::Csv(text) => {
            app.raw(row.method.clone(), &row.path, token, "text/csv", text)
                .await
        }
    }
}

/// Runs `Resp::expect(status)`, turning its assertion failure into a message.
fn problem_check(r: &Resp, status: u16) -> Result<(), String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        r.expect(status);
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "Resp::expect failed".into())
    })
}

/// A SCIM error body with `status` (what the `/scim/v2` paths answer instead of
/// problem+json).
fn scim_error_check(r: &Resp, status: u16) -> Result<(), String> {
    let v: Value = serde_json::from_slice(&r.body).map_err(|e| format!("not JSON: {e}"))?;
    let ok = r.content_type() == "application/scim+json"
        && v["schemas"] == json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        && v["status"] == json!(status.to_string());
    ok.then_some(())
        .ok_or_else(|| format!("not a SCIM error: {} {v}", r.content_type()))
}

fn clip(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Runs every row and returns one line per mismatch.
async fn run(
    app: &TestApp,
    actors: &mut HashMap<Who, Actor>,
    org: &Org,
    rows: &[Row],
) -> Vec<String> {
    let mut mismatches = Vec::new();
    for row in rows {
        let what = format!("{:?} {} {}", row.who, row.method, org.describe(&row.path));
        let actor = actors.get(&row.who).cloned();
        let token = match (&actor, row.fresh_token) {
            (None, _) => None,
            (Some(a), false) => Some(a.token.clone()),
            (Some(a), true) => Some(app.login(&a.email, PASSWORD).await),
        };
        let r = send(app, row, token.as_deref()).await;

        if r.status != row.expect {
            mismatches.push(format!(
                "{what}: got {}, expected {}; body: {}",
                r.status,
                row.expect,
                clip(&r.text())
            ));
        }
        if r.status >= 400 {
            if row.path.starts_with("/scim/") {
                if let Err(e) = scim_error_check(&r, r.status) {
                    mismatches.push(format!("{what}: error body is not a SCIM error: {e}"));
                }
            } else if let Err(e) = problem_check(&r, r.status) {
                mismatches.push(format!("{what}: error body is not problem+json: {e}"));
            }
            let body = r.text();
            for s in org.secrets.iter().filter(|s| body.contains(s.as_str())) {
                mismatches.push(format!(
                    "{what}: the {} answer leaks {}: {}",
                    r.status,
                    org.describe(s),
                    clip(&body)
                ));
            }
        }
        let body = r.text();
        for s in row.absent.iter().filter(|s| body.contains(s.as_str())) {
            mismatches.push(format!(
                "{what}: the {} answer shows {} the caller may not see",
                r.status,
                org.describe(s)
            ));
        }

        // Logout revokes exactly the token used.
        if r.status == 204
            && row.path == "/api/v1/auth/logout"
            && let Some(t) = &token
        {
            let again = app.get("/api/v1/me", Some(t)).await;
            if again.status != 401 {
                mismatches.push(format!(
                    "{what}: the logged-out token still answers {} on GET /api/v1/me",
                    again.status
                ));
            }
        }
        // A password change revokes every token of the person: restore the password and
        // the caller's token so later rows keep working.
        if r.status == 204
            && row.path == "/api/v1/me/password"
            && let Some(a) = actors.get_mut(&row.who)
        {
            for t in [token.as_deref(), Some(a.token.as_str())]
                .into_iter()
                .flatten()
            {
                let old = app.get("/api/v1/me", Some(t)).await;
                if old.status != 401 {
                    mismatches.push(format!(
                        "{what}: a token from before the password change still answers {}",
                        old.status
                    ));
                }
            }
            let t = app.login(&a.email, OTHER_PASSWORD).await;
            app.post(
                "/api/v1/me/password",
                Some(&t),
                json!({"current_password": OTHER_PASSWORD, "new_password": PASSWORD}),
            )
            .await
            .expect(204);
            a.token = app.login(&a.email, PASSWORD).await;
        }
    }
    mismatches
}

/// The organisation the matrix runs against.
struct Fixture {
    root: String,
    a: String,
    a1: String,
    b: String,
    i: String,
    a_name: String,
    a1_name: String,
    b_name: String,
    i_name: String,
    emp: Actor,
    mgr_a: Actor,
    mgr_b: Actor,
    hr: Actor,
    admin: Actor,
    other_admin: Actor,
    doomed_admin: Actor,
    /// Targets for the rows that change something: one per caller (indexed by
    /// [`slot`]), so no row depends on what an earlier one did. They sit in A's
    /// subtree, so MgrA is "the manager of the team" for each of them.
    patch_teams: Vec<String>,
    manager_teams: Vec<String>,
    serves_teams: Vec<String>,
    delete_teams: Vec<String>,
    patch_people: Vec<String>,
    delete_people: Vec<String>,
    /// Not activated yet: reissuing its activation token is repeatable.
    pending: String,
    grant_by_hr: String,
    grant_by_admin: String,
    /// An admin account created by an admin and not activated yet.
    pending_admin: String,
    /// An id nothing has.
    missing: String,
}

async fn build_org(app: &TestApp, org: &mut Org) -> Fixture {
    let admin = app.admin().await;
    let hr = app.hr().await;
    org.person(&admin.id, &admin.email, "admin");
    org.person(&hr.id, &hr.email, "hr");

    let (root, _) = team(app, org, &admin, "Root", None, "internal").await;
    let (a, a_name) = team(app, org, &hr, "A", Some(&root), "frontline").await;
    let (a1, a1_name) = team(app, org, &hr, "A1", Some(&a), "frontline").await;
    let (b, b_name) = team(app, org, &hr, "B", Some(&root), "frontline").await;
    let (i, i_name) = team(app, org, &hr, "I", Some(&root), "internal").await;

    let mgr_a = app.manager_of(&hr, &a).await;
    let mgr_b = app.manager_of(&hr, &b).await;
    let emp = app.employee(&hr, Some(&a1)).await;
    org.person(&mgr_a.id, &mgr_a.email, "mgrA");
    org.person(&mgr_b.id, &mgr_b.email, "mgrB");
    org.person(&emp.id, &emp.email, "emp");

    let other_admin = app.admin().await;
    let doomed_admin = app.admin().await;
    org.person(&other_admin.id, &other_admin.email, "otherAdmin");
    org.person(&doomed_admin.id, &doomed_admin.email, "doomedAdmin");

    let pending_admin_email = format!("pending-admin-{}@example.org", short());
    let r = app
        .post(
            "/api/v1/people",
            Some(&admin.token),
            json!({"email": pending_admin_email, "name": "Pending Admin", "roles": ["admin"]}),
        )
        .await;
    r.expect(201);
    let pending_admin = r.json()["id"].as_str().expect("id").to_owned();
    org.person(&pending_admin, &pending_admin_email, "pendingAdmin");

    let missing = uuid::Uuid::new_v4().to_string();
    org.labels.push((missing.clone(), "<missing>".into()));

    Fixture {
        patch_teams: throwaway_teams(app, org, &hr, &a, "frontline", "patchTeam").await,
        manager_teams: throwaway_teams(app, org, &hr, &a, "frontline", "mgrsTeam").await,
        serves_teams: throwaway_teams(app, org, &hr, &a, "internal", "servesTeam").await,
        delete_teams: throwaway_teams(app, org, &hr, &a, "frontline", "deleteTeam").await,
        patch_people: throwaway_people(app, org, &hr, &a1, "patchPerson").await,
        delete_people: throwaway_people(app, org, &hr, &a1, "deletePerson").await,
        pending: throwaway_person(app, org, &hr, &a1, "pending").await,
        grant_by_hr: throwaway_person(app, org, &hr, &a1, "grantByHr").await,
        grant_by_admin: throwaway_person(app, org, &hr, &a1, "grantByAdmin").await,
        pending_admin,
        missing,
        root,
        a,
        a1,
        b,
        i,
        a_name,
        a1_name,
        b_name,
        i_name,
        emp,
        mgr_a,
        mgr_b,
        hr,
        admin,
        other_admin,
        doomed_admin,
    }
}

fn json_body(v: Value) -> impl Fn(Who) -> Body {
    move |_| Body::Json(v.clone())
}

fn no_body(_: Who) -> Body {
    Body::None
}

/// The same path for every caller.
fn at(path: impl Into<String>) -> impl Fn(Who) -> String {
    let path = path.into();
    move |_| path.clone()
}

fn team_path(id: &str) -> String {
    format!("/api/v1/teams/{id}")
}

fn person_path(id: &str) -> String {
    format!("/api/v1/people/{id}")
}

fn new_person(name: &str, roles: &[&str]) -> Body {
    Body::Json(json!({
        "email": format!("new-{}@example.org", short()),
        "name": name,
        "roles": roles,
    }))
}

/// The matrix. Statuses come from the access rules: HR-only writes answer 403 to
/// employees and managers; a team or person outside what the caller may read answers
/// 404 (never data); an employee reads their own team chain and themselves; listing
/// people needs HR or a managed team; no token is always 401.
#[rustfmt::skip]
fn matrix(f: &Fixture) -> Vec<Row> {
    use Who::*;
    let (get, post, patch, put, delete) =
        (Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE);
    let m = &f.missing;
    let mut rows: Vec<Row> = Vec::new();

    // ----- teams: HR writes; everyone reads what they may see -----          anon emp  mgrA mgrB hr   admin
    rows.extend(per_caller(post.clone(), at("/api/v1/teams"),
        |_| Body::Json(json!({"name": format!("New-{}", short()), "parent_id": f.root, "kind": "frontline"})),
                                                                                [401, 403, 403, 403, 201, 201]));
    rows.extend(per_caller(get.clone(), at("/api/v1/teams"), no_body,         [401, 200, 200, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(format!("/api/v1/teams?parent_id={}", f.a)), no_body,
                                                                                [401, 200, 200, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(&f.a)), no_body,         [401, 200, 200, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(&f.a1)), no_body,        [401, 200, 200, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(&f.b)), no_body,         [401, 404, 404, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(&f.i)), no_body,         [401, 404, 404, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(&f.root)), no_body,      [401, 200, 200, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(team_path(m)), no_body,            [401, 404, 404, 404, 404, 404]));
    rows.extend(per_caller(patch.clone(), |w| team_path(&f.patch_teams[slot(w)]),
        |_| Body::Json(json!({"name": format!("Renamed-{}", short())})),      [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(patch.clone(), at(team_path(m)), json_body(json!({"name": "Nobody"})),
                                                                                [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(put.clone(), |w| format!("{}/managers", team_path(&f.manager_teams[slot(w)])),
        json_body(json!({"person_ids": [f.mgr_a.id]})),                         [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(put.clone(), at(format!("{}/managers", team_path(m))), json_body(json!({"person_ids": []})),
                                                                                [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(put.clone(), |w| format!("{}/serves", team_path(&f.serves_teams[slot(w)])),
        json_body(json!([{"team_id": f.a1, "weight": 1.0}])),                   [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(put.clone(), at(format!("{}/serves", team_path(&f.i))),
        json_body(json!([{"team_id": f.a, "weight": 2.0}])),                    [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(put.clone(), at(format!("{}/serves", team_path(m))), json_body(json!([])),
                                                                                [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(delete.clone(), |w| team_path(&f.delete_teams[slot(w)]), no_body,
                                                                                [401, 403, 403, 403, 204, 204]));
    rows.extend(per_caller(delete.clone(), at(team_path(m)), no_body,         [401, 403, 403, 403, 404, 404]));
    // A has a child team and people; B has its manager: neither goes.
    rows.extend([
        Row::new(Hr,    delete.clone(), team_path(&f.a), Body::None, 409),
        Row::new(Admin, delete.clone(), team_path(&f.b), Body::None, 409),
    ]);

    // ----- people: HR writes; managers read their subtrees; everyone reads themselves -----
    rows.extend(per_caller(post.clone(), at("/api/v1/people"), |_| new_person("New Person", &[]),
                                                                                [401, 403, 403, 403, 201, 201]));
    rows.extend(per_caller(get.clone(), at("/api/v1/people"), no_body,        [401, 403, 200, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(format!("/api/v1/people?team_id={}", f.a1)), no_body,
                                                                                [401, 403, 200, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(format!("/api/v1/people?team_id={}", f.b)), no_body,
                                                                                [401, 403, 404, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(format!("/api/v1/people?team_id={m}")), no_body,
                                                                                [401, 403, 404, 404, 404, 404]));
    rows.extend(per_caller(get.clone(), at(person_path(&f.emp.id)), no_body,   [401, 200, 200, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(person_path(&f.mgr_a.id)), no_body, [401, 404, 200, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(person_path(&f.mgr_b.id)), no_body, [401, 404, 404, 200, 200, 200]));
    rows.extend(per_caller(get.clone(), at(person_path(&f.hr.id)), no_body,    [401, 404, 404, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(person_path(&f.admin.id)), no_body, [401, 404, 404, 404, 200, 200]));
    rows.extend(per_caller(get.clone(), at(person_path(m)), no_body,           [401, 404, 404, 404, 404, 404]));
    rows.extend(per_caller(patch.clone(), |w| person_path(&f.patch_people[slot(w)]),
        json_body(json!({"name": "Renamed Person"})),                           [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(patch.clone(), at(person_path(m)), json_body(json!({"name": "Nobody"})),
                                                                                [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(delete.clone(), |w| person_path(&f.delete_people[slot(w)]), no_body,
                                                                                [401, 403, 403, 403, 204, 204]));
    rows.extend(per_caller(delete.clone(), at(person_path(m)), no_body,       [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(post.clone(), at(format!("{}/activation", person_path(&f.pending))), no_body,
                                                                                [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(post.clone(), at(format!("{}/activation", person_path(&f.emp.id))), no_body,
                                                                                [401, 403, 403, 403, 409, 409]));
    rows.extend(per_caller(post.clone(), at(format!("{}/activation", person_path(m))), no_body,
                                                                                [401, 403, 403, 403, 404, 404]));
    rows.extend(per_caller(post.clone(), at("/api/v1/people/import"),
        |_| Body::Csv(format!("email,name\nimp-{}@example.org,Imported Person\n", short())),
                                                                                [401, 403, 403, 403, 200, 200]));
    rows.extend(per_caller(post.clone(), at("/api/v1/people/import?dry_run=true"),
        |_| Body::Csv(format!("email,name\nimp-{}@example.org,Imported Person\n", short())),
                                                                                [401, 403, 403, 403, 200, 200]));

    // ----- only an admin grants, removes or deactivates admin; nobody deactivates themselves -----
    rows.extend([
        Row::new(Hr,       post.clone(),   "/api/v1/people", new_person("Would Be Admin", &["admin"]), 403),
        Row::new(Admin,    post.clone(),   "/api/v1/people", new_person("New Admin", &["admin"]), 201),
        Row::new(Hr,       post.clone(),   "/api/v1/people", new_person("New HR", &["hr"]), 201),
        Row::new(Hr,       patch.clone(),  person_path(&f.grant_by_hr), Body::Json(json!({"roles": ["admin"]})), 403),
        Row::new(Admin,    patch.clone(),  person_path(&f.grant_by_admin), Body::Json(json!({"roles": ["hr", "admin"]})), 200),
        Row::new(Hr,       patch.clone(),  person_path(&f.other_admin.id), Body::Json(json!({"roles": []})), 403),
        Row::new(Hr,       delete.clone(), person_path(&f.other_admin.id), Body::None, 403),
        // A new activation token for an admin account is the admin account itself.
        Row::new(Hr,       post.clone(),   format!("{}/activation", person_path(&f.pending_admin)), Body::None, 403),
        Row::new(Admin,    post.clone(),   format!("{}/activation", person_path(&f.pending_admin)), Body::None, 200),
        Row::new(Admin,    delete.clone(), person_path(&f.doomed_admin.id), Body::None, 204),
        Row::new(Hr,       delete.clone(), person_path(&f.hr.id), Body::None, 409),
        Row::new(Admin,    delete.clone(), person_path(&f.admin.id), Body::None, 409),
        Row::new(Employee, delete.clone(), person_path(&f.emp.id), Body::None, 403),
        Row::new(MgrA,     delete.clone(), person_path(&f.emp.id), Body::None, 403),
        Row::new(Hr,       post.clone(),   "/api/v1/people/import",
                 Body::Csv(format!("email,name,roles\nimp-{}@example.org,Would Be Admin,admin\n", short())), 422),
        Row::new(Admin,    post.clone(),   "/api/v1/people/import",
                 Body::Csv(format!("email,name,roles\nimp-{}@example.org,New Admin,admin\n", short())), 200),
    ]);

    // ----- the signed-in person (logout and password change on fresh tokens) -----
    rows.extend(per_caller(get.clone(), at("/api/v1/me"), no_body,            [401, 200, 200, 200, 200, 200]));
    rows.extend(fresh(per_caller(post.clone(), at("/api/v1/auth/logout"), no_body,
                                                                                [401, 204, 204, 204, 204, 204])));
    rows.extend(fresh(per_caller(post.clone(), at("/api/v1/me/password"),
        json_body(json!({"current_password": PASSWORD, "new_password": OTHER_PASSWORD})),
                                                                                [401, 204, 204, 204, 204, 204])));

    // ----- SCIM provisioning: admins manage the tokens and the guard; the SCIM paths
    // let in a provisioning token and nothing else (a sign-in token, even an admin's,
    // is 401 there) -----
    rows.extend(per_caller(post.clone(), at("/api/v1/scim-tokens"), json_body(json!({"name": "IdP"})),
                                                                                [401, 403, 403, 403, 403, 201]));
    rows.extend(per_caller(get.clone(), at("/api/v1/scim-tokens"), no_body,   [401, 403, 403, 403, 403, 200]));
    rows.extend(per_caller(delete.clone(), at(format!("/api/v1/scim-tokens/{m}")), no_body,
                                                                                [401, 403, 403, 403, 403, 404]));
    rows.extend(per_caller(get.clone(), at("/api/v1/scim-guard"), no_body,    [401, 403, 403, 403, 403, 200]));
    rows.extend(per_caller(post.clone(), at("/api/v1/scim-guard/confirm"), no_body,
                                                                                [401, 403, 403, 403, 403, 200]));
    rows.extend([
        Row::new(Scim, get.clone(), "/api/v1/me", Body::None, 401),
        Row::new(Scim, get.clone(), "/api/v1/scim-tokens", Body::None, 401),
    ]);
    let scim_user = || Body::Json(json!({"userName": format!("scim-{}@example.org", short())}));
    let scim_paths: Vec<(Method, String, Body, u16)> = vec![
        (get.clone(), "/scim/v2/ServiceProviderConfig".into(), Body::None, 200),
        (get.clone(), "/scim/v2/Schemas".into(), Body::None, 200),
        (get.clone(), "/scim/v2/ResourceTypes".into(), Body::None, 200),
        (get.clone(), "/scim/v2/Users".into(), Body::None, 200),
        (get.clone(), format!("/scim/v2/Users/{}", f.emp.id), Body::None, 200),
        (get.clone(), format!("/scim/v2/Users/{m}"), Body::None, 404),
        (post.clone(), "/scim/v2/Users".into(), scim_user(), 201),
        (patch.clone(), format!("/scim/v2/Users/{m}"), Body::Json(json!({"Operations": []})), 404),
        (get.clone(), "/scim/v2/Groups".into(), Body::None, 200),
        (get.clone(), format!("/scim/v2/Groups/{}", f.a), Body::None, 200),
        (delete.clone(), format!("/scim/v2/Groups/{m}"), Body::None, 404),
    ];
    for (method, path, body, status) in scim_paths {
        rows.extend(per_caller(method.clone(), at(path.clone()), |_| body.clone(), [401; 6]));
        rows.push(Row::new(Scim, method, path, body, status));
    }
    // A path that is no SCIM endpoint is 404 (a SCIM error) for everyone.
    rows.extend(per_caller(get.clone(), at("/scim/v2/Nothing"), no_body,      [404; 6]));
    rows.push(Row::new(Scim, get.clone(), "/scim/v2/Nothing", Body::None, 404));

    // ----- what successful reads must not show -----
    for row in &mut rows {
        let hidden: Vec<&String> = match (row.path.as_str(), row.who) {
            ("/api/v1/teams", Employee | MgrA) => vec![&f.b_name, &f.i_name, &f.b, &f.i],
            ("/api/v1/teams", MgrB) => vec![&f.a_name, &f.a1_name, &f.i_name, &f.a, &f.a1, &f.i],
            ("/api/v1/people", MgrA) => vec![&f.mgr_b.email, &f.hr.email, &f.admin.email],
            ("/api/v1/people", MgrB) => vec![&f.emp.email, &f.mgr_a.email, &f.hr.email, &f.admin.email],
            (p, MgrB) if p.starts_with("/api/v1/teams?parent_id=") => vec![&f.a1_name, &f.a1],
            (p, MgrA) if p.starts_with("/api/v1/people?team_id=") => vec![&f.mgr_b.email, &f.hr.email],
            (p, MgrB) if p.starts_with("/api/v1/people?team_id=") => vec![&f.emp.email, &f.mgr_a.email],
            _ => Vec::new(),
        };
        row.absent = hidden.into_iter().cloned().collect();
    }
    rows
}

#[tokio::test]
async fn every_endpoint_answers_every_caller_as_the_access_rules_say() {
    let app = spawn_app().await;
    let mut org = Org::default();
    let f = build_org(&app, &mut org).await;
    let mut actors = HashMap::from([
        (Who::Employee, f.emp.clone()),
        (Who::MgrA, f.mgr_a.clone()),
        (Who::MgrB, f.mgr_b.clone()),
        (Who::Hr, f.hr.clone()),
        (Who::Admin, f.admin.clone()),
    ]);

    let scim = app
        .post(
            "/api/v1/scim-tokens",
            Some(&f.admin.token),
            json!({"name": "matrix"}),
        )
        .await;
    scim.expect(201);
    actors.insert(
        Who::Scim,
        Actor {
            id: String::new(),
            email: String::new(),
            token: scim.json()["secret"].as_str().expect("secret").to_owned(),
        },
    );

    let rows = matrix(&f);
    let mismatches = run(&app, &mut actors, &org, &rows).await;
    assert!(
        mismatches.is_empty(),
        "{} of {} authorization checks failed:\n  {}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n  ")
    );

    // Every caller's own token still works after the run: nothing revoked it by accident.
    for (who, a) in actors.iter().filter(|(w, _)| **w != Who::Scim) {
        let r = app.get("/api/v1/me", Some(&a.token)).await;
        assert_eq!(
            r.status,
            200,
            "{who:?}'s token stopped working: {}",
            r.text()
        );
    }
}

/// The company sign-in pages in the matrix: they are public, so every caller — no
/// session, an employee, a manager, HR and an admin, each with their session cookie —
/// gets the same answer, and none names anyone. With company sign-in configured (its
/// provider unreachable here) the start is the 502 page and a callback that no sign-in
/// of this browser started is the 400 page; with it off, both are 404.
#[tokio::test]
async fn the_company_sign_in_pages_answer_every_caller_alike() {
    use crate::helpers::spawn_app_with;
    use pulseline::config::Secret;
    let configured = spawn_app_with(|c| {
        c.public_url = Some("http://pulse.test".into());
        c.oidc.oidc_issuer = Some("http://127.0.0.1:9".into());
        c.oidc.oidc_client_id = Some("pulseline".into());
        c.oidc.oidc_client_secret = Some(Secret::new("a-client-secret".into()));
    })
    .await;
    let off = spawn_app().await;
    for (app, start, callback) in [
        (&configured, (502, "unavailable"), (400, "state")),
        (&off, (404, "off"), (404, "off")),
    ] {
        let admin = app.admin().await;
        let hr = app.hr().await;
        let team = app.create_team(&admin, "Alpha", None, "frontline").await;
        let employee = app.employee(&admin, Some(&team)).await;
        let manager = app.manager_of(&admin, &team).await;
        let callers: [(&str, Option<&Actor>); 5] = [
            ("anon", None),
            ("employee", Some(&employee)),
            ("manager", Some(&manager)),
            ("hr", Some(&hr)),
            ("admin", Some(&admin)),
        ];
        for (who, actor) in callers {
            for (path, (status, reason)) in [
                ("/auth/oidc/start?next=/hr/people", start),
                ("/auth/oidc/callback?state=forged&code=forged", callback),
            ] {
                let mut req = app.client.get(path);
                if let Some(a) = actor {
                    req = req.header("cookie", format!("pulseline_session={}", a.token));
                }
                let resp = req.send().await.0;
                let got = resp.status().as_u16();
                let body = resp.into_body().into_string().await.expect("body");
                assert_eq!(got, status, "{who} {path}: {body}");
                assert!(
                    body.contains(&format!("data-reason=\"{reason}\"")),
                    "{who} {path}: {body}"
                );
                assert!(
                    !body.contains("Alpha")
                        && [&admin, &hr, &employee, &manager]
                            .iter()
                            .all(|p| !body.contains(&p.email) && !body.contains(&p.id)),
                    "{who} {path} names someone: {body}"
                );
            }
        }
    }
}
