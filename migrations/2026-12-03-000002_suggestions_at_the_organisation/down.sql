-- Forward-only: rows filed at the organisation have no team to go back to.
SELECT 1;
