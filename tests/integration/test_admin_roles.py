#!/usr/bin/env python3
"""Staff roles (issue 15; docs/THREAT-MODEL.md threat 13): caseworker,
analyst and admin accounts made with `vawgctl add-admin --role`, every
admin route tried by every role through nginx.  What a role may use
works; anything else answers 403 with a page saying so, and writes no
audit row and no throttle row.  The CSRF token is checked before the
role, so a request without it learns nothing of what the account may
do.  `vawgctl set-role` holds from the next request of a session already
open; re-enrolling an account keeps its role.  Migration 014 makes every
account already there an admin.

Figures: role_denials_as_expected (k of k), role_routes_allowed (k of k),
audit_rows_written_by_denials, existing_accounts_admin_after_014 (k of k).
"""

import os
import re
import subprocess

import html_checks
from admin_client import audit_max, audit_rows, enrol, export_query, \
    sign_in
from csv_export import check_csv_response

REFUSED = 'Your account cannot do this'
STALE = 'The page was out of date'
REAUTH = 'Confirm it is you'
ROLES = ('caseworker', 'analyst', 'admin')


def written(ctx):
    """What a refused request must not change: the audit log's rows and
    the sign-in throttle's, counted as the database owner."""
    return ctx.stack.psql('SELECT (SELECT count(*) FROM vawg.audit_log) '
                          '|| \' \' || (SELECT count(*) FROM '
                          'vawg.login_throttle);')


def export(a, form, extra=None, csrf=True):
    """POST /admin/export of form as a, its CSRF token unless not csrf."""
    body = export_query(form) + (extra or '')
    if csrf:
        body += '&_csrf=' + a.csrf()
    return a.post('/admin/export', body.encode(), timeout=120)


def reauth(a, acct, form='consultation'):
    return a.post('/admin/reauth', [('_csrf', a.csrf()),
                                    ('password', acct.password),
                                    ('query', export_query(form))])


def refused(r):
    return r.status == 403 and html_checks.shows_text(r.text, REFUSED) \
        and 'text/csv' not in (r.header('Content-Type') or '')


def is_csv(r, what):
    try:
        check_csv_response(r, what)
        return True
    except AssertionError:
        return False


def staff(ctx):
    """One signed-in account of each role, made once per run."""
    if getattr(ctx, 'role_staff', None) is None:
        ctx.role_staff = {}
        for role in ROLES:
            acct = enrol(ctx, 'it-role-' + role[:4], role)
            ctx.role_staff[role] = (acct, sign_in(ctx, acct))
    return ctx.role_staff


# What each route must answer each role: True allowed, False refused.
# The last two refusals carry parameters the page itself would refuse
# (400): the role is checked first.
MATRIX = (
    ('POST /admin/export consultation',
     lambda a, acct: export(a, 'consultation'), is_csv,
     {'caseworker': False, 'analyst': True, 'admin': True}),
    ('POST /admin/export referral',
     lambda a, acct: export(a, 'referral'), is_csv,
     {'caseworker': False, 'analyst': False, 'admin': True}),
    ('POST /admin/reauth',
     lambda a, acct: reauth(a, acct),
     lambda r, w: r.status == 200 and REAUTH in r.text,
     {'caseworker': False, 'analyst': True, 'admin': True}),
    ('POST /admin/export consultation, bad dates',
     lambda a, acct: a.post('/admin/export', (
         'form=consultation&from=x&to=y&_csrf=' + a.csrf()).encode()),
     lambda r, w: r.status == 400,
     {'caseworker': False, 'analyst': True, 'admin': True}),
    ('POST /admin/export referral, bad dates',
     lambda a, acct: a.post('/admin/export', (
         'form=referral&from=x&to=y&_csrf=' + a.csrf()).encode()),
     lambda r, w: r.status == 400,
     {'caseworker': False, 'analyst': False, 'admin': True}),
    ('GET /admin/',
     lambda a, acct: a.get('/admin/'), lambda r, w: r.status == 200,
     {'caseworker': True, 'analyst': True, 'admin': True}),
    ('HEAD /admin/',
     lambda a, acct: a.http.request('HEAD', '/admin/',
                                    headers=a._headers()),
     lambda r, w: r.status == 200,
     {'caseworker': True, 'analyst': True, 'admin': True}),
    ('GET /admin/login',
     lambda a, acct: a.get('/admin/login'), lambda r, w: r.status == 200,
     {'caseworker': True, 'analyst': True, 'admin': True}),
)


