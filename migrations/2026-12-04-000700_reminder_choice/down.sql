ALTER TABLE people DROP COLUMN reminders_off;
