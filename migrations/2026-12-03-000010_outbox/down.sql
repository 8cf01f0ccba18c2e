DROP TABLE pulse_links;
DROP TABLE outbox;
