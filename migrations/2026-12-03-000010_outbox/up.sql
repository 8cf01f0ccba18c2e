-- Every message to a person (an account invitation, a pulse-open message, a reminder)
-- is written here in the same transaction as the event that causes it, and sent by
-- the outbox sender. `idempotency_key` names the message: the same event queues it once.
-- status: queued (waiting for `next_attempt_at`), sending (claimed until
-- `claimed_until`), sent, failed (gave up; `last_error` says why) or cancelled (a newer
-- message replaced it, e.g. a re-sent invitation).
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    language TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP NULL,
    last_error TEXT NULL,
    sent_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_person ON outbox (person_id);
-- Personal answer links: the SHA-256 of the link's token, for one round and person.
CREATE TABLE pulse_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    UNIQUE (round_id, person_id)
);
