/*
 * main.c: vawg-admin's start, the admin FastCGI pool, on its own socket,
 * under its own Unix user where the machine allows, with its own database
 * role (vawg_admin).  It loads settings, templates, keys and form
 * definitions, then hands each request to route.c; it serves no page
 * itself and reads no setting of another program.
 *
 * Two modes (docs/THREAT-MODEL.md threat 18).  With VAWG_PASSPHRASE_FILE
 * set, the master unlocks the whole keyring at start, wipes the
 * passphrase, and exports are decrypted here.  Without it, this pool holds
 * no secret key at all and exports carry the sealed envelopes for
 * `vawgctl decrypt-export` on the administrator's own machine.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "view.h"

static const char *const admin_templates[] = {
	"layout.tpl", "message.tpl", "admin_login.tpl", "admin_dashboard.tpl",
	"admin_reauth.tpl",
};

static int
load_keys(struct admin_app *a)
{
	char	 path[PATH_MAX], *pass;
	size_t	 passlen;
	int	 rc;

	snprintf(path, sizeof(path), "%s/service.pub", a->cfg->key_dir);
	if (seal_pub_load(path, &a->pub) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/admin.key", a->cfg->key_dir);
	if (file_read_secret(path, ADMIN_MAC_KEY_BYTES, &a->mac_key) == -1)
		return -1;
	if (a->cfg->passphrase_file[0] == '\0') {
		LOG_INFO("sealed mode: no secret key held");
		return 0;
	}
	if ((pass = seal_passphrase_load(a->cfg->passphrase_file,
	    &passlen)) == NULL)
		return -1;
	rc = keyring_load(a->cfg->key_dir, pass, passlen, &a->keys);
	sodium_free(pass);
	if (rc == -1) {
		LOG_ERR("the keyring does not open: wrong passphrase?");
		return -1;
	}
	a->decrypting = 1;
	LOG_INFO("decrypting mode: %zu keys unlocked", a->keys.n);
	return 0;
}

/* Loads the definitions; patient: waits up to a minute for the database. */
static int
load_forms(struct admin_app *a, int patient)
{
	struct formset	 cur, all;
	int		 tries;

	for (tries = 0; tries < (patient ? 60 : 1) && !pool_stopping();
	    tries++) {
		if (store_load_versions(a->cfg->conninfo, &cur, 0) == 0) {
			if (store_load_versions(a->cfg->conninfo, &all,
			    1) == 0) {
				formset_free(&a->current);
				formset_free(&a->versions);
				a->current = cur;
				a->versions = all;
				return 0;
			}
			formset_free(&cur);
		}
		if (patient)
			sleep(1);
	}
	return -1;
}

static int
admin_worker_init(void *arg)
{
	struct admin_app *a = arg;

	a->store = store_open(a->cfg->conninfo);
	return a->store == NULL ? -1 : 0;
}

static void
admin_pool_handle(void *arg, struct req *r, struct resp *s)
{
	route_handle(arg, r, s);
}

static int
admin_reload(void *arg, int patient)
{
	return load_forms(arg, patient);
}

int
main(void)
{
	struct admin_config	 cfg;
	struct admin_app	 a;
	struct pool		 p;

	log_init("vawg-admin");
	memset(&a, 0, sizeof(a));
	a.cfg = &cfg;
	if (admin_config_load(&cfg) == -1 || route_check() == -1 ||
	    pool_harden() == -1 ||
	    seal_init() == -1 || admin_init(&a) == -1)
		return 1;
	if (view_load(cfg.template_dir, admin_templates,
	    sizeof(admin_templates) / sizeof(admin_templates[0])) == -1 ||
	    load_keys(&a) == -1)
		return 1;
	memset(&p, 0, sizeof(p));
	p.name = "vawg-admin";
	p.nworkers = cfg.workers;
	p.worker_init = admin_worker_init;
	p.handle = admin_pool_handle;
	p.reload = admin_reload;
	p.arg = &a;
	if ((p.sock = pool_listen(cfg.socket_path, cfg.run_as,
	    cfg.socket_group)) == -1 ||
	    pool_drop(cfg.run_as) == -1)
		return 1;
	if (load_forms(&a, 1) == -1) {
		LOG_ERR("no form definitions: is the database migrated?");
		return 1;
	}
	LOG_INFO("listening on %s", cfg.socket_path);
	pool_run(&p);
	keyring_free(&a.keys);
	sodium_free(a.mac_key);
	formset_free(&a.current);
	formset_free(&a.versions);
	LOG_INFO("stopped");
	return 0;
}
