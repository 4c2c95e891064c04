"""bench/peer.py: `bench.py peer-setup`, the PHP-FPM peer of `make bench`
(bench/peer/peer.php says what it does and does not do).

Writes the peer's folder $VAWG_VAR/bench-peer (the script, its config.php
with the keys, the forms' fields and the pages the pool rendered, and the
php-fpm configuration), starts php-fpm (pm = static with as many children
as the pool has workers, running as the pool's account, opcache on),
adds two locations to the bench's generated nginx.conf (the pool's own
location blocks with the peer's socket), reloads nginx, and then proves,
before anything is measured, that the peer does the same work:

  - its form page has the same length as the pool's, and a token it
    mints is accepted by the pool; one the pool minted is accepted by it;
  - the envelopes it stores open with the service's secret key
    (`vawgctl decrypt`) to the same answers as the pool's, with the same
    plain JSON, the same envelope length and key id, and the reference
    lib/token.c derives from the nonce; a second POST of its token stores
    no second row and shows the same reference;
  - its confirmation page has the same length as the pool's.

Standard library only; called by bench.py with bench.py itself as `b`
(its psql, req, fig, die and paths).
"""

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from urllib.parse import parse_qsl

PEER_PREFIX = '/bench-peer/'
REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'
TOKEN_RE = re.compile(r'(name="_token" value=")([A-Za-z0-9_-]+)(")')
REF_RE = re.compile(r'(<strong id="reference">)([2-9A-Z]{4}-[2-9A-Z]{4})'
                    r'(</strong></p>\n</div>\n)')
# Production settings a city's install would have: Debian's php.ini (the
# production one) with opcache on and scripts never re-checked on disk.
PHP_FLAGS = ['-d', 'opcache.enable=1', '-d', 'opcache.validate_timestamps=0',
             '-d', 'opcache.memory_consumption=128']


def php(v):
    """v as a PHP literal (bytes as "\\xNN" strings)."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return '"' + ''.join('\\x%02x' % c for c in v) + '"'
    if isinstance(v, str):
        return "'" + v.replace('\\', '\\\\').replace("'", "\\'") + "'"
    if isinstance(v, (list, tuple)):
        return '[' + ', '.join(php(x) for x in v) + ']'
    if isinstance(v, dict):
        return '[' + ', '.join('%s => %s' % (php(k), php(x))
                               for k, x in v.items()) + ']'
    raise TypeError(type(v))


def reference(nonce, size=8):
    """lib/token.c token_reference: BLAKE2b-64 of the nonce, 8 symbols;
    size=16: the peer's (the first 8 bytes of BLAKE2b-128, peer.php says
    why)."""
    v = int.from_bytes(hashlib.blake2b(nonce, digest_size=size).digest()[:8],
                       'big')
    out = ''
    for i in range(8):
        if i == 4:
            out += '-'
        out += REF_ALPHABET[v % 30]
        v //= 30
    return out


def token_nonce(token):
    import base64
    raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
    return raw[13:29]


def form_def(b, name):
    """One form as the peer's config holds it: ids, window, fields."""
    big = 9223372036854775807
    row = json.loads(b.psql("""
    SELECT json_build_object('id', f.id, 'version_id', c.version_id,
      'opens', CASE WHEN f.opens_at = '-infinity' THEN -%d
               ELSE extract(epoch FROM f.opens_at)::bigint END,
      'closes', CASE WHEN f.closes_at = 'infinity' THEN %d
               ELSE extract(epoch FROM f.closes_at)::bigint END,
      'fields', (SELECT json_agg(json_build_object('name', ff.name,
        'kind', ff.kind, 'required', ff.required, 'max_length',
        ff.max_length, 'sensitive', ff.sensitive, 'options',
        (SELECT json_agg(json_build_array(o.value, o.notice)
          ORDER BY o.position) FROM vawg.form_option o
          WHERE o.version_id = ff.version_id AND o.field_name = ff.name))
        ORDER BY ff.position) FROM vawg.form_field ff
        WHERE ff.version_id = c.version_id))
    FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id
    WHERE f.name = '%s'""" % (big, big, name)))
    fields, nmax = {}, 2
    for fd in row['fields']:
        d = {'kind': fd['kind'], 'required': fd['required'],
             'max_length': fd['max_length'], 'sensitive': fd['sensitive']}
        if fd['kind'] in ('radio', 'checkboxes', 'select'):
            d['options'] = {v: n for v, n in (fd['options'] or [])}
        nmax += len(d['options']) if fd['kind'] == 'checkboxes' else 1
        fields[fd['name']] = d
    return {'id': row['id'], 'version_id': row['version_id'], 'name': name,
            'opens': row['opens'], 'closes': row['closes'],
            'max_fields': nmax, 'fields': fields}


