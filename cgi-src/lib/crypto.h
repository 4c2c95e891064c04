/*
 * crypto.h: what the public side of the service may do with keys: mint and
 * check form tokens, and seal answers to the service's public key.  Nothing
 * declared here can open an envelope or load a secret sealing key: that is
 * secret.h, which the public program never includes, and `make test`
 * checks with nm that its binary links none of it (docs/THREAT-MODEL.md
 * threat 1).
 */
#ifndef VAWG_CRYPTO_H
#define VAWG_CRYPTO_H

#include "base.h"

/* ---- token.c: signed form tokens and references ---- */

/* TOKEN_KEY_BYTES is crypto_auth_KEYBYTES, REFERENCE_TEXT and
 * TOKEN_TEXT_MAX fit what token.c writes: checked there. */
#define TOKEN_KEY_BYTES		32
#define TOKEN_NONCE_BYTES	16
#define TOKEN_TEXT_MAX		128	/* base64url text, with NUL */
#define REFERENCE_TEXT		10	/* "K7QM-4XPT" and NUL */
/* What the schema's CHECK lets a stored reference hold. */
#define REFERENCE_CHARS		"ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789-"

struct token {
	uint32_t	form_id;
	int64_t		issued;		/* seconds since the epoch */
	/* The idempotency key. */
	unsigned char	nonce[TOKEN_NONCE_BYTES];
};

enum token_result {
	TOKEN_OK,
	TOKEN_MALFORMED,	/* not base64url of the right length/version */
	TOKEN_BAD_MAC,		/* not ours, or altered */
	TOKEN_WRONG_FORM,	/* ours, but for another form */
	TOKEN_TOO_QUICK,	/* younger than the minimum fill time */
	TOKEN_EXPIRED,		/* older than the maximum age */
};

/*
 * Writes a fresh token for form_id issued at now into out (size at least
 * TOKEN_TEXT_MAX).  Returns 0, or -1 if out is too small.
 */
CHECKED int	 token_mint(const unsigned char *key, uint32_t form_id, int64_t now,
	    char *out, size_t outsz);
/*
 * Checks text[0..len) against key, form_id and the time window.  On TOKEN_OK,
 * TOKEN_TOO_QUICK and TOKEN_EXPIRED, *out holds the decoded token (its MAC
 * was good); otherwise *out is zeroed.
 */
CHECKED enum token_result token_verify(const unsigned char *key, const char *text,
	    size_t len, uint32_t form_id, int64_t now, int64_t min_fill,
	    int64_t max_age, struct token *out);
/* The short reference shown to the user, derived from the nonce. */
void	 token_reference(const unsigned char *nonce, char out[REFERENCE_TEXT]);

/* ---- seal.c: the public key and the envelopes sealed to it ---- */

#define SEAL_PK_BYTES		32	/* crypto_box_PUBLICKEYBYTES */
#define SEAL_SK_BYTES		32	/* crypto_box_SECRETKEYBYTES */
#define SEAL_KEY_ID_BYTES	8
#define SEAL_KEY_ID_HEX		17	/* 16 hex digits and NUL */
#define SEAL_FP_HEX		65	/* fingerprint: 64 hex digits and NUL */
#define SEAL_PAD_BLOCK		256

/*
 * An envelope: version(1) | key id(8) | crypto_box_seal(pad(idem | formlen
 * | form | answers)).  ENVELOPE_HEADER is the clear part; the smallest
 * envelope that can open is ENVELOPE_MIN (the box's own overhead of 48
 * bytes, crypto_box_SEALBYTES, is checked against libsodium in seal.c).
 */
#define ENVELOPE_VERSION	1
#define ENVELOPE_HEADER		(1 + SEAL_KEY_ID_BYTES)
#define ENVELOPE_SEALBYTES	48
#define ENVELOPE_MIN		(ENVELOPE_HEADER + ENVELOPE_SEALBYTES + \
				 SEAL_PAD_BLOCK)

struct seal_pub {
	unsigned char	pk[SEAL_PK_BYTES];
	char		key_id[SEAL_KEY_ID_HEX];	/* hex, names the key */
	/* Hex BLAKE2b-256 of pk; the key id is its first 8 bytes. */
	char		fingerprint[SEAL_FP_HEX];
};

CHECKED int	 seal_init(void);	/* sodium_init(); 0 / -1 */
CHECKED int	 seal_pub_from_bytes(const unsigned char *pk, struct seal_pub *);
CHECKED int	 seal_pub_load(const char *path, struct seal_pub *);	/* 0 / -1 */
/* The key id an envelope names, as hex.  0, or -1 if env is too short or
 * of another version. */
CHECKED int	 seal_envelope_key_id(const unsigned char *env, size_t envlen,
	    char out[SEAL_KEY_ID_HEX]);

/*
 * Seals plain[0..len) for the row identified by idem and form into out:
 * version | key id | crypto_box_seal(pad(idem | form | plain)).
 * The padded copy is wiped before return.  0 / -1.
 */
CHECKED int	 seal_envelope(const struct seal_pub *, const unsigned char *idem,
	    const char *form, const void *plain, size_t len, struct buf *out);

#endif /* VAWG_CRYPTO_H */
