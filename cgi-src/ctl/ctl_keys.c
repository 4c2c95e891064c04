/*
 * ctl_keys.c: vawgctl's commands on the service's keys, in the folder
 * --keys names:
 *
 *   keygen       every key the service needs that is missing: the sealing
 *                pair (service.pub, and service.sec under the passphrase),
 *                token.key (the public pool's form tokens) and admin.key
 *                (the admin pool's sign-in tokens and throttle hashes)
 *   fingerprint  the public key's id and fingerprint
 *   rotate       the current pair into keyring/, a new pair in its place
 *
 * No key that exists is ever overwritten: keygen keeps it and says so,
 * and every file is written through file_write_private().
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

_Static_assert(TOKEN_KEY_BYTES <= 64 && ADMIN_MAC_KEY_BYTES <= 64,
    "random_key()'s buffer holds every key it makes");

/* dir/name into out[PATH_MAX].  0, or -1 with a message if too long. */
static int
key_path(char *out, const char *dir, const char *name)
{
	int	 n;

	n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "vawgctl: %s: path too long\n", dir);
		return -1;
	}
	return 0;
}

/* Is anything (a symlink too) at path?  1 / 0. */
static int
exists(const char *path)
{
	struct stat	 sb;

	return lstat(path, &sb) == 0;
}

/* Writes n random bytes to a new path, mode 0600.  0 / -1 (said). */
static int
random_key(const char *path, size_t n)
{
	unsigned char	 key[64];
	int		 rc;

	assert(n <= sizeof(key));
	randombytes_buf(key, n);
	rc = file_write_private(path, key, n, 0600, 0);
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* A random key of n bytes at dir/name, unless something is there.
 * 1 made, 0 kept, -1 failed. */
static int
make_or_keep(const char *dir, const char *name, size_t n)
{
	char	 path[PATH_MAX];

	if (key_path(path, dir, name) == -1)
		return -1;
	if (exists(path)) {
		fprintf(stderr, "vawgctl: %s exists: kept\n", path);
		return 0;
	}
	return random_key(path, n) == 0 ? 1 : -1;
}

/* The sealing pair, unless either half is there.  1 made, 0 kept, -1. */
static int
pair_make_or_keep(const struct ctl *c, const char *pub, const char *sec)
{
	struct seal_pub	 p;

	if (exists(pub) || exists(sec)) {
		fprintf(stderr, "vawgctl: %s or %s exists: the pair is kept\n",
		    pub, sec);
		return 0;
	}
	return seal_keygen(pub, sec, c->pass, c->passlen, &p) == 0 ? 1 : -1;
}

/*
 * Makes what is missing and keeps what is there, so a folder from before
 * a key existed gains it.  1 when every key was there already (nothing
 * to do is not what the caller asked for), or when one could not be made.
 */
int
ctl_keygen(struct ctl *c)
{
	char		 pub[PATH_MAX], sec[PATH_MAX];
	struct seal_pub	 p;
	int		 r[3], i, made = 0;

	if (key_path(pub, c->keys, "service.pub") == -1 ||
	    key_path(sec, c->keys, "service.sec") == -1)
		return 1;
	r[0] = pair_make_or_keep(c, pub, sec);
	r[1] = r[0] == -1 ? -1 : make_or_keep(c->keys, "token.key",
	    TOKEN_KEY_BYTES);
	r[2] = r[1] == -1 ? -1 : make_or_keep(c->keys, "admin.key",
	    ADMIN_MAC_KEY_BYTES);
	for (i = 0; i < 3; i++) {
		if (r[i] == -1)
			return 1;
		made += r[i];
	}
	if (made == 0) {
		fprintf(stderr, "vawgctl: every key is in %s already\n",
		    c->keys);
		return 1;
	}
	if (exists(pub) && seal_pub_load(pub, &p) == 0)
		printf("key id: %s\nfingerprint: %s\n", p.key_id,
		    p.fingerprint);
	return 0;
}

int
ctl_fingerprint(struct ctl *c)
{
	char		 pub[PATH_MAX];
	struct seal_pub	 p;

	if (key_path(pub, c->keys, "service.pub") == -1 ||
	    seal_pub_load(pub, &p) == -1)
		return 1;
	printf("key id: %s\nfingerprint: %s\n", p.key_id, p.fingerprint);
	return 0;
}

/* What vawgctl says when a rotation could not be undone: where each half
 * of the current pair is, and what that stops. */
static void
say_broken(const struct ctl *c, const struct seal_pub *old)
{
	fprintf(stderr, "vawgctl: rotation failed and could not be undone "
	    "(the messages above say why): key %s may be in %s/keyring/ as "
	    "%s.sec and %s.pub.  Move it back to %s/service.sec and "
	    "service.pub by hand; until then the admin pool and vawgctl "
	    "cannot open the keyring, and the public pool cannot restart "
	    "(while it runs it seals to the key it holds, whose secret is "
	    "that file).\n", old->key_id, c->keys, old->key_id, old->key_id,
	    c->keys);
}

/* The audit row is written when the database answers; the rotation does
 * not wait for it (the table says so), and a row that fails makes the
 * exit status 1 (ctl_audited). */
int
ctl_rotate(struct ctl *c)
{
	struct seal_pub	 old, fresh;

	memset(&old, 0, sizeof(old));
	switch (keyring_rotate(c->keys, c->pass, c->passlen, &old, &fresh)) {
	case ROTATE_OK:
		break;
	case ROTATE_UNCHANGED:
		fputs("vawgctl: rotation failed; the current key is unchanged\n",
		    stderr);
		return 1;
	case ROTATE_BROKEN:
	default:
		say_broken(c, &old);
		return 1;
	}
	printf("old key id: %s (kept in %s/keyring)\nnew key id: %s\n"
	    "new fingerprint: %s\n"
	    "To seal to the new key, send SIGHUP to the public pool "
	    "(conf/stack.sh reload) or restart it.  If VAWG_KEY_FINGERPRINT "
	    "pins the old key, set it to the new fingerprint and restart the "
	    "public pool instead: a reload keeps sealing to the pinned key "
	    "and says so in its log.  Restart the admin pool so that it opens "
	    "rows sealed to the new key.\n", old.key_id, c->keys, fresh.key_id,
	    fresh.fingerprint);
	return ctl_audited(store_audit(c->st, "vawgctl", "key-rotate", NULL,
	    NULL, NULL, -1, fresh.key_id));
}
