#!/usr/bin/env python3
"""A form past its closing date: the page says so and offers no form;
a post with a token issued while it was open is refused (403).  The
closing date is restored afterwards whatever happens."""

import time

import html_checks
import rows

WAIT = 15           # seconds for the workers to pick up a reload
IN_A_ROW = 4        # consecutive GETs agreeing, so both workers reloaded


def _is_closed(resp):
    page = html_checks.Page(resp.text)
    return resp.status == 200 and not page.post_forms() and not page.token


def _wait_for(ctx, path, closed):
    """Poll GET path until IN_A_ROW answers agree it is (not) closed."""
    deadline = time.monotonic() + WAIT
    streak = 0
    last = None
    for _ in range(200):
        if time.monotonic() > deadline:
            break
        last = ctx.http.get(path)
        streak = streak + 1 if _is_closed(last) == closed else 0
        if streak >= IN_A_ROW:
            return last
        time.sleep(0.2)
    raise AssertionError('%ss after stack.sh reload, GET %s still %s: %s' % (
        WAIT, path, 'offers the form' if closed else 'says closed',
        html_checks.describe(last)))


def test_closed_form(ctx):
    name = 'consultation'
    path = '/' + name
    q = "SELECT closes_at::text FROM vawg.form WHERE name = '%s';" % name
    old = ctx.stack.psql(q)
    assert old, 'no form %r in vawg.form' % name
    tok, = ctx.tokens(name)
    a = ctx.answers(name)
    try:
        ctx.stack.psql("UPDATE vawg.form SET closes_at = now() - "
                       "interval '1 day' WHERE name = '%s';" % name)
        ctx.stack.reload()
        r = _wait_for(ctx, path, closed=True)
        ctx.check_headers(r, 'closed form page')
        words = html_checks.page_text(r.text).lower()
        assert 'closed' in words, ('closed form page does not say it is '
                                   'closed: %s' % html_checks.describe(r))
        left = [f for f in html_checks.Page(r.text).forms
                if not f.get('action', '').endswith('/exit')]
        assert not left, ('closed form page still holds a <form>: %r'
                          % left)
        before = ctx.max_id()
        p = ctx.post(name, a.body(tok))
        assert p.status == 403, ('posting to a closed form: expected 403, '
                                 'got %s' % html_checks.describe(p))
        ctx.check_headers(p, '403 on closed form')
        rows.expect_no_new_row(ctx, before, 'a post to a closed form')
    finally:
        ctx.stack.psql("UPDATE vawg.form SET closes_at = '%s'::timestamptz "
                       "WHERE name = '%s';" % (old.replace("'", "''"), name))
        ctx.stack.reload()
    _wait_for(ctx, path, closed=False)
    time.sleep(1.2)
    rows.submit_valid(ctx, a, tok)
