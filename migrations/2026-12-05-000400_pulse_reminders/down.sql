ALTER TABLE rounds DROP COLUMN results_announced_at;
ALTER TABLE rounds DROP COLUMN reminders_queued;
ALTER TABLE surveys DROP COLUMN reminders;
