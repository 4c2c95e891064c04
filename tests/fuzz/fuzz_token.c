/*
 * fuzz_token.c: libFuzzer harness for the signed form token (token.c),
 * the CSRF defence, fill-time window and idempotency key of every post.
 *
 * Two checks per input:
 *
 *  1. The input as token text, verified against a fixed key, form 7 and a
 *     fixed clock.  Whatever token_verify() answers is compared with an
 *     independent decode (sodium_base642bin) and MAC check
 *     (crypto_auth_verify) done here: "bad MAC" and "good MAC" must agree,
 *     and *out must be zeroed whenever the MAC was not good.
 *  2. A mint-then-verify round trip with form id, issue time and window
 *     taken from the input: the fresh token must verify, be too quick one
 *     second early, expire one second late, belong to its own form only,
 *     and stop verifying when any one character is changed.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "fuzz_common.h"

#define FORM_ID		7u
#define NOW		1750000000LL	/* June 2025 */
#define MIN_FILL	3
#define MAX_AGE		86400
#define RAW_BYTES	(1 + 4 + 8 + TOKEN_NONCE_BYTES + crypto_auth_BYTES)

/* Also used by tests/fuzz/mkseeds.py to mint the seed tokens. */
static const unsigned char key[TOKEN_KEY_BYTES] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

FUZZ_SODIUM_INITIALIZE

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0)
		if (*c++ != 0)
			return 0;
	return 1;
}

static void
check_reference(const unsigned char *nonce)
{
	char	 ref[REFERENCE_TEXT];
	int	 i;

	memset(ref, 'x', sizeof(ref));
	token_reference(nonce, ref);
	FUZZ_CHECK(ref[9] == '\0' && ref[4] == '-', "reference %.10s", ref);
	for (i = 0; i < 9; i++)
		FUZZ_CHECK(i == 4 || strchr("23456789ABCDEFGHJKMNPQRSTVWXYZ",
		    ref[i]) != NULL, "reference %s: bad symbol", ref);
}

/* Check 1: the input as a token. */
static void
verify_input(const unsigned char *data, size_t size)
{
	unsigned char		 raw[RAW_BYTES + 8];
	struct token		 tok;
	enum token_result	 r;
	size_t			 rawlen = 0;
	int			 decodes, mac_ok;

	memset(&tok, 0xa5, sizeof(tok));
	r = token_verify(key, (const char *)data, size, FORM_ID, NOW,
	    MIN_FILL, MAX_AGE, &tok);
	decodes = size < TOKEN_TEXT_MAX &&
	    sodium_base642bin(raw, sizeof(raw), (const char *)data, size,
	    NULL, &rawlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
	    0 && rawlen == RAW_BYTES && raw[0] == 1;
	mac_ok = decodes && crypto_auth_verify(raw + RAW_BYTES -
	    crypto_auth_BYTES, raw, RAW_BYTES - crypto_auth_BYTES, key) == 0;
	switch (r) {
	case TOKEN_MALFORMED:
		FUZZ_CHECK(!decodes, "a well-formed token called malformed");
		FUZZ_CHECK(is_zero(&tok, sizeof(tok)), "out not zeroed");
		return;
	case TOKEN_BAD_MAC:
		FUZZ_CHECK(decodes && !mac_ok, "MAC verdict differs (bad)");
		FUZZ_CHECK(is_zero(&tok, sizeof(tok)), "out not zeroed");
		return;
	case TOKEN_WRONG_FORM:
		FUZZ_CHECK(mac_ok, "MAC verdict differs (wrong form)");
		FUZZ_CHECK(is_zero(&tok, sizeof(tok)), "out not zeroed");
		return;
	case TOKEN_OK:
	case TOKEN_TOO_QUICK:
	case TOKEN_EXPIRED:
		FUZZ_CHECK(mac_ok, "a token with a bad MAC was accepted (%d)",
		    (int)r);
		FUZZ_CHECK(tok.form_id == FORM_ID, "form id %u", tok.form_id);
		FUZZ_CHECK(memcmp(tok.nonce, raw + 13, TOKEN_NONCE_BYTES) == 0,
		    "nonce differs from the decoded token");
		check_reference(tok.nonce);
		return;
	}
	FUZZ_CHECK(0, "unknown result %d", (int)r);
}

/* Check 2: mint, verify, tamper. */
static void
round_trip(const unsigned char *d, size_t size)
{
	char			 text[TOKEN_TEXT_MAX], bad[TOKEN_TEXT_MAX];
	struct token		 tok;
	enum token_result	 r;
	uint32_t		 form;
	int64_t			 issued, min_fill, max_age;
	size_t			 len, pos;
	const char		*c;

	if (size < 14)
		return;
	form = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	    (uint32_t)d[2] << 8 | d[3];
	/* Issue times up to 2^40 s: far beyond any clock, far from overflow. */
	issued = (int64_t)d[4] << 32 | (int64_t)d[5] << 24 |
	    (int64_t)d[6] << 16 | (int64_t)d[7] << 8 | d[8];
	min_fill = d[9];
	max_age = min_fill + ((int64_t)d[10] << 16 | (int64_t)d[11] << 8 |
	    d[12]);
	pos = d[13];

	FUZZ_CHECK(token_mint(key, form, issued, text, 10) == -1,
	    "minted into a 10-byte buffer");
	FUZZ_CHECK(token_mint(key, form, issued, text, sizeof(text)) == 0,
	    "mint failed");
	len = strlen(text);
	FUZZ_CHECK(len > 0 && len < TOKEN_TEXT_MAX, "token length %zu", len);
	FUZZ_CHECK(strspn(text, b64url) == len, "token is not base64url");

	r = token_verify(key, text, len, form, issued + min_fill, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_OK, "fresh token at min fill: %d", (int)r);
	FUZZ_CHECK(tok.form_id == form && tok.issued == issued,
	    "decoded form %u issued %lld", tok.form_id,
	    (long long)tok.issued);
	check_reference(tok.nonce);
	r = token_verify(key, text, len, form, issued + max_age, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_OK, "fresh token at max age: %d", (int)r);
	if (min_fill > 0) {
		r = token_verify(key, text, len, form, issued + min_fill - 1,
		    min_fill, max_age, &tok);
		FUZZ_CHECK(r == TOKEN_TOO_QUICK, "one second early: %d",
		    (int)r);
	}
	r = token_verify(key, text, len, form, issued + max_age + 1, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_EXPIRED, "one second late: %d", (int)r);
	r = token_verify(key, text, len, form + 1, issued + min_fill, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_WRONG_FORM, "other form: %d", (int)r);

	/* Any one character changed, or one dropped, must not verify. */
	memcpy(bad, text, len + 1);
	pos %= len;
	c = strchr(b64url, bad[pos]);
	FUZZ_CHECK(c != NULL, "token char");
	bad[pos] = b64url[((size_t)(c - b64url) + 1 + d[13] % 63) % 64];
	r = token_verify(key, bad, len, form, issued + min_fill, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_MALFORMED || r == TOKEN_BAD_MAC,
	    "a token with character %zu changed verified (%d)", pos, (int)r);
	r = token_verify(key, text, len - 1, form, issued + min_fill, min_fill,
	    max_age, &tok);
	FUZZ_CHECK(r == TOKEN_MALFORMED, "a truncated token: %d", (int)r);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	verify_input(data, size);
	round_trip(data, size);
	return 0;
}
