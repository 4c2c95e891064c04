-- 014: staff roles (issue 15; docs/THREAT-MODEL.md threat 13).  Each
-- account is a caseworker (works referrals), an analyst (counts and the
-- consultation export) or an admin (accounts, keys, both exports,
-- everything).  The admin program reads the role with the session at
-- every request (cgi-src/lib/store_session.c) and its route table
-- (cgi-src/admin/route.c) decides from it; vawg_admin can read the
-- column but not change it: only vawgctl, as the owner, sets a role.
SET ROLE vawg_owner;
SET search_path = vawg;

-- Every account there already could do everything, so each becomes an
-- admin: the default fills the rows, then goes, so that an account made
-- later must be given its role by name and none is an admin by omission.
ALTER TABLE admin_user
	ADD COLUMN role text NOT NULL DEFAULT 'admin'
	    CONSTRAINT admin_user_role CHECK (role IN ('caseworker',
	    'analyst', 'admin'));
ALTER TABLE admin_user ALTER COLUMN role DROP DEFAULT;

-- A role changed by vawgctl set-role is an audit row of its own.  The
-- list of actions is taken from the constraint as it stands, so an
-- action another migration added before this one stays allowed.
DO $$
DECLARE
	actions text;
BEGIN
	SELECT string_agg(quote_literal(m[1]), ', ') INTO actions
	    FROM pg_constraint c,
	    regexp_matches(pg_get_constraintdef(c.oid), '''([a-z-]+)''', 'g')
	    AS m
	    WHERE c.conrelid = 'vawg.audit_log'::regclass
	    AND c.conname = 'audit_log_action_check';
	IF actions IS NULL OR actions !~ '''login''' THEN
		RAISE EXCEPTION 'audit_log_action_check not as expected';
	END IF;
	EXECUTE 'ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check';
	EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT '
	    'audit_log_action_check CHECK (action IN (%s, %L))', actions,
	    'admin-role');
END
$$;

RESET ROLE;

-- Migration 009 grants vawg_admin the columns of admin_user by name; a
-- column added since needs its own grant.  Reading it is all: it has no
-- UPDATE on it (003 grants UPDATE on three other columns only).
GRANT SELECT (role) ON vawg.admin_user TO vawg_admin;
