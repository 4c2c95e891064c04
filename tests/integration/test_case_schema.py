#!/usr/bin/env python3
"""Case work's schema (issue 15; sql/015), through the real database as
the admin pool's own account (vawgadmin, peer authentication, role
vawg_admin), the way cgi-src/lib/store_case*.c calls it.

A referral stored makes a case; the admin role changes a case only
through sql/015's functions, which refuse a transition that is not
allowed, a stale version, a rule broken (close reasons, a message left
where she did not allow one, a DASH level below its count), with
SQLSTATEs of their own; events and access rows are appended and never
changed by that role; opening writes the access row; deadlines are exact
across a weekend, a bank holiday and the October clock change, with the
clock fixed through vawg.clock; a disabled worker's cases become
unassigned with her as the last holder.  Not here yet: the purge of
closed-and-expired cases (a later slice).

Every case, submission and account a test makes is removed after it, and
the clock put back.

Figures: case_rows_for_referrals, case_transitions_allowed,
case_transitions_refused_as_expected, case_stale_versions_refused,
case_writes_denied_to_admin, case_access_rows, case_deadlines_exact,
case_dash_rules, case_release_on_disable, case_roles."""

import itertools
import re

SQLSTATE = re.compile(r'ERROR:\s+([0-9A-Z]{5}):')
_idem = itertools.count(1)

# Accounts the tests act as: name -> role (when sql/014's column exists).
ACCOUNTS = {'cs_worker': 'caseworker', 'cs_other': 'caseworker',
            'cs_admin': 'admin', 'cs_analyst': 'analyst'}


def _q(v):
    """v as an SQL literal (None as NULL)."""
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return "'%s'" % str(v).replace("'", "''")


class Cases:
    """The test's accounts, cases and clock, removed again by close()."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.cases = []
        self.has_role = ctx.stack.psql(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = "
            "'vawg.admin_user'::regclass AND attname = 'role' AND NOT "
            "attisdropped;") == '1'
        self.ids = {}
        for name, role in ACCOUNTS.items():
            self.ids[name] = int(ctx.stack.psql(
                "INSERT INTO vawg.admin_user (username, pwhash, totp_sealed, "
                "role) VALUES (%s, 'x', decode(repeat('00', 60), 'hex'), %s) "
                "ON CONFLICT (username) DO UPDATE SET disabled = false, "
                "role = EXCLUDED.role RETURNING id;"
                % (_q(name), _q(role))).split()[0])

    def owner(self, sql):
        return self.ctx.stack.psql("SET TIME ZONE 'UTC';\n" + sql)

    def clock(self, at):
        self.owner('UPDATE vawg.clock SET fixed = %s;' % _q(at))

    def referral(self, plain='{}', arrived=None):
        """A referral stored through vawg.submit(); its case's id."""
        idem = '\\x5ca5e%027x' % next(_idem)
        ver = self.owner(
            "SELECT c.version_id FROM vawg.form_current c JOIN vawg.form f "
            "ON f.id = c.form_id WHERE f.name = 'referral';")
        self.owner("SELECT vawg.submit(%s, %s::bytea, 'CASE-TEST', %s, "
                   "'\\x00'::bytea, '0000000000000000');"
                   % (ver, _q(idem), _q(plain)))
        sid = int(self.owner("SELECT id FROM vawg.submission WHERE "
                             "idem_key = %s::bytea;" % _q(idem)))
        self.cases.append(sid)
        if arrived is not None:
            self.owner("UPDATE vawg.submission SET created_at = %s WHERE "
                       "id = %d;" % (_q(arrived), sid))
        return sid

    def head(self, case, cols='status, version'):
        return self.owner('SELECT %s FROM vawg.case_file WHERE id = %d;'
                          % (cols, case)).split('|')

    def version(self, case):
        return int(self.head(case, 'version')[0])

    def call(self, fn, *args, actor='cs_worker'):
        """vawg.fn(args) as vawg_admin, from the vawgadmin account:
        (SQLSTATE or None, output)."""
        sql = '\\set VERBOSITY verbose\nSELECT vawg.%s(%s);' % (
            fn, ', '.join(_q(self.ids[actor] if a is ACTOR else a)
                          for a in args))
        rc, out, err = self.ctx.stack.psql_try(sql, user='vawg_admin')
        if rc == 0:
            return None, out.strip()
        m = SQLSTATE.search(err)
        return (m.group(1) if m else 'exit %d: %s' % (rc, err.strip()[:200]),
                err.strip())

    def act(self, fn, case, *rest, actor='cs_worker', stale=False):
        """A versioned action at the case's current version (or the one
        before it, stale)."""
        v = self.version(case) - (1 if stale else 0)
        return self.call(fn, case, ACTOR, v, *rest, actor=actor)

    def close(self):
        try:
            self.clock(None)
        finally:
            self._remove()

    def _remove(self):
        ids = ','.join(str(c) for c in self.cases) or '0'
        accts = ','.join(str(i) for i in self.ids.values())
        self.owner(
            'DELETE FROM vawg.case_event WHERE case_id IN (%s) OR actor IN '
            '(%s) OR account IN (%s);'
            'DELETE FROM vawg.case_access WHERE case_id IN (%s);'
            'DELETE FROM vawg.case_file WHERE id IN (%s);'
            'DELETE FROM vawg.submission WHERE id IN (%s);'
            'DELETE FROM vawg.admin_user WHERE id IN (%s);'
            % (ids, accts, accts, ids, ids, ids, accts))


