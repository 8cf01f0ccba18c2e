-- A person may turn off the e-mail reminders of pulses they have not answered
-- (invitations to answer still come).
ALTER TABLE people ADD COLUMN reminders_off BOOLEAN NOT NULL DEFAULT FALSE;
