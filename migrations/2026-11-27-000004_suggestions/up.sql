-- Frontline suggestions about customer pain points. An anonymous suggestion keeps no
-- author and only the day it was raised; a signed one keeps both.
CREATE TABLE suggestions (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    author_id TEXT NULL REFERENCES people (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    customer_segment TEXT NULL,
    anonymous BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    votes INTEGER NOT NULL DEFAULT 0,
    created_on DATE NOT NULL,
    created_at TIMESTAMP NULL,
    followup_hash TEXT NULL UNIQUE
);
CREATE INDEX suggestions_team_idx ON suggestions (team_id, created_on);

-- One row per vote: a keyed hash of (person, suggestion), so a second vote is refused
-- without a table of who voted for what.
CREATE TABLE suggestion_votes (
    suggestion_id TEXT NOT NULL REFERENCES suggestions (id),
    voter_hash TEXT NOT NULL,
    PRIMARY KEY (suggestion_id, voter_hash)
);

-- The history of status changes, each with its reply (closing the loop).
CREATE TABLE suggestion_events (
    id TEXT PRIMARY KEY NOT NULL,
    suggestion_id TEXT NOT NULL REFERENCES suggestions (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reply TEXT NOT NULL,
    replied_by TEXT NOT NULL REFERENCES people (id),
    replied_on DATE NOT NULL,
    replied_at TIMESTAMP NOT NULL
);
CREATE INDEX suggestion_events_suggestion_idx ON suggestion_events (suggestion_id);
