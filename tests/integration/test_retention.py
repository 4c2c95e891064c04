#!/usr/bin/env python3
"""What the pages promise about keeping answers is what happens (issue 14
item 10; docs/THREAT-MODEL.md threat 17): "We keep your request for 1
year, then delete it" needs nobody to type a command.

- The stack's purge loop (conf/stack.sh, here restarted with a 2-second
  VAWG_PURGE_INTERVAL) deletes, on its own, a submission past its form's
  retention, a record in the spool's failed/ older than the shortest
  retention, throttle rows with no try for an hour, admin sessions past
  their expiry and rotated logs past VAWG_LOG_DAYS; it rotates the logs
  once a day.  What is not yet due stays.
- A post spooled while the database was away and replayed later is dated
  at her post, not at the replay, since that time starts the clock.
- The date a replay may give is bounded: never in the future, never
  before the form's retention period (a forged record cannot plant rows
  that look older than anything kept).

Figures: retention_overdue_rows_left, retention_due_rows_lost,
spool_replay_post_offset_seconds, spool_replay_delay_seconds,
received_at_bounded."""

import grp
import os
import pwd
import stat
import time

import html_checks
import rows
from test_dbdown import _database_down, _post_down

LOOP_INTERVAL = 2           # seconds between purges while testing
LOOP_WAIT = 30              # the loop must have done its work by then
REPLAY_WAIT = 30
SPOOL_HOLD = 8              # seconds her post waits in the spool
DAY = 86400


def _restart_loop(ctx, **settings):
    ctx.stack.checked('restart-purge', extra_env={
        k: str(v) for k, v in settings.items()})


def _epoch(ctx, ref):
    out = ctx.stack.psql("SELECT extract(epoch FROM created_at) FROM "
                         "vawg.submission WHERE reference = '%s';" % ref)
    return float(out) if out else None


def _stored(ctx, form):
    tok, = ctx.tokens(form)
    ref, _, _ = rows.submit_valid(ctx, ctx.answers(form), tok)
    return tok, ref


def _throttle_rows(ctx):
    """(kind, hash hex) of an overdue row, a recent one, and one still
    locked although its last try was long ago; inserted as the owner."""
    rnd = [os.urandom(32).hex() for _ in range(3)]
    ctx.stack.psql(
        "INSERT INTO vawg.login_throttle (kind, key_hash, failures, "
        "locked_until, last_failure_at) VALUES "
        "('addr', '\\x%s', 3, '-infinity', now() - interval '2 hours'), "
        "('addr', '\\x%s', 3, '-infinity', now() - interval '5 minutes'), "
        "('addr', '\\x%s', 9, now() + interval '1 hour', "
        "now() - interval '2 hours');" % tuple(rnd))
    return rnd


def _sessions(ctx):
    """Hash hex of an idle-expired session, an absolute-expired one and a
    live one, for the run's development admin."""
    rnd = [os.urandom(32).hex() for _ in range(3)]
    ctx.stack.psql(
        "INSERT INTO vawg.admin_session (token_hash, admin_id, csrf, "
        "created_at, last_seen_at) SELECT h, (SELECT min(id) FROM "
        "vawg.admin_user), 'x', c, s FROM (VALUES "
        "('\\x%s'::bytea, now() - interval '1 hour', now() - interval "
        "'1 hour'), ('\\x%s', now() - interval '13 hours', now()), "
        "('\\x%s', now() - interval '1 minute', now())) v(h, c, s);"
        % tuple(rnd))
    return rnd


def _failed_records(ctx):
    """Two records in spool/failed/: one written 400 days ago (past the
    referral's 365), one 300 days ago."""
    d = os.path.join(ctx.stack.spool_dir, 'failed')
    os.makedirs(d, exist_ok=True)
    web = pwd.getpwnam('vawgweb')
    out = []
    for age in (400, 300):
        p = os.path.join(d, os.urandom(16).hex() + '.rec')
        with open(p, 'wb') as f:
            f.write(b'vawg-spool 1\n(a record the database refused)\n')
        os.chown(p, web.pw_uid, web.pw_gid)
        t = time.time() - age * DAY
        os.utime(p, (t, t))
        out.append(p)
    return out


