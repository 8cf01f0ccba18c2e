-- Company sign-in (OpenID Connect). A person's account at the identity provider:
-- (issuer, subject) names one person for good, whatever their e-mail becomes later.
CREATE TABLE identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_person ON identities (person_id);

-- Sign-ins under way: one row per trip to the provider, deleted when it comes back
-- (used once) or after ten minutes. Only the hash of `state` is kept.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_logins_created ON oidc_logins (created_at);
