-- Pulse surveys, their questions and audience, and rounds with the audience recorded at
-- opening. The anonymous tables (responses, answers, participation) are created by
-- src/db/anonymous.rs, because SQLite must store them WITHOUT ROWID, which PostgreSQL
-- does not parse.
CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    cuts TEXT NOT NULL,
    starts_on DATE NOT NULL,
    cadence TEXT NOT NULL,
    window_days INTEGER NOT NULL,
    ends_on DATE NULL,
    min_group INTEGER NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE survey_audience (
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (survey_id, team_id)
);

CREATE TABLE survey_questions (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    driver TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    bank_item TEXT NULL,
    text_en TEXT NOT NULL,
    text_ru TEXT NOT NULL,
    options TEXT NULL,
    UNIQUE (survey_id, position)
);

CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    sequence INTEGER NOT NULL,
    slot INTEGER NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    closed_early_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (survey_id, sequence),
    UNIQUE (survey_id, slot)
);
CREATE INDEX rounds_closes_idx ON rounds (closes_at);

-- Who was invited to a round, fixed when it opened: the participation denominators,
-- and each invitee's segment values already generalised so that every combination
-- within a team is shared by at least k invitees.
CREATE TABLE round_invitees (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    location TEXT NULL,
    job_family TEXT NULL,
    tenure TEXT NULL,
    PRIMARY KEY (round_id, person_id)
);
CREATE INDEX round_invitees_person_idx ON round_invitees (person_id);
