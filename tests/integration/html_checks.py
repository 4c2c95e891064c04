#!/usr/bin/env python3
"""Pure checks on responses: the security headers every HTML page
carries, and what a page shows (token, reference, error summary, field
errors, kept values, notices).  No network here, so these are easy to
try on sample pages."""

import html
import re
from html.parser import HTMLParser

REFERENCE_RE = re.compile(
    r'<strong\b[^>]*\bid=["\']reference["\'][^>]*>\s*'
    r'([A-Z2-9]{4}-[A-Z2-9]{4})\s*</strong>')
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link',
        'meta', 'param', 'source', 'track', 'wbr'}


class Page(HTMLParser):
    """What a user (or a browser) would find on the page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.inputs = []            # (tag, attrs) of input/textarea/select
        self.forms = []             # attrs of each <form>
        self.links = []             # href of each <a>
        self.ids = set()
        self.has_error_summary = False
        self.has_form_error = False     # a message for the whole form
        self.summary_links = []     # href of <a> inside #error-summary
        self.field_errors = 0       # elements with class field-error
        self._depth = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else '') for k, v in attrs}
        if 'id' in a:
            self.ids.add(a['id'])
        classes = a.get('class', '').split()
        if 'field-error' in classes:
            self.field_errors += 1
        if a.get('id') in ('error-summary', 'form-error') or \
                'error-summary' in classes or 'form-error' in classes:
            self.has_form_error = True
        if self._depth:
            if tag not in VOID:
                self._depth += 1
        elif a.get('id') == 'error-summary':
            self.has_error_summary = True
            self._depth = 0 if tag in VOID else 1
        if tag == 'a':
            self.links.append(a.get('href', ''))
            if self._depth:
                self.summary_links.append(a.get('href', ''))
        elif tag == 'form':
            self.forms.append(a)
        elif tag in ('input', 'textarea', 'select'):
            self.inputs.append((tag, a))

    def handle_endtag(self, tag):
        if self._depth and tag not in VOID:
            self._depth -= 1

    def input_value(self, name):
        for tag, a in self.inputs:
            if a.get('name') == name:
                return a.get('value')
        return None

    def input_names(self):
        return {a.get('name') for _, a in self.inputs if a.get('name')}

    @property
    def token(self):
        return self.input_value('_token')

    def post_forms(self):
        return [f for f in self.forms
                if f.get('method', 'get').lower() == 'post']


def find_reference(text):
    m = REFERENCE_RE.search(text)
    return m.group(1) if m else None


def squash(s):
    return ' '.join(s.split())


def page_text(text):
    """The visible words of a page, tags removed, entities decoded."""
    return squash(html.unescape(re.sub(r'<[^>]*>', ' ', text)))


def shows_text(text, words):
    """Whether the page shows words (HTML-escaped as needed), allowing
    for the page's own line breaks and paragraph tags."""
    w = squash(words)
    return w in page_text(text) or w in squash(html.unescape(text))


def shows_escaped(text, value):
    """Whether value appears on the page, decoded, and never raw when it
    holds markup characters (which would mean it was not escaped)."""
    if value not in html.unescape(text):
        return False
    if any(c in value for c in '<>"&') and value in text:
        return False
    return True


def describe(resp, limit=240):
    """How a user would describe the answer: status and the page's words."""
    if resp is None:
        return 'no response'
    if resp.status is None:
        return 'no answer (connection closed without a status line)'
    words = page_text(resp.text)
    if len(words) > limit:
        words = words[:limit] + '...'
    return '%s %s, page says: %r' % (resp.status, resp.reason, words)


def _csp_directives(value):
    out = {}
    for part in value.split(';'):
        bits = part.strip().split()
        if bits:
            out.setdefault(bits[0].lower(), bits[1:])
    return out


def csp_problems(values):
    """Problems with the Content-Security-Policy header values: each
    required directive must be present in at least one of them."""
    if not values:
        return ['no Content-Security-Policy header']
    want = (('default-src', "'self'"), ('form-action', "'self'"),
            ('frame-ancestors', "'none'"), ('base-uri', "'none'"))
    found = [_csp_directives(v) for v in values]
    probs = []
    for name, token in want:
        if not any(token in d.get(name, []) for d in found):
            probs.append("CSP lacks %s %s (got %r)" % (name, token,
                                                       '; '.join(values)))
    if any("'unsafe-inline'" in v or "'unsafe-eval'" in v for v in values):
        probs.append("CSP allows unsafe-inline/unsafe-eval: %r"
                     % '; '.join(values))
    return probs


def header_problems(resp, no_store=False, html_page=True):
    """Everything wrong with resp's headers against the contract for an
    HTML page; an empty list when all is well."""
    probs = []
    if html_page:
        probs += csp_problems(resp.header_all('Content-Security-Policy'))
        ct = [squash(v).lower().replace(' ', '')
              for v in resp.header_all('Content-Type')]
        if ct != ['text/html;charset=utf-8']:
            probs.append('Content-Type is %r, expected '
                         '"text/html; charset=utf-8"'
                         % resp.header_all('Content-Type'))
    xcto = [v.strip().lower() for v in resp.header_all('X-Content-Type-Options')]
    if not xcto or any(v != 'nosniff' for v in xcto):
        probs.append('X-Content-Type-Options is %r, expected nosniff'
                     % resp.header_all('X-Content-Type-Options'))
    rp = resp.header_all('Referrer-Policy')
    if not rp or any(t.strip().lower() != 'no-referrer'
                     for v in rp for t in v.split(',')):
        probs.append('Referrer-Policy is %r, expected no-referrer' % rp)
    if no_store:
        cc = ','.join(resp.header_all('Cache-Control')).lower()
        if 'no-store' not in [t.strip() for t in cc.split(',')]:
            probs.append('Cache-Control is %r, expected no-store'
                         % resp.header_all('Cache-Control'))
    if resp.header_all('Set-Cookie'):
        probs.append('sets a cookie: %r' % resp.header_all('Set-Cookie'))
    return probs


def error_page_problems(resp, bad_fields):
    """Problems with a 422 page against the contract: an error summary
    linking to each bad field, each field's own message, and the link
    target present so the link works."""
    probs = []
    page = Page(resp.text)
    if not page.has_error_summary:
        probs.append('no error summary (id="error-summary") at the top')
    for name in bad_fields:
        href = '#f-' + name
        if href not in page.summary_links:
            probs.append('error summary has no link to %s (links: %r)'
                         % (href, page.summary_links))
        if 'f-' + name not in page.ids:
            probs.append('link %s leads nowhere: no element id="f-%s"'
                         % (href, name))
    if page.field_errors < len(bad_fields):
        probs.append('%d field message(s) (class="field-error") for %d bad '
                     'field(s)' % (page.field_errors, len(bad_fields)))
    return probs
