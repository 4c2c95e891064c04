-- 005: a submission's form version is checked by vawg.submit(), not by a
-- foreign key.
--
-- The foreign key's check takes a FOR KEY SHARE lock on the form_version
-- row for every insert.  Every post of a form names the same version, so
-- concurrent posts lock one row together, which makes PostgreSQL create a
-- MultiXact for nearly every insert.  Measured with make bench's POST run
-- (4 workers, 64 connections; issue 6) with the key dropped: PostgreSQL's
-- CPU per post went from 180 to 160 µs, posts/s up 5.5 %, p99 from 26 to
-- 19.5 ms.  Checking the version inside the INSERT, as below, measured the
-- same as no check at all under pgbench.
--
-- What the key guaranteed is kept: submit(), the public pool's only way
-- to write, refuses a version that does not exist (the same SQLSTATE the
-- key raised), and versions can no longer be deleted or renumbered at all,
-- so no submission can lose its version.  Versions are history: a changed
-- form is a new version (sql/002), never an edit of an old one.
SET ROLE vawg_owner;
SET search_path = vawg;

ALTER TABLE submission DROP CONSTRAINT submission_version_id_fkey;

CREATE OR REPLACE FUNCTION submit(p_version integer, p_idem bytea,
    p_reference text, p_plain jsonb, p_sealed bytea, p_key_id text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	ref text;
BEGIN
	-- What the foreign key checked, without its row lock, in the same
	-- statement: no row of that version, nothing inserted.  (A separate
	-- look-up first costs a statement of its own, about as much as the
	-- key's check did.)
	INSERT INTO submission (version_id, idem_key, reference, plain, sealed, key_id)
	SELECT v.id, p_idem, p_reference, p_plain, p_sealed, p_key_id
	FROM form_version v WHERE v.id = p_version
	ON CONFLICT (idem_key) DO NOTHING
	RETURNING reference INTO ref;
	IF ref IS NULL THEN
		SELECT s.reference INTO ref FROM submission s WHERE s.idem_key = p_idem;
		IF ref IS NULL THEN
			RAISE EXCEPTION 'no form version %', p_version
			    USING ERRCODE = 'foreign_key_violation';
		END IF;
	END IF;
	RETURN ref;
END
$$;

CREATE FUNCTION form_version_is_history() RETURNS trigger
LANGUAGE plpgsql
SET search_path = vawg, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'form versions are history: never deleted or renumbered'
	    USING ERRCODE = 'foreign_key_violation';
END
$$;

CREATE TRIGGER form_version_is_history
	BEFORE DELETE OR UPDATE OF id ON form_version
	FOR EACH ROW EXECUTE FUNCTION form_version_is_history();
CREATE TRIGGER form_version_no_truncate
	BEFORE TRUNCATE ON form_version
	FOR EACH STATEMENT EXECUTE FUNCTION form_version_is_history();

RESET ROLE;