def _old_log(ctx):
    """A rotated log last written 30 days ago (past the 14 kept)."""
    p = os.path.join(ctx.stack.log_dir, 'public.log.20000101')
    with open(p, 'w') as f:
        f.write('old\n')
    os.chmod(p, 0o640)
    t = time.time() - 30 * DAY
    os.utime(p, (t, t))
    return p


def _in_db(ctx, table, col, hexes):
    return set(ctx.stack.psql(
        "SELECT encode(%s, 'hex') FROM vawg.%s WHERE %s IN (%s);" % (
            col, table, col, ','.join("'\\x%s'::bytea" % h for h in hexes)))
        .split())


def _left(ctx, overdue, due):
    """(overdue things still there, things not yet due that are gone)."""
    refs, thr, ses, fail, log = overdue
    drefs, dthr, dses, dfail = due
    there = set(ctx.stack.psql('SELECT reference FROM vawg.submission;')
                .split())
    left = [r for r in refs if r in there]
    left += sorted(_in_db(ctx, 'login_throttle', 'key_hash', thr))
    left += sorted(_in_db(ctx, 'admin_session', 'token_hash', ses))
    left += [p for p in fail + [log] if os.path.exists(p)]
    lost = [r for r in drefs if r not in there]
    lost += sorted(set(dthr) - _in_db(ctx, 'login_throttle', 'key_hash',
                                      dthr))
    lost += sorted(set(dses) - _in_db(ctx, 'admin_session', 'token_hash',
                                      dses))
    lost += [p for p in dfail if not os.path.exists(p)]
    return left, lost


def _rotated_ok(ctx):
    """After a pass with the rotation stamp a day old: a dated copy of
    public.log, root's and private like the log."""
    days = {time.strftime('%Y%m%d', time.gmtime(time.time() + d))
            for d in (-60, 0, 60)}
    names = ['public.log.' + d for d in days]
    for n in names:
        p = os.path.join(ctx.stack.log_dir, n)
        if os.path.exists(p):
            st = os.stat(p)
            return (stat.S_IMODE(st.st_mode) == 0o640 and st.st_uid == 0
                    and grp.getgrgid(st.st_gid).gr_name == 'adm')
    return False


def test_retention_purge_runs_on_schedule(ctx):
    (t1, old_ref), (t2, due_ref) = _stored(ctx, 'referral'), \
        _stored(ctx, 'referral')
    ctx.stack.psql(
        "UPDATE vawg.submission SET created_at = now() - interval '400 days'"
        " WHERE reference = '%s';\n"
        "UPDATE vawg.submission SET created_at = now() - interval '300 days'"
        " WHERE reference = '%s';" % (old_ref, due_ref))
    thr, ses = _throttle_rows(ctx), _sessions(ctx)
    fail = _failed_records(ctx)
    log = _old_log(ctx)
    stamp = os.path.join(ctx.stack.var, 'log-rotated')
    assert os.path.exists(stamp), (
        'the purge loop the stack started with has not run: no %s' % stamp)
    t = time.time() - 2 * DAY
    os.utime(stamp, (t, t))
    overdue = ([old_ref], thr[:1], ses[:2], fail[:1], log)
    due = ([due_ref], thr[1:], ses[2:], fail[1:])
    try:
        _restart_loop(ctx, VAWG_PURGE_INTERVAL=LOOP_INTERVAL)
        deadline = time.monotonic() + LOOP_WAIT
        while True:
            left, lost = _left(ctx, overdue, due)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        ctx.figure('retention_overdue_rows_left', len(left))
        ctx.figure('retention_due_rows_lost', len(lost))
        assert not left, ('%ss after the purge loop started every %ss, '
                          'still there past retention or expiry: %s' % (
                              LOOP_WAIT, LOOP_INTERVAL, left))
        assert not lost, 'gone before they were due: %s' % lost
        assert _rotated_ok(ctx), (
            'a day after the last rotation, the loop left no dated copy of '
            'public.log, 0640 to the group adm')
    finally:
        ctx.confirmed.pop(t1, None)
        _restart_loop(ctx)
        ctx.stack.psql("UPDATE vawg.submission SET created_at = now() WHERE "
                       "reference = '%s';" % due_ref)
        ctx.stack.psql("DELETE FROM vawg.admin_session WHERE token_hash IN "
                       "(%s);" % ','.join("'\\x%s'" % h for h in ses))
        for p in fail:
            if os.path.exists(p):
                os.unlink(p)


