-- How long the organisation keeps closed suggestions and customer ratings (NULL: for
-- ever). One row (id 1), written by admins; no row keeps everything.
CREATE TABLE retention_settings (
    id INTEGER PRIMARY KEY NOT NULL,
    suggestions_months INTEGER NULL,
    cx_months INTEGER NULL,
    updated_at TIMESTAMP NOT NULL
);
