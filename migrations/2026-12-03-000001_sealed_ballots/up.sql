-- A round's sealed ballots are opened, placed and written as responses once, at close.
ALTER TABLE rounds ADD COLUMN materialised_at TIMESTAMP NULL;
-- The team tree as it was when the round closed: every report of the round uses it.
CREATE TABLE round_teams (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL,
    parent_id TEXT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (round_id, team_id)
);