def test_admin_roles_route_matrix(ctx):
    people = staff(ctx)
    probs = []
    denials = denied_ok = allowed = allowed_ok = 0
    rows_by_denials = 0
    for what, send, works, who in MATRIX:
        for role in ROLES:
            acct, a = people[role]
            before_w, before_id = written(ctx), audit_max(ctx)
            r = send(a, acct)
            if who[role]:
                allowed += 1
                if works(r, '%s as %s' % (what, role)):
                    allowed_ok += 1
                else:
                    probs.append('%s as %s: expected it to work, got %s' % (
                        what, role, html_checks.describe(r)))
                continue
            denials += 1
            after_w = written(ctx)
            new = audit_rows(ctx, before_id)
            rows_by_denials += len(new)
            if refused(r) and after_w == before_w:
                denied_ok += 1
            else:
                probs.append('%s as %s: expected 403 "%s" and nothing '
                             'written, got %s; audit and throttle rows '
                             '%s -> %s %r' % (what, role, REFUSED,
                                              html_checks.describe(r),
                                              before_w, after_w, new))
    ctx.figure('role_denials_as_expected', '%d of %d' % (denied_ok, denials))
    ctx.figure('role_routes_allowed', '%d of %d' % (allowed_ok, allowed))
    ctx.figure('audit_rows_written_by_denials', rows_by_denials)
    assert not probs, '; '.join(probs[:8])


def dashboard_offers(text):
    """(export form shown, the forms it offers, the keys shown, the
    counts shown) on a dashboard page."""
    forms = re.findall(r'<option value="([a-z0-9-]+)"', text)
    return ('action="/admin/export"' in text, sorted(forms),
            'Current key id' in text, 'class="stats"' in text)


def test_admin_roles_dashboard_shows_what_each_may_use(ctx):
    people = staff(ctx)
    want = {
        'caseworker': (False, [], False, False),
        'analyst': (True, ['consultation'], False, True),
        'admin': (True, ['consultation', 'referral'], True, True),
    }
    probs = []
    # Other modules may add forms of their own (it-referral, it-versions):
    # an admin is offered every form there is, so hers must be the forms
    # in the database, consultation and referral among them.
    known = set(ctx.stack.psql('SELECT name FROM vawg.form;').split())
    for role in ROLES:
        r = people[role][1].get('/admin/')
        got = dashboard_offers(r.text) if r.status == 200 else None
        if role == 'admin' and got is not None and \
                set(want[role][1]) <= set(got[1]) <= known:
            got = (got[0], want[role][1], got[2], got[3])
        if got != want[role]:
            probs.append('%s: dashboard (export form, forms, keys, counts) '
                         '%r, expected %r' % (role, got, want[role]))
        # Every form the dashboard offers, this role may export.
    assert not probs, '; '.join(probs)


def test_admin_roles_csrf_before_role(ctx):
    """Without its token a POST is refused as out of date, the same page
    whatever the role, before the role could show through."""
    people = staff(ctx)
    probs = []
    for path, body in (('/admin/export', export_query('referral')),
                       ('/admin/export', export_query('referral') +
                        '&_csrf=not-the-token'),
                       ('/admin/reauth', 'password=x&query=' +
                        export_query('consultation').replace('&', '%26')),
                       ('/admin/logout', '')):
        pages = {}
        for role in ROLES:
            before = written(ctx)
            r = people[role][1].post(path, body.encode())
            pages[role] = (r.status, r.body)
            if r.status != 403 or STALE not in r.text or REFUSED in r.text \
                    or written(ctx) != before:
                probs.append('%s %r as %s without its token: expected 403 '
                             '"%s", nothing written, got %s' % (
                                 path, body[:40], role, STALE,
                                 html_checks.describe(r)))
        if len(set(pages.values())) != 1:
            probs.append('%s without its token: the answers differ by role'
                         % path)
    assert not probs, '; '.join(probs[:6])


