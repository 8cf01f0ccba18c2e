-- What a survey says in Russian beyond its questions' text: its title, and a choice
-- question's options (in the order of the English ones, which stay the values stored).
ALTER TABLE surveys ADD COLUMN title_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_questions ADD COLUMN options_ru TEXT NULL;
