/*
 * pool.c: a prefork FastCGI pool (slowcgi's shape).  The master opens the
 * socket and loads what workers need before forking, so a worker starts
 * with everything in place and shares it copy-on-write; it restarts any
 * worker that dies.
 *
 * No signal ever cuts a request short.  libfcgi's accept also reads the
 * request, so a worker cannot tell "idle" from "reading" there; instead
 * signals only set flags and every system call restarts.  SIGHUP: the
 * master reloads its copy and passes the signal on; each worker reloads
 * before its next request.  SIGTERM: a worker finishes the request in
 * hand and exits; one still idle in accept after the grace period is
 * killed, harmlessly, since it holds no request.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "web.h"

static volatile sig_atomic_t	got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

int
pool_stopping(void)
{
	return got_term;
}

int
pool_harden(void)
{
	struct rlimit	 none = { 0, 0 };
	struct sigaction sa;

	/* No core file may hold an answer in flight
	 * (docs/THREAT-MODEL.md 1). */
	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		LOG_ERR("cannot disable core dumps: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waitpid wakes */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Root may run a pool only to hand it to a user: never to keep root. */
static int
refuse_root(const char *user)
{
	if ((getuid() == 0 || geteuid() == 0) && user[0] == '\0') {
		LOG_ERR("refusing to run as root with no user to become: "
		    "the pool's user setting is empty");
		return -1;
	}
	return 0;
}

/* The socket's owner (the pool's user, only when root can give it) and
 * group (any the process may give); -1 leaves either as it is. */
static int
socket_owner(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (user[0] != '\0' && geteuid() == 0) {
		if ((pw = getpwnam(user)) == NULL) {
			LOG_ERR("user %s does not exist", user);
			return -1;
		}
		*uid = pw->pw_uid;
	}
	if (group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			LOG_ERR("group %s does not exist", group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * The socket is born 0660 (the umask) and root's, then given to the pool's
 * user and the socket group, nginx's: no other account may connect, at any
 * moment.  By path, since fchown() on a socket changes the socket, not the
 * name bound to it; this is race-free because the folder is root's and
 * only the socket group may enter it, with no right to write there, so no
 * one but root can put anything else under the name between the bind and
 * the lchown(), which would not follow a link anyway.
 */
int
pool_listen(const char *path, const char *user, const char *group)
{
	mode_t	 old;
	uid_t	 uid;
	gid_t	 gid;
	int	 sock;

	if (refuse_root(user) == -1 ||
	    socket_owner(user, group, &uid, &gid) == -1)
		return -1;
	if (FCGX_Init() != 0) {
		LOG_ERR("FCGX_Init failed");
		return -1;
	}
	unlink(path);
	old = umask(0117);
	/* A deep queue: nginx meets "try again" only when every worker is busy
	 * and a thousand connections wait, not at the first burst. */
	sock = FCGX_OpenSocket(path, 1024);
	umask(old);
	if (sock < 0) {
		LOG_ERR("cannot listen on %s", path);
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    lchown(path, uid, gid) == -1) {
		LOG_ERR("chown %s: %s", path, strerror(errno));
		close(sock);
		return -1;
	}
	return sock;
}

/* 1 if any of the real, effective and saved ids is not the one wanted. */
static int
ids_differ(uid_t uid, gid_t gid)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return 1;
	return ru != uid || eu != uid || su != uid || rg != gid ||
	    eg != gid || sg != gid;
}

/*
 * Becomes user for good: its groups (initgroups: the supplementary ones
 * too, such as the database socket's), then its gid and uid, real,
 * effective and saved.  Then checks that root cannot be had back and that
 * no exec can gain privileges.  Refuses to go on as root without a user.
 */
int
pool_drop(const char *user)
{
	struct passwd	*pw;
	struct rlimit	 none = { 0, 0 };
	uid_t		 uid;
	gid_t		 gid;

	if (refuse_root(user) == -1)
		return -1;
	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		LOG_ERR("user %s does not exist", user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		LOG_ERR("user %s is root: refusing to run as root", user);
		return -1;
	}
	if (initgroups(user, gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		LOG_ERR("cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || setgid(0) != -1 || ids_differ(uid, gid)) {
		LOG_ERR("became %s, yet root could be regained", user);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		LOG_ERR("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	/* Changing user resets the dumpable flag: set it again. */
	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	return 0;
}

/*
 * The head of libfcgi's private FCGX_Stream_Data, which FCGX_Stream.data
 * points to: its stream buffer and that buffer's size.  The layout is
 * libfcgi's own (unchanged since 1996, fcgiapp.c), not its public API;
 * the public pointers alone cannot say where the buffer starts, and it
 * holds the raw request: the params (the admin's Cookie) and stdin (the
 * answers, the password).  stream_buffer() checks that the public
 * pointers lie inside what it finds, so another layout is refused (and
 * logged) rather than wiped.
 */
struct fcgi_stream_head {
	unsigned char	*buff;
	int		 bufflen;
};

#define FCGI_BUFF_MAX	(65535 + 8 + 255 + 8)	/* a record, and more */

static int
inside(const unsigned char *p, const unsigned char *lo,
    const unsigned char *hi)
{
	return p >= lo && p <= hi;
}

/* The stream's whole buffer through *len, or NULL if it does not check. */
static unsigned char *
stream_buffer(FCGX_Stream *s, size_t *len)
{
	const struct fcgi_stream_head	*h;
	unsigned char			*end;

	if (s == NULL || (h = s->data) == NULL || h->buff == NULL ||
	    h->bufflen < 32 || h->bufflen > FCGI_BUFF_MAX)
		return NULL;
	end = h->buff + h->bufflen;
	/* A closed writer's stop is its wrNext (FCGX_FClose). */
	if (!inside(s->stop, h->buff, end) || !(s->isReader ?
	    inside(s->rdNext, h->buff, s->stop) &&
	    inside(s->stopUnget, h->buff, end) :
	    inside(s->wrNext, h->buff, s->stop)))
		return NULL;
	*len = (size_t)h->bufflen;
	return h->buff;
}

/*
 * Wipes what libfcgi holds of the request before FCGX_Finish_r() frees it
 * with plain free(): every params string (name=value), the input stream's
 * buffer, and, once closed (sent), the output stream's.  The streams are
 * closed here in FCGX_Finish_r()'s order (err, then out, so the end
 * records go with the last output in one write), and it closes nothing
 * twice.  What escapes this: docs/THREAT-MODEL.md, "What is wiped".
 */
static void
wipe_request(FCGX_Request *f)
{
	static int	 warned;
	FCGX_Stream	*s[2] = { f->in, f->out };
	unsigned char	*p;
	size_t		 i, len;
	char		**e;

	for (e = f->envp; e != NULL && *e != NULL; e++)
		sodium_memzero(*e, strlen(*e));
	(void)FCGX_FClose(f->err);
	(void)FCGX_FClose(f->out);
	for (i = 0; i < 2; i++) {
		if ((p = stream_buffer(s[i], &len)) != NULL)
			sodium_memzero(p, len);
		else if (s[i] != NULL && !warned) {
			warned = 1;
			LOG_WARN("libfcgi's stream layout is not the one "
			    "expected: its buffers are freed unwiped");
		}
	}
}

/*
 * Ends the request.  libfcgi's close is a lingering one: shutdown, then
 * wait for nginx to close first, draining what it still sends, so that a
 * TCP peer is never reset mid-send.  nginx sends nothing after the end of
 * stdin, and this is a Unix socket, so once stdin has been read to its end
 * (what the handler left is drained here, bounded by nginx's body limit)
 * the connection is closed at once: a wait, a wake-up and three system
 * calls fewer per request.  If stdin did not end cleanly, libfcgi lingers
 * as before.  What libfcgi holds of the request is wiped first.
 */
static void
finish(FCGX_Request *f)
{
	char	 sink[4096];
	int	 n;

	while ((n = FCGX_GetStr(sink, (int)sizeof(sink), f->in)) > 0)
		;
	explicit_bzero(sink, sizeof(sink));	/* may hold answers */
	if (n == 0 && FCGX_GetError(f->in) == 0 && FCGX_HasSeenEOF(f->in))
		(void)FCGX_Detach(f);
	wipe_request(f);
	FCGX_Finish_r(f);
}

static void
worker(struct pool *p)
{
	FCGX_Request	 fcgx;
	struct req	 r;
	struct resp	 s;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	got_hup = 0;
	if ((p->worker_init != NULL && p->worker_init(p->arg) == -1) ||
	    FCGX_InitRequest(&fcgx, p->sock, 0) != 0)
		_exit(1);
	while (!got_term) {
		if (FCGX_Accept_r(&fcgx) < 0)
			break;
		if (got_hup && p->reload != NULL && p->reload(p->arg, 0) == 0)
			got_hup = 0;	/* else: try again next request */
		http_req_init(&r, &fcgx);
		memset(&s, 0, sizeof(s));
		p->handle(p->arg, &r, &s);
		if (!s.streamed)
			http_send(&r, &s);
		http_resp_free(&s);
		http_req_free(&r);
		finish(&fcgx);
	}
	_exit(0);
}

static pid_t
spawn(struct pool *p, void (*child)(struct pool *))
{
	pid_t	 pid = fork();

	if (pid == 0)
		child(p);
	if (pid == -1)
		LOG_ERR("fork: %s", strerror(errno));
	return pid;
}

/* Asks every child to stop; kills those still idle after the grace. */
static void
stop_all(pid_t *pids, size_t n, int grace)
{
	size_t	 i, left;
	int	 tick;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (tick = 0; tick <= grace * 20; tick++) {
		for (i = 0, left = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) ==
			    pids[i])
				pids[i] = 0;
			left += pids[i] > 0;
		}
		if (left == 0)
			return;
		usleep(50000);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
}

/* Child i: a worker, or the pool's one extra helper process last. */
static pid_t
start_child(struct pool *p, size_t i)
{
	return spawn(p, i < (size_t)p->nworkers ? worker : p->extra);
}

int
pool_run(struct pool *p)
{
	size_t	 i, n = (size_t)p->nworkers + (p->extra != NULL);
	pid_t	*pids, pid;
	time_t	 last_death = 0;
	int	 status;

	if ((pids = calloc(n, sizeof(*pids))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		pids[i] = start_child(p, i);
	LOG_INFO("%s: %d workers", p->name, p->nworkers);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			/* New workers fork from the master's copy; the
			 * running ones reload before their next request. */
			if (p->reload != NULL && p->reload(p->arg, 1) == 0)
				for (i = 0; i < (size_t)p->nworkers; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGHUP);
			continue;
		}
		if ((pid = waitpid(-1, &status, 0)) == -1) {
			if (errno != EINTR)
				sleep(1);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(status))
				LOG_WARN("worker %d killed by signal %d",
				    (int)pid, WTERMSIG(status));
			else
				LOG_WARN("worker %d exited with %d", (int)pid,
				    WEXITSTATUS(status));
			/* Do not spin if workers die as they start. */
			if (time(NULL) == last_death)
				sleep(1);
			last_death = time(NULL);
			pids[i] = got_term ? 0 : start_child(p, i);
		}
	}
	stop_all(pids, n, POOL_STOP_GRACE);
	free(pids);
	return 0;
}