def test_admin_roles_reauth_from_table(ctx):
    """An old sign-in asks for the password before an export, for a role
    that may export; a role that may not is refused first."""
    probs = []
    for role, want in (('analyst', REAUTH), ('caseworker', REFUSED)):
        acct = enrol(ctx, 'it-role-old', role)
        a = sign_in(ctx, acct)
        a.csrf()
        ctx.stack.psql("UPDATE vawg.admin_session SET authed_at = now() - "
                       "interval '1 day' WHERE admin_id = (SELECT id FROM "
                       "vawg.admin_user WHERE username = '%s');" % acct.name)
        before = audit_max(ctx)
        r = export(a, 'consultation')
        if want not in r.text or audit_rows(ctx, before):
            probs.append('%s, signed in a day ago, exporting: expected '
                         '"%s" and no audit row, got %s' % (
                             role, want, html_checks.describe(r)))
    assert not probs, '; '.join(probs)


def vawgctl_role(ctx, args):
    return ctx.stack.vawgctl(args + ['--db', ctx.stack.owner_db()])


def role_of(ctx, name):
    return ctx.stack.psql("SELECT role FROM vawg.admin_user WHERE "
                          "username = '%s';" % name)


def test_admin_roles_set_role_next_request(ctx):
    acct = enrol(ctx, 'it-role-set', 'analyst')
    a = sign_in(ctx, acct)
    probs = []
    r = export(a, 'consultation')
    if not is_csv(r, 'analyst export'):
        probs.append('an analyst could not export the consultation: %s'
                     % html_checks.describe(r))
    before = audit_max(ctx)
    rc, out, err = vawgctl_role(ctx, ['set-role', '--user', acct.name,
                                      '--role', 'caseworker'])
    if rc != 0:
        probs.append('vawgctl set-role exited %d: %s' % (rc, err[:200]))
    aud = audit_rows(ctx, before, 'admin-role')
    if [x['detail'] for x in aud] != ['%s: analyst to caseworker'
                                      % acct.name]:
        probs.append('set-role audit rows %r' % aud)
    # The same session, its next request.
    r = export(a, 'consultation')
    if not refused(r):
        probs.append('after set-role caseworker, the open session still '
                     'exports: %s' % html_checks.describe(r))
    d = a.get('/admin/')
    if d.status != 200 or dashboard_offers(d.text)[0]:
        probs.append('after set-role caseworker, the dashboard: %s, '
                     'export form shown %r' % (
                         html_checks.describe(d),
                         dashboard_offers(d.text)[0]))
    vawgctl_role(ctx, ['set-role', '--user', acct.name, '--role', 'admin'])
    r = export(a, 'referral')
    if not is_csv(r, 'after set-role admin'):
        probs.append('after set-role admin, no referral export: %s'
                     % html_checks.describe(r))
    # Disabling holds from the next request too.
    vawgctl_role(ctx, ['disable-admin', '--user', acct.name])
    d = a.get('/admin/')
    if d.status != 303:
        probs.append('after disable-admin the session still answers %s'
                     % html_checks.describe(d))
    assert not probs, '; '.join(probs)


def test_admin_roles_vawgctl_refuses(ctx):
    acct = enrol(ctx, 'it-role-cli', 'caseworker')
    probs = []
    before = audit_max(ctx)
    for args, what in (
            (['set-role', '--user', acct.name, '--role', 'boss'],
             'an unknown role'),
            (['set-role', '--user', acct.name, '--role', 'Admin'],
             'a role in capitals'),
            (['set-role', '--user', acct.name], 'no --role'),
            (['set-role', '--user', 'nobody-here', '--role', 'admin'],
             'an unknown account'),
            (['add-admin', '--user', 'it-role-boss', '--role', 'boss',
              '--keys', ctx.stack.keys_dir], 'add-admin, unknown role')):
        rc, out, err = vawgctl_role(ctx, args)
        if rc == 0:
            probs.append('vawgctl with %s exited 0' % what)
    if role_of(ctx, acct.name) != 'caseworker':
        probs.append('the refused commands changed the role to %r'
                     % role_of(ctx, acct.name))
    if role_of(ctx, 'it-role-boss') != '':
        probs.append('add-admin --role boss made an account')
    if audit_rows(ctx, before):
        probs.append('refused commands wrote audit rows')
    # Enrolled again without --role (a password reset): the role stays.
    rc, out, err = vawgctl_role(ctx, ['add-admin', '--user', acct.name,
                                      '--keys', ctx.stack.keys_dir])
    if rc != 0 or role_of(ctx, acct.name) != 'caseworker':
        probs.append('re-enrolled without --role: exit %d, role %r, '
                     'expected caseworker kept' % (rc,
                                                   role_of(ctx, acct.name)))
    assert not probs, '; '.join(probs)


