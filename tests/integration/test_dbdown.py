#!/usr/bin/env python3
"""PostgreSQL stops and starts again (docs/THREAT-MODEL.md threat 12).

While it is down, `vawgctl status` (the operator's) says so, /healthz
still says "up" to anyone (the spool keeps posts), and a valid post is
still confirmed (200, with the reference its row will carry), because the
worker writes it to the durable spool: a private file (0600) holding no
sensitive answer in clear.  A post the spool cannot take either gets 503
"not saved", never a confirmation, and /healthz says "down".  Once the
database is back the pool's replayer stores every spooled post exactly
once, with the reference shown, and the spool empties."""

import contextlib
import os
import stat
import time

import html_checks
import http_client
import rows

DOWN_WAIT = 10
UP_WAIT = 10
REPLAY_WAIT = 15
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


def _status(ctx, want_db, seconds):
    """`vawgctl status`'s lines once its database line says want_db
    (reachable / unreachable), within seconds."""
    deadline = time.monotonic() + seconds
    lines, err = {}, ''
    while True:
        _, lines, err = ctx.stack.status(timeout=seconds + 10)
        if lines.get('database') == want_db or \
                time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert lines.get('database') == want_db, (
        'vawgctl status: expected "database: %s" within %ss, got %r (%s)'
        % (want_db, seconds, lines, err.strip()[-200:]))
    return lines


def _records(ctx, sub=''):
    return ctx.stack.spool_records(sub)


def _post_down(ctx, name, answers, tok):
    t0 = time.monotonic()
    try:
        p = ctx.post(name, answers.body(tok), timeout=POST_TIMEOUT)
    except OSError as e:
        raise AssertionError('post to /%s while the database is down: no '
                             'answer within %ss (%s)' % (name, POST_TIMEOUT,
                                                          e))
    return p, time.monotonic() - t0


@contextlib.contextmanager
def _database_down(ctx):
    """PostgreSQL stopped (and `vawgctl status` saying so) for the with
    block, started again after it whatever happens; 5xx answers are
    expected meanwhile."""
    ctx.allow_5xx = True
    try:
        ctx.stack.pg_stop()
        _status(ctx, 'unreachable', DOWN_WAIT)
        yield
    finally:
        try:
            ctx.stack.pg_start()
        finally:
            ctx.allow_5xx = False


def _back_up(ctx):
    """Seconds until `vawgctl status` says the database is reachable, and
    /healthz 200, once PostgreSQL is started."""
    ctx.allow_5xx = True
    try:
        ctx.stack.pg_start()
        t0 = time.monotonic()
        _status(ctx, 'reachable', UP_WAIT)
        _poll(ctx, '/healthz', 200, UP_WAIT)
        return time.monotonic() - t0
    finally:
        ctx.allow_5xx = False


def _form_page_while_down(ctx):
    g = ctx.http.get('/consultation', timeout=POST_TIMEOUT)
    if g.status == 200:
        assert html_checks.Page(g.text).token, (
            'form page while the database is down: 200 but no form')
    else:
        assert g.status == 503, ('form page while the database is down: '
                                 'expected the form or 503, got %s'
                                 % html_checks.describe(g))


def _post_while_down(ctx, sent):
    """Posts each (answers, token) of sent, and the first again; each
    must be confirmed.  Returns {token: reference shown}."""
    shown = {}
    slowest = 0.0
    for answers, tok in sent:
        name = answers.form.name
        p, took = _post_down(ctx, name, answers, tok)
        slowest = max(slowest, took)
        assert p.status == 200, (
            'post to /%s while the database is down: expected the '
            'confirmation (200, answers kept in the spool), got %s in '
            '%.1fs' % (name, html_checks.describe(p), took))
        ctx.check_headers(p, 'confirmation while the database is down',
                          no_store=True)
        ref = html_checks.find_reference(p.text)
        assert ref and rows.REF_RE.match(ref), (
            'confirmation while the database is down shows no reference: '
            '%s' % html_checks.describe(p))
        shown[tok] = ref
    ctx.figure('down_post_seconds', '%.1f' % slowest)
    # A retry (refresh, double click) while still down: the same
    # reference, and still one record.
    answers, tok = sent[0]
    again, _ = _post_down(ctx, answers.form.name, answers, tok)
    assert again.status == 200 and \
        html_checks.find_reference(again.text) == shown[tok], (
            'posting the same form again while the database is down: '
            'expected the same reference %s, got %s'
            % (shown[tok], html_checks.describe(again)))
    return shown


def _check_spool_while_down(ctx, n):
    """n records in the spool, private, holding no answer in clear and
    not the forged address; `vawgctl status` counts them, /healthz only
    says "up"."""
    recs = _records(ctx)
    xff_hits = 0
    assert len(recs) == n, (
        '%d posts confirmed while the database is down (one twice): %d '
        'files in the spool, expected %d' % (n, len(recs), n))
    for path in recs:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, ('spool file %s has mode %o, expected 600'
                               % (os.path.basename(path), mode))
        with open(path, 'rb') as f:
            data = f.read()
        hits = rows.canaries_in(data, ctx.canaries)
        assert not hits, ('spool file %s holds sensitive answers in '
                          'clear: %s' % (os.path.basename(path), hits))
        if http_client.xff_in(data):
            xff_hits += 1
    ctx.figure('spool_files_while_down', len(recs))
    # Every post carried a forged X-Forwarded-For (http_client):
    # a spool record must not keep it.
    ctx.figure('xff_hits_spool_while_down', xff_hits)
    assert xff_hits == 0, ('%d spool files hold the forged address %s'
                           % (xff_hits, http_client.FAKE_XFF))
    _, lines, err = ctx.stack.status()
    assert lines.get('spool') == str(n), (
        'vawgctl status while %d posts wait in the spool: expected '
        '"spool: %d", got %r (%s)' % (n, n, lines, err.strip()[-200:]))
    h = ctx.http.get('/healthz')
    assert h.status == 200 and h.text == 'up\n', (
        '/healthz while the database is down and the spool keeps posts: '
        'expected 200 "up" and nothing more, got %s %r'
        % (h.status, h.text[:120]))


