/*
 * seal.c: the service's public key and the envelopes sealed to it
 * (docs/THREAT-MODEL.md threats 1, 2, 3).  This is all the public pool
 * links of the key material: it seals with crypto_box_seal and cannot open
 * what it wrote.  Opening is unseal.c, secret key files keyfile.c.
 *
 * An envelope is
 *
 *   version(1) | key id(8)
 *   | crypto_box_seal(pad(idem | formlen | form | answers))
 *
 * The idempotency key and the form name inside the box tie it to its row:
 * a ciphertext copied to another row fails to open there.  Padding to 256
 * bytes hides the length of what was written.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

_Static_assert(ENVELOPE_SEALBYTES == crypto_box_SEALBYTES,
    "ENVELOPE_SEALBYTES is libsodium's sealed-box overhead");
_Static_assert(SEAL_PK_BYTES == crypto_box_PUBLICKEYBYTES &&
    SEAL_SK_BYTES == crypto_box_SECRETKEYBYTES, "X25519 key sizes");
_Static_assert(SEAL_KEY_ID_HEX == 2 * SEAL_KEY_ID_BYTES + 1,
    "the key id's hex and its NUL");
_Static_assert(SEAL_FP_HEX == 2 * crypto_generichash_BYTES + 1 &&
    SEAL_KEY_ID_BYTES <= crypto_generichash_BYTES,
    "the fingerprint is a default BLAKE2b hash; the key id its start");
_Static_assert(ENVELOPE_HEADER == 1 + SEAL_KEY_ID_BYTES,
    "an envelope's clear header: version, then key id");

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
	unsigned char	 fp[crypto_generichash_BYTES];

	memcpy(p->pk, pk, SEAL_PK_BYTES);
	if (crypto_generichash(fp, sizeof(fp), pk, SEAL_PK_BYTES, NULL, 0) != 0)
		return -1;
	/* bin2hex cannot fail: it aborts on a short buffer, and both are
	 * sized by their _HEX constants. */
	sodium_bin2hex(p->fingerprint, sizeof(p->fingerprint), fp, sizeof(fp));
	/* The key id is the fingerprint's first 8 bytes. */
	sodium_bin2hex(p->key_id, sizeof(p->key_id), fp, SEAL_KEY_ID_BYTES);
	return 0;
}

int
seal_pub_load(const char *path, struct seal_pub *p)
{
	unsigned char	 text[SEAL_PK_BYTES * 2 + 2], pk[SEAL_PK_BYTES];
	size_t		 binlen;
	ssize_t		 n;

	if ((n = file_read_small(path, text, sizeof(text))) < 0)
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
seal_envelope_key_id(const unsigned char *env, size_t envlen,
    char out[SEAL_KEY_ID_HEX])
{
	if (envlen < ENVELOPE_HEADER || env[0] != ENVELOPE_VERSION)
		return -1;
	sodium_bin2hex(out, SEAL_KEY_ID_HEX, env + 1, SEAL_KEY_ID_BYTES);
	return 0;
}

int
seal_envelope(const struct seal_pub *pub, const unsigned char *idem,
    const char *form, const void *plain, size_t len, struct buf *out)
{
	unsigned char	*padded = NULL, *sealed = NULL;
	unsigned char	 header[ENVELOPE_HEADER];
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
