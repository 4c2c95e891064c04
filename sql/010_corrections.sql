-- 010: a form token posted again with other answers is a correction,
-- stored, never dropped (issue 14, item 1).
--
-- Until now the idempotency key (the token's nonce) alone decided: a second
-- post of the same token hit ON CONFLICT DO NOTHING and got the first
-- reference back, whatever it held.  She goes back after a confirmation
-- (or after a 422, which keeps the token) and sends a corrected phone
-- number: the page said it was received, and it was not stored.
--
-- Now the public pool sends a keyed digest of the answers with the key
-- (cgi-src/lib/answers.c; keyed with a key only that pool holds, so the
-- column tests no guess of her answers).  The same token:
--   - with the same answers (a double click, a retry, a spool replay):
--     the row that holds them, its reference, no new row, as before;
--   - with other answers: a new row with its own reference, whose
--     `corrects` names the token's first row, so a case worker sees both;
--   - against a row stored before this migration (digest NULL: its answers
--     are unknown): that row's reference, as before.
--
-- Safe on a table that holds rows: the new columns are NULL for them (no
-- rewrite), the token's first row stays unique through an index holding
-- exactly the rows the old UNIQUE (idem_key) held, built before that
-- constraint goes, in the migration's one transaction.
--
-- `corrects` is not a foreign key: the purge deletes the first row before
-- its correction (it is older), and a key would refuse that or rewrite
-- the link; the id of a purged row says truly what it corrected.
SET ROLE vawg_owner;
SET search_path = vawg;

ALTER TABLE submission
	ADD COLUMN answers_digest bytea
	    CHECK (answers_digest IS NULL OR length(answers_digest) = 32),
	ADD COLUMN corrects bigint,
	ADD CONSTRAINT submission_correction_has_digest
	    CHECK (corrects IS NULL OR answers_digest IS NOT NULL);

-- One first row per token (every row stored so far is one).
CREATE UNIQUE INDEX submission_token_first ON submission (idem_key)
	WHERE corrects IS NULL;
ALTER TABLE submission DROP CONSTRAINT submission_idem_key_key;
-- Corrections: one row per token and answer set.  Partial, so the ordinary
-- post pays for one index on the key, as before.
CREATE UNIQUE INDEX submission_token_answers
	ON submission (idem_key, answers_digest) WHERE corrects IS NOT NULL;

-- p_reference: the token's own (the first post's); p_correction: the one a
-- correction gets (derived from the key and the digest, so a spooled post
-- shows the one its replay stores; a spooled record passes the one it
-- showed as both).  p_digest NULL (a record spooled before this
-- migration): stored, or found, as before.
CREATE FUNCTION submit(p_version integer, p_idem bytea, p_reference text,
    p_plain jsonb, p_sealed bytea, p_key_id text, p_digest bytea,
    p_correction text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	ref		text;
	first_id	bigint;
	first_digest	bytea;
BEGIN
	-- The token's first post, nearly every call: one statement, and the
	-- version checked in it without a row lock (sql/005).
	INSERT INTO submission (version_id, idem_key, reference, plain, sealed,
	    key_id, answers_digest)
	SELECT v.id, p_idem, p_reference, p_plain, p_sealed, p_key_id, p_digest
	FROM form_version v WHERE v.id = p_version
	ON CONFLICT (idem_key) WHERE corrects IS NULL DO NOTHING
	RETURNING reference INTO ref;
	IF ref IS NOT NULL THEN
		RETURN ref;
	END IF;
	SELECT s.id, s.reference, s.answers_digest
	    INTO first_id, ref, first_digest
	FROM submission s WHERE s.idem_key = p_idem AND s.corrects IS NULL;
	IF first_id IS NULL THEN
		RAISE EXCEPTION 'no form version %', p_version
		    USING ERRCODE = 'foreign_key_violation';
	END IF;
	-- The same answers again, or answers we cannot compare.
	IF p_digest IS NULL OR first_digest IS NULL OR
	    first_digest = p_digest THEN
		RETURN ref;
	END IF;
	IF p_correction IS NULL THEN
		RAISE EXCEPTION 'a correction needs its reference'
		    USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- A correction: a row of its own, or the one these answers made.
	INSERT INTO submission (version_id, idem_key, reference, plain, sealed,
	    key_id, answers_digest, corrects)
	SELECT v.id, p_idem, p_correction, p_plain, p_sealed, p_key_id,
	    p_digest, first_id
	FROM form_version v WHERE v.id = p_version
	ON CONFLICT (idem_key, answers_digest) WHERE corrects IS NOT NULL
	    DO NOTHING
	RETURNING reference INTO ref;
	IF ref IS NULL THEN
		SELECT s.reference INTO ref FROM submission s
		WHERE s.idem_key = p_idem AND s.answers_digest = p_digest
		    AND s.corrects IS NOT NULL;
		IF ref IS NULL THEN
			RAISE EXCEPTION 'no form version %', p_version
			    USING ERRCODE = 'foreign_key_violation';
		END IF;
	END IF;
	RETURN ref;
END
$$;

-- The six-argument submit() of sql/005 inferred ON CONFLICT from the
-- constraint dropped above: it now stores through the new one, as a post
-- whose answers are unknown (a program built before this migration, or
-- bench/bare.c), exactly as it did.
CREATE OR REPLACE FUNCTION submit(p_version integer, p_idem bytea,
    p_reference text, p_plain jsonb, p_sealed bytea, p_key_id text)
RETURNS text
LANGUAGE sql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
	SELECT submit(p_version, p_idem, p_reference, p_plain, p_sealed,
	    p_key_id, NULL::bytea, NULL::text)
$$;

RESET ROLE;

REVOKE ALL ON FUNCTION vawg.submit(integer, bytea, text, jsonb, bytea, text,
    bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vawg.submit(integer, bytea, text, jsonb, bytea,
    text, bytea, text) TO vawg_public;
