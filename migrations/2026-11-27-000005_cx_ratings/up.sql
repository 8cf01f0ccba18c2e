-- Raw customer ratings per team, idempotent by the source system's external id.
CREATE TABLE cx_ratings (
    id TEXT PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    team_id TEXT NOT NULL REFERENCES teams (id),
    metric TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    occurred_on DATE NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX cx_ratings_team_idx ON cx_ratings (team_id, metric, occurred_on);
