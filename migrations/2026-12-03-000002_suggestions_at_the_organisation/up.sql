-- An anonymous suggestion from a part of the organisation too small to hide its author
-- is filed at the organisation as a whole: no team (team_id NULL). SQLite cannot drop a
-- NOT NULL constraint, so the three suggestion tables are rebuilt (portable SQL, the same
-- on PostgreSQL) and renamed into place; the rows keep their ids and order.
CREATE TABLE suggestions_next (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NULL REFERENCES teams (id),
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
INSERT INTO suggestions_next (id, team_id, author_id, title, body, touchpoint,
    customer_segment, anonymous, status, votes, created_on, created_at, followup_hash)
SELECT id, team_id, author_id, title, body, touchpoint, customer_segment, anonymous,
    status, votes, created_on, created_at, followup_hash
FROM suggestions;

CREATE TABLE suggestion_votes_next (
    suggestion_id TEXT NOT NULL REFERENCES suggestions_next (id),
    voter_hash TEXT NOT NULL,
    PRIMARY KEY (suggestion_id, voter_hash)
);
INSERT INTO suggestion_votes_next (suggestion_id, voter_hash)
SELECT suggestion_id, voter_hash FROM suggestion_votes;

CREATE TABLE suggestion_events_next (
    id TEXT PRIMARY KEY NOT NULL,
    suggestion_id TEXT NOT NULL REFERENCES suggestions_next (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reply TEXT NOT NULL,
    replied_by TEXT NOT NULL REFERENCES people (id),
    replied_on DATE NOT NULL,
    replied_at TIMESTAMP NOT NULL
);
INSERT INTO suggestion_events_next (id, suggestion_id, from_status, to_status, reply,
    replied_by, replied_on, replied_at)
SELECT id, suggestion_id, from_status, to_status, reply, replied_by, replied_on, replied_at
FROM suggestion_events;

DROP TABLE suggestion_events;
DROP TABLE suggestion_votes;
DROP TABLE suggestions;
ALTER TABLE suggestions_next RENAME TO suggestions;
ALTER TABLE suggestion_votes_next RENAME TO suggestion_votes;
ALTER TABLE suggestion_events_next RENAME TO suggestion_events;
CREATE INDEX suggestions_team_idx ON suggestions (team_id, created_on);
CREATE INDEX suggestion_events_suggestion_idx ON suggestion_events (suggestion_id);
