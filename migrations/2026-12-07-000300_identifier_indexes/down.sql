DROP INDEX outbox_person_kind_idx;
DROP INDEX people_phone_idx;
DROP INDEX people_email_lower_idx;
