-- Automatic reminders: how many a survey's rounds send (0 to 3), and, per round, the
-- number of the last one queued (so a replayed pass, a restart or a second replica
-- queues none twice).
ALTER TABLE surveys ADD COLUMN reminders INTEGER NOT NULL DEFAULT 2;
ALTER TABLE rounds ADD COLUMN reminders_queued INTEGER NOT NULL DEFAULT 0;
-- "Results ready" to managers: when the round's messages were queued. Rounds closed
-- before this version count as announced: an upgrade sends no news of old rounds.
ALTER TABLE rounds ADD COLUMN results_announced_at TIMESTAMP NULL;
UPDATE rounds SET results_announced_at = materialised_at WHERE materialised_at IS NOT NULL;
