//! Sign-in, tokens, revocation, activation, password change and throttling.

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_admin_signs_in_and_sees_themselves() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.get("/api/v1/me", Some(&admin.token)).await;
    r.expect(200);
    let me = r.json();
    assert_eq!(me["email"], json!(admin.email));
    assert_eq!(me["roles"], json!(["employee", "hr", "admin"]));
}
