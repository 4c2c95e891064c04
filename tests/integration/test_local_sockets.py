#!/usr/bin/env python3
"""The FastCGI sockets are nginx's to use and no other local account's
(issue 13 items 2 and 3, docs/THREAT-MODEL.md threat 20).

The folder var/fcgi is root:www-data 0750; public.sock is
vawgweb:www-data 0660 and admin.sock vawgadmin:www-data 0660; the pid
files are root's.  As `nobody`, and as the other pool's account, a
connection to a socket fails with EACCES; as www-data (nginx's workers)
it succeeds, and the rest of the suite shows nginx serving through them.
A pool started as root with no user to become says why and exits without
listening; a running pool's master and workers cannot regain root (no id
of theirs is 0) and have NoNewPrivs set.

Figures: socket_modes_ok, sockets_denied, nginx_account_connects,
root_without_user_refused, pool_processes_unprivileged."""

import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile

NGINX_ACCOUNT = 'www-data'
POOLS = {   # pool: (its account, its socket setting, its user setting)
    'public': ('vawgweb', 'VAWG_SOCKET', 'VAWG_USER'),
    'admin': ('vawgadmin', 'VAWG_ADMIN_SOCKET', 'VAWG_ADMIN_USER'),
}
REFUSE_TIMEOUT = 60

# Run as another account: connect to argv[1], print "ok" or the errno name.
CONNECT = '''
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
'''


def _fcgi(ctx, name=''):
    return os.path.join(ctx.stack.var, 'fcgi', name)


