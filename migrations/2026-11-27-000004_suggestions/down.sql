DROP TABLE suggestion_events;
DROP TABLE suggestion_votes;
DROP TABLE suggestions;
