/*
 * config.c: the public pool's settings, from environment variables set by
 * conf/stack.sh (or a service manager).  Read once at start; a bad value
 * stops the program with a message naming the variable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vawg.h"

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : fallback;
}

static int
env_num(const char *name, long long fallback, long long min, long long max,
    long long *out)
{
	const char	*v = getenv(name);
	char		*end;
	long long	 n;

	if (v == NULL || v[0] == '\0') {
		*out = fallback;
		return 0;
	}
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < min || n > max) {
		fprintf(stderr, "%s: must be a number from %lld to %lld\n",
		    name, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int
config_load(struct config *c)
{
	long long	 workers, body, fill, age, aw, idle, smax, reauth, tries;
	long long	 wait;

	c->socket_path = env_or("VAWG_SOCKET", "var/fcgi/public.sock");
	c->conninfo = env_or("VAWG_DB", "host=var/run dbname=vawg "
	    "user=vawg_public connect_timeout=3");
	c->template_dir = env_or("VAWG_TEMPLATES", "templates");
	c->key_dir = env_or("VAWG_KEYS", "var/keys");
	c->exit_url = env_or("VAWG_EXIT_URL", "https://www.bbc.co.uk/weather");
	c->run_as = env_or("VAWG_USER", "");
	c->pin = env_or("VAWG_KEY_FINGERPRINT", "");
	c->spool_dir = env_or("VAWG_SPOOL", "var/spool");
	if (env_num("VAWG_WORKERS", 4, 1, 256, &workers) == -1 ||
	    env_num("VAWG_BODY_MAX", 524288, 1024, 16 << 20, &body) == -1 ||
	    env_num("VAWG_MIN_FILL_SECONDS", 3, 0, 3600, &fill) == -1 ||
	    env_num("VAWG_TOKEN_MAX_AGE", 86400, 60, 7 * 86400, &age) == -1)
		return -1;
	/* The exit URL goes into a Location header: no CR, LF or space. */
	if (strpbrk(c->exit_url, "\r\n \t") != NULL ||
	    strlen(c->exit_url) > 512 ||
	    (strncmp(c->exit_url, "https://", 8) != 0 &&
	    strncmp(c->exit_url, "http://", 7) != 0)) {
		fprintf(stderr, "VAWG_EXIT_URL: must be an http(s) URL\n");
		return -1;
	}
	c->admin_socket = env_or("VAWG_ADMIN_SOCKET", "var/fcgi/admin.sock");
	c->admin_conninfo = env_or("VAWG_ADMIN_DB", "host=var/run dbname=vawg "
	    "user=vawg_admin connect_timeout=3");
	c->admin_run_as = env_or("VAWG_ADMIN_USER", "");
	c->passphrase_file = env_or("VAWG_PASSPHRASE_FILE", "");
	if (env_num("VAWG_ADMIN_WORKERS", 2, 1, 64, &aw) == -1 ||
	    env_num("VAWG_SESSION_IDLE", 1800, 10, 86400, &idle) == -1 ||
	    env_num("VAWG_SESSION_MAX", 43200, 60, 7 * 86400, &smax) == -1 ||
	    env_num("VAWG_REAUTH_SECONDS", 900, 1, 86400, &reauth) == -1 ||
	    env_num("VAWG_LOGIN_FREE_TRIES", 5, 1, 100, &tries) == -1 ||
	    env_num("VAWG_LOGIN_MAX_WAIT", 900, 1, 86400, &wait) == -1)
		return -1;
	c->admin_workers = (int)aw;
	c->session_idle = (int)idle;
	c->session_max = (int)smax;
	c->reauth_after = (int)reauth;
	c->login_free_tries = (int)tries;
	c->login_max_wait = (int)wait;
	c->workers = (int)workers;
	c->body_max = (size_t)body;
	c->min_fill = fill;
	c->max_age = age;
	return 0;
}
