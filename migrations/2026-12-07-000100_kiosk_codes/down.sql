DROP TABLE kiosk_codes;