def test_spooled_post_keeps_its_time(ctx):
    form = 'referral'
    tok, = ctx.tokens(form)
    answers = ctx.answers(form)
    with _database_down(ctx):
        t_sent = time.time()
        p, _ = _post_down(ctx, form, answers, tok)
        t_answered = time.time()
        assert p.status == 200, (
            'post while the database is down: expected the confirmation '
            '(spooled), got %s' % html_checks.describe(p))
        ref = html_checks.find_reference(p.text)
        ctx.confirmed[tok] = ref
        time.sleep(SPOOL_HOLD)
    t_up = time.time()
    deadline = time.monotonic() + REPLAY_WAIT
    while _epoch(ctx, ref) is None and time.monotonic() < deadline:
        time.sleep(0.5)
    got = _epoch(ctx, ref)
    assert got is not None, ('post %s confirmed while the database was '
                             'down, not stored %ss after it came back'
                             % (ref, REPLAY_WAIT))
    ctx.figure('spool_replay_post_offset_seconds', '%.1f' % (got - t_sent))
    ctx.figure('spool_replay_delay_seconds', '%.1f' % (t_up - t_sent))
    assert t_sent - 2 <= got <= t_answered + 2, (
        'spooled post %s stored dated %.1fs after it was sent (it waited '
        '%.1fs in the spool): the retention clock must start at her post, '
        'not at the replay' % (ref, got - t_sent, t_up - t_sent))


def test_replay_time_is_bounded(ctx):
    """As vawg_public, what a forged spool record could ask for: a time in
    the future, and one before anything kept (the referral's version is
    dated back for it, so that the retention period is the bound)."""
    ver, vdate = ctx.stack.psql(
        "SELECT c.version_id, v.created_at FROM vawg.form_current c JOIN "
        "vawg.form f ON f.id = c.form_id JOIN vawg.form_version v ON v.id = "
        "c.version_id WHERE f.name = 'referral';").split('|')
    asks = (("now() + interval '30 days'", 0),
            ("'1990-01-01'::timestamptz", 365 * DAY))
    made, good, ages = [], 0, []
    try:
        ctx.stack.psql("UPDATE vawg.form_version SET created_at = now() - "
                       "interval '1000 days' WHERE id = %s;" % ver)
        for when, want in asks:
            idem = os.urandom(16).hex()
            made.append(idem)
            ref = ctx.stack.psql(
                "SELECT vawg.received_at(vawg.submit(%s, '\\x%s', "
                "'AAAA-AAAA', '{}', '\\x00', '0000000000000000'), %s);"
                % (ver, idem, when), user='vawg_public')
            assert ref == 'AAAA-AAAA', 'received_at returned %r' % ref
            age = int(ctx.stack.psql(
                "SELECT extract(epoch FROM now() - created_at)::bigint FROM "
                "vawg.submission WHERE idem_key = '\\x%s';" % idem))
            ages.append(age)
            good += abs(age - want) <= 5
        ctx.figure('received_at_bounded', '%d of %d' % (good, len(asks)))
        assert good == len(asks), (
            'a replay asking for 30 days ahead was dated %d s ago, one '
            'asking for 1990 %.1f days ago: expected now, and the '
            "referral's 365 days" % (ages[0], ages[-1] / DAY))
    finally:
        ctx.stack.psql("UPDATE vawg.form_version SET created_at = '%s' "
                       "WHERE id = %s;" % (vdate, ver))
        if made:
            ctx.stack.psql("DELETE FROM vawg.submission WHERE idem_key IN "
                           "(%s);" % ','.join("'\\x%s'" % i for i in made))
