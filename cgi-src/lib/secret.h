/*
 * secret.h: the secret side of the sealing keys: key files under a
 * passphrase, the keyring of every generation, and opening envelopes.
 * Only the admin pool and vawgctl include it; the public program must not
 * (`make test` checks both its include lines and its binary).
 */
#ifndef VAWG_SECRET_H
#define VAWG_SECRET_H

#include "crypto.h"

/*
 * keys/admin.key: the admin pool's MAC key, for the sign-in form's token
 * (crypto_auth) and the throttle table's keyed hashes (crypto_generichash;
 * both sizes checked in admin/admin.c), and the master key from which
 * totpseal.c derives the key that seals staff TOTP secrets.  vawgctl
 * keygen makes it; the admin pool and vawgctl read exactly this many
 * bytes.  The public pool never sees it.
 */
#define ADMIN_MAC_KEY_BYTES	32

/* A secret key, unlocked; lives in sodium_malloc()ed memory. */
struct seal_secret {
	struct seal_pub	pub;
	unsigned char	*sk;	/* SEAL_SK_BYTES, sodium_malloc()ed */
};

/* ---- keyfile.c: secret key files under a passphrase ---- */

#define SEAL_PASS_MIN	12
#define SEAL_PASS_MAX	1024

/*
 * Generates a key pair; writes pub_path (hex text) and sec_path (the secret
 * key under passphrase: Argon2id + secretbox).  Refuses to overwrite.
 */
CHECKED int	 seal_keygen(const char *pub_path, const char *sec_path,
	    const char *pass, size_t passlen, struct seal_pub *out);
/* Opens sec_path with the passphrase.  -1 on a wrong passphrase too. */
CHECKED int	 seal_secret_load(const char *sec_path, const char *pass,
	    size_t passlen, struct seal_secret *out);
void	 seal_secret_free(struct seal_secret *);	/* wipes; NULL-safe */
/* The first line of path, in sodium_malloc()ed memory (sodium_free it);
 * NULL (logged) if unreadable or shorter than SEAL_PASS_MIN. */
CHECKED char	*seal_passphrase_load(const char *path, size_t *len);

/* ---- totpseal.c: staff TOTP secrets, sealed for the database ---- */

/*
 * A sealed secret: version(1) | nonce(24) | XChaCha20-Poly1305 of the
 * secret | tag(16), under a key derived from admin.key, with the account's
 * name as associated data: it opens only for the account it was sealed
 * for.  The sizes are checked against libsodium in totpseal.c.
 */
#define TOTP_SECRET_MIN		16	/* RFC 4226: at least 128 bits */
#define TOTP_SECRET_MAX		64
#define TOTPSEAL_HEADER		25
#define TOTPSEAL_OVERHEAD	(TOTPSEAL_HEADER + 16)
#define TOTPSEAL_BYTES(n)	(TOTPSEAL_OVERHEAD + (n))
#define TOTPSEAL_MAX		TOTPSEAL_BYTES(TOTP_SECRET_MAX)

/*
 * Seals secret[0..len) (TOTP_SECRET_MIN to TOTP_SECRET_MAX bytes) for the
 * account named account into out (outsz at least TOTPSEAL_BYTES(len)),
 * its length in *outlen.  admin_key (ADMIN_MAC_KEY_BYTES) is borrowed;
 * the derived key is wiped before return.  0 / -1 (logged).
 */
CHECKED int	 totpseal_seal(const unsigned char *admin_key, const char *account,
	    const unsigned char *secret, size_t len, unsigned char *out,
	    size_t outsz, size_t *outlen);
/*
 * Opens sealed[0..sealedlen) for account into out (outsz bytes; the
 * caller wipes it after use), its length in *outlen.  0, or -1 (not
 * logged: the caller knows whose it was) if it was sealed for another
 * account or under another key, altered, or malformed; out is then wiped.
 */
CHECKED int	 totpseal_open(const unsigned char *admin_key, const char *account,
	    const unsigned char *sealed, size_t sealedlen, unsigned char *out,
	    size_t outsz, size_t *outlen);

/* ---- unseal.c: opening envelopes ---- */

enum open_result {
	OPEN_OK,
	OPEN_MALFORMED,		/* too short, unknown version */
	OPEN_UNKNOWN_KEY,	/* sealed to a key we do not hold */
	OPEN_FAILED,		/* tampered or corrupt */
	OPEN_MISMATCH,		/* sealed for another row or form */
	OPEN_NOMEM,
};

/* Opens an envelope, checks idem and form, appends the plaintext to out. */
CHECKED enum open_result seal_open(const struct seal_secret *, const unsigned char *env,
	    size_t envlen, const unsigned char *idem, const char *form,
	    struct buf *out);
const char *seal_open_strerror(enum open_result);

/* ---- keyring.c: every generation of the secret key ---- */

#define KEYRING_MAX	32

struct keyring {
	struct seal_secret	keys[KEYRING_MAX];
	size_t			n;
};

/* Opens service.sec and keyring/ *.sec under dir.  0 / -1 (logged). */
CHECKED int	 keyring_load(const char *dir, const char *pass, size_t passlen,
	    struct keyring *);
const struct seal_secret *keyring_find(const struct keyring *,
	    const char *key_id);
/* Opens an envelope with whichever key it names. */
CHECKED enum open_result keyring_open(const struct keyring *, const unsigned char *env,
	    size_t envlen, const unsigned char *idem, const char *form,
	    struct buf *out);
void	 keyring_free(struct keyring *);	/* wipes; NULL-safe */
enum rotate_result {
	ROTATE_OK,		/* the new pair is current, the old in keyring/ */
	ROTATE_UNCHANGED,	/* refused, or undone: the pair is as it was */
	ROTATE_BROKEN,		/* undoing failed: the log says where each
				 * file is; no current pair until moved back */
};

/* Moves the current pair into keyring/ and makes a new one, all or
 * nothing (keyring.c says how).  old is filled unless the current public
 * key is unreadable; fresh only on ROTATE_OK. */
CHECKED enum rotate_result keyring_rotate(const char *dir, const char *pass,
	    size_t passlen, struct seal_pub *old, struct seal_pub *fresh);

#endif /* VAWG_SECRET_H */
