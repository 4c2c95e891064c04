/*
 * keyring.c: every secret key the service has ever sealed to, unlocked with
 * one passphrase (docs/THREAT-MODEL.md threat 17).  The current key pair is
 * keys/service.{pub,sec}; a rotation moves it to keys/keyring/<key id>.* and
 * makes a new one, so rows sealed under any generation still open.  An
 * envelope names its key, so opening looks the key up by id.  The admin
 * pool and vawgctl link it; the public pool must not (`make test` checks
 * its binary with nm).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

static int
keyring_add(struct keyring *kr, const char *path, const char *pass,
    size_t passlen)
{
	struct seal_secret	*keys;

	if (kr->n == KEYRING_MAX) {
		LOG_ERR("more than %d keys in the keyring", KEYRING_MAX);
		return -1;
	}
	keys = kr->keys;
	if (seal_secret_load(path, pass, passlen, &keys[kr->n]) == -1)
		return -1;
	kr->n++;
	return 0;
}

int
keyring_load(const char *dir, const char *pass, size_t passlen,
    struct keyring *kr)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	size_t		 len;

	memset(kr, 0, sizeof(*kr));
	snprintf(path, sizeof(path), "%s/service.sec", dir);
	if (keyring_add(kr, path, pass, passlen) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/keyring", dir);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : (LOG_ERR("%s: %s", path,
		    strerror(errno)), keyring_free(kr), -1);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".sec") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/keyring/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if (keyring_add(kr, path, pass, passlen) == -1) {
			closedir(d);
			goto fail;
		}
	}
	closedir(d);
	return 0;
fail:
	keyring_free(kr);
	return -1;
}

const struct seal_secret *
keyring_find(const struct keyring *kr, const char *key_id)
{
	size_t	 i;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i].pub.key_id, key_id) == 0)
			return &kr->keys[i];
	return NULL;
}

enum open_result
keyring_open(const struct keyring *kr, const unsigned char *env,
    size_t envlen, const unsigned char *idem, const char *form,
    struct buf *out)
{
	const struct seal_secret *sec;
	char			 id[SEAL_KEY_ID_HEX];

	if (seal_envelope_key_id(env, envlen, id) == -1)
		return OPEN_MALFORMED;
	if ((sec = keyring_find(kr, id)) == NULL)
		return OPEN_UNKNOWN_KEY;
	return seal_open(sec, env, envlen, idem, form, out);
}

void
keyring_free(struct keyring *kr)
{
	size_t	 i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++)
		seal_secret_free(&kr->keys[i]);
	kr->n = 0;
}

int
keyring_rotate(const char *dir, const char *pass, size_t passlen,
    struct seal_pub *old, struct seal_pub *fresh)
{
	char	 pub[PATH_MAX], sec[PATH_MAX], ring[PATH_MAX];
	char	 oldpub[PATH_MAX + 32], oldsec[PATH_MAX + 32];

	_Static_assert(sizeof("/.pub") + SEAL_KEY_ID_HEX - 1 <= 32,
	    "ring, then /<key id>.pub or .sec, fits");

	snprintf(pub, sizeof(pub), "%s/service.pub", dir);
	snprintf(sec, sizeof(sec), "%s/service.sec", dir);
	snprintf(ring, sizeof(ring), "%s/keyring", dir);
	if (seal_pub_load(pub, old) == -1)
		return -1;
	/* Prove the passphrase opens the current key before moving it. */
	{
		struct seal_secret s;

		if (seal_secret_load(sec, pass, passlen, &s) == -1)
			return -1;
		seal_secret_free(&s);
	}
	if (mkdir(ring, 0700) == -1 && errno != EEXIST) {
		LOG_ERR("%s: %s", ring, strerror(errno));
		return -1;
	}
	snprintf(oldpub, sizeof(oldpub), "%s/%s.pub", ring, old->key_id);
	snprintf(oldsec, sizeof(oldsec), "%s/%s.sec", ring, old->key_id);
	if (rename(sec, oldsec) == -1 || rename(pub, oldpub) == -1) {
		LOG_ERR("moving the current key to %s: %s", ring,
		    strerror(errno));
		return -1;
	}
	if (seal_keygen(pub, sec, pass, passlen, fresh) == -1) {
		/* Put the old key back rather than leave none. */
		(void)rename(oldsec, sec);
		(void)rename(oldpub, pub);
		return -1;
	}
	return 0;
}
