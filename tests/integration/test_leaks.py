#!/usr/bin/env python3
"""After every post of the run: no canary in a database dump, the logs,
nginx's files or the spool; no client address in the logs; every
confirmation stored exactly once; no 5xx and no cookie seen anywhere."""

import os

import rows

LEAK_DIRS = ('log', 'nginx', 'spool')
MAX_FILE = 256 * 1024 * 1024


def test_no_canary_in_database_dump(ctx):
    dump = ctx.stack.pg_dump()
    assert b'submission' in dump, 'pg_dump holds no submission table'
    hits = rows.canaries_in(dump, ctx.canaries)
    ctx.figure('canaries_sent', len(ctx.canaries))
    ctx.figure('canary_hits_db', len(hits))
    assert not hits, 'canaries in clear in the database dump: %s' % hits[:5]


def _files(ctx):
    for d in LEAK_DIRS:
        top = os.path.join(ctx.stack.var, d)
        for root, _, names in os.walk(top):
            for n in sorted(names):
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    yield p


def test_no_canary_or_address_in_logs(ctx):
    checked = 0
    hits = []
    for path in _files(ctx):
        try:
            with open(path, 'rb') as f:
                data = f.read(MAX_FILE)
        except OSError as e:
            hits.append('%s unreadable (%s)' % (path, e))
            continue
        checked += 1
        rel = os.path.relpath(path, ctx.stack.var)
        for c in rows.canaries_in(data, ctx.canaries):
            hits.append('%s holds canary %s' % (rel, c))
        if b'127.0.0.9' in data:
            hits.append('%s holds the flooding address 127.0.0.9' % rel)
    ctx.figure('canary_hits_logs', sum('canary' in h for h in hits))
    ctx.figure('address_hits_logs', sum('127.0.0.9' in h for h in hits))
    ctx.figure('log_files_checked', checked)
    assert checked > 0, 'no log files found under %s' % ctx.stack.var
    assert not hits, '; '.join(hits[:10])


def test_every_confirmation_stored_once(ctx):
    got = ctx.stack.psql('SELECT reference FROM vawg.submission;').split()
    want = sorted(ctx.confirmed.values())
    missing = sorted(set(want) - set(got))
    ctx.figure('confirmed', len(ctx.confirmed))
    ctx.figure('rows', len(got))
    ctx.figure('confirmed_but_missing', len(missing))
    assert not missing, 'confirmed but not stored: %s' % missing
    assert len(got) == len(ctx.confirmed), (
        '%d rows for %d confirmed submissions' % (len(got),
                                                   len(ctx.confirmed)))


def test_no_5xx_no_cookie_seen(ctx):
    ctx.figure('responses_seen', ctx.responses)
    ctx.figure('responses_5xx', len(ctx.fivexx))
    ctx.figure('set_cookie_seen', len(ctx.cookies))
    ctx.figure('headers_checked', ctx.headers_checked)
    assert not ctx.fivexx, '5xx answers: %s' % ctx.fivexx[:10]
    assert not ctx.cookies, 'cookies set: %s' % ctx.cookies[:5]
