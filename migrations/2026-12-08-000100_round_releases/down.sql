DROP TABLE round_releases;
