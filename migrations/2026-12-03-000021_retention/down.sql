DROP TABLE retention_settings;
