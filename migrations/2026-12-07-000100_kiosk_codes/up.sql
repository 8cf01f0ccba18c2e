-- Kiosk codes: one-time answer codes printed per round and team for invitees with
-- neither an e-mail address nor a phone number. Only the SHA-256 of a code is kept.
-- `used` is set in the same transaction as the code's sealed ballot; no person and no
-- time is recorded with it.
CREATE TABLE kiosk_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    used BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX kiosk_codes_round ON kiosk_codes (round_id, team_id);