# ---- migration 014 on a database that holds accounts already ----------

SCRATCH = 'vawg_roles_014'


def scratch_psql(ctx, sql=None, path=None, user='postgres', account=None):
    args = ctx.stack.psql_args(user, account)
    args[args.index('vawg', args.index('-d'))] = SCRATCH
    if path:
        args += ['--single-transaction', '-f', path]
    p = subprocess.run(args, input=(sql or '').encode(), cwd='/',
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=ctx.stack.env(), timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_admin_roles_migration_makes_existing_admins(ctx):
    sql_dir = os.path.join(ctx.stack.repo, 'sql')
    files = sorted(f for f in os.listdir(sql_dir)
                   if re.match(r'^\d{3}_.*\.sql$', f))
    before = [f for f in files if f < '014']
    mine = [f for f in files if f.startswith('014_')]
    assert len(mine) == 1, 'sql/014_*.sql: %r' % mine
    ctx.stack.psql('DROP DATABASE IF EXISTS %s;' % SCRATCH)
    ctx.stack.psql('CREATE DATABASE %s;' % SCRATCH)
    try:
        for f in before:
            rc, out, err = scratch_psql(ctx, path=os.path.join(sql_dir, f))
            assert rc == 0, 'migration %s on a scratch database: %s' % (
                f, err[:300])
        sealed = "'\\x%s'::bytea" % ('01' * 60)
        rc, out, err = scratch_psql(ctx, sql=(
            "INSERT INTO vawg.admin_user (username, pwhash, totp_sealed, "
            "disabled) VALUES ('old-one', 'x', %s, false), ('old-two', 'x', "
            "%s, true), ('old-three', 'x', %s, false);" % ((sealed,) * 3)))
        assert rc == 0, 'accounts before 014: %s' % err[:300]
        rc, out, err = scratch_psql(ctx, path=os.path.join(sql_dir, mine[0]))
        assert rc == 0, 'migration %s on a database with accounts: %s' % (
            mine[0], err[:300])
        rc, out, err = scratch_psql(ctx, sql='SELECT username || \'=\' || '
                                    'role FROM vawg.admin_user ORDER BY id;')
        got = out.split()
        admins = [x for x in got if x.endswith('=admin')]
        ctx.figure('existing_accounts_admin_after_014', '%d of %d' % (
            len(admins), 3))
        assert len(admins) == 3 and len(got) == 3, got
        # vawg_admin reads the role, and cannot change it.
        rc, out, err = scratch_psql(ctx, sql='SELECT role FROM '
                                    'vawg.admin_user LIMIT 1;',
                                    user='vawg_admin')
        assert rc == 0 and out.strip() == 'admin', (
            'vawg_admin reading role: %s' % (err or out)[:300])
        rc, out, err = scratch_psql(ctx, sql="UPDATE vawg.admin_user SET "
                                    "role = 'admin';", user='vawg_admin')
        assert rc != 0, 'vawg_admin changed a role'
        # No account is an admin by omission, and no word but the three.
        for sql in ("INSERT INTO vawg.admin_user (username, pwhash, "
                    "totp_sealed) VALUES ('new-one', 'x', %s);" % sealed,
                    "UPDATE vawg.admin_user SET role = 'root';"):
            rc, out, err = scratch_psql(ctx, sql=sql)
            assert rc != 0, '%s was allowed' % sql
        rc, out, err = scratch_psql(ctx, sql=(
            "INSERT INTO vawg.audit_log (actor, action) VALUES "
            "('vawgctl', 'admin-role'), ('x', 'login');"))
        assert rc == 0, 'audit actions after 014: %s' % err[:300]
    finally:
        ctx.stack.psql('DROP DATABASE IF EXISTS %s;' % SCRATCH)