ACTOR = object()    # stands for the acting account's id in call()


def test_case_made_for_each_referral(ctx):
    c = Cases(ctx)
    try:
        urgent = c.referral('{"when_happened": "last-7-days"}')
        plain = c.referral('{"when_happened": "last-year"}')
        flagged = c.referral('{"urgent": true}')
        ver = c.owner("SELECT c.version_id FROM vawg.form_current c JOIN "
                      "vawg.form f ON f.id = c.form_id WHERE f.name = "
                      "'consultation';")
        c.owner("SELECT vawg.submit(%s, '\\x5ca5e0ffffffffffffffffffffffffff'"
                "::bytea, 'CASE-CONS', '{}', '\\x00'::bytea, "
                "'0000000000000000');" % ver)
        cons = int(c.owner("SELECT id FROM vawg.submission WHERE reference "
                           "= 'CASE-CONS';"))
        c.cases.append(cons)
        firsts = ' AND s.corrects IS NULL' if c.owner(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = "
            "'vawg.submission'::regclass AND attname = 'corrects';") \
            == '1' else ''
        refs, have = c.owner(
            "SELECT count(*), count(k.id) FROM vawg.submission s JOIN "
            "vawg.form_version v ON v.id = s.version_id JOIN vawg.form f ON "
            "f.id = v.form_id LEFT JOIN vawg.case_file k ON k.id = s.id "
            "WHERE f.name = 'referral'%s;" % firsts).split('|')
        ctx.figure('case_rows_for_referrals', '%s of %s' % (have, refs))
        assert have == refs, 'only %s of %s referrals have a case' % (
            have, refs)
        assert c.owner('SELECT count(*) FROM vawg.case_file WHERE id = %d;'
                       % cons) == '0', 'a consultation response made a case'
        got = [c.head(k, 'status, version, urgent, reference')
               for k in (urgent, plain, flagged)]
        assert got == [['new', '1', 't', 'CASE-TEST'],
                       ['new', '1', 'f', 'CASE-TEST'],
                       ['new', '1', 't', 'CASE-TEST']], (
            'new cases (status, version, urgent, reference): %r' % got)
    finally:
        c.close()


