#!/usr/bin/env python3
"""A POST flood from one address (127.0.0.9) meets 429 and a calm page,
while a visitor from another address (127.0.0.1) still gets pages."""

import threading
import time

import html_checks
import rows
from http_client import FORM_CT, raw_request

FLOOD_SOURCE = '127.0.0.9'
FLOOD_COUNT = 400
FLOOD_SECONDS = 20
THREADS = 16


def _flood(ctx, state, lock, deadline):
    port = ctx.stack.port
    for _ in range(FLOOD_COUNT):
        with lock:
            if state['sent'] >= FLOOD_COUNT or time.monotonic() > deadline:
                return
            state['sent'] += 1
            path = '/consultation' if state['sent'] % 2 else '/referral'
        req = raw_request('POST', path, port, [('Content-Type', FORM_CT)],
                          b'')
        try:
            r = ctx.http.raw(req, timeout=5, source=FLOOD_SOURCE)
            status = r.status
        except OSError as e:
            status = type(e).__name__
            r = None
        with lock:
            state['statuses'][status] = state['statuses'].get(status, 0) + 1
            if status == 429 and state['page429'] is None:
                state['page429'] = r


def test_post_flood_rate_limited(ctx):
    state = {'sent': 0, 'statuses': {}, 'page429': None}
    lock = threading.Lock()
    deadline = time.monotonic() + FLOOD_SECONDS
    threads = [threading.Thread(target=_flood, args=(ctx, state, lock,
                                                     deadline), daemon=True)
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    legit = []
    for _ in range(100):
        if not any(t.is_alive() for t in threads) or \
                time.monotonic() > deadline:
            break
        r = ctx.http.get('/', timeout=10)
        legit.append((r.status, r.elapsed))
        time.sleep(0.05)
    for t in threads:
        t.join(max(0.1, deadline + 10 - time.monotonic()))
    with lock:
        statuses = dict(state['statuses'])
        sent = state['sent']
        page = state['page429']
    n429 = statuses.get(429, 0)
    ok = sum(1 for s, _ in legit if s == 200)
    lat = sorted(e for _, e in legit)
    p95 = lat[int(0.95 * (len(lat) - 1))] * 1000 if lat else 0
    ctx.figure('flood_sent', sent)
    ctx.figure('flood_429', n429)
    ctx.figure('flood_statuses', ' '.join('%s=%d' % (k, v) for k, v in
                                          sorted(statuses.items(), key=str)))
    ctx.figure('legit_get_ok', '%d of %d' % (ok, len(legit)))
    ctx.figure('legit_get_p95_ms', '%.0f' % p95)
    assert not any(t.is_alive() for t in threads), 'flood threads still busy'
    assert n429 > 0, ('%d quick POSTs from %s: no 429 at all (%s)'
                      % (sent, FLOOD_SOURCE, statuses))
    bad = {k: v for k, v in statuses.items()
           if not isinstance(k, int) or k >= 500}
    assert not bad, 'flood answers that are errors or no answer: %s' % bad
    assert legit and ok == len(legit), (
        'a visitor on 127.0.0.1 during the flood: %d of %d pages loaded (%s)'
        % (ok, len(legit), [s for s, _ in legit]))
    assert page is not None and page.body, '429 answer has no page'
    ctx.check_headers(page, '429 page')
    assert html_checks.page_text(page.text), '429 page says nothing'


def test_after_flood_local_posts_work(ctx):
    tok, = ctx.tokens('consultation')
    rows.submit_valid(ctx, ctx.answers('consultation'), tok)
