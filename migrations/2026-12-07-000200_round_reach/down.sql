DROP TABLE round_reach;
