#!/usr/bin/env python3
"""Start and stop the stack through conf/stack.sh, and talk to its
PostgreSQL cluster (psql, pg_dump) and its CLI (vawgctl decrypt).

The stack is driven only by environment variables (see run.py); this
module never edits the stack's files."""

import os
import socket
import subprocess
import tempfile

SCRIPT_TIMEOUT = 300        # start may run initdb and migrations
PSQL_TIMEOUT = 60


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


class Stack:
    def __init__(self, repo, bin_dir, var, port):
        self.repo = repo
        self.bin = os.path.abspath(bin_dir)
        self.var = var
        self.port = port
        self.body_max = 524288
        self.min_fill = 1

    @property
    def run_dir(self):
        return os.path.join(self.var, 'run')

    @property
    def log_dir(self):
        return os.path.join(self.var, 'log')

    @property
    def nginx_dir(self):
        return os.path.join(self.var, 'nginx')

    @property
    def keys_dir(self):
        return os.path.join(self.var, 'keys')

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
            'PGCONNECT_TIMEOUT': '10',
        })
        return e

    def script(self, action, timeout=SCRIPT_TIMEOUT):
        """Run `bash conf/stack.sh ACTION`; returns (exit code, output)."""
        path = os.path.join(self.repo, 'conf', 'stack.sh')
        if not os.path.isfile(path):
            return 127, 'conf/stack.sh not found in %s' % self.repo
        try:
            p = subprocess.run(['bash', path, action], cwd=self.repo,
                               env=self.env(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.output or b'').decode('utf-8', 'replace')
            return 124, out + '\n(stack.sh %s timed out after %ss)' % (
                action, timeout)
        return p.returncode, p.stdout.decode('utf-8', 'replace')

    def checked(self, action, timeout=SCRIPT_TIMEOUT):
        rc, out = self.script(action, timeout)
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

    # PostgreSQL

    def psql_args(self, user):
        return ['psql', '-X', '-q', '-h', self.run_dir, '-U', user,
                '-d', 'vawg', '-At', '-v', 'ON_ERROR_STOP=1']

    def psql_try(self, sql, user='postgres', timeout=PSQL_TIMEOUT):
        """Run sql (from stdin); returns (exit code, stdout, stderr)."""
        p = subprocess.run(self.psql_args(user), input=sql.encode('utf-8'),
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

    def decrypt(self, lines, timeout=60):
        """Feed `idem\\tform\\tsealed` lines to vawgctl decrypt; returns
        one (status, rest) pair per output line."""
        cmd = [os.path.join(self.bin, 'vawgctl'), 'decrypt',
               '--keys', self.keys_dir,
               '--passphrase-file', os.path.join(self.keys_dir, 'passphrase')]
        data = ''.join(line + '\n' for line in lines).encode('utf-8')
        p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env(),
                           timeout=timeout)
        out = p.stdout.decode('utf-8', 'replace').splitlines()
        if p.returncode != 0 and not out:
            raise AssertionError('vawgctl decrypt exited %d: %s' % (
                p.returncode, p.stderr.decode('utf-8', 'replace')[:300]))
        return [tuple(line.split('\t', 1)) if '\t' in line else (line, '')
                for line in out]
