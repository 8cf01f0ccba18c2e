-- A person may read times in their own time zone (an IANA name); without one, the
-- organisation's (PULSELINE_TIME_ZONE) is used.
ALTER TABLE people ADD COLUMN time_zone TEXT;
