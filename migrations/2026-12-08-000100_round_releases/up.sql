-- The groups each closed round's plan released, recorded the first time the round is
-- planned on its frozen tree: which (team, cut value) groups its reports show — what
-- any reader of them sees, never who answered. A later round's plan is audited against
-- these, and the round is reported with them, for good: a restart does not re-plan a
-- survey's history, and a newer planner cannot change what was once released.
-- `shape` is a digest of the round's teams and cut values in plan order; `released`
-- holds `nodes` x `cols` bits, row by row, as hexadecimal.
CREATE TABLE round_releases (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES rounds (id),
    shape TEXT NOT NULL,
    nodes BIGINT NOT NULL,
    cols BIGINT NOT NULL,
    released TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
