-- When a person was erased (POST /api/v1/people/{id}/erase): the row stays, nameless,
-- so the ids that point at it (round records, audit entries, replies) stay valid.
ALTER TABLE people ADD COLUMN erased_at TIMESTAMP NULL;