def test_case_transitions(ctx):
    c = Cases(ctx)
    try:
        c.clock('2026-11-16 10:00+00')
        k = c.referral(arrived='2026-11-16 08:00+00')
        # [passed, tried] for the allowed and for the refused
        tally = {True: [0, 0], False: [0, 0]}
        wrong = []

        def expect(what, want, got):
            t = tally[want is None]
            t[1] += 1
            if got[0] != want:
                wrong.append('%s: wanted %s, got %s' % (what, want or 'ok',
                                                        got[0] or 'ok'))
            else:
                t[0] += 1

        def status(to, reason=None, actor='cs_worker'):
            return c.act('case_set_status', k, to, reason, actor=actor)

        for to, reason in (('in_progress', None), ('contacted', None),
                           ('closed', 'duplicate'), ('opened', None)):
            expect('new -> %s' % to, '23V02', status(to, reason))
        expect('contact attempt on a new case', '23V02', c.act(
            'case_contact', k, '2026-11-16 09:00+00', 'phone', 'no_answer',
            None, True))
        expect('open', None, c.call('case_open', k, ACTOR))
        expect('opened -> contacted', '23V02', status('contacted'))
        expect('opened -> closed, supported', '23V04',
               status('closed', 'supported'))
        expect('opened -> in_progress', None, status('in_progress'))
        expect('in_progress -> opened', '23V02', status('opened'))
        expect('in_progress -> new', '23V02', status('new'))
        expect('message left where she did not allow it', '23V04', c.act(
            'case_contact', k, '2026-11-16 09:30+00', 'phone',
            'message_left', '2026-11-17 09:00+00', False))
        expect('message left where she allowed it', None, c.act(
            'case_contact', k, '2026-11-16 09:31+00', 'phone',
            'message_left', '2026-11-17 09:00+00', True))
        expect('a contact attempt in the future', '23V04', c.act(
            'case_contact', k, '2026-11-16 11:00+00', 'phone', 'no_answer',
            None, True))
        expect('spoke to her (to contacted)', None, c.act(
            'case_contact', k, '2026-11-16 09:45+00', 'phone', 'spoke',
            None, False))
        expect('contacted -> in_progress', '23V02', status('in_progress'))
        expect('contacted -> closed, no reason', '23V04', status('closed'))
        expect('contacted -> closed, supported', None,
               status('closed', 'supported'))
        expect('closed -> contacted', '23V02', status('contacted'))
        expect('assign a closed case', '23V02', c.act('case_assign', k,
                                                      c.ids['cs_other']))
        expect('contact attempt on a closed case', '23V02', c.act(
            'case_contact', k, '2026-11-16 09:50+00', 'phone', 'spoke',
            None, True))
        if c.has_role:
            expect('reopen by a caseworker', '23V05', status('in_progress'))
            expect('open by an analyst', '23V05', c.call(
                'case_open', k, ACTOR, actor='cs_analyst'))
        expect('reopen by an admin', None, status('in_progress',
                                                  actor='cs_admin'))
        expect('an unknown case', '23V03', c.call(
            'case_assign', 2 ** 62, ACTOR, 1, None))
        head = c.head(k, 'status, close_reason, remind_at, '
                      'first_contact_at, closed_at')
        events = c.owner("SELECT string_agg(kind || ':' || coalesce("
                         "to_status, outcome, ''), ' ' ORDER BY id) FROM "
                         "vawg.case_event WHERE case_id = %d;" % k)
        ctx.figure('case_transitions_allowed', '%d of %d' % tuple(
            tally[True]))
        ctx.figure('case_transitions_refused_as_expected', '%d of %d' %
                   tuple(tally[False]))
        if not c.has_role:
            ctx.figure('case_roles', 'untested: admin_user has no role '
                       'column yet (sql/014); every account counts as admin')
        assert not wrong, '; '.join(wrong)
        assert head == ['in_progress', '', '', '2026-11-16 09:45:00+00',
                        ''], (
            'after reopening: status, reason, remind, first contact, '
            'closed: %r' % head)
        assert events == ('status:opened status:in_progress '
                          'contact:message_left contact:spoke '
                          'status:contacted status:closed '
                          'status:in_progress'), 'events: %s' % events
    finally:
        c.close()


