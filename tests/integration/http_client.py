#!/usr/bin/env python3
"""HTTP helpers for the integration tests: well-formed requests through
http.client, and raw HTTP/1.1 over a socket for malformed ones (lying
Content-Length, chunked bodies, invalid bytes, other source addresses).
Every request carries a forged X-Forwarded-For (FAKE_XFF).

Every call has a timeout and goes to 127.0.0.1 only.  Every response is
passed to an optional observer, so the suite can count 5xx answers and
Set-Cookie headers over the whole run."""

import http.client
import re
import socket
import time

HOST = '127.0.0.1'
FORM_CT = 'application/x-www-form-urlencoded'
MAX_RAW_BYTES = 8 * 1024 * 1024

# A forged client address (issue 4, item 4): every request the suite sends
# carries X-Forwarded-For with this documentation address (RFC 5737,
# TEST-NET-3).  It is only a header value and never leaves the machine;
# test_leaks.py checks that it is written nowhere.
FAKE_XFF = '203.0.113.77'
XFF = 'X-Forwarded-For'

# What the suite sent, for test_leaks.py: requests and POSTs in all, how
# many carried the forged header, and the bodies of any POST that did not
# (so a canary posted without it can be found).
SENT = {'requests': 0, 'with_xff': 0, 'posts': 0, 'posts_with_xff': 0,
        'posts_without_xff': []}


def _has_xff(names):
    return any(n.strip().lower() == XFF.lower() for n in names)


def note_sent(method, has_xff, body=b''):
    """Count one request sent (also for requests sent on a socket of the
    test's own, as test_hostile's slow ones are)."""
    SENT['requests'] += 1
    SENT['with_xff'] += bool(has_xff)
    if method.upper() == 'POST':
        SENT['posts'] += 1
        if has_xff:
            SENT['posts_with_xff'] += 1
        else:
            SENT['posts_without_xff'].append(bytes(body or b''))


def raw_has_xff(data):
    """Whether raw request bytes carry X-Forwarded-For in their header
    block, and the body after it."""
    head, sep, body = data.partition(b'\r\n\r\n')
    lines = head.split(b'\r\n')[1:]
    names = [ln.split(b':', 1)[0].decode('latin-1') for ln in lines
             if b':' in ln]
    return _has_xff(names), body if sep else b''


def xff_in(data):
    """Whether data (bytes) holds the forged address, as text or as the
    hex of that text (how bytea and some dumps write it)."""
    forms = (FAKE_XFF.encode('ascii'),
             FAKE_XFF.encode('ascii').hex().encode('ascii'))
    low = data.lower()
    return any(f in data or f in low for f in forms)


def with_xff(data):
    """Raw request bytes with the forged X-Forwarded-For added after the
    request line, unless they carry one already or have no request line
    ending in CRLF.  Nothing else changes: not the framing, not the body."""
    has, _ = raw_has_xff(data)
    line, sep, rest = data.partition(b'\r\n')
    if has or not sep or not line:
        return data
    return line + sep + ('%s: %s\r\n' % (XFF, FAKE_XFF)).encode('latin-1') + \
        rest


