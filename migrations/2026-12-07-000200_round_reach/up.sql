-- Who could be reached by each team's invitees of a closed round, counted when its
-- ballots were opened (counts only, no person): a closed round's reachable figures
-- are those of the round as it ran, kept with it like its frozen tree (round_teams).
CREATE TABLE round_reach (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    team_id TEXT NOT NULL,
    reachable BIGINT NOT NULL,
    PRIMARY KEY (round_id, team_id)
);
