-- 013: the referral keeps no answer in clear (issue 14, item 11;
-- docs/THREAT-MODEL.md, "What each attacker can read or change").
--
-- Version 1 (002) stored six of the referral's choices as plain JSON, in
-- every row and every spool record: what happened, when, her age band,
-- her borough, the support she wants and her consent.  The plain answers
-- exist for the dashboard's counts, and the referral's counts are no
-- one's analysis: the form is there so that a case worker contacts her,
-- and the case worker opens the referral anyway.  Field by field:
--
--   what_happened    the disclosure itself (rape, FGM, trafficking...).
--   when_happened    with the row's time, dates the assault ("in the last
--                    7 days").  Its notice on the confirmation comes from
--                    what she sent, never from a stored value.
--   age_band         "under 18" marks a child; with borough and time it
--                    narrows who she is.
--   borough          with age band and time it can single her out (the
--                    City of London has some 8,000 residents); routing is
--                    done by the team that opens the referral.
--   support_wanted   "help to leave prostitution", "support after
--                    trafficking", "a service for young people" say as
--                    much as what happened.
--   consent_contact  required, with one option: every row says yes, so
--                    there is nothing to count; sealed so that the
--                    referral keeps nothing in clear at all.
--
-- So the new version is the current one, question for question and option
-- for option, with every field sensitive.  The consultation is unchanged:
-- its plain choices (who answers, borough, the four priorities, consent
-- to publish) are the analysis the consultation exists for, opinions on
-- published priorities rather than disclosures (its personal experience
-- question was sealed from the start).
--
-- Safe on a database that holds data: rows keep the version they
-- answered, and exports read each row by its own version (export.c).
-- SQL cannot seal what earlier rows hold in clear (it has no key): rows
-- of version 1 keep those six answers in clear until the purge deletes
-- them, 365 days after they came (README, "Where data and keys live").
-- After migrating, reload the pools (`conf/stack.sh reload`): until then
-- the public pool keeps sealing to version 1's definition.
SET ROLE vawg_owner;
SET search_path = vawg;

INSERT INTO form_version (form_id, version)
SELECT c.form_id, c.version + 1
FROM form_current c JOIN form f ON f.id = c.form_id
WHERE f.name = 'referral';

-- The new version is now the current one; the one before it is copied.
INSERT INTO form_field (version_id, position, name, kind, section, label, hint,
    required, max_length, sensitive)
SELECT c.version_id, ff.position, ff.name, ff.kind, ff.section, ff.label,
    ff.hint, ff.required, ff.max_length, true
FROM form f
JOIN form_current c ON c.form_id = f.id
JOIN form_version old ON old.form_id = f.id AND old.version = c.version - 1
JOIN form_field ff ON ff.version_id = old.id
WHERE f.name = 'referral';

INSERT INTO form_option (version_id, field_name, position, value, label, hint,
    notice)
SELECT c.version_id, o.field_name, o.position, o.value, o.label, o.hint,
    o.notice
FROM form f
JOIN form_current c ON c.form_id = f.id
JOIN form_version old ON old.form_id = f.id AND old.version = c.version - 1
JOIN form_option o ON o.version_id = old.id
WHERE f.name = 'referral';

RESET ROLE;
