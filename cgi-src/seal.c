/*
 * seal.c: the service key pair and the envelopes that hold sensitive
 * answers (SECURITY.md threats 1, 2, 3, 17).
 *
 * The public pool holds only the public key and seals with
 * crypto_box_seal; it cannot open what it wrote.  The secret key exists on
 * disk only inside a passphrase-protected file:
 *
 *   "VAWGSK01" | salt(16) | opslimit(8 BE) | memlimit(8 BE) | nonce(24)
 *   | secretbox(key: Argon2id(passphrase, salt), sk | pk)
 *
 * An envelope is
 *
 *   version(1) | key id(8) | crypto_box_seal(pad(idem | formlen | form | answers))
 *
 * The idempotency key and the form name inside the box tie it to its row:
 * a ciphertext copied to another row fails to open there.  Padding to 256
 * bytes hides the length of what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "vawg.h"

#define SK_MAGIC	"VAWGSK01"
#define SK_MAGIC_LEN	8
#define SK_HEADER	(SK_MAGIC_LEN + crypto_pwhash_SALTBYTES + 8 + 8 + \
			 crypto_secretbox_NONCEBYTES)
#define SK_PLAIN	(SEAL_SK_BYTES + SEAL_PK_BYTES)
#define SK_FILE		(SK_HEADER + crypto_secretbox_MACBYTES + SK_PLAIN)
#define ENV_HEADER	(1 + SEAL_KEY_ID_BYTES)

int
seal_init(void)
{
	if (sodium_init() < 0) {
		LOG_ERR("sodium_init failed");
		return -1;
	}
	return 0;
}

int
seal_pub_from_bytes(const unsigned char *pk, struct seal_pub *p)
{
	unsigned char	 fp[32];

	memcpy(p->pk, pk, SEAL_PK_BYTES);
	if (crypto_generichash(fp, sizeof(fp), pk, SEAL_PK_BYTES, NULL, 0) != 0)
		return -1;
	sodium_bin2hex(p->fingerprint, sizeof(p->fingerprint), fp, sizeof(fp));
	/* The key id is the fingerprint's first 8 bytes. */
	sodium_bin2hex(p->key_id, sizeof(p->key_id), fp, SEAL_KEY_ID_BYTES);
	return 0;
}

/*
 * Reads a small file whole into out (max bytes at most).  Returns its
 * length, or -1 if it cannot be read or is larger than max.
 */
