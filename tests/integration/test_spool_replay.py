#!/usr/bin/env python3
"""The spool's replay when the database says no, and the spool's cap
(issue 14, items 4 and 5; docs/THREAT-MODEL.md threat 12).

Records are put in the spool by locking vawg_public out of the database
(NOLOGIN, its sessions ended): to the public pool that is the database
away, so a post is confirmed and spooled.  Then a cause is set, vawg_public
let in again, and the replayer meets the cause:

- a refusal that can pass (a read-only database, as after a failover; a
  permission taken away; a lock held past the role's lock_timeout) leaves
  the record in the spool, and it is stored once the cause is gone;
- a record the database refuses as invalid (a form version that does not
  exist, a check that fails) is parked in spool/failed/, counted by
  `vawgctl status`, and `vawgctl spool-retry` brings it back (numbered
  copies too) to be stored once its cause is fixed;
- with a small VAWG_SPOOL_MAX_FILES, a post that would pass the cap is
  answered 503 "not saved", every confirmed reference is on disk, and the
  log says the spool is full."""

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import time

import html_checks

HOLD_SECONDS = 4        # the replayer meets the cause several times
STORE_WAIT = 45         # its backoff is at most 30 s
# The signature the pool and its replay call (sql/010: with the answers'
# digest and a correction's reference).
SUBMIT = 'vawg.submit(integer, bytea, text, jsonb, bytea, text, bytea, text)'
LOCK_APP = 'vawg-test-lock'
CHECK = 'vawg_test_refuse_all'
REF_RE = re.compile(rb'\nreference 9\n([A-Z0-9-]{9})\n')


def _su(ctx, sql):
    """sql as the owner, even while the database defaults to read-only."""
    return ctx.stack.psql('SET default_transaction_read_only = off;\n' + sql)


def _lock_out(ctx):
    _su(ctx, 'ALTER ROLE vawg_public NOLOGIN;\n'
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE usename = 'vawg_public';")


def _let_in(ctx):
    _su(ctx, 'ALTER ROLE vawg_public LOGIN;')


@contextlib.contextmanager
def _locked_out(ctx):
    ctx.allow_5xx = True
    _lock_out(ctx)
    try:
        yield
    finally:
        _let_in(ctx)
        ctx.allow_5xx = False


def _spooled(ctx, sub=''):
    return ctx.stack.spool_records(sub, missing_ok=True)


def _reference_of(path):
    with open(path, 'rb') as f:
        m = REF_RE.search(f.read())
    return m.group(1).decode() if m else None


def _post_spooled(ctx, name):
    """One valid post while vawg_public is locked out: confirmed, and its
    record on disk.  (token, answers, reference, record path)."""
    tok, = ctx.tokens(name)
    answers = ctx.answers(name)
    before = set(_spooled(ctx))
    p = ctx.post(name, answers.body(tok), timeout=20)
    assert p.status == 200, (
        'post to /%s while vawg_public cannot connect: expected the '
        'confirmation (spooled), got %s' % (name, html_checks.describe(p)))
    ref = html_checks.find_reference(p.text)
    new = [r for r in set(_spooled(ctx)) - before if _reference_of(r) == ref]
    assert len(new) == 1, ('confirmed %s while the database was away, but '
                           'no spool record holds it' % ref)
    return tok, answers, ref, new[0]


def _rows_with(ctx, ref):
    return int(_su(ctx, "SELECT count(*) FROM vawg.submission WHERE "
                   "reference = '%s';" % ref))


def _wait_stored(ctx, refs, seconds=STORE_WAIT):
    deadline = time.monotonic() + seconds
    while True:
        missing = [r for r in refs if _rows_with(ctx, r) != 1]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.5)


