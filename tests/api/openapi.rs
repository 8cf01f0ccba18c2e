//! The OpenAPI document is pinned by a snapshot, so any change to the contract shows in
//! review. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test api openapi`.

use crate::helpers::*;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/openapi.snapshot.json"
);

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await;
    doc.expect(200);
    let current = serde_json::to_string_pretty(&doc.json()).expect("pretty") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &current).expect("write snapshot");
        return;
    }
    let pinned =
        std::fs::read_to_string(SNAPSHOT).expect("snapshot exists; run with UPDATE_SNAPSHOTS=1");
    assert!(
        pinned == current,
        "the OpenAPI document changed; review it and run UPDATE_SNAPSHOTS=1 cargo test --test api openapi"
    );
}

#[tokio::test]
async fn every_operation_documents_its_problems() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("ops") {
            let responses = op["responses"].as_object().expect("responses");
            if path.starts_with("/api/") {
                for status in ["400", "401", "422", "500"] {
                    let r = &responses[status];
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{method} {path} does not document {status} as problem+json"
                    );
                }
            }
        }
    }
}