def test_case_stale_version_refused(ctx):
    c = Cases(ctx)
    try:
        c.clock('2026-11-16 10:00+00')
        k = c.referral()
        c.call('case_open', k, ACTOR)
        v = c.version(k)
        # Two workers read version v; the first assigns herself.
        first = c.call('case_assign', k, ACTOR, v, c.ids['cs_worker'])
        c.clock('2026-11-16 10:05+00')
        tries = [
            ('assign', c.call('case_assign', k, ACTOR, v, c.ids['cs_other'],
                              actor='cs_other')),
            ('status', c.call('case_set_status', k, ACTOR, v, 'in_progress',
                              None, actor='cs_other')),
            ('urgent', c.call('case_mark_urgent', k, ACTOR, v,
                              actor='cs_other')),
            ('risk', c.call('case_risk', k, ACTOR, v, '\\x01', 3, None, None,
                            None, actor='cs_other')),
        ]
        refused = sum(1 for _, r in tries if r[0] == '23V01')
        head = c.head(k, 'assignee, version, changed_by, changed_at')
        ctx.figure('case_stale_versions_refused', '%d of %d' % (
            refused, len(tries)))
        assert first[0] is None, 'the first assign failed: %s' % first[1]
        assert refused == len(tries), 'stale actions: %s' % [
            (w, r[0]) for w, r in tries]
        assert head == [str(c.ids['cs_worker']), str(v + 1),
                        str(c.ids['cs_worker']),
                        '2026-11-16 10:00:00+00'], (
            'the case after the race (assignee, version, changed by, '
            'at): %r' % head)
        note = c.call('case_note', k, ACTOR, '\\x02', actor='cs_other')
        assert note[0] is None, 'a note, which takes no version: %s' % (
            note[1],)
    finally:
        c.close()


def test_case_writes_denied_to_admin(ctx):
    """vawg_admin may read the case tables and call the functions, and
    nothing else; vawg_public may do neither.  Each try in a transaction
    rolled back."""
    c = Cases(ctx)
    try:
        k = c.referral()
        c.call('case_open', k, ACTOR)
        c.call('case_note', k, ACTOR, '\\x02')
        tries = []
        for t in ('case_event', 'case_access', 'case_file', 'clock',
                  'bank_holiday', 'case_form'):
            tries += [
                ('UPDATE %s' % t, 'UPDATE vawg.%s SET %s;' % (t, {
                    'case_event': 'at = at', 'case_access': 'at = at',
                    'case_file': 'version = version + 1',
                    'clock': "fixed = '2000-01-01'",
                    'bank_holiday': "name = ''",
                    'case_form': 'working_days = 5'}[t])),
                ('DELETE %s' % t, 'DELETE FROM vawg.%s;' % t),
                ('TRUNCATE %s' % t, 'TRUNCATE vawg.%s CASCADE;' % t)]
        tries += [
            ('INSERT case_event', "INSERT INTO vawg.case_event (case_id, at, "
             "kind) VALUES (%d, now(), 'urgent');" % k),
            ('INSERT case_access', 'INSERT INTO vawg.case_access (case_id, '
             'account_id, at) VALUES (%d, %d, now());' % (
                 k, c.ids['cs_worker'])),
            ('INSERT case_file', "INSERT INTO vawg.case_file (id, form_id, "
             "reference, arrived_at, due_at, changed_at) VALUES (1, 1, 'X', "
             "now(), now(), now());"),
            ('case_lock', 'SELECT vawg.case_lock(%d, %d, NULL);' % (
                k, c.ids['cs_worker'])),
        ]
        denied = []
        for what, sql in tries:
            rc, out, err = ctx.stack.psql_try('BEGIN;\n%s\nROLLBACK;' % sql,
                                              user='vawg_admin')
            denied.append(rc != 0 and 'permission denied' in err)
            if not denied[-1]:
                denied[-1] = '%s: exit %d %s' % (what, rc, err.strip()[:100])
        for fn in ("case_open(%d, 1)" % k, 'now()',
                   "add_working_days(now(), 1)"):
            rc, out, err = ctx.stack.psql_try('SELECT vawg.%s;' % fn,
                                              user='vawg_public')
            denied.append(rc != 0 and 'permission denied' in err or
                          'vawg_public ran %s' % fn)
        ok = [d for d in denied if d is True]
        ctx.figure('case_writes_denied_to_admin', '%d of %d' % (
            len(ok), len(denied)))
        counts = c.owner("SELECT (SELECT count(*) FROM vawg.case_event "
                         "WHERE case_id = %d) || ' ' || (SELECT count(*) "
                         "FROM vawg.case_access WHERE case_id = %d);"
                         % (k, k))
        assert len(ok) == len(denied), '; '.join(
            d for d in denied if d is not True)
        assert counts == '2 1', ('events and access rows after the tries: '
                                 '%s, expected 2 1' % counts)
    finally:
        c.close()


