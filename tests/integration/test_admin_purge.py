#!/usr/bin/env python3
"""The purge (issue 3; docs/THREAT-MODEL.md threat 17): `vawgctl purge`
removes exactly the rows past their form's retention, `--dry-run` says
what it would remove and removes nothing, and each purge is audited.
The rows' times and the forms' retention are put back afterwards, and
the purged references taken out of ctx.confirmed.

Figures: purged_rows, expired_rows_left, unexpired_rows_lost."""

from admin_client import audit_max, audit_rows
from export_answers import ensure_submissions


def test_admin_purge_expired_rows(ctx):
    sent = ensure_submissions(ctx)
    by_form = {}
    for ref, a in sorted(sent.items()):
        by_form.setdefault(a.form.name, []).append(ref)
    expire = by_form['consultation'][:2] + by_form['referral'][:1]
    recent = by_form['consultation'][2]         # 10 days old: kept
    keep_refs = set(ctx.stack.psql('SELECT reference FROM vawg.submission;')
                    .split()) - set(expire)
    saved = ctx.stack.psql("SELECT json_object_agg(name, retention_days) "
                           "FROM vawg.form;")
    try:
        ctx.stack.psql(
            "UPDATE vawg.form SET retention_days = 30;"
            "UPDATE vawg.submission SET created_at = now() - interval "
            "'400 days' WHERE reference IN (%s);"
            "UPDATE vawg.submission SET created_at = now() - interval "
            "'10 days' WHERE reference = '%s';" % (
                ','.join("'%s'" % r for r in expire), recent))
        before = audit_max(ctx)
        n0 = ctx.row_count()
        rc, out, err = ctx.stack.vawgctl(['purge', '--dry-run', '--db',
                                          ctx.stack.owner_db()])
        text = out.decode('utf-8', 'replace')
        assert rc == 0, 'vawgctl purge --dry-run exited %d: %s' % (rc, err)
        assert 'would purge consultation: 2 rows' in text and \
            'would purge referral: 1 rows' in text, (
                'purge --dry-run printed %r' % text)
        assert ctx.row_count() == n0, 'purge --dry-run removed rows'
        assert not audit_rows(ctx, before, 'purge'), \
            'purge --dry-run wrote an audit row'
        rc, out, err = ctx.stack.vawgctl(['purge', '--db',
                                          ctx.stack.owner_db()])
        text = out.decode('utf-8', 'replace')
        assert rc == 0, 'vawgctl purge exited %d: %s' % (rc, err)
        left = set(ctx.stack.psql('SELECT reference FROM vawg.submission;')
                   .split())
        gone = [r for r in expire if r in left]
        lost = sorted(keep_refs - left)
        ctx.figure('purged_rows', n0 - len(left))
        ctx.figure('expired_rows_left', len(gone))
        ctx.figure('unexpired_rows_lost', len(lost))
        assert not gone and not lost, ('after the purge: expired rows still '
                                       'there %s, unexpired rows gone %s'
                                       % (gone, lost))
        aud = {(x['form'], x['rows'], x['actor'])
               for x in audit_rows(ctx, before, 'purge')}
        assert aud == {('consultation', 2, 'vawgctl'),
                       ('referral', 1, 'vawgctl')}, (
            'purge audit rows %r, expected consultation 2 and referral 1'
            % aud)
        rc, out, err = ctx.stack.vawgctl(['purge', '--db',
                                          ctx.stack.owner_db()])
        assert rc == 0 and ctx.row_count() == len(left), \
            'a second purge changed something'
    finally:
        for tok, ref in list(ctx.confirmed.items()):
            if ref in expire:
                del ctx.confirmed[tok]
        for ref in expire:
            sent.pop(ref, None)
        ctx.stack.psql("UPDATE vawg.submission SET created_at = now() WHERE "
                       "reference = '%s';" % recent)
        ctx.stack.psql(
            "UPDATE vawg.form f SET retention_days = (j ->> f.name)::int "
            "FROM (SELECT '%s'::json AS j) x;" % saved.replace("'", "''"))
