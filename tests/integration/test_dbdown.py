#!/usr/bin/env python3
"""PostgreSQL stops and starts again: /healthz says 503, a post says
503 quickly (never a false confirmation, never a hang), and once the
database is back the workers reconnect and posts are stored."""

import time

import html_checks
import rows

DOWN_WAIT = 10
UP_WAIT = 10
POST_TIMEOUT = 15


def _poll(ctx, path, status, seconds):
    deadline = time.monotonic() + seconds
    last = None
    err = None
    for _ in range(200):
        if time.monotonic() > deadline:
            break
        try:
            last = ctx.http.get(path, timeout=5)
        except OSError as e:
            last = None
            err = e
        else:
            if last.status == status:
                return last
        time.sleep(0.25)
    what = html_checks.describe(last) if last else 'no answer (%s)' % err
    raise AssertionError('GET %s: expected %d within %ss, last %s'
                         % (path, status, seconds, what))


def test_database_down_and_back(ctx):
    name = 'consultation'
    down_tok, = ctx.tokens(name)
    down_answers = ctx.answers(name)
    count = ctx.row_count()
    ctx.allow_5xx = True
    try:
        ctx.stack.pg_stop()
        _poll(ctx, '/healthz', 503, DOWN_WAIT)
        g = ctx.http.get('/' + name, timeout=POST_TIMEOUT)
        if g.status == 200:
            assert html_checks.Page(g.text).token, (
                'form page while the database is down: 200 but no form')
        else:
            assert g.status == 503, ('form page while the database is down: '
                                     'expected the form or 503, got %s'
                                     % html_checks.describe(g))
        t0 = time.monotonic()
        try:
            p = ctx.post(name, down_answers.body(down_tok),
                         timeout=POST_TIMEOUT)
        except OSError as e:
            raise AssertionError('post while the database is down: no answer '
                                 'within %ss (%s)' % (POST_TIMEOUT, e))
        assert p.status == 503, ('post while the database is down: expected '
                                 '503 "not saved", got %s in %.1fs'
                                 % (html_checks.describe(p),
                                    time.monotonic() - t0))
        ctx.figure('down_post_seconds', '%.1f' % (time.monotonic() - t0))
        ctx.check_headers(p, '503 "not saved" page', no_store=True)
    finally:
        ctx.stack.pg_start()
        ctx.allow_5xx = False
    t0 = time.monotonic()
    ctx.allow_5xx = True
    try:
        _poll(ctx, '/healthz', 200, UP_WAIT)
    finally:
        ctx.allow_5xx = False
    ctx.figure('healthz_back_seconds', '%.1f' % (time.monotonic() - t0))
    assert ctx.row_count() == count, ('rows changed while the database was '
                                      'down and the post said 503')
    toks = ctx.tokens(name, 3)
    ok = 0
    for tok in toks:
        rows.submit_valid(ctx, ctx.answers(name), tok)
        ok += 1
    ctx.figure('posts_after_restart', '%d of %d' % (ok, len(toks)))
    # The refused post can be sent again, once, and is stored then.
    rows.submit_valid(ctx, down_answers, down_tok)
