-- The people list sorts by a natural key of the name (digit runs compared as numbers:
-- "Person 2" before "Person 10"), written by pulseline with the name. Rows written
-- without it (a previous version during an upgrade, bulk demo data) are filled in at
-- the next start and sort by their lower-cased name meanwhile.
ALTER TABLE people ADD COLUMN name_key TEXT NULL;
CREATE INDEX people_name_key ON people (name_key, id);
