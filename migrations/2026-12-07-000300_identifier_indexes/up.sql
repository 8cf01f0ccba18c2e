-- A person is found by their e-mail address whatever its case (`lower(email)`), and by
-- their phone number, when a CSV import, SCIM or the people API checks who already holds
-- an identifier: without these, each such check read every person, so an import of
-- 100,000 rows read the table 100,000 times.
CREATE INDEX people_email_lower_idx ON people (lower(email));
CREATE INDEX people_phone_idx ON people (phone);
-- A new invitation cancels the person's queued ones of the same kind. On PostgreSQL,
-- with the outbox's statistics not yet gathered (an import's own transaction queues
-- them), that update was planned as the person's index ANDed with every queued message
-- (`outbox_due`), so each row of an import read all the messages queued before it.
CREATE INDEX outbox_person_kind_idx ON outbox (person_id, kind, status);
