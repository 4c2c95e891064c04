#!/usr/bin/env python3
"""What every test is handed: the stack, an HTTP client, the form
definitions, a random source, and the run's record (canaries sent,
references confirmed, every response seen, figures to print)."""

import time

import forms
import html_checks
from http_client import Client

TOKEN_WAIT = 1.2        # past the 1 s minimum fill time, with a margin


class Context:
    def __init__(self, stack, rng):
        self.stack = stack
        self.rng = rng
        self.http = Client(stack.port, observer=self._observe)
        self.canaries = set()
        self.confirmed = {}         # token -> reference shown to the user
        self.figures = []           # (name, value) for the current test
        self.responses = 0
        self.fivexx = []            # (method, path, status) outside outages
        self.cookies = []           # (method, path, Set-Cookie value)
        self.allow_5xx = False      # set while the database is down
        self.headers_checked = 0
        self._forms = None

    def _observe(self, method, path, resp):
        self.responses += 1
        if resp.status is not None and resp.status >= 500 \
                and not self.allow_5xx:
            self.fivexx.append((method, path, resp.status))
        for v in resp.header_all('Set-Cookie'):
            self.cookies.append((method, path, v))

    def figure(self, name, value):
        self.figures.append((name, value))

    # Forms

    def forms(self):
        if self._forms is None:
            self._forms = forms.load_forms(self.stack)
        return self._forms

    def form(self, name):
        f = self.forms().get(name)
        assert f is not None, ('the database defines no form %r (forms: %s)'
                               % (name, sorted(self.forms())))
        return f

    def answers(self, name, optional=True):
        return forms.build_answers(self.form(name), self.rng, self.canaries,
                                   optional)

    # Pages

    def check_headers(self, resp, what, no_store=False, html_page=True):
        """Fail with what the user would see if resp lacks a header."""
        self.headers_checked += 1
        probs = html_checks.header_problems(resp, no_store, html_page)
        assert not probs, '%s (%s): %s' % (what, resp.status, '; '.join(probs))

    def tokens(self, name, n=1, wait=True):
        """n fresh form tokens for form name, each from its own GET; waits
        until the newest is past the minimum fill time."""
        form = self.form(name)
        out = []
        for _ in range(n):
            r = self.http.get(form.path)
            assert r.status == 200, ('GET %s: expected the form (200), got %s'
                                     % (form.path, html_checks.describe(r)))
            self.check_headers(r, 'form page %s' % form.path, no_store=True)
            tok = html_checks.Page(r.text).token
            assert tok, ('GET %s: the form has no hidden _token input'
                         % form.path)
            out.append(tok)
        if wait:
            time.sleep(TOKEN_WAIT)
        return out

    def post(self, name, body, **kw):
        return self.http.post_form('/' + name, body, **kw)

    # Rows

    def max_id(self):
        return int(self.stack.psql(
            'SELECT coalesce(max(id), 0) FROM vawg.submission;'))

    def row_count(self):
        return int(self.stack.psql('SELECT count(*) FROM vawg.submission;'))
