/*
 * config.c: the public pool's settings, from environment variables set by
 * conf/stack.sh (or a service manager).  Read once at start; a bad value
 * stops the program with a message naming the variable.  The admin pool's
 * settings are not read here, so a bad one cannot stop the forms.
 */
#include <stdio.h>
#include <string.h>

#include "public.h"

int
public_config_load(struct public_config *c)
{
	long long	 workers, body, fill, age, sbytes, sfiles;

	c->socket_path = env_or("VAWG_SOCKET", "var/fcgi/public.sock");
	c->conninfo = env_or("VAWG_DB", "host=var/run dbname=vawg "
	    "user=vawg_public connect_timeout=3");
	c->template_dir = env_or("VAWG_TEMPLATES", "templates");
	c->key_dir = env_or("VAWG_KEYS", "var/keys");
	c->exit_url = env_or("VAWG_EXIT_URL", "https://www.bbc.co.uk/weather");
	c->run_as = env_or("VAWG_USER", "");
	c->socket_group = env_or("VAWG_SOCKET_GROUP", "");
	c->pin = env_or("VAWG_KEY_FINGERPRINT", "");
	c->spool_dir = env_or("VAWG_SPOOL", "var/spool");
	if (env_num("VAWG_WORKERS", 4, 1, 256, &workers) == -1 ||
	    env_num("VAWG_BODY_MAX", 524288, 1024, 16 << 20, &body) == -1 ||
	    env_num("VAWG_MIN_FILL_SECONDS", 3, 0, 3600, &fill) == -1 ||
	    env_num("VAWG_TOKEN_MAX_AGE", 86400, 60, 7 * 86400, &age) == -1)
		return -1;
	/* The spool shares the database's disk: 256 MiB or 10000 records
	 * (a few hours of posts) before a post is refused as not saved. */
	if (env_num("VAWG_SPOOL_MAX_BYTES", 256LL << 20, 65536, 1LL << 40,
	    &sbytes) == -1 ||
	    env_num("VAWG_SPOOL_MAX_FILES", 10000, 1, 10000000, &sfiles) == -1)
		return -1;
	c->spool_cap.bytes = (uint64_t)sbytes;
	c->spool_cap.files = (size_t)sfiles;
	/* The exit URL goes into a Location header: no CR, LF or space. */
	if (strpbrk(c->exit_url, "\r\n \t") != NULL ||
	    strlen(c->exit_url) > 512 ||
	    (strncmp(c->exit_url, "https://", 8) != 0 &&
	    strncmp(c->exit_url, "http://", 7) != 0)) {
		fprintf(stderr, "VAWG_EXIT_URL: must be an http(s) URL\n");
		return -1;
	}
	c->workers = (int)workers;
	c->body_max = (size_t)body;
	c->min_fill = fill;
	c->max_age = age;
	return 0;
}
