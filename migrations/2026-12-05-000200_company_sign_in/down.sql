DROP TABLE oidc_logins;
DROP TABLE identities;