def split_page(b, body, rx, what):
    """body split around the one match of rx's middle group."""
    text = body.decode()
    m = list(rx.finditer(text))
    if len(m) != 1:
        b.die('peer: %s: %d places for the token or reference' % (
            what, len(m)))
    m = m[0]
    return text[:m.end(1)], m.group(2), text[m.start(3):]


def write_config(b, d, forms):
    keys = os.path.join(b.VAR, 'keys')
    with open(os.path.join(keys, 'token.key'), 'rb') as f:
        token_key = f.read()
    with open(os.path.join(keys, 'service.pub')) as f:
        pk = bytes.fromhex(f.read().strip())
    key_id = hashlib.blake2b(pk, digest_size=32).hexdigest()[:16]
    conf = {
        'db': 'host=%s dbname=vawg user=vawg_public connect_timeout=3 '
              "options='-c statement_timeout=5000'" % os.path.join(
                  b.VAR, 'run'),
        'token_key': token_key, 'public_key': pk, 'key_id': key_id,
        'key_id_bin': bytes.fromhex(key_id),
        'min_fill': int(os.environ.get('VAWG_MIN_FILL_SECONDS', '3')),
        'max_age': int(os.environ.get('VAWG_TOKEN_MAX_AGE', '86400')),
        'body_max': int(os.environ.get('VAWG_BODY_MAX', '524288')),
        'forms': forms}
    path = os.path.join(d, 'config.php')
    with open(path, 'w') as f:
        f.write('<?php\n// Written by bench/peer.py; holds the token key.\n'
                'return %s;\n' % php(conf))
    shutil.chown(path, 'root', 'vawgweb')
    os.chmod(path, 0o640)
    return key_id


def start_fpm(b, d, workers):
    sock = os.path.join(d, 'peer.sock')
    conf = os.path.join(d, 'php-fpm.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '; Written by bench/peer.py.', '[global]',
            'pid = %s' % os.path.join(d, 'php-fpm.pid'),
            'error_log = %s' % os.path.join(b.VAR, 'log', 'bench-peer.log'),
            'daemonize = no', '', '[peer]', 'user = vawgweb',
            'group = vawgweb', 'listen = %s' % sock,
            'listen.owner = vawgweb', 'listen.group = www-data',
            'listen.mode = 0660',
            # The pool's queue (lib/pool.c) is 1024 deep as well.
            'listen.backlog = 1024',
            'pm = static', 'pm.max_children = %d' % workers,
            'pm.max_requests = 0',
            # Fields repeat (one per ticked box, no "[]"): the body is
            # parsed by the script, as lib/urlenc.c does, not into $_POST.
            'php_admin_flag[enable_post_data_reading] = off',
            # PHP's errors (none are expected) go to bench-peer.log.
            'php_admin_flag[display_errors] = off',
            'php_admin_flag[log_errors] = on', 'catch_workers_output = yes',
            'decorate_workers_output = no', '']))
    fpm = sorted(glob.glob('/usr/sbin/php-fpm*'))
    if not fpm:
        b.die('peer: php-fpm not installed (php8.2-fpm)')
    log = open(os.path.join(b.VAR, 'log', 'bench-peer.log'), 'ab')
    p = subprocess.Popen([fpm[-1], '-F', '-y', conf] + PHP_FLAGS,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         start_new_session=True)
    with open(os.path.join(b.VAR, 'bench-peer.pid'), 'w') as f:
        f.write('%d\n' % p.pid)
    for _ in range(100):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.1)
    if p.poll() is not None or not os.path.exists(sock):
        b.die('peer: php-fpm did not start (log/bench-peer.log)')
    v = subprocess.run([fpm[-1], '-v'], stdout=subprocess.PIPE,
                       timeout=10).stdout.decode().splitlines()[0]
    b.fig('peer.php_fpm', v)
    b.fig('peer.settings', 'pm=static, %d children, user vawgweb, %s' % (
        workers, ' '.join(PHP_FLAGS[1::2])))
    return sock


