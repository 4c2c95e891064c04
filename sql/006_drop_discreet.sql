-- 006: drop vawg.form.discreet.  Migration 001 promised that a discreet
-- form would get other banner wording and a title that names no subject;
-- nothing ever read the flag.  Every public page has the same quick exit,
-- and each form's title is chosen in its definition (the referral's names
-- no subject: 002).  A flag that promises what nothing does is worse than
-- none.
ALTER TABLE vawg.form DROP COLUMN discreet;