class Response:
    """One HTTP response.  status is None when the server sent nothing."""

    def __init__(self, status, reason, headers, body, raw=b'', elapsed=0.0):
        self.status = status
        self.reason = reason
        self.headers = headers      # list of (name, value), in order
        self.body = body
        self.raw = raw
        self.elapsed = elapsed

    def header(self, name):
        """The first value of header name (any case), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode('utf-8', 'replace')

    def __repr__(self):
        return 'Response(%r %r, %d bytes)' % (self.status, self.reason,
            len(self.body))


def dechunk(data):
    """Decode a chunked body; a truncated one gives what arrived."""
    out = bytearray()
    pos = 0
    for _ in range(1000000):
        eol = data.find(b'\r\n', pos)
        if eol < 0:
            break
        size_txt = data[pos:eol].split(b';', 1)[0].strip()
        try:
            size = int(size_txt, 16)
        except ValueError:
            break
        if size == 0:
            break
        start = eol + 2
        out += data[start:start + size]
        pos = start + size + 2
        if pos > len(data):
            break
    return bytes(out)


_STATUS_RE = re.compile(r'^HTTP/\d(?:\.\d)? (\d{3})(?: (.*))?$')


def parse_response(data, head=False):
    """Parse raw response bytes (read until close).  For a HEAD request
    the body is whatever followed the headers, so a test can see that it
    is empty.  Interim 1xx responses are skipped."""
    rest = data
    for _ in range(10):
        sep = rest.find(b'\r\n\r\n')
        head_part = rest if sep < 0 else rest[:sep]
        body = b'' if sep < 0 else rest[sep + 4:]
        lines = head_part.decode('iso-8859-1').split('\r\n')
        m = _STATUS_RE.match(lines[0]) if lines else None
        if not m:
            return Response(None, '', [], b'', raw=data)
        status = int(m.group(1))
        if 100 <= status < 200 and sep >= 0:
            rest = body
            continue
        headers = []
        for line in lines[1:]:
            if ':' in line:
                k, v = line.split(':', 1)
                headers.append((k.strip(), v.strip()))
        resp = Response(status, m.group(2) or '', headers, b'', raw=data)
        te = (resp.header('Transfer-Encoding') or '').lower()
        cl = resp.header('Content-Length')
        if head:
            resp.body = body
        elif 'chunked' in te:
            resp.body = dechunk(body)
        elif cl is not None and cl.isdigit():
            resp.body = body[:int(cl)]
        else:
            resp.body = body
        return resp
    return Response(None, '', [], b'', raw=data)


class Client:
    """Requests to the stack on 127.0.0.1:port."""

    def __init__(self, port, observer=None):
        self.port = port
        self.observer = observer

    def _seen(self, method, path, resp):
        if self.observer is not None:
            self.observer(method, path, resp)
        return resp

    def request(self, method, path, body=None, headers=None, timeout=10,
        source=None):
        """A well-formed request through http.client (no redirects
        followed).  body is bytes or None."""
        src = (source, 0) if source else None
        h = dict(headers or {})
        if not _has_xff(h):
            h[XFF] = FAKE_XFF
        note_sent(method, True, body)
        t0 = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout,
            source_address=src)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            resp = Response(r.status, r.reason, r.getheaders(), data,
                elapsed=time.monotonic() - t0)
        finally:
            conn.close()
        return self._seen(method, path, resp)

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post_form(self, path, body, content_type=FORM_CT, headers=None,
        timeout=15, source=None):
        h = dict(headers or {})
        if content_type is not None:
            h['Content-Type'] = content_type
        return self.request('POST', path, body=body, headers=h,
            timeout=timeout, source=source)

    def raw(self, data, timeout=10, source=None, half_close=False,
        head=False):
        """Send raw request bytes and read the answer until the server
        closes (send Connection: close), at most timeout seconds in all.
        A server that stops reading early (413) is fine: the answer is
        still read.  Raises TimeoutError if the server neither answers
        nor closes in time."""
        deadline = time.monotonic() + timeout
        src = (source, 0) if source else None
        data = with_xff(data)
        has, body = raw_has_xff(data)
        note_sent(data.split(b' ', 1)[0].decode('latin-1'), has, body)
        t0 = time.monotonic()
        sock = socket.create_connection((HOST, self.port), timeout=timeout,
            source_address=src)
        chunks = []
        try:
            try:
                sock.sendall(data)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass
            total = 0
            while total < MAX_RAW_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError('no complete answer within %ss'
                        % timeout)
                sock.settimeout(left)
                try:
                    b = sock.recv(65536)
                except ConnectionResetError:
                    break
                except socket.timeout:
                    raise TimeoutError('no complete answer within %ss'
                        % timeout) from None
                if not b:
                    break
                chunks.append(b)
                total += len(b)
        finally:
            sock.close()
        resp = parse_response(b''.join(chunks), head=head)
        resp.elapsed = time.monotonic() - t0
        first = data.split(b'\r\n', 1)[0].decode('latin-1').split(' ')
        method = first[0] if first else '?'
        path = first[1] if len(first) > 1 else '?'
        return self._seen(method, path, resp)


def raw_request(method, path, port, headers=(), body=b'',
    content_length=True):
    """Build raw request bytes with Host, Connection: close and the forged
    X-Forwarded-For (unless headers has one).  headers is a list of (name,
    value); Content-Length is added from the body unless content_length is
    False (then give your own, or none)."""
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: %s:%d' % (HOST, port),
        'Connection: close']
    if not _has_xff(k for k, _ in headers):
        lines.append('%s: %s' % (XFF, FAKE_XFF))
    for k, v in headers:
        lines.append('%s: %s' % (k, v))
    if content_length:
        lines.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body


def chunked(body, size=1000):
    """body encoded as HTTP/1.1 chunks of size bytes."""
    out = bytearray()
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b'%x\r\n' % len(piece) + piece + b'\r\n'
    out += b'0\r\n\r\n'
    return bytes(out)
