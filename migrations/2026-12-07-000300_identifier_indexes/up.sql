-- A person is found by their e-mail address whatever its case (`lower(email)`), and by
-- their phone number, when a CSV import, SCIM or the people API checks who already holds
-- an identifier: without these, each such check read every person, so an import of
-- 100,000 rows read the table 100,000 times.
CREATE INDEX people_email_lower_idx ON people (lower(email));
CREATE INDEX people_phone_idx ON people (phone);
