ALTER TABLE survey_questions DROP COLUMN options_ru;
ALTER TABLE surveys DROP COLUMN title_ru;
