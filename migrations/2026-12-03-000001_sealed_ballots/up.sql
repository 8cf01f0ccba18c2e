-- A round's sealed ballots are opened, placed and written as responses once, at close.
ALTER TABLE rounds ADD COLUMN materialised_at TIMESTAMP NULL;
