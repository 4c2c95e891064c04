/*
 * token.c: the signed form token that replaces a cookie on public pages.
 *
 *   token = base64url(version | form id | issued | nonce | MAC)
 *            1 byte    4 (BE)    8 (BE)   16      32 (crypto_auth)
 *
 * It is the CSRF defence (only we can mint one), a minimum fill time and an
 * expiry (both from the signed issue time), and the idempotency key (the
 * nonce): posting the same token twice must not store twice.  The short
 * reference a user sees is derived from the nonce, so every retry of the
 * same post shows the same reference.  The key is the caller's, borrowed;
 * nothing here keeps a token or logs one.
 */
#include <string.h>

#include <sodium.h>

#include "crypto.h"

#define TOKEN_VERSION	1
#define TOKEN_NONCE_AT	(1 + 4 + 8)	/* after version, form id, issued */
#define TOKEN_BODY	(TOKEN_NONCE_AT + TOKEN_NONCE_BYTES)
#define TOKEN_BYTES	(TOKEN_BODY + crypto_auth_BYTES)
#define TOKEN_TEXT	sodium_base64_ENCODED_LEN(TOKEN_BYTES, \
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)

_Static_assert(TOKEN_KEY_BYTES == crypto_auth_KEYBYTES,
    "a token key is a crypto_auth key");
_Static_assert(TOKEN_TEXT <= TOKEN_TEXT_MAX,
    "a minted token and its NUL fit in TOKEN_TEXT_MAX");
_Static_assert(REFERENCE_TEXT == 8 + 1 + 1,
    "a reference: eight symbols, the dash and NUL");

/* No 0/O, 1/I/L or U: nothing a person could misread or misspeak. */
static const char ref_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

int
token_mint(const unsigned char *key, uint32_t form_id, int64_t now,
    char *out, size_t outsz)
{
	unsigned char	 raw[TOKEN_BYTES];
	uint64_t	 t = (uint64_t)now;
	int		 i;

	if (outsz < TOKEN_TEXT)
		return -1;
	raw[0] = TOKEN_VERSION;
	for (i = 0; i < 4; i++)
		raw[1 + i] = (unsigned char)(form_id >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		raw[5 + i] = (unsigned char)(t >> (56 - 8 * i));
	randombytes_buf(raw + TOKEN_NONCE_AT, TOKEN_NONCE_BYTES);
	if (crypto_auth(raw + TOKEN_BODY, raw, TOKEN_BODY, key) != 0)
		return -1;
	/* Cannot fail: outsz >= TOKEN_TEXT was checked above. */
	sodium_bin2base64(out, outsz, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

enum token_result
token_verify(const unsigned char *key, const char *text, size_t len,
    uint32_t form_id, int64_t now, int64_t min_fill, int64_t max_age,
    struct token *out)
{
	unsigned char	 raw[TOKEN_BYTES];
	size_t		 rawlen;
	uint64_t	 t = 0;
	uint32_t	 f = 0;
	int		 i;

	memset(out, 0, sizeof(*out));
	if (len >= TOKEN_TEXT_MAX ||
	    sodium_base642bin(raw, sizeof(raw), text, len, NULL, &rawlen,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != TOKEN_BYTES || raw[0] != TOKEN_VERSION)
		return TOKEN_MALFORMED;
	if (crypto_auth_verify(raw + TOKEN_BODY, raw, TOKEN_BODY, key) != 0)
		return TOKEN_BAD_MAC;
	for (i = 0; i < 4; i++)
		f = f << 8 | raw[1 + i];
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[5 + i];
	if (f != form_id)
		return TOKEN_WRONG_FORM;
	out->form_id = f;
	out->issued = (int64_t)t;
	memcpy(out->nonce, raw + TOKEN_NONCE_AT, TOKEN_NONCE_BYTES);
	/* A token from the future counts as too quick, not as valid. */
	if (now - out->issued < min_fill)
		return TOKEN_TOO_QUICK;
	if (now - out->issued > max_age)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

void
token_reference(const unsigned char *nonce, char out[REFERENCE_TEXT])
{
	unsigned char	 h[sizeof(uint64_t)];
	uint64_t	 v = 0;
	int		 i, o = 0;

	/* 8 symbols of 30 is about 39 bits; the hash's 64 bits make the
	 * modulo bias negligible. */
	crypto_generichash(h, sizeof(h), nonce, TOKEN_NONCE_BYTES, NULL, 0);
	for (i = 0; i < (int)sizeof(h); i++)
		v = v << 8 | h[i];
	for (i = 0; i < 8; i++) {
		if (i == 4)
			out[o++] = '-';
		out[o++] = ref_alphabet[v % (sizeof(ref_alphabet) - 1)];
		v /= sizeof(ref_alphabet) - 1;
	}
	out[o] = '\0';
}
