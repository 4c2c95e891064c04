#!/usr/bin/env python3
"""Start and stop the stack through conf/stack.sh, and talk to its
PostgreSQL cluster (psql, pg_dump), its spool and its CLI (vawgctl,
`vawgctl status` for what GET /healthz no longer tells).

The stack is driven only by environment variables (see run.py); this
module never edits the stack's files.  The integration suite and the
chaos run (tests/chaos/chaos.py) both use it."""

import os
import socket
import subprocess
import tempfile

SCRIPT_TIMEOUT = 300        # start may run initdb and migrations
PSQL_TIMEOUT = 60
VAWGCTL_TIMEOUT = 120


# The Unix account each database role is reached from (conf/stack.sh's
# pg_ident.conf): root is the operator and reaches postgres.
ROLE_ACCOUNT = {'postgres': 'root', 'vawg_public': 'vawgweb',
                'vawg_admin': 'vawgadmin'}


# The run's TLS-terminating proxy (VAWG_TRUSTED_PROXY): 127.0.0.3 and
# 127.0.0.4/30, addresses no other test sends from (test_proxy.py).  So
# the stack has one, sign-in over plain HTTP is allowed explicitly.
TRUSTED_PROXY = '127.0.0.3, 127.0.0.4/30'


class PsqlError(Exception):
    pass


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def make_var_dir():
    d = tempfile.mkdtemp(prefix='vawg-it.', dir='/tmp')
    os.chmod(d, 0o755)
    return d


def _folder(name):
    """A property: the folder name under the data folder."""
    return property(lambda self: os.path.join(self.var, name))


