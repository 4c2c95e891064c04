-- 003: administrators, their sessions, login throttling and the audit log.
--
-- The admin pool connects as vawg_admin.  It reads submissions and form
-- definitions, manages sessions and throttling, and appends to the audit
-- log, which nobody can change afterwards: the role has no UPDATE or DELETE
-- on it, and a trigger refuses both even to the owner (docs/THREAT-MODEL.md 13, 18).
SET ROLE vawg_owner;
SET search_path = vawg;

CREATE TABLE admin_user (
	id		serial PRIMARY KEY,
	username	text NOT NULL UNIQUE CHECK (username ~ '^[a-z][a-z0-9_.-]{1,31}$'),
	pwhash		text NOT NULL,		-- crypto_pwhash_str (Argon2id)
	totp_secret	bytea NOT NULL CHECK (length(totp_secret) >= 16),
	-- The last TOTP time step used, so a code cannot be replayed.
	totp_last_step	bigint NOT NULL DEFAULT 0,
	disabled	boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_login_at	timestamptz
);

-- Sessions are stored by the BLAKE2b hash of the cookie's token, so a copy
-- of this table does not let anyone sign in.
CREATE TABLE admin_session (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	admin_id	integer NOT NULL REFERENCES admin_user(id) ON DELETE CASCADE,
	csrf		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	-- When the password was last typed: exports ask again after a while.
	authed_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_session_admin ON admin_session(admin_id);

-- Failed sign-ins per account and per client address.  Addresses are kept
-- only as a keyed hash, never in the clear.
CREATE TABLE login_throttle (
	kind		text NOT NULL CHECK (kind IN ('user', 'addr')),
	key_hash	bytea NOT NULL,
	failures	integer NOT NULL DEFAULT 0,
	locked_until	timestamptz NOT NULL DEFAULT '-infinity',
	last_failure_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (kind, key_hash)
);

CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor		text NOT NULL,		-- an admin's username, or 'vawgctl'
	action		text NOT NULL CHECK (action IN ('login', 'logout',
			    'export', 'purge', 'key-rotate', 'admin-add',
			    'admin-disable')),
	form_name	text,
	range_from	date,
	range_to	date,
	row_count	bigint,
	detail		text NOT NULL DEFAULT ''	-- never contents
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
	BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

RESET ROLE;

REVOKE ALL ON vawg.admin_user, vawg.admin_session, vawg.login_throttle,
    vawg.audit_log FROM PUBLIC;
GRANT SELECT ON vawg.admin_user TO vawg_admin;
GRANT UPDATE (pwhash, totp_last_step, last_login_at) ON vawg.admin_user
    TO vawg_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON vawg.admin_session, vawg.login_throttle
    TO vawg_admin;
GRANT SELECT, INSERT ON vawg.audit_log TO vawg_admin;
GRANT USAGE ON SEQUENCE vawg.audit_log_id_seq TO vawg_admin;
