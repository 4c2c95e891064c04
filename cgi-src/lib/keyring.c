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

/* The six names a rotation touches. */
struct rotation {
	char	 dir[PATH_MAX], ring[PATH_MAX];
	char	 pub[PATH_MAX], sec[PATH_MAX];
	char	 oldpub[PATH_MAX + 32], oldsec[PATH_MAX + 32];
};

/* Both folders a move touched, synced; a failure is said, not fatal. */
static int
rotation_sync(const struct rotation *r)
{
	if (file_sync_dir(r->ring) == -1 || file_sync_dir(r->dir) == -1) {
		LOG_ERR("%s: cannot sync the key folders: %s", r->dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Puts the current pair back where it was: the secret key, and the public
 * key too if pub_moved.  rename() replaces whatever a failed keygen left
 * under the real names.  ROTATE_UNCHANGED once both are back (synced or,
 * if the sync fails, said), else ROTATE_BROKEN with where each file is.
 */
static enum rotate_result
rotation_undo(const struct rotation *r, int pub_moved)
{
	enum rotate_result	 rc = ROTATE_UNCHANGED;

	if (pub_moved && rename(r->oldpub, r->pub) == -1) {
		LOG_ERR("cannot move %s back to %s: %s", r->oldpub, r->pub,
		    strerror(errno));
		rc = ROTATE_BROKEN;
	}
	if (rename(r->oldsec, r->sec) == -1) {
		LOG_ERR("cannot move %s back to %s: %s", r->oldsec, r->sec,
		    strerror(errno));
		rc = ROTATE_BROKEN;
	}
	(void)rotation_sync(r);
	return rc;
}

/*
 * All or nothing: either the new pair is current and the old one is in
 * keyring/, or the folder holds the current pair as it was.  Each move is
 * a rename() within one file system, and the folders are fsync()ed after
 * the moves (seal_keygen() syncs its own), so a crash leaves one state or
 * the other.  The files' contents do not change, so they need no fsync of
 * their own: they were synced when they were written.  Only when a move
 * back fails too is the folder left without a current pair, and then the
 * log says where each file is (ROTATE_BROKEN).
 */
enum rotate_result
keyring_rotate(const char *dir, const char *pass, size_t passlen,
    struct seal_pub *old, struct seal_pub *fresh)
{
	struct rotation	 r;
	struct seal_secret s;

	_Static_assert(sizeof("/.pub") + SEAL_KEY_ID_HEX - 1 <= 32,
	    "ring, then /<key id>.pub or .sec, fits");

	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	snprintf(r.pub, sizeof(r.pub), "%s/service.pub", dir);
	snprintf(r.sec, sizeof(r.sec), "%s/service.sec", dir);
	snprintf(r.ring, sizeof(r.ring), "%s/keyring", dir);
	if (seal_pub_load(r.pub, old) == -1)
		return ROTATE_UNCHANGED;
	/* Prove the passphrase opens the current key before moving it. */
	if (seal_secret_load(r.sec, pass, passlen, &s) == -1)
		return ROTATE_UNCHANGED;
	seal_secret_free(&s);
	if (mkdir(r.ring, 0700) == -1 && errno != EEXIST) {
		LOG_ERR("%s: %s", r.ring, strerror(errno));
		return ROTATE_UNCHANGED;
	}
	snprintf(r.oldpub, sizeof(r.oldpub), "%s/%s.pub", r.ring, old->key_id);
	snprintf(r.oldsec, sizeof(r.oldsec), "%s/%s.sec", r.ring, old->key_id);
	if (rename(r.sec, r.oldsec) == -1) {
		LOG_ERR("moving %s to %s: %s", r.sec, r.oldsec,
		    strerror(errno));
		return ROTATE_UNCHANGED;
	}
	if (rename(r.pub, r.oldpub) == -1) {
		LOG_ERR("moving %s to %s: %s", r.pub, r.oldpub,
		    strerror(errno));
		return rotation_undo(&r, 0);
	}
	/* The old pair must be durably in keyring/ before a new pair takes
	 * its names, or a crash could lose the only copy of its secret. */
	if (rotation_sync(&r) == -1 ||
	    seal_keygen(r.pub, r.sec, pass, passlen, fresh) == -1)
		return rotation_undo(&r, 1);
	return ROTATE_OK;
}
