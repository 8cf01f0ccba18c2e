DROP TABLE revoked_tokens;
DROP TABLE team_serves;
DROP TABLE team_managers;
DROP TABLE people;
DROP TABLE teams;
