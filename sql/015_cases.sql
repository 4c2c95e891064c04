-- 015: case work on referrals (issue 15): a case row per referral, an
-- append-only event table, the access log, the clock every deadline is
-- read from, and the functions that are the admin role's only way to
-- change a case.
--
-- What is stored in clear, and why (docs/THREAT-MODEL.md, "the case
-- tables"): a case's status, its close reason, who holds it, its due and
-- "try again at" times, the urgent flag, a contact attempt's method and
-- outcome (never a number or an address), and a risk assessment's DASH
-- "yes" count, its level and the Marac criteria that applied.  The count
-- and the level are in clear because the database itself enforces "14 or
-- more is visible high risk, and no worker lowers it below the count",
-- and because the queue must show a high-risk referral first with no key
-- in the admin program (sealed mode).  They say how much danger she is in,
-- not what happened: which questions were answered yes, the worker's
-- reason for raising the level and every case note are sealed to the
-- service key like her answers (the program seals them; bytea here).
--
-- Who may do what.  vawg_admin reads the three tables and changes them
-- only through the SECURITY DEFINER functions below (owned by the owner,
-- search_path fixed), each of which locks the case row, checks the actor,
-- her role, the case's version and the transition, and appends its event
-- in the same transaction.  It has no INSERT, UPDATE or DELETE on any of
-- them; only the owner may change an event or an access row (the purge of
-- closed-and-expired cases, which comes later, will need to).
--
-- Refusals raise these SQLSTATEs (class 23, so cgi-src/lib/store.c counts
-- them as "refused for these values", never "down"):
--   23V01  the case changed since the version the caller read (409
--          "changed by NAME at TIME": case_file.changed_by, changed_at)
--   23V02  not allowed in the case's status (a transition, or an action
--          on a closed case) (409)
--   23V03  no such case, or no such enabled account to assign to (404)
--   23V04  a rule on the values: a close reason that does not fit, a
--          message left where she did not allow one, a DASH level below
--          its count, a raised level with no reason, a time out of range
--   23V05  the actor may not: unknown, disabled, or a role that does not
--          work cases (analyst), or a reopen by someone not admin (403)
--
-- Safe on a database that holds data: new tables only, a case made for
-- each referral already stored (status new, due from its arrival, so an
-- old one shows as overdue, which it is), triggers added.
SET ROLE vawg_owner;
SET search_path = vawg;

-- ---------------------------------------------------------------------------
-- The clock: vawg.now() is every case function's time.  The owner may fix
-- it (UPDATE vawg.clock SET fixed = ...), which only tests do; NULL is the
-- real time.  Unqualified now() still means pg_catalog.now(): pg_catalog
-- comes first in every search_path, so existing code is unchanged.
-- ---------------------------------------------------------------------------

CREATE TABLE clock (
	one	boolean PRIMARY KEY DEFAULT true CHECK (one),
	fixed	timestamptz
);
INSERT INTO clock (one, fixed) VALUES (true, NULL);

CREATE FUNCTION now() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
	SELECT coalesce((SELECT c.fixed FROM vawg.clock c), pg_catalog.now())
$$;

-- ---------------------------------------------------------------------------
-- Working days: Monday to Friday in Europe/London, but the bank holidays
-- of England and Wales, which the operator keeps (a vawgctl command to load
-- them from a file comes later).  Seeded with what GOV.UK published for
-- 2025 to 2027.
-- ---------------------------------------------------------------------------

CREATE TABLE bank_holiday (
	day	date PRIMARY KEY,
	name	text NOT NULL DEFAULT ''
);
INSERT INTO bank_holiday (day, name) VALUES
	('2025-01-01', 'New Year''s Day'), ('2025-04-18', 'Good Friday'),
	('2025-04-21', 'Easter Monday'), ('2025-05-05', 'Early May bank holiday'),
	('2025-05-26', 'Spring bank holiday'), ('2025-08-25', 'Summer bank holiday'),
	('2025-12-25', 'Christmas Day'), ('2025-12-26', 'Boxing Day'),
	('2026-01-01', 'New Year''s Day'), ('2026-04-03', 'Good Friday'),
	('2026-04-06', 'Easter Monday'), ('2026-05-04', 'Early May bank holiday'),
	('2026-05-25', 'Spring bank holiday'), ('2026-08-31', 'Summer bank holiday'),
	('2026-12-25', 'Christmas Day'), ('2026-12-28', 'Boxing Day (substitute day)'),
	('2027-01-01', 'New Year''s Day'), ('2027-03-26', 'Good Friday'),
	('2027-03-29', 'Easter Monday'), ('2027-05-03', 'Early May bank holiday'),
	('2027-05-31', 'Spring bank holiday'), ('2027-08-30', 'Summer bank holiday'),
	('2027-12-27', 'Christmas Day (substitute day)'),
	('2027-12-28', 'Boxing Day (substitute day)');

