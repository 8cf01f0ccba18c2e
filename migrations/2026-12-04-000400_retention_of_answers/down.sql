ALTER TABLE rounds DROP COLUMN comments_purged_at;
ALTER TABLE rounds DROP COLUMN answers_purged_at;
ALTER TABLE retention_settings DROP COLUMN audit_months;
ALTER TABLE retention_settings DROP COLUMN comments_months;
ALTER TABLE retention_settings DROP COLUMN answers_months;
