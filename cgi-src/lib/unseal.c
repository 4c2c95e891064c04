/*
 * unseal.c: opening an envelope with one secret key, and checking that it
 * belongs to the row it was read from (docs/THREAT-MODEL.md threat 3).
 * The admin pool and vawgctl link it; the public pool must not (`make
 * test` checks its binary with nm).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secret.h"

enum open_result
seal_open(const struct seal_secret *sec, const unsigned char *env,
    size_t envlen, const unsigned char *idem, const char *form, struct buf *out)
{
	unsigned char	*plain;
	unsigned char	 id[SEAL_KEY_ID_BYTES];
	size_t		 plen, unpadded, formlen = strlen(form), binlen;
	enum open_result rc = OPEN_FAILED;

	if (envlen < ENVELOPE_MIN || env[0] != ENVELOPE_VERSION)
		return OPEN_MALFORMED;
	if (sodium_hex2bin(id, sizeof(id), sec->pub.key_id,
	    SEAL_KEY_ID_BYTES * 2, NULL, &binlen, NULL) != 0 ||
	    memcmp(id, env + 1, sizeof(id)) != 0)
		return OPEN_UNKNOWN_KEY;
	plen = envlen - ENVELOPE_HEADER - crypto_box_SEALBYTES;
	if ((plain = malloc(plen)) == NULL)
		return OPEN_NOMEM;
	if (crypto_box_seal_open(plain, env + ENVELOPE_HEADER,
	    envlen - ENVELOPE_HEADER, sec->pub.pk, sec->sk) != 0)
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
	abort();	/* not an enum open_result: a bug */
}