static ssize_t
read_small(const char *path, unsigned char *out, size_t max)
{
	unsigned char	 extra;
	size_t		 total = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		LOG_ERR("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = total < max ? read(fd, out + total, max - total) :
		    read(fd, &extra, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (n > 0 && total == max)) {
			LOG_ERR("%s: unreadable or larger than expected", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	return (ssize_t)total;
}

int
seal_pub_load(const char *path, struct seal_pub *p)
{
	unsigned char	 text[SEAL_PK_BYTES * 2 + 2], pk[SEAL_PK_BYTES];
	size_t		 binlen;
	ssize_t		 n;

	if ((n = read_small(path, text, sizeof(text))) < 0)
		return -1;
	/* sodium_hex2bin's ignore set also matches NUL: refuse it here. */
	if (memchr(text, '\0', (size_t)n) != NULL ||
	    sodium_hex2bin(pk, sizeof(pk), (const char *)text, (size_t)n,
	    "\n", &binlen, NULL) != 0 || binlen != SEAL_PK_BYTES) {
		LOG_ERR("%s: not a public key (64 hex digits)", path);
		return -1;
	}
	return seal_pub_from_bytes(pk, p);
}

int
seal_read_secret_file(const char *path, size_t n, unsigned char **out)
{
	unsigned char	*p;
	ssize_t		 got;

	if ((p = sodium_malloc(n)) == NULL)
		return -1;
	if ((got = read_small(path, p, n)) != (ssize_t)n) {
		if (got >= 0)
			LOG_ERR("%s: expected %zu bytes", path, n);
		sodium_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Writes len bytes to a new file of the given mode, durably. */
static int
write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	int	 fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (write(fd, data, len) == (ssize_t)len && fsync(fd) == 0)
		rc = 0;
	else
		fprintf(stderr, "%s: write failed\n", path);
	if (close(fd) != 0)
		rc = -1;
	if (rc == -1)
		unlink(path);
	return rc;
}

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
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	hex[SEAL_PK_BYTES * 2] = '\n';
	if (write_new(sec_path, file, sizeof(file), 0600) == -1)
		goto out;
	if (write_new(pub_path, hex, SEAL_PK_BYTES * 2 + 1, 0644) == -1) {
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
	if (read_small(sec_path, file, sizeof(file)) != (ssize_t)sizeof(file) ||
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
	    sodium_memcmp(derived_pk, plain + SEAL_SK_BYTES, SEAL_PK_BYTES) != 0) {
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

int
seal_envelope(const struct seal_pub *pub, const unsigned char *idem,
    const char *form, const void *plain, size_t len, struct buf *out)
{
	unsigned char	*padded = NULL, *sealed = NULL;
	unsigned char	 header[ENV_HEADER];
	size_t		 formlen = strlen(form), inner, cap, padlen;
	size_t		 binlen;
	int		 rc = -1;

	if (formlen > 255)
		return -1;
	inner = TOKEN_NONCE_BYTES + 1 + formlen + len;
	if (inner > SIZE_MAX - 2 * SEAL_PAD_BLOCK)
		return -1;
	cap = (inner / SEAL_PAD_BLOCK + 1) * SEAL_PAD_BLOCK;
	if ((padded = malloc(cap)) == NULL ||
	    (sealed = malloc(cap + crypto_box_SEALBYTES)) == NULL)
		goto out;
	memcpy(padded, idem, TOKEN_NONCE_BYTES);
	padded[TOKEN_NONCE_BYTES] = (unsigned char)formlen;
	memcpy(padded + TOKEN_NONCE_BYTES + 1, form, formlen);
	if (len > 0)
		memcpy(padded + TOKEN_NONCE_BYTES + 1 + formlen, plain, len);
	if (sodium_pad(&padlen, padded, inner, SEAL_PAD_BLOCK, cap) != 0)
		goto out;
	if (crypto_box_seal(sealed, padded, padlen, pub->pk) != 0)
		goto out;
	header[0] = ENVELOPE_VERSION;
	if (sodium_hex2bin(header + 1, SEAL_KEY_ID_BYTES, pub->key_id,
	    SEAL_KEY_ID_BYTES * 2, NULL, &binlen, NULL) != 0 ||
	    binlen != SEAL_KEY_ID_BYTES)
		goto out;
	if (buf_append(out, header, sizeof(header)) == -1 ||
	    buf_append(out, sealed, padlen + crypto_box_SEALBYTES) == -1)
		goto out;
	rc = 0;
out:
	if (padded != NULL) {
		sodium_memzero(padded, cap);
		free(padded);
	}
	free(sealed);
	return rc;
}

enum open_result
seal_open(const struct seal_secret *sec, const unsigned char *env,
    size_t envlen, const unsigned char *idem, const char *form, struct buf *out)
{
	unsigned char	*plain;
	unsigned char	 id[SEAL_KEY_ID_BYTES];
	size_t		 plen, unpadded, formlen = strlen(form), binlen;
	enum open_result rc = OPEN_FAILED;

	if (envlen < ENV_HEADER + crypto_box_SEALBYTES + SEAL_PAD_BLOCK ||
	    env[0] != ENVELOPE_VERSION)
		return OPEN_MALFORMED;
	if (sodium_hex2bin(id, sizeof(id), sec->pub.key_id, SEAL_KEY_ID_BYTES * 2,
	    NULL, &binlen, NULL) != 0 || memcmp(id, env + 1, sizeof(id)) != 0)
		return OPEN_UNKNOWN_KEY;
	plen = envlen - ENV_HEADER - crypto_box_SEALBYTES;
	if ((plain = malloc(plen)) == NULL)
		return OPEN_NOMEM;
	if (crypto_box_seal_open(plain, env + ENV_HEADER, envlen - ENV_HEADER,
	    sec->pub.pk, sec->sk) != 0)
		goto out;
	if (sodium_unpad(&unpadded, plain, plen, SEAL_PAD_BLOCK) != 0 ||
	    unpadded < TOKEN_NONCE_BYTES + 1)
		goto out;
	rc = OPEN_MISMATCH;
	if (sodium_memcmp(plain, idem, TOKEN_NONCE_BYTES) != 0 ||
	    plain[TOKEN_NONCE_BYTES] != formlen ||
	    unpadded < TOKEN_NONCE_BYTES + 1 + formlen ||
	    memcmp(plain + TOKEN_NONCE_BYTES + 1, form, formlen) != 0)
		goto out;
	rc = buf_append(out, plain + TOKEN_NONCE_BYTES + 1 + formlen,
	    unpadded - TOKEN_NONCE_BYTES - 1 - formlen) == 0 ? OPEN_OK :
	    OPEN_NOMEM;
out:
	sodium_memzero(plain, plen);
	free(plain);
	return rc;
}

const char *
seal_open_strerror(enum open_result r)
{
	switch (r) {
	case OPEN_OK:
		return "ok";
	case OPEN_MALFORMED:
		return "envelope malformed or of an unknown version";
	case OPEN_UNKNOWN_KEY:
		return "envelope sealed to a key not in the keyring";
	case OPEN_FAILED:
		return "envelope does not open: altered or damaged";
	case OPEN_MISMATCH:
		return "envelope belongs to another submission";
	case OPEN_NOMEM:
		return "out of memory";
	}
	abort();
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
