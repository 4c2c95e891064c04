-- 008: the sign-in lock is keyed on an account and a client address
-- together (issue 13 item 7; docs/THREAT-MODEL.md threat 13), and each try
-- is counted, atomically, before the password is verified.
--
-- Until now failures were counted per account from any address, and the
-- lock was checked before the password: one wrong try every quarter hour
-- from anywhere kept an administrator out for ever.  Now the rows are
-- 'account_address' (a keyed hash of both, made by cgi-src/admin/admin.c)
-- and 'addr' (the address alone, which stops one address trying many
-- accounts).  Per-account rows are no longer read or written: they only
-- counted throttle state, so dropping them loses nothing a person made.
SET ROLE vawg_owner;
SET search_path = vawg;

DELETE FROM login_throttle WHERE kind = 'user';
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_kind_check,
    ADD CONSTRAINT login_throttle_kind_check
    CHECK (kind IN ('account_address', 'addr'));

-- One try at signing in (or at the password before an export), counted
-- before it is verified.  Returns 0 if it may go ahead, which has already
-- counted it against both rows, or the seconds still to wait if either
-- row is locked, counting nothing.  Both rows are locked (in one order,
-- so two callers cannot deadlock) before either is read, so N parallel
-- tries get no more than the rule allows.  The rule: after an hour with no
-- try the count starts again at 1; from p_free tries within the hour, each
-- try locks the pair of rows for 4 s doubling per further try, up to
-- p_max_wait seconds; the lock is computed from the new count.  A try that
-- then succeeds gives its count back (vawg.login_passed).
-- SECURITY INVOKER: the caller's own grants on login_throttle apply.
CREATE FUNCTION login_try(p_pair bytea, p_addr bytea, p_free integer,
    p_max_wait integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	wait bigint;
	held integer;
BEGIN
	-- Again if a row went between the two (login_passed deletes them).
	LOOP
		INSERT INTO login_throttle (kind, key_hash, failures)
		VALUES ('account_address', p_pair, 0), ('addr', p_addr, 0)
		ON CONFLICT (kind, key_hash) DO NOTHING;
		PERFORM 1 FROM login_throttle
		WHERE (kind, key_hash) IN (('account_address', p_pair),
		    ('addr', p_addr))
		ORDER BY kind FOR UPDATE;
		GET DIAGNOSTICS held = ROW_COUNT;
		EXIT WHEN held = 2;
	END LOOP;
	SELECT coalesce(max(ceil(extract(epoch FROM locked_until - now()))),
	    0)::bigint INTO wait
	FROM login_throttle
	WHERE (kind, key_hash) IN (('account_address', p_pair),
	    ('addr', p_addr)) AND locked_until > now();
	IF wait > 0 THEN
		-- A row made just now for a refused try holds nothing.
		DELETE FROM login_throttle
		WHERE (kind, key_hash) IN (('account_address', p_pair),
		    ('addr', p_addr)) AND failures = 0;
		RETURN wait;
	END IF;
	UPDATE login_throttle SET failures = CASE WHEN last_failure_at <
	    now() - interval '1 hour' THEN 1 ELSE failures + 1 END,
	    last_failure_at = now()
	WHERE (kind, key_hash) IN (('account_address', p_pair),
	    ('addr', p_addr));
	UPDATE login_throttle SET locked_until = CASE WHEN failures >= p_free
	    THEN now() + least(p_max_wait, 4 * 2 ^ least(20,
	    failures - p_free)) * interval '1 second' ELSE '-infinity' END
	WHERE (kind, key_hash) IN (('account_address', p_pair),
	    ('addr', p_addr));
	RETURN 0;
END
$$;

-- A try that login_try let through succeeded: its own account and
-- address row is cleared (another address's rows are not touched), and the
-- address row gets back the one try counted in advance, its lock computed
-- again from the count without it (and the row deleted if that leaves
-- nothing).  The address row is not cleared: its count may hold failures
-- at other accounts.
CREATE FUNCTION login_passed(p_pair bytea, p_addr bytea, p_free integer,
    p_max_wait integer)
RETURNS void
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = vawg, pg_temp
AS $$
BEGIN
	DELETE FROM login_throttle
	WHERE kind = 'account_address' AND key_hash = p_pair;
	UPDATE login_throttle SET failures = greatest(failures - 1, 0),
	    locked_until = CASE WHEN failures - 1 >= p_free THEN
	    last_failure_at + least(p_max_wait, 4 * 2 ^ least(20,
	    failures - 1 - p_free)) * interval '1 second' ELSE '-infinity' END
	WHERE kind = 'addr' AND key_hash = p_addr;
	-- An address with nothing against it keeps no row: the table is no
	-- list of the addresses staff sign in from.
	DELETE FROM login_throttle
	WHERE kind = 'addr' AND key_hash = p_addr AND failures = 0;
END
$$;

RESET ROLE;

REVOKE ALL ON FUNCTION vawg.login_try(bytea, bytea, integer, integer),
    vawg.login_passed(bytea, bytea, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vawg.login_try(bytea, bytea, integer, integer),
    vawg.login_passed(bytea, bytea, integer, integer) TO vawg_admin;