-- The same London clock time, p_days working days after the London day
-- p_from falls on (a Saturday's post counts from Monday as day one).
-- Local time is kept across a clock change: Friday 10:00 BST plus two is
-- Tuesday 10:00 GMT, 49 hours later.  No working day is a Sunday, so the
-- result never falls in the hour a change skips.
CREATE FUNCTION add_working_days(p_from timestamptz, p_days integer)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = vawg, pg_temp
AS $$
DECLARE
	loc	timestamp := p_from AT TIME ZONE 'Europe/London';
	d	date := (p_from AT TIME ZONE 'Europe/London')::date;
	todo	integer := p_days;
BEGIN
	IF p_days IS NULL OR p_days < 0 OR p_days > 60 THEN
		RAISE EXCEPTION 'working days out of range: %', p_days
		    USING ERRCODE = '23V04';
	END IF;
	WHILE todo > 0 LOOP
		d := d + 1;
		IF extract(isodow FROM d) < 6 AND NOT EXISTS (
		    SELECT 1 FROM bank_holiday h WHERE h.day = d) THEN
			todo := todo - 1;
		END IF;
		-- A table that holds every day would loop for ever.
		IF d > (loc::date + 400) THEN
			RAISE EXCEPTION 'no working day within 400 days'
			    USING ERRCODE = '23V04';
		END IF;
	END LOOP;
	RETURN (d + loc::time) AT TIME ZONE 'Europe/London';
END
$$;

-- ---------------------------------------------------------------------------
-- Which forms make cases, and their contact deadlines.
-- ---------------------------------------------------------------------------

CREATE TABLE case_form (
	form_id		integer PRIMARY KEY REFERENCES form(id),
	-- Elapsed time, not calendar time: 24 hours is 24 hours across a
	-- clock change.
	urgent_within	interval NOT NULL DEFAULT '24 hours'
	    CHECK (urgent_within > '0'::interval),
	working_days	integer NOT NULL DEFAULT 2
	    CHECK (working_days BETWEEN 1 AND 60)
);
INSERT INTO case_form (form_id) SELECT id FROM form WHERE name = 'referral';

CREATE FUNCTION case_due(p_form integer, p_arrived timestamptz,
    p_urgent boolean)
RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = vawg, pg_temp
AS $$
	SELECT CASE WHEN p_urgent THEN p_arrived + f.urgent_within
	    ELSE add_working_days(p_arrived, f.working_days) END
	FROM case_form f WHERE f.form_id = p_form
$$;

-- The plain signal for "urgent" at arrival: what happened was in the last
-- 7 days (the referral's when_happened, plain in version 1), or a plain
-- boolean "urgent" a later form version may carry instead if that answer
-- is sealed (issue 14 item 11).  Neither present: false; a worker marks it.
CREATE FUNCTION case_urgent_signal(p_plain jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = vawg, pg_temp
AS $$
	SELECT coalesce(p_plain ->> 'when_happened' = 'last-7-days', false)
	    OR coalesce(p_plain -> 'urgent' = 'true'::jsonb, false)
$$;

-- ---------------------------------------------------------------------------
-- The tables
-- ---------------------------------------------------------------------------

-- One per referral: its id is the id of the submission that made it (a
-- correction, a later row with `corrects`, joins its first row's case).
-- Not a foreign key, like submission.corrects (sql/010): the retention
-- purge deletes submissions and the case's history must outlive them.
CREATE TABLE case_file (
	id		bigint PRIMARY KEY,
	form_id		integer NOT NULL REFERENCES form(id),
	reference	text NOT NULL,
	arrived_at	timestamptz NOT NULL,
	status		text NOT NULL DEFAULT 'new' CHECK (status IN ('new',
			    'opened', 'in_progress', 'contacted', 'closed')),
	close_reason	text CHECK (close_reason IN ('supported',
			    'referred_on', 'unreachable', 'declined',
			    'duplicate')),
	assignee	integer REFERENCES admin_user(id),
	-- Who held it before it was unassigned (or her account disabled):
	-- the queue shows an unassigned case with this name.
	last_holder	integer REFERENCES admin_user(id),
	due_at		timestamptz NOT NULL,	-- contact due
	remind_at	timestamptz,		-- "try again at"
	urgent		boolean NOT NULL DEFAULT false,
	risk_level	text CHECK (risk_level IN ('standard', 'medium', 'high')),
	version		integer NOT NULL DEFAULT 1,
	-- Who made the current version, and when (NULL: the service itself,
	-- at arrival, a correction, or an account disabled).
	changed_by	integer REFERENCES admin_user(id),
	changed_at	timestamptz NOT NULL,
	last_kind	text NOT NULL DEFAULT 'arrived',
	first_opened_at	timestamptz,
	first_contact_at timestamptz,
	closed_at	timestamptz,
	CHECK ((status = 'closed') = (close_reason IS NOT NULL)),
	CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The queue's order: open cases by due time (so overdue first), then the
-- contacted and closed ones.
CREATE INDEX case_file_queue ON case_file
	((status IN ('contacted', 'closed')), due_at, id);
CREATE INDEX case_file_reference ON case_file (reference);
CREATE INDEX case_file_assignee ON case_file (assignee)
	WHERE assignee IS NOT NULL;

CREATE TABLE case_event (
	id		bigserial PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES case_file(id),
	at		timestamptz NOT NULL,
	actor		integer REFERENCES admin_user(id),	-- NULL: the service
	kind		text NOT NULL CHECK (kind IN ('arrived', 'correction',
			    'assign', 'unassign', 'status', 'contact', 'urgent',
			    'note', 'risk')),
	-- status
	from_status	text,
	to_status	text,
	close_reason	text,
	-- assign: to whom; unassign: from whom
	account		integer REFERENCES admin_user(id),
	-- correction: the submission it stored
	submission_id	bigint,
	-- contact
	contact_at	timestamptz,
	method		text CHECK (method IN ('phone', 'text', 'email', 'other')),
	outcome		text CHECK (outcome IN ('spoke', 'no_answer',
			    'someone_else', 'not_safe', 'message_left')),
	next_try_at	timestamptz,
	-- note and risk: sealed to the service key (the note, or the risk
	-- checklist's answers); risk: its reason for a raised level, sealed
	sealed		bytea CHECK (length(sealed) BETWEEN 1 AND 1048576),
	reason_sealed	bytea CHECK (length(reason_sealed) BETWEEN 1 AND 65536),
	dash_yes	smallint CHECK (dash_yes BETWEEN 0 AND 24),
	risk_level	text CHECK (risk_level IN ('standard', 'medium', 'high')),
	marac		text[] CHECK (marac <@ ARRAY['visible_high_risk',
			    'professional_judgement', 'potential_escalation',
			    'repeat_referral']),
	CHECK (kind <> 'status' OR to_status IS NOT NULL),
	CHECK (kind <> 'contact' OR (contact_at IS NOT NULL AND
	    method IS NOT NULL AND outcome IS NOT NULL)),
	CHECK (kind <> 'note' OR sealed IS NOT NULL),
	CHECK (kind <> 'risk' OR (sealed IS NOT NULL AND dash_yes IS NOT NULL
	    AND risk_level IS NOT NULL AND marac IS NOT NULL))
);
CREATE INDEX case_event_case ON case_event (case_id, id);

CREATE TABLE case_access (
	id		bigserial PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES case_file(id),
	account_id	integer NOT NULL REFERENCES admin_user(id),
	at		timestamptz NOT NULL
);
CREATE INDEX case_access_case ON case_access (case_id, account_id);

-- ---------------------------------------------------------------------------
-- Arrival: a trigger on the submission table (not in vawg.submit(), which
-- other migrations replace), so every way a row is stored makes its case:
-- a post, a spool replay, a correction.  It runs as the owner of the
-- function that inserts (vawg.submit() is SECURITY DEFINER), not as
-- vawg_public, which has no grant on these tables.
-- ---------------------------------------------------------------------------

-- Built here from the catalogue: `corrects` exists only once sql/010 ran
-- (before this file, in order).  A migration that adds it later must
-- recreate this function.
DO $do$
DECLARE
	corr text := 'NULL::bigint';
BEGIN
	IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid =
	    'vawg.submission'::regclass AND attname = 'corrects' AND
	    NOT attisdropped) THEN
		corr := 'NEW.corrects';
	END IF;
	EXECUTE format($f$
CREATE FUNCTION case_arrive() RETURNS trigger
LANGUAGE plpgsql
SET search_path = vawg, pg_temp
AS $$
DECLARE
	f	integer;
	first	bigint := %s;
	t	timestamptz := vawg.now();
	u	boolean := case_urgent_signal(NEW.plain);
BEGIN
	SELECT c.form_id INTO f FROM form_version v
	    JOIN case_form c ON c.form_id = v.form_id WHERE v.id = NEW.version_id;
	IF f IS NULL THEN
		RETURN NULL;
	END IF;
	IF first IS NOT NULL THEN
		-- Her correction: the case she corrected changes version, so a
		-- worker acting on the page she read is told to reload.
		UPDATE case_file SET version = version + 1, changed_by = NULL,
		    changed_at = t, last_kind = 'correction',
		    urgent = urgent OR u,
		    due_at = CASE WHEN u AND NOT urgent THEN
			least(due_at, case_due(form_id, arrived_at, true))
			ELSE due_at END
		WHERE id = first;
		IF FOUND THEN
			INSERT INTO case_event (case_id, at, kind, submission_id)
			VALUES (first, t, 'correction', NEW.id);
		END IF;
		RETURN NULL;
	END IF;
	INSERT INTO case_file (id, form_id, reference, arrived_at, due_at,
	    urgent, changed_at)
	VALUES (NEW.id, f, NEW.reference, NEW.created_at,
	    case_due(f, NEW.created_at, u), u, t);
	RETURN NULL;
END
$$ $f$, corr);
END
$do$;

CREATE TRIGGER case_arrive AFTER INSERT ON submission
	FOR EACH ROW EXECUTE FUNCTION case_arrive();

-- A spooled post is stored with the time she sent it (sql/012 moves
-- created_at just after the insert): its case follows, while untouched.
CREATE FUNCTION case_arrived_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = vawg, pg_temp
AS $$
BEGIN
	UPDATE case_file SET arrived_at = NEW.created_at,
	    due_at = case_due(form_id, NEW.created_at, urgent)
	WHERE id = NEW.id AND version = 1;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_arrived_at AFTER UPDATE OF created_at ON submission
	FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
	EXECUTE FUNCTION case_arrived_at();

-- The referrals stored before this migration.
DO $do$
DECLARE
	firsts text := '';
BEGIN
	IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid =
	    'vawg.submission'::regclass AND attname = 'corrects' AND
	    NOT attisdropped) THEN
		firsts := 'AND s.corrects IS NULL';
	END IF;
	EXECUTE format($q$
	INSERT INTO case_file (id, form_id, reference, arrived_at, due_at,
	    urgent, changed_at)
	SELECT s.id, c.form_id, s.reference, s.created_at,
	    case_due(c.form_id, s.created_at, case_urgent_signal(s.plain)),
	    case_urgent_signal(s.plain), vawg.now()
	FROM submission s JOIN form_version v ON v.id = s.version_id
	JOIN case_form c ON c.form_id = v.form_id
	WHERE true %s
	ON CONFLICT (id) DO NOTHING $q$, firsts);
END
$do$;

-- A disabled account leaves no case orphaned: each it held becomes
-- unassigned, with her as the last holder, and says so in its events.
CREATE FUNCTION case_release() RETURNS trigger
LANGUAGE plpgsql
SET search_path = vawg, pg_temp
AS $$
DECLARE
	t	timestamptz := vawg.now();
BEGIN
	WITH r AS (UPDATE case_file SET assignee = NULL, last_holder = NEW.id,
	    version = version + 1, changed_by = NULL, changed_at = t,
	    last_kind = 'unassign'
	    WHERE assignee = NEW.id RETURNING id)
	INSERT INTO case_event (case_id, at, kind, account)
	SELECT id, t, 'unassign', NEW.id FROM r;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_release AFTER UPDATE OF disabled ON admin_user
	FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled)
	EXECUTE FUNCTION case_release();

-- ---------------------------------------------------------------------------
-- Helpers of the functions below (no grant: they run as the owner inside
-- the SECURITY DEFINER functions that call them).
-- ---------------------------------------------------------------------------

-- The actor's role: 'caseworker' or 'admin', else 23V05.  The role column
-- comes with sql/014; read through to_jsonb so this works before it too.
-- TODO(sql/014): until admin_user has `role`, every account is admin.
CREATE FUNCTION case_actor_role(p_actor integer) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = vawg, pg_temp
AS $$
DECLARE
	r	text;
	off	boolean;
BEGIN
	SELECT coalesce(to_jsonb(u) ->> 'role', 'admin'), u.disabled
	    INTO r, off FROM admin_user u WHERE u.id = p_actor;
	IF NOT FOUND OR off OR r NOT IN ('caseworker', 'admin') THEN
		RAISE EXCEPTION 'account % may not work cases', p_actor
		    USING ERRCODE = '23V05';
	END IF;
	RETURN r;
END
$$;

-- The case, locked for the change, after the actor is checked; a version
-- other than the one given (NULL: none checked) is 23V01.
CREATE FUNCTION case_lock(p_case bigint, p_actor integer, p_version integer)
RETURNS case_file
LANGUAGE plpgsql
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file;
BEGIN
	PERFORM case_actor_role(p_actor);
	SELECT * INTO c FROM case_file WHERE id = p_case FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no case %', p_case USING ERRCODE = '23V03';
	END IF;
	IF p_version IS NOT NULL AND c.version <> p_version THEN
		RAISE EXCEPTION 'case % is at version %, not %', p_case,
		    c.version, p_version USING ERRCODE = '23V01';
	END IF;
	RETURN c;
END
$$;

-- The case's new version, made by p_actor now, after an action of kind.
CREATE FUNCTION case_bump(p_case bigint, p_actor integer, p_kind text)
RETURNS integer
LANGUAGE sql
SET search_path = vawg, pg_temp
AS $$
	UPDATE case_file SET version = version + 1, changed_by = p_actor,
	    changed_at = vawg.now(), last_kind = p_kind
	WHERE id = p_case RETURNING version
$$;

CREATE FUNCTION case_status_event(p_case bigint, p_actor integer,
    p_from text, p_to text, p_reason text)
RETURNS void
LANGUAGE sql
SET search_path = vawg, pg_temp
AS $$
	INSERT INTO case_event (case_id, at, actor, kind, from_status,
	    to_status, close_reason)
	VALUES (p_case, vawg.now(), p_actor, 'status', p_from, p_to, p_reason)
$$;

-- ---------------------------------------------------------------------------
-- DASH: the level a risk checklist gives.  14 or more "yes" is visible high
-- risk; a worker may raise the level on professional judgement (the caller
-- checks a reason is given) but never set it below what the count gives.
-- The count gives 'high' from 14, else 'standard' ('medium' exists only
-- as a judgement).  p_judged NULL: the count's level.
-- ---------------------------------------------------------------------------

CREATE FUNCTION dash_level(p_yes integer, p_judged text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = vawg, pg_temp
AS $$
DECLARE
	levels	text[] := ARRAY['standard', 'medium', 'high'];
	floor	text;
BEGIN
	IF p_yes IS NULL OR p_yes NOT BETWEEN 0 AND 24 THEN
		RAISE EXCEPTION 'a DASH count is 0 to 24, not %', p_yes
		    USING ERRCODE = '23V04';
	END IF;
	floor := CASE WHEN p_yes >= 14 THEN 'high' ELSE 'standard' END;
	IF p_judged IS NULL THEN
		RETURN floor;
	END IF;
	IF array_position(levels, p_judged) IS NULL THEN
		RAISE EXCEPTION 'no DASH level %', p_judged
		    USING ERRCODE = '23V04';
	END IF;
	IF array_position(levels, p_judged) < array_position(levels, floor) THEN
		RAISE EXCEPTION 'a level below what % yes answers give', p_yes
		    USING ERRCODE = '23V04';
	END IF;
	RETURN p_judged;
END
$$;

-- ---------------------------------------------------------------------------
-- The admin role's functions.  Each returns the case's version after it.
-- ---------------------------------------------------------------------------

-- A worker opens the case: an access row always; the first opening moves
-- it from new to opened.  No version: reading is never stale.  The caller
-- reads her answers in the same statement (cgi-src/lib/store_case.c), so
-- no answer leaves the database unless this row was written.
CREATE FUNCTION case_open(p_case bigint, p_actor integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, NULL);
BEGIN
	INSERT INTO case_access (case_id, account_id, at)
	VALUES (p_case, p_actor, vawg.now());
	IF c.status <> 'new' THEN
		RETURN c.version;
	END IF;
	UPDATE case_file SET status = 'opened', first_opened_at = vawg.now()
	WHERE id = p_case;
	PERFORM case_status_event(p_case, p_actor, 'new', 'opened', NULL);
	RETURN case_bump(p_case, p_actor, 'status');
END
$$;

-- Assign to an enabled account that works cases, or (p_to NULL) unassign.
CREATE FUNCTION case_assign(p_case bigint, p_actor integer,
    p_version integer, p_to integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, p_version);
BEGIN
	IF c.status = 'closed' THEN
		RAISE EXCEPTION 'case % is closed', p_case USING ERRCODE = '23V02';
	END IF;
	IF p_to IS NOT NULL THEN
		BEGIN
			PERFORM case_actor_role(p_to);
		EXCEPTION WHEN SQLSTATE '23V05' THEN
			RAISE EXCEPTION 'account % cannot take cases', p_to
			    USING ERRCODE = '23V03';
		END;
	END IF;
	IF p_to IS NOT DISTINCT FROM c.assignee THEN
		RAISE EXCEPTION 'case % is already so assigned', p_case
		    USING ERRCODE = '23V02';
	END IF;
	UPDATE case_file SET assignee = p_to,
	    last_holder = coalesce(c.assignee, last_holder)
	WHERE id = p_case;
	INSERT INTO case_event (case_id, at, actor, kind, account)
	VALUES (p_case, vawg.now(), p_actor,
	    CASE WHEN p_to IS NULL THEN 'unassign' ELSE 'assign' END,
	    coalesce(p_to, c.assignee));
	RETURN case_bump(p_case, p_actor,
	    CASE WHEN p_to IS NULL THEN 'unassign' ELSE 'assign' END);
END
$$;

-- Status: one step along new, opened, in_progress, contacted, closed
-- (opened only by case_open); closing also from opened or in_progress,
-- but only as unreachable, declined or duplicate (supported and referred
-- on need contact); a reason exactly when closing; reopening a closed
-- case, to in_progress, only by an admin.
CREATE FUNCTION case_set_status(p_case bigint, p_actor integer,
    p_version integer, p_to text, p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, p_version);
	ok	boolean;
BEGIN
	ok := (c.status, p_to) IN (('opened', 'in_progress'),
	    ('in_progress', 'contacted'), ('contacted', 'closed'),
	    ('opened', 'closed'), ('in_progress', 'closed'),
	    ('closed', 'in_progress'));
	IF NOT ok THEN
		RAISE EXCEPTION 'case % cannot go from % to %', p_case,
		    c.status, p_to USING ERRCODE = '23V02';
	END IF;
	IF c.status = 'closed' AND case_actor_role(p_actor) <> 'admin' THEN
		RAISE EXCEPTION 'only an admin reopens a case'
		    USING ERRCODE = '23V05';
	END IF;
	IF (p_to = 'closed') <> (p_reason IS NOT NULL) OR (p_to = 'closed' AND
	    c.status <> 'contacted' AND p_reason NOT IN ('unreachable',
	    'declined', 'duplicate')) THEN
		RAISE EXCEPTION 'close reason % does not fit', p_reason
		    USING ERRCODE = '23V04';
	END IF;
	UPDATE case_file SET status = p_to, close_reason = p_reason,
	    closed_at = CASE WHEN p_to = 'closed' THEN vawg.now() END,
	    first_contact_at = CASE WHEN p_to = 'contacted' THEN
		coalesce(first_contact_at, vawg.now()) ELSE first_contact_at END
	WHERE id = p_case;
	PERFORM case_status_event(p_case, p_actor, c.status, p_to, p_reason);
	RETURN case_bump(p_case, p_actor, 'status');
END
$$;

-- A contact attempt: when (not before she sent it, not in the future),
-- how, what came of it, and when to try next (the case's "try again at").
-- "message_left" only if her answers allowed a message: the program reads
-- that after decrypting and says so in p_message_ok.  The first attempt
-- moves an opened case to in_progress; "spoke" moves it to contacted and
-- sets the first contact time, each with its status event.  Not on a new
-- case (her safe ways to be contacted are read by opening it first) nor a
-- closed one.
CREATE FUNCTION case_contact(p_case bigint, p_actor integer,
    p_version integer, p_at timestamptz, p_method text, p_outcome text,
    p_next timestamptz, p_message_ok boolean)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, p_version);
	t	timestamptz := vawg.now();
	st	text;
BEGIN
	IF c.status NOT IN ('opened', 'in_progress', 'contacted') THEN
		RAISE EXCEPTION 'no contact attempt on a % case', c.status
		    USING ERRCODE = '23V02';
	END IF;
	IF p_at IS NULL OR p_at > t OR p_at < c.arrived_at OR
	    (p_next IS NOT NULL AND p_next <= p_at) THEN
		RAISE EXCEPTION 'contact attempt times out of range'
		    USING ERRCODE = '23V04';
	END IF;
	IF p_outcome = 'message_left' AND p_message_ok IS NOT TRUE THEN
		RAISE EXCEPTION 'she did not allow a message to be left'
		    USING ERRCODE = '23V04';
	END IF;
	INSERT INTO case_event (case_id, at, actor, kind, contact_at, method,
	    outcome, next_try_at)
	VALUES (p_case, t, p_actor, 'contact', p_at, p_method, p_outcome,
	    p_next);
	st := c.status;
	IF st = 'opened' THEN
		PERFORM case_status_event(p_case, p_actor, st, 'in_progress',
		    NULL);
		st := 'in_progress';
	END IF;
	IF st = 'in_progress' AND p_outcome = 'spoke' THEN
		PERFORM case_status_event(p_case, p_actor, st, 'contacted',
		    NULL);
		st := 'contacted';
	END IF;
	UPDATE case_file SET status = st, remind_at = p_next,
	    first_contact_at = CASE WHEN p_outcome = 'spoke' THEN
		least(coalesce(first_contact_at, p_at), p_at)
		ELSE first_contact_at END
	WHERE id = p_case;
	RETURN case_bump(p_case, p_actor, 'contact');
END
$$;

-- Marked urgent by a worker: the urgent deadline from arrival applies if
-- it is sooner (so a case marked late is at once overdue, as it is).
CREATE FUNCTION case_mark_urgent(p_case bigint, p_actor integer,
    p_version integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, p_version);
BEGIN
	IF c.status = 'closed' OR c.urgent THEN
		RAISE EXCEPTION 'case % is closed or already urgent', p_case
		    USING ERRCODE = '23V02';
	END IF;
	UPDATE case_file SET urgent = true, due_at = least(due_at,
	    case_due(form_id, arrived_at, true))
	WHERE id = p_case;
	INSERT INTO case_event (case_id, at, actor, kind)
	VALUES (p_case, vawg.now(), p_actor, 'urgent');
	RETURN case_bump(p_case, p_actor, 'urgent');
END
$$;

-- A case note, sealed by the program to the service key.  Notes change
-- nothing a colleague acts on, so no version is checked or made: two
-- workers writing notes at once both keep theirs.  Returns the version.
CREATE FUNCTION case_note(p_case bigint, p_actor integer, p_sealed bytea)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, NULL);
BEGIN
	INSERT INTO case_event (case_id, at, actor, kind, sealed)
	VALUES (p_case, vawg.now(), p_actor, 'note', p_sealed);
	UPDATE case_file SET last_kind = 'note' WHERE id = p_case;
	RETURN c.version;
END
$$;

-- A DASH risk assessment completed with her: the checklist's answers
-- sealed, the count of yes, the level the worker gives (NULL: the
-- count's), a sealed reason required when that is above the count's, and
-- the Marac criteria she chose among potential_escalation and
-- repeat_referral.  visible_high_risk (14 or more) and
-- professional_judgement (high by judgement alone) are derived here,
-- never taken from the caller.
CREATE FUNCTION case_risk(p_case bigint, p_actor integer, p_version integer,
    p_sealed bytea, p_yes integer, p_level text, p_reason bytea,
    p_marac text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = vawg, pg_temp
AS $$
DECLARE
	c	case_file := case_lock(p_case, p_actor, p_version);
	lvl	text := dash_level(p_yes, p_level);
	raised	boolean := lvl <> dash_level(p_yes, NULL);
	crit	text[] := '{}';
BEGIN
	IF c.status = 'closed' THEN
		RAISE EXCEPTION 'case % is closed', p_case USING ERRCODE = '23V02';
	END IF;
	IF raised AND p_reason IS NULL THEN
		RAISE EXCEPTION 'a level raised on judgement needs its reason'
		    USING ERRCODE = '23V04';
	END IF;
	IF NOT coalesce(p_marac, '{}') <@ ARRAY['potential_escalation',
	    'repeat_referral'] THEN
		RAISE EXCEPTION 'Marac criteria given that are derived'
		    USING ERRCODE = '23V04';
	END IF;
	IF p_yes >= 14 THEN
		crit := crit || 'visible_high_risk'::text;
	ELSIF lvl = 'high' THEN
		crit := crit || 'professional_judgement'::text;
	END IF;
	crit := crit || coalesce(p_marac, '{}');
	INSERT INTO case_event (case_id, at, actor, kind, sealed,
	    reason_sealed, dash_yes, risk_level, marac)
	VALUES (p_case, vawg.now(), p_actor, 'risk', p_sealed,
	    CASE WHEN raised THEN p_reason END, p_yes, lvl, crit);
	UPDATE case_file SET risk_level = lvl WHERE id = p_case;
	RETURN case_bump(p_case, p_actor, 'risk');
END
$$;

RESET ROLE;

-- vawg_admin reads; it writes only through the functions.  Nothing here is
-- anyone else's: vawg_public's submit() makes cases through the trigger.
REVOKE ALL ON vawg.clock, vawg.bank_holiday, vawg.case_form, vawg.case_file,
    vawg.case_event, vawg.case_access FROM PUBLIC;
REVOKE ALL ON FUNCTION vawg.now(), vawg.add_working_days(timestamptz, integer),
    vawg.case_due(integer, timestamptz, boolean),
    vawg.case_urgent_signal(jsonb), vawg.case_arrive(),
    vawg.case_arrived_at(), vawg.case_release(),
    vawg.case_actor_role(integer),
    vawg.case_lock(bigint, integer, integer),
    vawg.case_bump(bigint, integer, text),
    vawg.case_status_event(bigint, integer, text, text, text),
    vawg.dash_level(integer, text),
    vawg.case_open(bigint, integer),
    vawg.case_assign(bigint, integer, integer, integer),
    vawg.case_set_status(bigint, integer, integer, text, text),
    vawg.case_contact(bigint, integer, integer, timestamptz, text, text,
	timestamptz, boolean),
    vawg.case_mark_urgent(bigint, integer, integer),
    vawg.case_note(bigint, integer, bytea),
    vawg.case_risk(bigint, integer, integer, bytea, integer, text, bytea,
	text[]) FROM PUBLIC;
GRANT SELECT ON vawg.bank_holiday, vawg.case_form, vawg.case_file,
    vawg.case_event, vawg.case_access TO vawg_admin;
GRANT EXECUTE ON FUNCTION vawg.now(),
    vawg.add_working_days(timestamptz, integer),
    vawg.dash_level(integer, text),
    vawg.case_open(bigint, integer),
    vawg.case_assign(bigint, integer, integer, integer),
    vawg.case_set_status(bigint, integer, integer, text, text),
    vawg.case_contact(bigint, integer, integer, timestamptz, text, text,
	timestamptz, boolean),
    vawg.case_mark_urgent(bigint, integer, integer),
    vawg.case_note(bigint, integer, bytea),
    vawg.case_risk(bigint, integer, integer, bytea, integer, text, bytea,
	text[]) TO vawg_admin;
