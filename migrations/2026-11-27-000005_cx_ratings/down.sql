DROP TABLE cx_ratings;
