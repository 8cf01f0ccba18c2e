DROP TABLE round_teams;
ALTER TABLE rounds DROP COLUMN materialised_at;
