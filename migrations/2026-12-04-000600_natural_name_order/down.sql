DROP INDEX people_name_key;
ALTER TABLE people DROP COLUMN name_key;