def _connect_as(account, path):
    p = subprocess.run(['runuser', '-u', account, '--', 'python3', '-c',
                        CONNECT, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    return p.stdout.decode('utf-8', 'replace').strip() or \
        'exit %d' % p.returncode


def _owner(st):
    return '%s:%s %04o' % (pwd.getpwuid(st.st_uid).pw_name,
                           grp.getgrgid(st.st_gid).gr_name,
                           stat.S_IMODE(st.st_mode))


def test_socket_folder_and_owners(ctx):
    want = {'': ('root:www-data 0750', stat.S_ISDIR)}
    for pool, (account, _, _) in POOLS.items():
        want[pool + '.sock'] = ('%s:www-data 0660' % account, stat.S_ISSOCK)
    bad = []
    for name, (owner, kind) in sorted(want.items()):
        st = os.lstat(_fcgi(ctx, name))
        if not kind(st.st_mode) or _owner(st) != owner:
            bad.append('%s is %s, expected %s' % (name or 'var/fcgi',
                                                  _owner(st), owner))
    for pool in POOLS:
        st = os.lstat(_fcgi(ctx, pool + '.pid'))
        if st.st_uid != 0 or st.st_mode & 0o022:
            bad.append('%s.pid is %s, expected root\'s, writable by root '
                       'only' % (pool, _owner(st)))
    k = len(want) + len(POOLS)
    ctx.figure('socket_modes_ok', '%d of %d' % (k - len(bad), k))
    assert not bad, '; '.join(bad)


def test_other_accounts_cannot_connect(ctx):
    tries = [('nobody', 'admin'), ('vawgweb', 'admin'),
             ('nobody', 'public'), ('vawgadmin', 'public')]
    bad = []
    for account, pool in tries:
        got = _connect_as(account, _fcgi(ctx, pool + '.sock'))
        if got != 'EACCES':
            bad.append('as %s, %s.sock: %s (expected EACCES)' % (
                account, pool, got))
    k = len(tries)
    ctx.figure('sockets_denied', '%d of %d' % (k - len(bad), k))
    # The control: the same check passes for nginx's own account.
    ok = 0
    for pool in POOLS:
        got = _connect_as(NGINX_ACCOUNT, _fcgi(ctx, pool + '.sock'))
        if got == 'ok':
            ok += 1
        else:
            bad.append('as %s (nginx), %s.sock: %s (expected to connect)'
                       % (NGINX_ACCOUNT, pool, got))
    ctx.figure('nginx_account_connects', '%d of %d' % (ok, len(POOLS)))
    assert not bad, '; '.join(bad)


def _pool_env(ctx, pool, sock):
    """What conf/stack.sh gives the pool, but no user and another socket.
    The pool stops before it touches the database; VAWG_DB is the stack's
    in case it does not."""
    st = ctx.stack
    e = st.env()
    for k in [k for k in e if k.startswith('VAWG_') and
              k not in ('VAWG_MIN_FILL_SECONDS', 'VAWG_TOKEN_MAX_AGE')]:
        del e[k]
    _, sock_var, user_var = POOLS[pool]
    e.update({sock_var: sock, user_var: '',
              'VAWG_TEMPLATES': os.path.join(st.repo, 'templates'),
              'VAWG_KEYS': st.keys_dir})
    if pool == 'public':
        e['VAWG_DB'] = 'host=%s dbname=vawg user=vawg_public ' \
            'connect_timeout=3' % st.run_dir
        e['VAWG_SPOOL'] = st.spool_dir
        e['VAWG_WORKERS'] = '1'
    else:
        e['VAWG_ADMIN_DB'] = 'host=%s dbname=vawg user=vawg_admin ' \
            'connect_timeout=3' % st.run_dir
        e['VAWG_PASSPHRASE_FILE'] = os.path.join(st.keys_dir, 'passphrase')
        e['VAWG_ADMIN_WORKERS'] = '1'
    return e


def _start_refused(ctx, pool, tmp):
    """(exit status or None if it kept running, output, listened)."""
    sock = os.path.join(tmp, pool + '.sock')
    p = subprocess.Popen([os.path.join(ctx.stack.bin, 'vawg-' + pool)],
                         env=_pool_env(ctx, pool, sock),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=REFUSE_TIMEOUT)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        listened = os.path.exists(sock)
        os.killpg(p.pid, signal.SIGKILL)     # the pool and its workers
        out, _ = p.communicate()
        return None, out.decode('utf-8', 'replace'), listened
    return rc, out.decode('utf-8', 'replace'), os.path.exists(sock)


def test_root_without_user_refused(ctx):
    assert os.geteuid() == 0, 'this test runs as root'
    tmp = tempfile.mkdtemp(prefix='vawg-root-pool.', dir='/tmp')
    bad = []
    try:
        for pool in POOLS:
            rc, out, listened = _start_refused(ctx, pool, tmp)
            said = ' | '.join(out.strip().splitlines()[-3:])
            if rc is None:
                bad.append('vawg-%s as root with no user still ran after '
                           '%ds (listening: %s): %s' % (
                               pool, REFUSE_TIMEOUT, listened, said))
            elif rc == 0 or listened or 'refusing to run as root' not in out:
                bad.append('vawg-%s as root with no user: exit %d, '
                           'listened: %s, said: %s' % (pool, rc, listened,
                                                       said))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    k = len(POOLS)
    ctx.figure('root_without_user_refused', '%d of %d' % (k - len(bad), k))
    assert not bad, '; '.join(bad)


def _children(master):
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rfind(')') + 2:].split()
        if len(fields) > 1 and fields[1] == str(master) and fields[0] != 'Z':
            out.append(int(d))
    return out


def _status(pid):
    with open('/proc/%d/status' % pid) as f:
        return dict(line.split(':', 1) for line in f if ':' in line)


def test_pool_processes_cannot_regain_root(ctx):
    bad, seen = [], 0
    for pool, (account, _, _) in POOLS.items():
        with open(_fcgi(ctx, pool + '.pid')) as f:
            master = int(f.read().strip())
        procs = [master] + _children(master)
        assert len(procs) > 1, 'vawg-%s (pid %d) has no workers' % (
            pool, master)
        uid = pwd.getpwnam(account).pw_uid
        for pid in procs:
            try:
                s = _status(pid)
            except OSError:
                continue        # a worker restarting
            seen += 1
            uids = [int(x) for x in s['Uid'].split()]
            gids = [int(x) for x in s['Gid'].split()]
            nnp = s.get('NoNewPrivs', '').strip()
            if uids != [uid] * 4 or 0 in gids or nnp != '1':
                bad.append('vawg-%s pid %d: Uid %s, Gid %s, NoNewPrivs %s'
                           % (pool, pid, s['Uid'].split(),
                              s['Gid'].split(), nnp or '?'))
    ctx.figure('pool_processes_unprivileged', '%d of %d' % (
        seen - len(bad), seen))
    assert not bad, '; '.join(bad)