def add_locations(b, d, sock):
    """The pool's "location /" and "location = /referral" blocks, with
    the peer's socket and script, as /bench-peer/consultation and
    /bench-peer/referral."""
    conf = os.path.join(b.VAR, 'nginx', 'nginx.conf')
    with open(conf) as f:
        text = f.read()
    if PEER_PREFIX in text:
        return
    blocks = []
    for name, rx in (('consultation', r'\t\tlocation / \{\n(.*?)\t\t\}\n'),
                     ('referral', r'\t\tlocation = /referral \{\n(.*?)'
                                  r'\t\t\}\n')):
        m = re.search(rx, text, re.S)
        if not m:
            b.die('peer: nginx.conf has no block for %s' % name)
        body = re.sub(r'fastcgi_pass [^;]+;', 'fastcgi_pass unix:%s;\n'
                      '\t\t\tfastcgi_param SCRIPT_FILENAME %s;' % (
                          sock, os.path.join(d, 'peer.php')), m.group(1))
        blocks.append('\t\tlocation = %s%s {\n%s\t\t}\n\n' % (
            PEER_PREFIX, name, body))
    anchor = '\t\tlocation /static/ {'
    text = text.replace(anchor, ''.join(blocks) + anchor, 1)
    with open(conf, 'w') as f:
        f.write(text)
    b.nginx_reload()


def rows_by_idem(b, nonces):
    sql = ("SELECT json_agg(json_build_object('idem', encode(idem_key, "
           "'hex'), 'reference', reference, 'plain', plain, 'sealed', "
           "encode(sealed, 'hex'), 'key_id', key_id)) FROM vawg.submission "
           "WHERE idem_key IN (%s)" % ', '.join(
               "'\\x%s'::bytea" % n.hex() for n in nonces))
    return {r['idem']: r for r in json.loads(b.psql(sql) or 'null') or []}


def decrypt(b, form, rows):
    lines = ''.join('%s\t%s\t%s\n' % (r['idem'], form, r['sealed'])
                    for r in rows)
    p = subprocess.run(
        [os.path.join(os.environ.get('VAWG_BIN', 'build'), 'vawgctl'),
         'decrypt', '--keys', os.path.join(b.VAR, 'keys'),
         '--passphrase-file', os.path.join(b.VAR, 'keys', 'passphrase')],
        input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=60)
    out = []
    for line in p.stdout.decode().splitlines():
        st, _, rest = line.partition('\t')
        if st != 'ok':
            b.die('peer smoke: vawgctl decrypt: %s' % line[:200])
        out.append(sorted(parse_qsl(rest, keep_blank_values=True)))
    if len(out) != len(rows):
        b.die('peer smoke: vawgctl decrypt: %s' % p.stderr.decode()[:300])
    return out


