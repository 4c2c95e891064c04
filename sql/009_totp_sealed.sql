-- 009: staff TOTP secrets stored sealed, not in clear (issue 13, item 10;
-- docs/THREAT-MODEL.md threat 13).  Migration 003 kept each secret in
-- clear in admin_user.totp_secret, which vawg_admin (and any dump) could
-- read: with it, a guessed password was a whole sign-in.  Now the secret
-- lives in totp_sealed, sealed with a key derived from admin.key
-- (cgi-src/lib/totpseal.c) and bound to the account's name, and the key
-- is never in the database.
--
-- SQL cannot seal what is already there (it has no key), so the clear
-- column stays for the rows that hold one: `vawgctl seal-totp`, which
-- conf/stack.sh runs after migrating, seals each and empties the column.
-- Until then such an account cannot sign in (the admin program reads only
-- totp_sealed).  Every row holds exactly one of the two.
SET ROLE vawg_owner;
SET search_path = vawg;

ALTER TABLE admin_user
	ALTER COLUMN totp_secret DROP NOT NULL,
	-- version(1) | nonce(24) | 16 to 64 secret bytes | tag(16)
	ADD COLUMN totp_sealed bytea
	    CHECK (length(totp_sealed) BETWEEN 57 AND 105),
	ADD CONSTRAINT admin_user_totp_one
	    CHECK (num_nonnulls(totp_secret, totp_sealed) = 1);

RESET ROLE;

-- vawg_admin reads every column but the clear secret.  Column privileges
-- cannot take one column out of a table-wide SELECT, so the table-wide
-- grant goes and each other column is granted by name, taken from the
-- catalogue so that a column another migration added before this one
-- stays readable.  A column added later needs its own GRANT SELECT.
REVOKE SELECT ON vawg.admin_user FROM vawg_admin;
DO $$
DECLARE
	cols text;
BEGIN
	SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
	    INTO cols FROM pg_attribute
	    WHERE attrelid = 'vawg.admin_user'::regclass AND attnum > 0
	    AND NOT attisdropped AND attname <> 'totp_secret';
	EXECUTE format('GRANT SELECT (%s) ON vawg.admin_user TO vawg_admin',
	    cols);
END
$$;
