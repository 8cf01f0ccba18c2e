-- Outgoing webhooks and chat channels (issue 17): where events go, and each delivery.
-- A webhook's signing secret is sealed under a key derived from the master key.
CREATE TABLE hooks (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    -- No foreign key: deleting a team leaves its channel hearing of nothing.
    team_id TEXT NULL,
    language TEXT NOT NULL,
    secret TEXT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One row per event and hook, written in the transaction of the event; the sender
-- claims due rows like the e-mail outbox's.
CREATE TABLE hook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    hook_id TEXT NOT NULL REFERENCES hooks (id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP NULL,
    last_error TEXT NULL,
    response_status INTEGER NULL,
    sent_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (status, next_attempt_at);
CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id, created_at);
