-- 012: a spooled submission keeps the time of her post (issue 14 item 10).
--
-- A post confirmed while the database was away waits in the spool and is
-- stored by the replayer later; until now its created_at, which starts the
-- retention clock ("We keep your request for 1 year, then delete it"), was
-- the time of the replay.  The spool record now carries the time of the
-- post, and the replay stores it with
--
--   SELECT vawg.received_at(vawg.submit(...), to_timestamp(<post time>))
--
-- vawg.submit() is left as it is, whatever its parameters (another
-- migration may add to them): received_at() takes the reference submit()
-- returned and only moves the rows of that reference which this same
-- transaction inserted.  A row stored before (a replay after a crash, a
-- double click) keeps its time, so a caller cannot move another post's
-- time by naming its key.
--
-- The time is bounded, because the public pool's role can call this and a
-- record in the spool could be forged by whoever holds that account: never
-- later than now, never earlier than the row's form version existed, and
-- never earlier than the form's retention period (365 days for a form that
-- keeps rows for ever) before now.  A record older than the retention
-- period is thus stored at its very edge, and the next purge deletes it,
-- which is what the page promised; a forged time can make a row look at
-- most that much older, never newer than it is.
SET ROLE vawg_owner;
SET search_path = vawg;

CREATE FUNCTION received_at(p_ref text, p_received timestamptz)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
BEGIN
	IF p_received IS NOT NULL THEN
		UPDATE submission s SET created_at = greatest(
		    least(p_received, s.created_at), v.created_at,
		    now() - coalesce(f.retention_days, 365) * interval '1 day')
		FROM form_version v JOIN form f ON f.id = v.form_id
		WHERE s.reference = p_ref AND v.id = s.version_id
		    AND s.xmin = pg_current_xact_id()::xid;
	END IF;
	RETURN p_ref;
END
$$;

RESET ROLE;

REVOKE ALL ON FUNCTION vawg.received_at(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vawg.received_at(text, timestamptz) TO vawg_public;
