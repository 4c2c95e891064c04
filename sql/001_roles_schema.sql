-- 001: roles, schema and tables.
--
-- Three roles, least privilege first (docs/THREAT-MODEL.md threat 1):
--   vawg_owner   owns every object; nobody logs in as it in production.
--   vawg_public  the internet-facing pool: reads form definitions and may call
--                vawg.submit(); it cannot SELECT, UPDATE or DELETE a submission.
--   vawg_admin   the admin pool (issue 3): reads submissions, appends to the audit log.
-- Roles are cluster-wide, so they are created only if missing.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vawg_owner') THEN
		CREATE ROLE vawg_owner NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vawg_public') THEN
		CREATE ROLE vawg_public LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vawg_admin') THEN
		CREATE ROLE vawg_admin LOGIN;
	END IF;
END
$$;

CREATE SCHEMA vawg AUTHORIZATION vawg_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SET ROLE vawg_owner;
SET search_path = vawg;

-- A form is what a route serves: /consultation, /referral.  Its wording lives
-- here and in its versions' fields, never in C.
CREATE TABLE form (
	id		serial PRIMARY KEY,
	name		text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9-]{0,31}$'),
	title		text NOT NULL,	-- the page's <h1> and <title>; neutral wording
	summary		text NOT NULL,	-- one line for the home page
	intro		text NOT NULL DEFAULT '',	-- paragraphs, separated by blank lines
	privacy		text NOT NULL DEFAULT '',	-- privacy notice shown above the button
	submit_label	text NOT NULL DEFAULT 'Send',
	confirmation	text NOT NULL DEFAULT '',	-- what happens next; paragraphs
	-- A discreet form (the referral) gets the quick-exit banner wording and
	-- never names its subject in the page title.
	discreet	boolean NOT NULL DEFAULT false,
	opens_at	timestamptz NOT NULL DEFAULT '-infinity',
	closes_at	timestamptz NOT NULL DEFAULT 'infinity',
	retention_days	integer CHECK (retention_days > 0)
);

-- Changing a question makes a new version; a submission records the version it
-- answered, so an export labels answers with the questions as asked.
CREATE TABLE form_version (
	id		serial PRIMARY KEY,
	form_id		integer NOT NULL REFERENCES form(id),
	version		integer NOT NULL CHECK (version > 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (form_id, version)
);

CREATE TABLE form_field (
	version_id	integer NOT NULL REFERENCES form_version(id),
	position	integer NOT NULL,
	name		text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
	kind		text NOT NULL CHECK (kind IN ('text', 'textarea', 'email',
			    'tel', 'radio', 'checkboxes', 'select', 'date')),
	section		text NOT NULL DEFAULT '',	-- a heading shown when it changes
	label		text NOT NULL,
	hint		text NOT NULL DEFAULT '',
	required	boolean NOT NULL DEFAULT false,
	max_length	integer NOT NULL DEFAULT 200 CHECK (max_length BETWEEN 1 AND 20000),
	sensitive	boolean NOT NULL,
	PRIMARY KEY (version_id, name),
	UNIQUE (version_id, position),
	-- Free text can hold a disclosure: it is always sealed.
	CHECK (sensitive OR kind IN ('radio', 'checkboxes', 'select'))
);

CREATE TABLE form_option (
	version_id	integer NOT NULL,
	field_name	text NOT NULL,
	position	integer NOT NULL,
	value		text NOT NULL CHECK (value ~ '^[a-z0-9][a-z0-9_-]{0,47}$'),
	label		text NOT NULL,
	hint		text NOT NULL DEFAULT '',
	-- Shown beside the option as soon as it is chosen (CSS, no script) and again
	-- on the confirmation page: the 24-hour help after a recent assault, the
	-- safeguarding note for under-18s.
	notice		text NOT NULL DEFAULT '',
	PRIMARY KEY (version_id, field_name, value),
	UNIQUE (version_id, field_name, position),
	FOREIGN KEY (version_id, field_name) REFERENCES form_field(version_id, name)
);

-- One row per confirmed response.  The sensitive answers are one sealed
-- envelope (cgi-src/seal.c); the plain answers are JSON for counting in SQL.
CREATE TABLE submission (
	id		bigserial PRIMARY KEY,
	version_id	integer NOT NULL REFERENCES form_version(id),
	idem_key	bytea NOT NULL UNIQUE CHECK (length(idem_key) = 16),
	-- Derived from idem_key, so a retry or a spool replay shows the same one.
	-- Not unique: 40 bits make a clash rare but possible at a million rows,
	-- and staff always see it beside the time.
	reference	text NOT NULL CHECK (reference ~ '^[A-Z2-9]{4}-[A-Z2-9]{4}$'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	plain		jsonb NOT NULL,
	sealed		bytea NOT NULL,
	key_id		text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$')
);
CREATE INDEX submission_reference ON submission(reference);
CREATE INDEX submission_version_created ON submission(version_id, created_at);

-- The current version of each form: the highest number.
CREATE VIEW form_current AS
	SELECT DISTINCT ON (f.id) f.id AS form_id, v.id AS version_id, v.version
	FROM form f JOIN form_version v ON v.form_id = f.id
	ORDER BY f.id, v.version DESC;

-- The only way the public pool writes.  SECURITY DEFINER because ON CONFLICT
-- and the duplicate look-up need SELECT, which vawg_public must not have; the
-- fixed search_path stops a caller from planting look-alike objects.
-- Returns the reference stored for this idempotency key: the new one, or the
-- one stored by an earlier post of the same token.
CREATE FUNCTION submit(p_version integer, p_idem bytea, p_reference text,
    p_plain jsonb, p_sealed bytea, p_key_id text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	ref text;
BEGIN
	INSERT INTO submission (version_id, idem_key, reference, plain, sealed, key_id)
	VALUES (p_version, p_idem, p_reference, p_plain, p_sealed, p_key_id)
	ON CONFLICT (idem_key) DO NOTHING
	RETURNING reference INTO ref;
	IF ref IS NULL THEN
		SELECT s.reference INTO ref FROM submission s WHERE s.idem_key = p_idem;
	END IF;
	RETURN ref;
END
$$;

RESET ROLE;

REVOKE ALL ON ALL TABLES IN SCHEMA vawg FROM PUBLIC;
REVOKE ALL ON FUNCTION vawg.submit(integer, bytea, text, jsonb, bytea, text) FROM PUBLIC;
GRANT USAGE ON SCHEMA vawg TO vawg_public, vawg_admin;
GRANT SELECT ON vawg.form, vawg.form_version, vawg.form_field, vawg.form_option,
    vawg.form_current TO vawg_public, vawg_admin;
GRANT EXECUTE ON FUNCTION vawg.submit(integer, bytea, text, jsonb, bytea, text) TO vawg_public;
GRANT SELECT ON vawg.submission TO vawg_admin;