class Stack:
    run_dir = _folder('run')
    log_dir = _folder('log')
    nginx_dir = _folder('nginx')
    keys_dir = _folder('keys')
    spool_dir = _folder('spool')

    def __init__(self, repo, bin_dir, var, port):
        self.repo = repo
        self.bin = os.path.abspath(bin_dir)
        self.var = var
        self.port = port
        self.body_max = 524288
        self.min_fill = 1

    def env(self):
        e = dict(os.environ)
        for k in ('PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD',
                  'PGSERVICE', 'PGOPTIONS'):
            e.pop(k, None)
        e.update({
            'VAWG_VAR': self.var,
            'VAWG_PORT': str(self.port),
            'VAWG_BIN': self.bin,
            'VAWG_MIN_FILL_SECONDS': str(self.min_fill),
            'VAWG_TOKEN_MAX_AGE': '3600',
            'VAWG_POST_RATE': '100r/s',
            'VAWG_POST_BURST': '200',
            'VAWG_WORKERS': '2',
            'VAWG_BODY_MAX': str(self.body_max),
            'VAWG_TRUSTED_PROXY': TRUSTED_PROXY,
            'VAWG_ADMIN_ALLOW_PLAIN_HTTP': '1',
            'PGCONNECT_TIMEOUT': '10',
        })
        return e

    def script(self, action, *args, timeout=SCRIPT_TIMEOUT, extra_env=None):
        """Run `bash conf/stack.sh ACTION ARGS...` with the run's
        environment plus extra_env; returns (exit code, output)."""
        path = os.path.join(self.repo, 'conf', 'stack.sh')
        if not os.path.isfile(path):
            return 127, 'conf/stack.sh not found in %s' % self.repo
        env = self.env()
        env.update(extra_env or {})
        try:
            p = subprocess.run(['bash', path, action] + list(args),
                               cwd=self.repo, env=env,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.output or b'').decode('utf-8', 'replace')
            return 124, out + '\n(stack.sh %s timed out after %ss)' % (
                action, timeout)
        return p.returncode, p.stdout.decode('utf-8', 'replace')

    def checked(self, action, timeout=SCRIPT_TIMEOUT, extra_env=None):
        """script(), failing the test unless it exits 0."""
        rc, out = self.script(action, timeout=timeout, extra_env=extra_env)
        if rc != 0:
            tail = ' | '.join(out.strip().splitlines()[-8:])
            raise AssertionError('stack.sh %s exited %d: %s' % (action, rc,
                                                              tail))
        return out

    def reload(self):
        return self.checked('reload', 60)

    def pg_stop(self):
        return self.checked('pg-stop', 120)

    def pg_start(self):
        return self.checked('pg-start', 120)

    def restart(self, pool, **settings):
        """Restart the public or admin pool with these settings added to
        the run's environment (none: the run's own)."""
        return self.checked('restart-' + pool, extra_env={
            k: str(v) for k, v in settings.items()})

    # The spool

    def spool_records(self, sub='', missing_ok=False):
        """The spooled records in spool/SUB, sorted; [] for a folder that
        is not there when missing_ok."""
        d = os.path.join(self.spool_dir, sub)
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            if missing_ok:
                return []
            raise
        return sorted(os.path.join(d, n) for n in names
                      if n.endswith('.rec') or '.rec.' in n)

    # PostgreSQL

    def psql_args(self, user, account=None):
        """psql as database role USER, run by Unix ACCOUNT: by default
        the one PostgreSQL's ident map lets reach that role (root, the
        operator, reaches postgres)."""
        account = account or ROLE_ACCOUNT.get(user, 'root')
        pre = [] if account == 'root' else ['runuser', '-u', account, '--']
        return pre + ['psql', '-X', '-q', '-h', self.run_dir, '-U', user,
                      '-d', 'vawg', '-At', '-v', 'ON_ERROR_STOP=1']

    def psql_try(self, sql, user='postgres', timeout=PSQL_TIMEOUT,
                 account=None):
        """Run sql (from stdin) as role USER from Unix ACCOUNT (see
        psql_args); returns (exit code, stdout, stderr)."""
        p = subprocess.run(self.psql_args(user, account),
                           input=sql.encode('utf-8'), cwd='/',
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=self.env(), timeout=timeout)
        return (p.returncode, p.stdout.decode('utf-8', 'replace'),
                p.stderr.decode('utf-8', 'replace'))

    def psql(self, sql, user='postgres', timeout=PSQL_TIMEOUT):
        """Run sql and return its output (trailing newline removed);
        raises PsqlError on any failure."""
        rc, out, err = self.psql_try(sql, user, timeout)
        if rc != 0:
            raise PsqlError('psql as %s failed (exit %d): %s' % (
                user, rc, err.strip()[:500]))
        return out.rstrip('\n')

    def pg_dump(self, timeout=120):
        """A plain-text dump of the whole database, as bytes."""
        p = subprocess.run(['pg_dump', '-h', self.run_dir, '-U', 'postgres',
                            '-d', 'vawg'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env(),
                           timeout=timeout)
        if p.returncode != 0:
            raise PsqlError('pg_dump failed (exit %d): %s' % (
                p.returncode, p.stderr.decode('utf-8', 'replace')[:500]))
        return p.stdout

    # The CLI

    def owner_db(self):
        """vawgctl's --db for the database owner."""
        return 'host=%s dbname=vawg user=postgres connect_timeout=5' % (
            self.run_dir)

    def keys_args(self, passfile=None):
        """vawgctl's --keys and --passphrase-file (the run's passphrase
        unless passfile)."""
        return ['--keys', self.keys_dir, '--passphrase-file',
                passfile or os.path.join(self.keys_dir, 'passphrase')]

    def vawgctl(self, args, data=None, timeout=VAWGCTL_TIMEOUT):
        """Run vawgctl ARGS with data (bytes) on stdin; returns (exit
        status, stdout bytes, stderr text)."""
        p = subprocess.run([os.path.join(self.bin, 'vawgctl')] + list(args),
                           input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env(),
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')

    def status(self, timeout=VAWGCTL_TIMEOUT):
        """`vawgctl status` as the operator (root, so the database owner):
        (exit status, {name: value} of its "name: value" lines, stderr)."""
        rc, stdout, err = self.vawgctl(
            ['status', '--db', self.owner_db(), '--spool', self.spool_dir,
             '--keys', self.keys_dir], timeout=timeout)
        lines = {}
        for line in stdout.decode('utf-8', 'replace').splitlines():
            name, sep, value = line.partition(': ')
            if sep:
                lines[name] = value
        return rc, lines, err

    def decrypt(self, lines, timeout=60):
        """Feed `idem\\tform\\tsealed` lines to vawgctl decrypt; returns
        one (status, rest) pair per output line."""
        data = ''.join(line + '\n' for line in lines).encode('utf-8')
        rc, stdout, err = self.vawgctl(['decrypt'] + self.keys_args(), data,
                                       timeout)
        out = stdout.decode('utf-8', 'replace').splitlines()
        if rc != 0 and not out:
            raise AssertionError('vawgctl decrypt exited %d: %s' % (
                rc, err[:300]))
        return [tuple(line.split('\t', 1)) if '\t' in line else (line, '')
                for line in out]
