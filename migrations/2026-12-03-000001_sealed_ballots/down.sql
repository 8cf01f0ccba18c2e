ALTER TABLE rounds DROP COLUMN materialised_at;
