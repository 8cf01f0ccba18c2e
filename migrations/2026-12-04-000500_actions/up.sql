-- Action plans: what a team's manager or HR commits to doing about the results. A row
-- belongs to a team, or (team_id NULL) to the whole organisation; it may name what it
-- answers: a driver, a suggestion theme or one suggestion (kept as an id without a
-- foreign key, so that retention and erasure may delete the suggestion). `closed_on` is
-- the day it was marked done or dropped (`closed_at`: the moment, which decides which
-- rounds come before and after it). `owner_id` is NULL when nobody owns it (an
-- organisation action whose owner was erased).
CREATE TABLE actions (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NULL REFERENCES teams (id),
    driver TEXT NULL,
    theme TEXT NULL,
    suggestion_id TEXT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_id TEXT NULL REFERENCES people (id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    closed_on DATE NULL,
    closed_at TIMESTAMP NULL,
    created_by TEXT NOT NULL REFERENCES people (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX actions_team_idx ON actions (team_id, status);
CREATE INDEX actions_owner_idx ON actions (owner_id);
CREATE INDEX actions_due_idx ON actions (status, due_on);

-- The dated updates of an action: a note, and the status it moved from and to when
-- the update changed it.
CREATE TABLE action_updates (
    id TEXT PRIMARY KEY NOT NULL,
    action_id TEXT NOT NULL REFERENCES actions (id),
    body TEXT NOT NULL,
    from_status TEXT NULL,
    to_status TEXT NULL,
    author_id TEXT NOT NULL REFERENCES people (id),
    created_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX action_updates_action_idx ON action_updates (action_id, created_at);
