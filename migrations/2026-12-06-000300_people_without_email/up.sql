-- A person may have an employee number and/or a phone number instead of an e-mail
-- address (frontline staff often have none). An employee number identifies one person,
-- as an e-mail address does, and signs in someone without e-mail: the database holds
-- it unique. A phone number is unique among the numbers the people API and the CSV
-- import write (checked there, in their write transaction), not in the database: the
-- number SCIM provisions is the directory's work number, which colleagues may share.
-- That the e-mail column itself may now be empty is backend-specific (SQLite cannot
-- drop a NOT NULL in portable SQL): see `db::anonymous::ensure`.
CREATE UNIQUE INDEX people_employee_number_key ON people (employee_number);
