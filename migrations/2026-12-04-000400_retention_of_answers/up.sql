-- Retention of survey answers, comments and the audit log (NULL: for ever), and the
-- marks a purge leaves on a round whose answer values or comments it deleted.
ALTER TABLE retention_settings ADD COLUMN answers_months INTEGER NULL;
ALTER TABLE retention_settings ADD COLUMN comments_months INTEGER NULL;
ALTER TABLE retention_settings ADD COLUMN audit_months INTEGER NULL;
ALTER TABLE rounds ADD COLUMN answers_purged_at TIMESTAMP NULL;
ALTER TABLE rounds ADD COLUMN comments_purged_at TIMESTAMP NULL;
