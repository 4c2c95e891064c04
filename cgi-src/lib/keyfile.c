/*
 * keyfile.c: the secret sealing key on disk, only ever inside a file
 * encrypted under a passphrase (docs/THREAT-MODEL.md threats 1, 17):
 *
 *   "VAWGSK01" | salt(16) | opslimit(8 BE) | memlimit(8 BE) | nonce(24)
 *   | secretbox(key: Argon2id(passphrase, salt), sk | pk)
 *
 * and the passphrase that opens it.  The admin pool and vawgctl link it;
 * the public pool must not (`make test` checks its binary with nm).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secret.h"

#define SK_MAGIC	"VAWGSK01"
#define SK_MAGIC_LEN	8
#define SK_HEADER	(SK_MAGIC_LEN + crypto_pwhash_SALTBYTES + 8 + 8 + \
			 crypto_secretbox_NONCEBYTES)
#define SK_PLAIN	(SEAL_SK_BYTES + SEAL_PK_BYTES)
#define SK_FILE		(SK_HEADER + crypto_secretbox_MACBYTES + SK_PLAIN)

/* Files written by any build must open in any other. */
_Static_assert(crypto_pwhash_SALTBYTES == 16 &&
    crypto_secretbox_NONCEBYTES == 24 && crypto_secretbox_MACBYTES == 16 &&
    SK_FILE == 144, "the key file's layout, as the comment above draws it");

static void
put64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
seal_keygen(const char *pub_path, const char *sec_path, const char *pass,
    size_t passlen, struct seal_pub *out)
{
	unsigned char	 pk[SEAL_PK_BYTES], file[SK_FILE];
	unsigned char	*sk = NULL, *key = NULL, *plain = NULL;
	unsigned char	*salt = file + SK_MAGIC_LEN;
	unsigned char	*nonce = salt + crypto_pwhash_SALTBYTES + 16;
	char		 hex[SEAL_PK_BYTES * 2 + 2];
	uint64_t	 ops = crypto_pwhash_OPSLIMIT_MODERATE;
	uint64_t	 mem = crypto_pwhash_MEMLIMIT_MODERATE;
	int		 rc = -1;

	/* Refuse early, before a second of key derivation. */
	if (access(sec_path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
		fprintf(stderr, "%s or %s exists: not overwriting a key\n",
		    sec_path, pub_path);
		return -1;
	}
	if ((sk = sodium_malloc(SEAL_SK_BYTES)) == NULL ||
	    (key = sodium_malloc(crypto_secretbox_KEYBYTES)) == NULL ||
	    (plain = sodium_malloc(SK_PLAIN)) == NULL)
		goto out;
	if (crypto_box_keypair(pk, sk) != 0)
		goto out;
	memcpy(file, SK_MAGIC, SK_MAGIC_LEN);
	randombytes_buf(salt, crypto_pwhash_SALTBYTES);
	put64(salt + crypto_pwhash_SALTBYTES, ops);
	put64(salt + crypto_pwhash_SALTBYTES + 8, mem);
	randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, passlen, salt,
	    ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		fprintf(stderr, "crypto_pwhash: out of memory\n");
		goto out;
	}
	memcpy(plain, sk, SEAL_SK_BYTES);
	memcpy(plain + SEAL_SK_BYTES, pk, SEAL_PK_BYTES);
	if (crypto_secretbox_easy(file + SK_HEADER, plain, SK_PLAIN, nonce,
	    key) != 0)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));	/* cannot fail */
	hex[SEAL_PK_BYTES * 2] = '\n';
	if (file_write_private(sec_path, file, sizeof(file), 0600, 0) == -1)
		goto out;
	if (file_write_private(pub_path, hex, SEAL_PK_BYTES * 2 + 1, 0644,
	    0) == -1) {
		unlink(sec_path);
		goto out;
	}
	rc = seal_pub_from_bytes(pk, out);
out:
	sodium_free(sk);
	sodium_free(key);
	sodium_free(plain);
	return rc;
}

int
seal_secret_load(const char *sec_path, const char *pass, size_t passlen,
    struct seal_secret *out)
{
	unsigned char	 file[SK_FILE];
	unsigned char	*key = NULL, *plain = NULL;
	const unsigned char *salt = file + SK_MAGIC_LEN;
	const unsigned char *nonce = salt + crypto_pwhash_SALTBYTES + 16;
	unsigned char	 derived_pk[SEAL_PK_BYTES];
	uint64_t	 ops, mem;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (file_read_small(sec_path, file, sizeof(file)) !=
	    (ssize_t)sizeof(file) ||
	    memcmp(file, SK_MAGIC, SK_MAGIC_LEN) != 0) {
		LOG_ERR("%s: not a secret key file", sec_path);
		return -1;
	}
	ops = get64(salt + crypto_pwhash_SALTBYTES);
	mem = get64(salt + crypto_pwhash_SALTBYTES + 8);
	/* Bound what a crafted file can make us spend. */
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > 16 ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > (1ULL << 31)) {
		LOG_ERR("%s: unreasonable key derivation limits", sec_path);
		return -1;
	}
	if ((key = sodium_malloc(crypto_secretbox_KEYBYTES)) == NULL ||
	    (plain = sodium_malloc(SK_PLAIN)) == NULL ||
	    (out->sk = sodium_malloc(SEAL_SK_BYTES)) == NULL)
		goto out;
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, passlen, salt,
	    ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		LOG_ERR("key derivation failed (out of memory?)");
		goto out;
	}
	if (crypto_secretbox_open_easy(plain, file + SK_HEADER,
	    SK_FILE - SK_HEADER, nonce, key) != 0) {
		LOG_ERR("%s: wrong passphrase or damaged file", sec_path);
		goto out;
	}
	memcpy(out->sk, plain, SEAL_SK_BYTES);
	/* The stored public key must be the one the secret key makes. */
	if (crypto_scalarmult_base(derived_pk, out->sk) != 0 ||
	    sodium_memcmp(derived_pk, plain + SEAL_SK_BYTES,
	    SEAL_PK_BYTES) != 0) {
		LOG_ERR("%s: key pair does not match", sec_path);
		goto out;
	}
	rc = seal_pub_from_bytes(derived_pk, &out->pub);
out:
	sodium_free(key);
	sodium_free(plain);
	if (rc == -1) {
		sodium_free(out->sk);
		out->sk = NULL;
	}
	return rc;
}

void
seal_secret_free(struct seal_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->sk);	/* sodium_free wipes */
	s->sk = NULL;
}

char *
seal_passphrase_load(const char *path, size_t *len)
{
	char	*p;
	ssize_t	 n;
	int	 fd;

	if ((p = sodium_malloc(SEAL_PASS_MAX + 1)) == NULL)
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(fd, p, SEAL_PASS_MAX)) <= 0) {
		LOG_ERR("%s: cannot read the passphrase", path);
		if (fd != -1)
			close(fd);
		sodium_free(p);
		return NULL;
	}
	close(fd);
	p[n] = '\0';
	p[strcspn(p, "\r\n")] = '\0';
	*len = strlen(p);
	if (*len < SEAL_PASS_MIN) {
		LOG_ERR("%s: the passphrase must be %d characters or more",
		    path, SEAL_PASS_MIN);
		sodium_free(p);
		return NULL;
	}
	return p;
}
