-- Who read or exported which report, and when; never the report's content.
-- Append-only: src/db/anonymous.rs adds triggers that refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
