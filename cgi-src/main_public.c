/*
 * main_public.c: the public FastCGI pool, a prefork master and its workers.
 *
 * The master loads everything a worker needs at start (templates, form
 * definitions, the sealing public key, the form-token key), opens the
 * socket, drops root, then forks the workers and restarts any that die.
 * SIGHUP reloads the form definitions and replaces the workers; SIGTERM
 * stops the pool.  A worker keeps one database connection and serves
 * requests one at a time.  One more child, the replayer, stores what the
 * workers spooled while the database was away (spool.c); it is restarted
 * like a worker if it dies.
 *
 * The public pool never holds the secret key (SECURITY.md threat 1) and
 * makes no core dumps that could hold an answer in flight.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "vawg.h"
#include "view.h"

static volatile sig_atomic_t	got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static int
harden(void)
{
	struct rlimit	 none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		LOG_ERR("cannot disable core dumps: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Drops root for the named user, for good.  No-op when not root. */
static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if (user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		LOG_ERR("user %s does not exist", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		LOG_ERR("cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	/* setuid resets the dumpable flag. */
	return harden();
}

static int
load_keys(struct app *app)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/service.pub", app->cfg->key_dir);
	if (seal_pub_load(path, &app->pub) == -1)
		return -1;
	if (app->cfg->pin[0] != '\0' &&
	    strcmp(app->cfg->pin, app->pub.fingerprint) != 0) {
		LOG_ERR("%s: fingerprint %s is not the pinned %s; refusing to "
		    "seal answers to an unexpected key", path,
		    app->pub.fingerprint, app->cfg->pin);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/token.key", app->cfg->key_dir);
	if (seal_read_secret_file(path, TOKEN_KEY_BYTES, &app->token_key) ==
	    -1)
		return -1;
	LOG_INFO("sealing to key %s (fingerprint %s)", app->pub.key_id,
	    app->pub.fingerprint);
	return 0;
}

/* Loads the definitions, waiting up to a minute for the database. */
static int
load_forms(struct app *app)
{
	struct formset	 fresh;
	int		 tries;

	for (tries = 0; tries < 60 && !got_term; tries++) {
		if (store_load_forms(app->cfg->conninfo, &fresh) == 0) {
			formset_free(&app->forms);
			app->forms = fresh;
			LOG_INFO("%zu forms loaded", app->forms.n);
			return 0;
		}
		sleep(1);
	}
	return -1;
}

static void
worker(struct app *app, int sock)
{
	FCGX_Request	 fcgx;
	struct req	 r;
	struct resp	 s;
	sigset_t	 term, old;

	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGHUP);
	if ((app->store = store_open(app->cfg->conninfo)) == NULL ||
	    FCGX_InitRequest(&fcgx, sock, 0) != 0)
		_exit(1);
	for (;;) {
		/* A stop signal waits until the request in hand is sent. */
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		if (FCGX_Accept_r(&fcgx) < 0)
			break;
		sigprocmask(SIG_BLOCK, &term, &old);
		http_req_init(&r, &fcgx);
		memset(&s, 0, sizeof(s));
		app_handle(app, &r, &s);
		http_send(&r, &s);
		http_resp_free(&s);
		http_req_free(&r);
		FCGX_Finish_r(&fcgx);
	}
	store_close(app->store);
	_exit(0);
}

/*
 * The replayer: once a second, one bounded pass over the spool with its
 * own connection.  It holds no socket and serves no request.
 */
static void
replayer(struct app *app, int sock)
{
	struct spool_tally	 t;
	struct store		*st;

	close(sock);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* A name of its own in ps, and for the chaos test to tell it from
	 * the workers. */
	(void)prctl(PR_SET_NAME, "vawg-replayer", 0, 0, 0);
	if ((st = store_open(app->cfg->conninfo)) == NULL)
		_exit(1);
	while (!got_term) {
		if (spool_replay(app->cfg->spool_dir, st, 100, &t) == 0 &&
		    t.replayed + t.failed > 0)
			LOG_INFO("spool pass: %zu stored, %zu set aside, "
			    "%zu waiting", t.replayed, t.failed, t.left);
		/* A full pass with more waiting goes on at once. */
		if (got_term || t.down || t.left == 0 || t.replayed == 0)
			sleep(1);
	}
	store_close(st);
	_exit(0);
}

static pid_t
spawn_replayer(struct app *app, int sock)
{
	pid_t	 pid = fork();

	if (pid == 0)
		replayer(app, sock);
	if (pid == -1)
		LOG_ERR("fork: %s", strerror(errno));
	return pid;
}

static pid_t
spawn(struct app *app, int sock)
{
	pid_t	 pid = fork();

	if (pid == 0)
		worker(app, sock);
	if (pid == -1)
		LOG_ERR("fork: %s", strerror(errno));
	return pid;
}

static void
stop_all(pid_t *pids, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
}

int
main(void)
{
	struct config		 cfg;
	struct app		 app;
	struct sigaction	 sa;
	pid_t			*pids, pid, rpid;
	int			 sock, i, status;
	time_t			 last_death = 0;

	log_init("vawg-public");
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	if (config_load(&cfg) == -1 || harden() == -1 || seal_init() == -1)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (view_load(cfg.template_dir, app_templates, app_ntemplates) == -1 ||
	    load_keys(&app) == -1)
		return 1;
	if (FCGX_Init() != 0) {
		LOG_ERR("FCGX_Init failed");
		return 1;
	}
	unlink(cfg.socket_path);
	if ((sock = FCGX_OpenSocket(cfg.socket_path, 128)) < 0) {
		LOG_ERR("cannot listen on %s", cfg.socket_path);
		return 1;
	}
	/* nginx's workers run as another user. */
	if (chmod(cfg.socket_path, 0666) == -1 ||
	    drop_privileges(cfg.run_as) == -1)
		return 1;
	if (load_forms(&app) == -1) {
		LOG_ERR("no form definitions: is the database migrated?");
		return 1;
	}
	if ((pids = calloc((size_t)cfg.workers, sizeof(*pids))) == NULL)
		return 1;
	/* Said at start, not found out during an outage. */
	if (access(cfg.spool_dir, W_OK | X_OK) == -1)
		LOG_ERR("spool %s is not writable (%s): posts will be refused "
		    "while the database is away", cfg.spool_dir,
		    strerror(errno));
	for (i = 0; i < cfg.workers; i++)
		pids[i] = spawn(&app, sock);
	rpid = spawn_replayer(&app, sock);
	LOG_INFO("listening on %s with %d workers", cfg.socket_path,
	    cfg.workers);

	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			if (load_forms(&app) == 0) {
				stop_all(pids, cfg.workers);
				for (i = 0; i < cfg.workers; i++)
					pids[i] = spawn(&app, sock);
			}
			continue;
		}
		pid = waitpid(-1, &status, 0);
		if (pid == -1) {
			if (errno != EINTR)
				sleep(1);
			continue;
		}
		if (pid == rpid) {
			LOG_WARN("replayer %d ended (status %d)", (int)pid,
			    status);
			if (time(NULL) == last_death)
				sleep(1);
			last_death = time(NULL);
			rpid = got_term ? 0 : spawn_replayer(&app, sock);
			continue;
		}
		for (i = 0; i < cfg.workers; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFSIGNALED(status))
				LOG_WARN("worker %d killed by signal %d",
				    (int)pid, WTERMSIG(status));
			else
				LOG_WARN("worker %d exited with %d", (int)pid,
				    WEXITSTATUS(status));
			/* Do not spin if workers die at once on start. */
			if (time(NULL) == last_death)
				sleep(1);
			last_death = time(NULL);
			pids[i] = got_term ? 0 : spawn(&app, sock);
		}
	}
	stop_all(pids, cfg.workers);
	stop_all(&rpid, 1);
	free(pids);
	formset_free(&app.forms);
	sodium_free(app.token_key);
	unlink(cfg.socket_path);
	LOG_INFO("stopped");
	return 0;
}