def _hold_lock(ctx):
    """A session holding an EXCLUSIVE lock on vawg.submission (reads pass,
    inserts wait), until _release_lock()."""
    env = ctx.stack.env()
    env['PGAPPNAME'] = LOCK_APP
    proc = subprocess.Popen(
        ctx.stack.psql_args('postgres'), stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    proc.stdin.write(b'BEGIN; LOCK TABLE vawg.submission IN EXCLUSIVE MODE;'
                     b' SELECT pg_sleep(120);\n')
    proc.stdin.flush()
    for _ in range(100):
        if _su(ctx, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a"
               " USING (pid) WHERE a.application_name = '%s' AND l.granted"
               " AND l.mode = 'ExclusiveLock'" % LOCK_APP + ';') != '0':
            return proc
        time.sleep(0.1)
    proc.kill()
    raise AssertionError('could not take the lock on vawg.submission')


def _release_lock(ctx, proc):
    _su(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = '%s';" % LOCK_APP)
    proc.stdin.close()
    proc.wait(timeout=30)


# (name, SQL that sets the cause, SQL that removes it); the lock is held
# by a session of its own as well.
CAUSES = (
    ('read-only database (25006)',
     'ALTER DATABASE vawg SET default_transaction_read_only = on;',
     'ALTER DATABASE vawg RESET default_transaction_read_only;'),
    ('permission (42501)',
     'REVOKE EXECUTE ON FUNCTION %s FROM vawg_public;' % SUBMIT,
     'GRANT EXECUTE ON FUNCTION %s TO vawg_public;' % SUBMIT),
    ('lock timeout (55P03)',
     "ALTER ROLE vawg_public SET lock_timeout = '200ms';",
     'ALTER ROLE vawg_public RESET lock_timeout;'),
)


def test_spool_refused_for_now_stays_then_stored(ctx):
    assert not _spooled(ctx) and not _spooled(ctx, 'failed'), (
        'the spool is not empty before the test')
    parked = 0
    stored = 0
    problems = []
    for what, on, off in CAUSES:
        lock = None
        with _locked_out(ctx):
            tok, answers, ref, path = _post_spooled(ctx, 'consultation')
            _su(ctx, on)
            if 'lock' in what:
                lock = _hold_lock(ctx)
        try:
            time.sleep(HOLD_SECONDS)
            in_failed = [p for p in _spooled(ctx, 'failed')
                         if _reference_of(p) == ref]
            parked += len(in_failed)
            if in_failed or not os.path.exists(path):
                problems.append('%s: the record was %s' % (
                    what, 'parked in failed/' if in_failed else
                    'gone from the spool'))
        finally:
            if lock is not None:
                _release_lock(ctx, lock)
            _su(ctx, off)
        if _rows_with(ctx, ref) == 0 and in_failed:
            continue    # parked: nothing will store it; already counted
        if _wait_stored(ctx, [ref]):
            problems.append('%s: not stored %ss after the cause was '
                            'removed' % (what, STORE_WAIT))
        else:
            stored += 1
            ctx.confirmed[tok] = ref
    ctx.figure('spool_parked_retryable', parked)
    ctx.figure('spool_retryable_stored', '%d of %d' % (stored, len(CAUSES)))
    # Leave nothing behind for the next tests.
    for p in _spooled(ctx, 'failed'):
        os.unlink(p)
    assert not problems, '; '.join(problems)
    assert not _spooled(ctx), 'records left in the spool after the causes'


def _status_failed(ctx):
    rc, lines, err = ctx.stack.status()
    return rc, lines.get('failed')


def _spool_retry(ctx):
    rc, out, err = ctx.stack.vawgctl(['spool-retry', '--spool',
                                      ctx.stack.spool_dir])
    lines = dict(line.split(': ', 1) for line in
                 out.decode('utf-8', 'replace').splitlines() if ': ' in line)
    return rc, lines, err


def _rewrite_version(path, version):
    """The record at path with another form version, its checksum made
    good again: a record the database will refuse as invalid."""
    with open(path, 'rb') as f:
        data = f.read()
    m = re.match(rb'(vawg-spool [12]\nversion )(\d+)\n(\d+)\n', data)
    assert m, 'unexpected spool record layout'
    v = str(version).encode()
    body = m.group(1) + b'%d\n' % len(v) + v + b'\n' + data[m.end():]
    body = body[:body.rindex(b'end ')]
    body += b'end ' + hashlib.blake2b(body, digest_size=16).hexdigest() \
        .encode() + b'\n'
    with open(path, 'r+b') as f:
        f.write(body)
        f.truncate()


def _wait_failed(ctx, n, seconds=15):
    deadline = time.monotonic() + seconds
    while len(_spooled(ctx, 'failed')) != n or _spooled(ctx):
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return _spooled(ctx, 'failed')


def test_spool_invalid_parked_counted_and_retried(ctx):
    assert not _spooled(ctx) and not _spooled(ctx, 'failed'), (
        'the spool is not empty before the test')
    with _locked_out(ctx):
        _, _, bad_ref, bad = _post_spooled(ctx, 'consultation')
        tok, _, ref, _ = _post_spooled(ctx, 'consultation')
        _rewrite_version(bad, 999999)
        _su(ctx, 'ALTER TABLE vawg.submission ADD CONSTRAINT %s '
            'CHECK (false) NOT VALID;' % CHECK)
    try:
        failed = _wait_failed(ctx, 2)
        rc, count = _status_failed(ctx)
    finally:
        _su(ctx, 'ALTER TABLE vawg.submission DROP CONSTRAINT IF EXISTS %s;'
            % CHECK)
    ctx.figure('spool_invalid_parked', len(failed))
    ctx.figure('vawgctl_status_failed', count)
    assert len(failed) == 2 and not _spooled(ctx), (
        'an invalid version and a failed check: expected both records '
        'parked in failed/, found %d there and %d in the spool'
        % (len(failed), len(_spooled(ctx))))
    assert count == '2' and rc == 1, (
        'vawgctl status with 2 records parked: expected "failed: 2" and '
        'exit 1, got %r and %d' % (count, rc))
    # A numbered copy, as a second failure of the same key leaves.
    good = [p for p in failed if _reference_of(p) == ref][0]
    copy = good + '.1'
    shutil.copy2(good, copy)
    st = os.stat(good)
    os.chown(copy, st.st_uid, st.st_gid)

    rc, lines, err = _spool_retry(ctx)
    assert rc == 1 and lines.get('moved back') == '2' and \
        lines.get('left in failed') == '1', (
            'vawgctl spool-retry with two records and a numbered copy in '
            'failed/: expected 2 moved back, 1 left (its key waits), exit '
            '1; got %d %r %s' % (rc, lines, err.strip()[-200:]))
    missing = _wait_stored(ctx, [ref])
    ctx.figure('spool_retry_stored', '%d of 1' % (1 - len(missing)))
    assert not missing, ('the record moved back by spool-retry, its cause '
                         'fixed, was not stored')
    ctx.confirmed[tok] = ref
    failed = _wait_failed(ctx, 2)
    assert sorted(_reference_of(p) for p in failed) == sorted(
        [bad_ref, ref]), ('after the retry: expected the invalid record '
                          'parked again and the copy waiting, got %r'
                          % failed)
    rc, lines, err = _spool_retry(ctx)
    assert lines.get('moved back') == '2', (
        'vawgctl spool-retry again: expected the copy and the invalid '
        'record moved back, got %r %s' % (lines, err.strip()[-200:]))
    failed = _wait_failed(ctx, 1)
    ctx.figure('spool_copy_stored_twice', _rows_with(ctx, ref) - 1)
    assert _rows_with(ctx, ref) == 1 and len(failed) == 1 and \
        _reference_of(failed[0]) == bad_ref, (
            'the numbered copy replayed: expected one row for %s and only '
            'the invalid record parked, got %d rows and %r'
            % (ref, _rows_with(ctx, ref), failed))
    os.unlink(failed[0])
    rc, count = _status_failed(ctx)
    assert count == '0', 'vawgctl status after clearing failed/: %r' % count


def test_spool_cap_full_answers_503(ctx):
    cap = 3
    log = os.path.join(ctx.stack.log_dir, 'public.log')
    assert not _spooled(ctx) and not _spooled(ctx, 'failed'), (
        'the spool is not empty before the test')
    ctx.stack.restart('public', VAWG_SPOOL_MAX_FILES=cap)
    log_start = os.path.getsize(log)
    confirmed, statuses, sent = [], [], {}
    try:
        toks = ctx.tokens('consultation', cap + 3)
        with _locked_out(ctx):
            for tok in toks:
                answers = ctx.answers('consultation')
                p = ctx.post('consultation', answers.body(tok), timeout=20)
                statuses.append(p.status)
                if p.status == 200:
                    confirmed.append(html_checks.find_reference(p.text))
                    sent[tok] = confirmed[-1]
                else:
                    assert p.status == 503 and html_checks.shows_text(
                        p.text, 'not saved') and \
                        html_checks.find_reference(p.text) is None, (
                            'a post past the spool cap: expected 503 '
                            '"not saved", got %s' % html_checks.describe(p))
            on_disk = {_reference_of(p) for p in _spooled(ctx)}
        with open(log, 'rb') as f:
            f.seek(log_start)
            said = f.read().count(b'the spool is full')
        not_spooled = [r for r in confirmed if r not in on_disk]
        ctx.figure('spool_cap_statuses', ' '.join(map(str, statuses)))
        ctx.figure('spool_cap_confirmed_not_spooled', len(not_spooled))
        ctx.figure('spool_cap_full_log_lines', said)
        assert 503 in statuses, (
            'posts past VAWG_SPOOL_MAX_FILES=%d while the database is away:'
            ' never 503, statuses %r' % (cap, statuses))
        assert statuses == [200] * cap + [503] * 3, (
            'expected %d confirmations then 503, got %r' % (cap, statuses))
        assert not not_spooled, ('confirmed but not in the spool: %r'
                                 % not_spooled)
        assert 1 <= said <= 2, (
            'the log should say once per worker (2) that the spool is '
            'full; said %d times' % said)
        missing = _wait_stored(ctx, confirmed)
        assert not missing, 'spooled posts not stored: %r' % missing
        ctx.confirmed.update(sent)
    finally:
        ctx.stack.restart('public')