def test_case_open_writes_access(ctx):
    c = Cases(ctx)
    try:
        k = c.referral()
        c.clock('2026-11-16 10:00+00')
        a = c.call('case_open', k, ACTOR)
        c.clock('2026-11-16 10:07+00')
        b = c.call('case_open', k, ACTOR, actor='cs_other')
        rows = c.owner("SELECT string_agg(u.username || '@' || to_char(x.at "
                       "AT TIME ZONE 'UTC', 'HH24:MI'), ' ' ORDER BY x.id) "
                       "FROM vawg.case_access x JOIN vawg.admin_user u ON "
                       "u.id = x.account_id WHERE x.case_id = %d;" % k)
        head = c.head(k, "status, version, first_opened_at")
        opened = c.owner("SELECT count(*) FROM vawg.case_event WHERE "
                         "case_id = %d AND to_status = 'opened';" % k)
        ctx.figure('case_access_rows', rows)
        assert a[0] is None and b[0] is None, 'open refused: %s %s' % (
            a[1], b[1])
        assert rows == 'cs_worker@10:00 cs_other@10:07', (
            'access rows: %r' % rows)
        assert head == ['opened', '2', '2026-11-16 10:00:00+00'] and \
            opened == '1', ('after two openings: %r, %s opened events'
                            % (head, opened))
    finally:
        c.close()


# (from, working days or None for urgent, the due time expected)
DEADLINES = [
    # A weekend: Friday to Tuesday, same clock time.
    ('2026-11-13 10:00+00', 2, '2026-11-17 10:00:00+00'),
    # Saturday counts from Monday.
    ('2026-11-14 15:30+00', 2, '2026-11-17 15:30:00+00'),
    # Easter: Thursday, then Good Friday and Easter Monday.
    ('2026-04-02 10:00+01', 2, '2026-04-08 09:00:00+00'),
    # The clock goes back on Sunday 25 October 2026: Friday 10:00 BST
    # plus two working days is Tuesday 10:00 GMT, 49 hours later.
    ('2026-10-23 10:00+01', 2, '2026-10-27 10:00:00+00'),
    # Urgent: 24 hours elapsed across the change (11:00 BST to 10:00 GMT).
    ('2026-10-24 11:00+01', None, '2026-10-25 10:00:00+00'),
]


def test_case_deadlines_exact(ctx):
    c = Cases(ctx)
    try:
        wrong, n = [], 0
        for at, days, want in DEADLINES:
            n += 1
            if days is not None:
                got = ctx.stack.psql(
                    "SET TIME ZONE 'UTC'; SELECT vawg.add_working_days(%s, "
                    "%d);" % (_q(at), days), user='vawg_admin')
                plain = '{}'
            else:
                got = None
                plain = '{"when_happened": "last-7-days"}'
            # The same through a case: stored now, then given the time she
            # sent it (as a spool replay does), so its due time follows.
            k = c.referral(plain, arrived=at)
            due = c.owner("SET TIME ZONE 'UTC'; SELECT due_at FROM "
                          "vawg.case_file WHERE id = %d;" % k)
            if (got is not None and got != want) or due != want:
                wrong.append('%s + %s: function %s, case %s, expected %s' % (
                    at, days or '24 h', got, due, want))
        # Overdue, by the fixed clock: one microsecond either side.
        k = c.cases[-1]
        overdue = []
        for at in ('2026-10-25 09:59:59.999999+00', '2026-10-25 10:00:00+00',
                   '2026-10-25 10:00:00.000001+00'):
            c.clock(at)
            overdue.append(ctx.stack.psql(
                "SELECT due_at < vawg.now() FROM vawg.case_file WHERE id = "
                "%d;" % k, user='vawg_admin'))
        n += 1
        if overdue != ['f', 'f', 't']:
            wrong.append('overdue just before, at and after the due time: '
                         '%r' % overdue)
        ctx.figure('case_deadlines_exact', '%d of %d' % (n - len(wrong), n))
        assert not wrong, '; '.join(wrong)
    finally:
        c.close()


