ALTER TABLE people DROP COLUMN erased_at;
