-- The organisation and identity: teams (a tree), people, managers, the service map,
-- and the logout denylist. Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    parent_id TEXT NULL REFERENCES teams (id),
    kind TEXT NOT NULL,
    team_key TEXT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX teams_parent_idx ON teams (parent_id);

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    team_id TEXT NULL REFERENCES teams (id),
    is_hr BOOLEAN NOT NULL DEFAULT FALSE,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    location TEXT NULL,
    job_family TEXT NULL,
    start_date DATE NULL,
    language TEXT NOT NULL DEFAULT 'en',
    password_hash TEXT NULL,
    token_version INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    activation_hash TEXT NULL UNIQUE,
    activation_expires_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX people_team_idx ON people (team_id);

CREATE TABLE team_managers (
    team_id TEXT NOT NULL REFERENCES teams (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_managers_person_idx ON team_managers (person_id);

CREATE TABLE team_serves (
    team_id TEXT NOT NULL REFERENCES teams (id),
    served_team_id TEXT NOT NULL REFERENCES teams (id),
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (team_id, served_team_id)
);

CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