def _check_replay(ctx, sent, shown, before, count):
    """Once the database is back: every post of sent stored once, as
    posted, with the reference shown, and the spool empty."""
    t0 = time.monotonic()
    new = []
    while time.monotonic() - t0 < REPLAY_WAIT:
        new = rows.new_rows(ctx, before)
        if len(new) >= len(sent) and not _records(ctx):
            break
        time.sleep(0.25)
    ctx.figure('replay_seconds', '%.1f' % (time.monotonic() - t0))
    assert len(new) == len(sent), (
        '%d posts confirmed while the database was down: %d rows stored '
        '%ss after it came back, expected %d'
        % (len(sent), len(new), REPLAY_WAIT, len(sent)))
    assert ctx.row_count() == count + len(sent), 'row count is off'
    by_ref = {r['reference']: r for r in new}
    for answers, tok in sent:
        row = by_ref.get(shown[tok])
        assert row is not None, ('reference %s was confirmed while the '
                                 'database was down, but no row has it '
                                 '(rows: %s)' % (shown[tok], sorted(by_ref)))
        probs = rows.verify_row(ctx, row, answers, shown[tok])
        assert not probs, 'replayed %s row %s: %s' % (
            answers.form.name, shown[tok], '; '.join(probs))
        ctx.confirmed[tok] = shown[tok]
    left = _records(ctx)
    failed = _records(ctx, 'failed')
    assert not left and not failed, (
        'after the replay: %d records still spooled, %d set aside in failed/'
        % (len(left), len(failed)))
    rc, lines, err = ctx.stack.status()
    assert rc == 0 and lines.get('spool') == '0' and \
        lines.get('failed') == '0', (
            'vawgctl status after the replay: expected exit 0, "spool: 0" '
            'and "failed: 0", got %d %r (%s)' % (rc, lines,
                                                err.strip()[-200:]))
    h = ctx.http.get('/healthz')
    assert h.status == 200 and h.text == 'up\n', (
        '/healthz after the replay: expected 200 "up", got %s %r'
        % (h.status, h.text[:120]))
    ctx.figure('spooled_then_stored', '%d of %d' % (len(new), len(sent)))


def test_database_down_post_spooled_then_stored(ctx):
    sent = []           # (answers, token)
    for name in ('consultation', 'referral'):
        tok, = ctx.tokens(name)
        sent.append((ctx.answers(name), tok))
    before = ctx.max_id()
    count = ctx.row_count()
    with _database_down(ctx):
        _form_page_while_down(ctx)
        shown = _post_while_down(ctx, sent)
        _check_spool_while_down(ctx, len(sent))
    ctx.figure('healthz_back_seconds', '%.1f' % _back_up(ctx))

    _check_replay(ctx, sent, shown, before, count)

    # The same form sent again now: its reference, no second row.
    answers, tok = sent[0]
    last = ctx.max_id()
    r = ctx.post(answers.form.name, answers.body(tok))
    assert r.status == 200 and \
        html_checks.find_reference(r.text) == shown[tok], (
            'posting a replayed form again: expected reference %s, got %s'
            % (shown[tok], html_checks.describe(r)))
    rows.expect_no_new_row(ctx, last, 'posting a replayed form again')

    # And the workers took their connections back.
    toks = ctx.tokens('consultation', 2)
    for tok in toks:
        rows.submit_valid(ctx, ctx.answers('consultation'), tok)
    ctx.figure('posts_after_restart', '%d of %d' % (len(toks), len(toks)))


def test_spool_unwritable_says_not_saved(ctx):
    name = 'referral'
    tok, = ctx.tokens(name)
    answers = ctx.answers(name)
    before = ctx.max_id()
    spool = ctx.stack.spool_dir
    mode = stat.S_IMODE(os.stat(spool).st_mode)
    with _database_down(ctx):
        os.chmod(spool, 0)
        try:
            p, took = _post_down(ctx, name, answers, tok)
            h = ctx.http.get('/healthz')
        finally:
            os.chmod(spool, mode)
        assert p.status == 503, (
            'post while neither the database nor the spool can take it: '
            'expected 503 "not saved", got %s in %.1fs'
            % (html_checks.describe(p), took))
        assert html_checks.find_reference(p.text) is None, (
            'the 503 page shows a reference, as if the answers were saved')
        assert html_checks.shows_text(p.text, 'not saved'), (
            'the 503 page does not say the answers were not saved: %s'
            % html_checks.describe(p))
        ctx.check_headers(p, '503 "not saved" page', no_store=True)
        assert h.status == 503 and h.text == 'down\n', (
            '/healthz while neither the database nor the spool can take a '
            'post: expected 503 "down" and nothing more, got %s %r'
            % (h.status, h.text[:120]))
    _back_up(ctx)
    time.sleep(1.5)     # a replayer pass, had anything been spooled
    rows.expect_no_new_row(ctx, before, 'a post answered 503 "not saved"')
    assert not _records(ctx), 'a post answered 503 left a spool file'
    ctx.figure('unwritable_spool_post_status', p.status)
    # The refused post can be sent again, once, and is stored then.
    rows.submit_valid(ctx, answers, tok)