def test_case_dash_rules(ctx):
    c = Cases(ctx)
    try:
        k = c.referral()
        c.call('case_open', k, ACTOR)
        cases = [
            # (what, yes, level, reason, marac, SQLSTATE, level stored,
            #  criteria stored)
            ('14 yes is visible high risk', 14, None, None, None, None,
             'high', 'visible_high_risk'),
            ('13 yes raised to high with a reason', 13, 'high', '\\x0b',
             '{potential_escalation}', None, 'high',
             'professional_judgement,potential_escalation'),
            ('13 yes raised with no reason', 13, 'high', None, None,
             '23V04', None, None),
            ('14 yes lowered to medium', 14, 'medium', '\\x0b', None,
             '23V04', None, None),
            ('14 yes lowered to standard', 14, 'standard', '\\x0b', None,
             '23V04', None, None),
            ('a derived criterion given by the caller', 3, None, None,
             '{visible_high_risk}', '23V04', None, None),
            ('25 yes', 25, None, None, None, '23V04', None, None),
            ('5 yes, no judgement', 5, None, None, '{repeat_referral}',
             None, 'standard', 'repeat_referral'),
        ]
        wrong = []
        for what, yes, level, reason, marac, want, lvl, crit in cases:
            got = c.act('case_risk', k, '\\x0a', yes, level, reason, marac)
            if got[0] != want:
                wrong.append('%s: %s, expected %s' % (what, got[0] or 'ok',
                                                      want or 'ok'))
                continue
            if want is None:
                ev = c.owner("SELECT risk_level || ' ' || array_to_string("
                             "marac, ',') || ' ' || (reason_sealed IS NOT "
                             "NULL) FROM vawg.case_event WHERE case_id = %d "
                             "ORDER BY id DESC LIMIT 1;" % k)
                exp = '%s %s %s' % (lvl, crit, 'true' if level and
                                    level != 'standard' and yes < 14
                                    else 'false')
                head = c.head(k, 'risk_level')[0]
                if ev != exp or head != lvl:
                    wrong.append('%s: stored %r, case %s, expected %r' % (
                        what, ev, head, exp))
        ctx.figure('case_dash_rules', '%d of %d' % (len(cases) - len(wrong),
                                                    len(cases)))
        assert not wrong, '; '.join(wrong)
    finally:
        c.close()


def test_case_release_on_disable(ctx):
    """A disabled worker's cases are unassigned, with her as last holder."""
    c = Cases(ctx)
    try:
        k = c.referral()
        c.call('case_open', k, ACTOR)
        r = c.act('case_assign', k, c.ids['cs_other'])
        assert r[0] is None, 'assign: %s' % r[1]
        c.owner("UPDATE vawg.admin_user SET disabled = true WHERE id = %d;"
                % c.ids['cs_other'])
        head = c.head(k, 'assignee, last_holder, changed_by, last_kind')
        ev = c.owner("SELECT kind || ' ' || coalesce(actor::text, 'service')"
                     " || ' ' || account FROM vawg.case_event WHERE case_id "
                     "= %d ORDER BY id DESC LIMIT 1;" % k)
        again = c.act('case_assign', k, c.ids['cs_other'])
        ok = head == ['', str(c.ids['cs_other']), '', 'unassign'] and \
            ev == 'unassign service %d' % c.ids['cs_other'] and \
            again[0] == '23V03'
        ctx.figure('case_release_on_disable', 'yes' if ok else 'no')
        assert ok, ('after disabling its holder: case %r, event %r, '
                    'assigning to her again %s' % (head, ev, again[0]))
    finally:
        c.close()
