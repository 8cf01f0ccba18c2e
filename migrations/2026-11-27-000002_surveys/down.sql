DROP TABLE IF EXISTS answers;
DROP TABLE IF EXISTS responses;
DROP TABLE IF EXISTS participation;
DROP TABLE round_invitees;
DROP TABLE rounds;
DROP TABLE survey_questions;
DROP TABLE survey_audience;
DROP TABLE surveys;
