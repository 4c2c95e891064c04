/*
 * main.c: vawg-public's start, reloads and stop, around the prefork
 * FastCGI pool (lib/pool.c).
 *
 * The master loads everything a worker needs at start (templates, form
 * definitions and their cached pages, the sealing public key, the
 * form-token key), opens the socket, drops root, then runs the pool.
 * SIGHUP reloads the sealing public key (checked against the pin again)
 * and the form definitions (and rebuilds the page cache); SIGTERM stops
 * the pool.  A worker keeps one database connection and
 * serves requests one at a time.  One more child, the replayer, stores
 * what the workers spooled while the database was away (lib/spool.c).
 *
 * It answers no request itself (app.c routes them) and knows nothing of
 * the page cache but its build and free.  The public pool never holds the
 * secret key (docs/THREAT-MODEL.md threat 1) and makes no core dumps that
 * could hold an answer in flight.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "public.h"
#include "view.h"

/* service.pub into *out, if the pin (when set) names it.  0 / -1 (said). */
static int
pub_load_pinned(const struct app *app, struct seal_pub *out)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/service.pub", app->cfg->key_dir);
	if (seal_pub_load(path, out) == -1)
		return -1;
	if (app->cfg->pin[0] != '\0' &&
	    strcmp(app->cfg->pin, out->fingerprint) != 0) {
		LOG_ERR("%s: fingerprint %s is not the pinned %s; refusing to "
		    "seal answers to an unexpected key", path,
		    out->fingerprint, app->cfg->pin);
		return -1;
	}
	return 0;
}

static int
load_keys(struct app *app)
{
	char	 path[PATH_MAX];

	if (pub_load_pinned(app, &app->pub) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/token.key", app->cfg->key_dir);
	if (file_read_secret(path, TOKEN_KEY_BYTES, &app->token_key) ==
	    -1)
		return -1;
	/* Its own key for the answers' digest (lib/answers.c), so the MAC
	 * key of the tokens is used for nothing else. */
	if ((app->answers_key = sodium_malloc(ANSWERS_KEY_BYTES)) == NULL ||
	    answers_key(app->token_key, app->answers_key) == -1) {
		LOG_ERR("cannot derive the answers' key");
		return -1;
	}
	LOG_INFO("sealing to key %s (fingerprint %s)", app->pub.key_id,
	    app->pub.fingerprint);
	return 0;
}

/*
 * On SIGHUP, the public key again, so a rotation reaches the web tier
 * without a restart (each process, master and workers, reads it).  A key
 * that cannot be read, or that the pin does not name, is refused and the
 * current key kept, with an error in public.log that names both: refusing
 * every post instead would lose the very answers the service exists to
 * keep, while the current key's secret is still in keys/ (in keyring/
 * after a rotation), so what is sealed to it still opens.  The pin is the
 * operator's word on which key to seal to: a new pin needs a restart (it
 * is read once, from the environment), and vawgctl rotate says so.
 */
static void
reload_key(struct app *app)
{
	struct seal_pub	 fresh;

	if (pub_load_pinned(app, &fresh) == -1) {
		LOG_ERR("reload: still sealing to key %s (fingerprint %s): "
		    "the key in %s was refused (see above); a new pin needs a "
		    "restart", app->pub.key_id, app->pub.fingerprint,
		    app->cfg->key_dir);
		return;
	}
	if (sodium_memcmp(fresh.pk, app->pub.pk, sizeof(fresh.pk)) == 0)
		return;
	LOG_INFO("reload: now sealing to key %s (fingerprint %s), no longer "
	    "to %s", fresh.key_id, fresh.fingerprint, app->pub.key_id);
	app->pub = fresh;
}

/* Loads the definitions; patient: waits up to a minute for the database. */
static int
load_forms(struct app *app, int patient)
{
	struct formset	 fresh;
	int		 tries;

	for (tries = 0; tries < (patient ? 60 : 1) && !pool_stopping();
	    tries++) {
		if (store_load_versions(app->cfg->conninfo, &fresh, 0) == 0) {
			formset_free(&app->forms);
			app->forms = fresh;
			page_cache_build(app, (int64_t)time(NULL));
			LOG_INFO("%zu forms loaded", app->forms.n);
			return 0;
		}
		if (patient)
			sleep(1);
	}
	return -1;
}

static int
public_worker_init(void *arg)
{
	struct app	*app = arg;

	app->store = store_open(app->cfg->conninfo);
	return app->store == NULL ? -1 : 0;
}

static void
public_handle(void *arg, struct req *r, struct resp *s)
{
	app_handle(arg, r, s);
}

/* The key first: a reload that cannot read the definitions (the
 * database away) still changes the key. */
static int
public_reload(void *arg, int patient)
{
	reload_key(arg);
	return load_forms(arg, patient);
}

/*
 * The replayer: once a second, one bounded pass over the spool with its
 * own connection.  It holds no socket and serves no request.
 */
static void
replayer(struct pool *p)
{
	struct app		*app = p->arg;
	struct spool_tally	 t;
	struct store		*st;

	close(p->sock);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* A name of its own in ps, and for the chaos test to tell it from
	 * the workers. */
	(void)prctl(PR_SET_NAME, "vawg-replayer", 0, 0, 0);
	if ((st = store_open(app->cfg->conninfo)) == NULL)
		_exit(1);
	while (!pool_stopping()) {
		if (spool_replay(app->cfg->spool_dir, st, 100, &t) == 0 &&
		    t.replayed + t.failed > 0)
			LOG_INFO("spool pass: %zu stored, %zu set aside, "
			    "%zu waiting", t.replayed, t.failed, t.left);
		/* A full pass with more waiting goes on at once. */
		if (pool_stopping() || t.down || t.left == 0 || t.replayed == 0)
			sleep(1);
	}
	store_close(st);
	_exit(0);
}

int
main(void)
{
	struct public_config cfg;
	struct app	 app;
	struct pool	 p;

	log_init("vawg-public");
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	if (public_config_load(&cfg) == -1 || pool_harden() == -1 || seal_init() == -1)
		return 1;
	if (view_load(cfg.template_dir, app_templates, app_ntemplates) == -1 ||
	    load_keys(&app) == -1)
		return 1;
	memset(&p, 0, sizeof(p));
	p.name = "vawg-public";
	p.nworkers = cfg.workers;
	p.worker_init = public_worker_init;
	p.handle = public_handle;
	p.reload = public_reload;
	p.extra = replayer;
	p.arg = &app;
	if ((p.sock = pool_listen(cfg.socket_path, cfg.run_as,
	    cfg.socket_group)) == -1 ||
	    pool_drop(cfg.run_as) == -1)
		return 1;
	if (load_forms(&app, 1) == -1) {
		LOG_ERR("no form definitions: is the database migrated?");
		return 1;
	}
	/* Said at start, not found out during an outage. */
	if (access(cfg.spool_dir, W_OK | X_OK) == -1)
		LOG_ERR("spool %s is not writable (%s): posts will be refused "
		    "while the database is away", cfg.spool_dir,
		    strerror(errno));
	LOG_INFO("listening on %s", cfg.socket_path);
	pool_run(&p);
	page_cache_free(&app);
	formset_free(&app.forms);
	sodium_free(app.token_key);
	sodium_free(app.answers_key);
	/* Fails once root is dropped (the folder is not ours to enter):
	 * conf/stack.sh removes the socket before each start. */
	unlink(cfg.socket_path);
	LOG_INFO("stopped");
	return 0;
}
