/*
 * config.c: the admin pool's settings, from environment variables set by
 * conf/stack.sh (or a service manager).  Read once at start; a bad value
 * stops the admin pool (and only it) with a message naming the variable.
 * It reads no other program's variables and opens nothing: the files the
 * settings name are main.c's to open.
 */
#include "admin.h"

int
admin_config_load(struct admin_config *c)
{
	long long	 workers, idle, smax, reauth, tries, wait, plain;

	c->socket_path = env_or("VAWG_ADMIN_SOCKET", "var/fcgi/admin.sock");
	c->conninfo = env_or("VAWG_ADMIN_DB", "host=var/run dbname=vawg "
	    "user=vawg_admin connect_timeout=3");
	c->template_dir = env_or("VAWG_TEMPLATES", "templates");
	c->key_dir = env_or("VAWG_KEYS", "var/keys");
	c->run_as = env_or("VAWG_ADMIN_USER", "");
	c->socket_group = env_or("VAWG_ADMIN_SOCKET_GROUP", "");
	c->passphrase_file = env_or("VAWG_PASSPHRASE_FILE", "");
	if (env_num("VAWG_ADMIN_WORKERS", 2, 1, 64, &workers) == -1 ||
	    env_num("VAWG_SESSION_IDLE", 1800, 10, 86400, &idle) == -1 ||
	    env_num("VAWG_SESSION_MAX", 43200, 60, 7 * 86400, &smax) == -1 ||
	    env_num("VAWG_REAUTH_SECONDS", 900, 1, 86400, &reauth) == -1 ||
	    env_num("VAWG_LOGIN_FREE_TRIES", 5, 1, 100, &tries) == -1 ||
	    env_num("VAWG_LOGIN_MAX_WAIT", 900, 1, 86400, &wait) == -1 ||
	    env_num("VAWG_ADMIN_ALLOW_PLAIN_HTTP", 0, 0, 1, &plain) == -1)
		return -1;
	c->workers = (int)workers;
	c->session_idle = (int)idle;
	c->session_max = (int)smax;
	c->reauth_after = (int)reauth;
	c->login_free_tries = (int)tries;
	c->login_max_wait = (int)wait;
	c->allow_plain_http = (int)plain;
	/* Said once at start, so a production log shows it was left on. */
	if (c->allow_plain_http)
		LOG_WARN("VAWG_ADMIN_ALLOW_PLAIN_HTTP=1: sign-in is accepted "
		    "over plain HTTP (for development only)");
	return 0;
}
