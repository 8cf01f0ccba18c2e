-- SCIM 2.0 provisioning (src/scim/). The identity provider's id of a person, and two
-- optional attributes it may send: a work phone number and an employee number. Personal
-- data: erasure clears them.
ALTER TABLE people ADD COLUMN external_id TEXT NULL;
ALTER TABLE people ADD COLUMN phone TEXT NULL;
ALTER TABLE people ADD COLUMN employee_number TEXT NULL;
CREATE INDEX people_external_id_idx ON people (external_id);

-- Bearer tokens of provisioning clients, created by an admin and shown once: only the
-- SHA-256 of a token is kept.
CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NULL,
    revoked_at TIMESTAMP NULL
);

-- People a SCIM client deleted (deactivated, and gone for SCIM: 404 from then on).
CREATE TABLE scim_deleted (
    person_id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL
);

-- The mass-change guard: every deactivation made through SCIM (the last hour is
-- counted), the deactivations it held back for an admin, and the admins' confirmations
-- (each lets SCIM deactivate freely until `until`).
CREATE TABLE scim_deactivations (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX scim_deactivations_at_idx ON scim_deactivations (at);
CREATE TABLE scim_held (
    person_id TEXT PRIMARY KEY NOT NULL,
    token_id TEXT NOT NULL,
    delete_after BOOLEAN NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
CREATE TABLE scim_releases (
    id TEXT PRIMARY KEY NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TIMESTAMP NOT NULL,
    until TIMESTAMP NOT NULL
);