def smoke(b, form, body_file):
    """The checks of this module's docstring, on form (the bench's POST)."""
    with open(body_file) as f:
        answers = f.read().strip()
    st, _, pool_page = b.req('GET', '/' + form)
    st2, _, peer_page = b.req('GET', PEER_PREFIX + form)
    if st != 200 or st2 != 200 or len(pool_page) != len(peer_page):
        b.die('peer smoke: GET form pages %d/%d, %d/%d bytes' % (
            st, st2, len(pool_page), len(peer_page)))
    pool_tok, peer_tok = b.page_token(pool_page), b.page_token(peer_page)
    posts = {}
    for who, path, tok in (('peer', PEER_PREFIX + form, pool_tok),
                           ('pool', '/' + form, peer_tok)):
        st, _, page = b.req('POST', path, body='_token=%s&_homepage=&%s' % (
            tok, answers))
        if st != 200:
            b.die('peer smoke: POST %s with a token the %s minted: %d %s' % (
                path, 'pool' if who == 'peer' else 'peer', st,
                page.decode(errors='replace')[:200]))
        ref = split_page(b, page, REF_RE, 'confirmation')[1]
        posts[who] = (token_nonce(tok), ref, page)
    # The same token again: same reference, no second row.
    st, _, again = b.req('POST', PEER_PREFIX + form,
                         body='_token=%s&_homepage=&%s' % (pool_tok, answers))
    if st != 200 or split_page(b, again, REF_RE, 'again')[1] != \
            posts['peer'][1]:
        b.die('peer smoke: a repeated token did not get the same reference')
    rows = rows_by_idem(b, [posts['peer'][0], posts['pool'][0]])
    if len(rows) != 2:
        b.die('peer smoke: %d rows for the two posts' % len(rows))
    peer_row = rows[posts['peer'][0].hex()]
    pool_row = rows[posts['pool'][0].hex()]
    opened = decrypt(b, form, [peer_row, pool_row])
    checks = {
        'answers_open_the_same': opened[0] == opened[1] and opened[0],
        'plain_same': peer_row['plain'] == pool_row['plain'],
        'envelope_length_same': len(peer_row['sealed']) ==
        len(pool_row['sealed']),
        'key_id_same': peer_row['key_id'] == pool_row['key_id'],
        'reference_from_nonce': peer_row['reference'] == posts['peer'][1] ==
        reference(posts['peer'][0], 16) and pool_row['reference'] ==
        posts['pool'][1] == reference(posts['pool'][0]),
        'confirmation_length_same': len(posts['peer'][2]) ==
        len(posts['pool'][2]),
    }
    for k, ok in checks.items():
        b.fig('peer.smoke.' + k, 'yes' if ok else 'NO')
    if not all(checks.values()):
        b.die('peer smoke failed: %s' % ', '.join(
            k for k, ok in checks.items() if not ok))
    b.fig('peer.smoke.pairs_opened', len(opened[0]))
    b.psql("DELETE FROM vawg.submission WHERE idem_key IN ('\\x%s', '\\x%s')"
           % (posts['peer'][0].hex(), posts['pool'][0].hex()))


def setup(b, args):
    """peer-setup FORM BODYFILE: FORM is the form the bench posts (its
    confirmation page is $VAWG_VAR/bench-static/confirm.html); the peer
    also serves the referral's page, for the GET comparison."""
    form, body_file = args[0], os.path.join(b.RUN, args[1])
    workers = int(os.environ.get('VAWG_WORKERS', '4'))
    d = os.path.join(b.VAR, 'bench-peer')
    os.makedirs(d, exist_ok=True)
    shutil.chown(d, 'root', 'vawgweb')
    os.chmod(d, 0o751)      # nginx's workers reach the socket, no more
    shutil.copyfile(os.path.join(b.BENCH, 'peer', 'peer.php'),
                    os.path.join(d, 'peer.php'))
    os.chmod(os.path.join(d, 'peer.php'), 0o644)
    forms = {}
    for name in sorted({form, 'referral'}):
        st, _, page = b.req('GET', '/' + name)
        if st != 200:
            b.die('peer: GET /%s: %d' % (name, st))
        head, _, tail = split_page(b, page, TOKEN_RE, name)
        forms[name] = dict(form_def(b, name), page=[head, tail])
    with open(os.path.join(b.VAR, 'bench-static', 'confirm.html'), 'rb') as f:
        head, _, tail = split_page(b, f.read(), REF_RE, 'confirmation')
    # The notices of options chosen go after the reference's panel.
    first = tail[:len('</strong></p>\n</div>\n')]
    forms[form]['confirm'] = [head, first, tail[len(first):]]
    key_id = write_config(b, d, forms)
    b.fig('peer.key_id', key_id)
    sock = start_fpm(b, d, workers)
    add_locations(b, d, sock)
    smoke(b, form, body_file)
