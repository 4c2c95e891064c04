/*
 * test_token.c: signed form tokens and references (token.c,
 * docs/THREAT-MODEL.md threats 5 and 9).  A fixed key keeps the tests
 * repeatable; the nonce in each minted token is still random.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "check.h"

#define FORM_ID		7
#define T0		1700000000	/* an issue time */
#define MIN_FILL	5
#define MAX_AGE		3600
/* version | form id | issued | nonce | MAC, in base64url without padding */
#define TOKEN_RAW	(1 + 4 + 8 + TOKEN_NONCE_BYTES + 32)
#define TOKEN_LEN	82

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
fixed_key(unsigned char key[TOKEN_KEY_BYTES], unsigned char first)
{
	int	 i;

	for (i = 0; i < TOKEN_KEY_BYTES; i++)
		key[i] = (unsigned char)(first + i);
}

/* Mints a token for FORM_ID at T0 with key byte pattern 0x00... */
static void
mint(char text[TOKEN_TEXT_MAX], int64_t at)
{
	unsigned char	 key[TOKEN_KEY_BYTES];

	fixed_key(key, 0);
	if (token_mint(key, FORM_ID, at, text, TOKEN_TEXT_MAX) != 0)
		text[0] = '\0';
}

static enum token_result
verify(const char *text, size_t len, uint32_t form, int64_t now,
    struct token *out)
{
	unsigned char	 key[TOKEN_KEY_BYTES];

	fixed_key(key, 0);
	return token_verify(key, text, len, form, now, MIN_FILL, MAX_AGE, out);
}

static int
token_is_zero(const struct token *t)
{
	static const struct token zero;

	return memcmp(t, &zero, sizeof(zero)) == 0;
}

static void
test_token_mint_shape(void)
{
	char	 text[TOKEN_TEXT_MAX];

	mint(text, T0);
	CHECK_EQ(strlen(text), TOKEN_LEN);
	CHECK(strspn(text, b64url) == TOKEN_LEN);
}

static void
test_token_wire_format(void)
{
	unsigned char	 key[TOKEN_KEY_BYTES], raw[TOKEN_RAW], mac[32];
	char		 text[TOKEN_TEXT_MAX];
	size_t		 rawlen = 0;

	/* Pins the layout: version 1, form id and issue time big-endian,
	 * then the nonce, then HMAC-SHA512/256 of everything before it. */
	fixed_key(key, 0);
	CHECK(token_mint(key, 0x01020304, 0x0a0b0c0d0e0f1011LL, text,
	    sizeof(text)) == 0);
	CHECK(sodium_base642bin(raw, sizeof(raw), text, strlen(text), NULL,
	    &rawlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
	CHECK_EQ(rawlen, TOKEN_RAW);
	CHECK_MEM(raw, 13, "\x01\x01\x02\x03\x04"
	    "\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11", 13);
	crypto_auth(mac, raw, TOKEN_RAW - 32, key);
	CHECK_MEM(raw + TOKEN_RAW - 32, 32, mac, 32);
}

static void
test_token_mint_buffer_size(void)
{
	unsigned char	 key[TOKEN_KEY_BYTES];
	char		 text[TOKEN_TEXT_MAX];

	fixed_key(key, 0);
	CHECK(token_mint(key, FORM_ID, T0, text, TOKEN_LEN) == -1);
	CHECK(token_mint(key, FORM_ID, T0, text, TOKEN_LEN + 1) == 0);
	CHECK_EQ(strlen(text), TOKEN_LEN);
}

static void
test_token_verify_ok(void)
{
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0);
	CHECK(verify(text, strlen(text), FORM_ID, T0 + MIN_FILL, &t) ==
	    TOKEN_OK);
	CHECK_EQ(t.form_id, FORM_ID);
	CHECK_EQ(t.issued, T0);
	/* The nonce is what the text carries after version, form, time. */
	CHECK(!sodium_is_zero(t.nonce, sizeof(t.nonce)));
}

static void
test_token_too_quick(void)
{
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0);
	CHECK(verify(text, strlen(text), FORM_ID, T0, &t) == TOKEN_TOO_QUICK);
	CHECK(verify(text, strlen(text), FORM_ID, T0 + MIN_FILL - 1, &t) ==
	    TOKEN_TOO_QUICK);
	/* The MAC was good, so the token is decoded. */
	CHECK_EQ(t.form_id, FORM_ID);
	CHECK_EQ(t.issued, T0);
}

static void
test_token_from_future(void)
{
	unsigned char	 key[TOKEN_KEY_BYTES];
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0 + 1000);
	CHECK(verify(text, strlen(text), FORM_ID, T0, &t) == TOKEN_TOO_QUICK);
	/* Even with no minimum fill time at all. */
	fixed_key(key, 0);
	CHECK(token_verify(key, text, strlen(text), FORM_ID, T0, 0, MAX_AGE,
	    &t) == TOKEN_TOO_QUICK);
	CHECK_EQ(t.issued, T0 + 1000);
}

static void
test_token_expiry(void)
{
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0);
	CHECK(verify(text, strlen(text), FORM_ID, T0 + MAX_AGE, &t) ==
	    TOKEN_OK);
	CHECK(verify(text, strlen(text), FORM_ID, T0 + MAX_AGE + 1, &t) ==
	    TOKEN_EXPIRED);
	CHECK_EQ(t.issued, T0);
	CHECK_EQ(t.form_id, FORM_ID);
}

static void
test_token_wrong_form(void)
{
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0);
	memset(&t, 0xaa, sizeof(t));
	CHECK(verify(text, strlen(text), FORM_ID + 1, T0 + 60, &t) ==
	    TOKEN_WRONG_FORM);
	CHECK(token_is_zero(&t));
}

static void
test_token_other_key(void)
{
	unsigned char	 other[TOKEN_KEY_BYTES];
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	mint(text, T0);
	fixed_key(other, 1);
	memset(&t, 0xaa, sizeof(t));
	CHECK(token_verify(other, text, strlen(text), FORM_ID, T0 + 60,
	    MIN_FILL, MAX_AGE, &t) == TOKEN_BAD_MAC);
	CHECK(token_is_zero(&t));
}

static void
test_token_every_char_change_rejected(void)
{
	char		 text[TOKEN_TEXT_MAX], alt[TOKEN_TEXT_MAX];
	struct token	 t;
	size_t		 len, i, k, tried = 0, rejected = 0, zeroed = 0;
	enum token_result r;

	/* Every position, every other base64url character: a change of any
	 * bit the MAC covers is BAD_MAC; a change of the version byte or of
	 * the last character's unused bits is MALFORMED. */
	mint(text, T0);
	len = strlen(text);
	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(b64url) - 1; k++) {
			if (b64url[k] == text[i])
				continue;
			memcpy(alt, text, len + 1);
			alt[i] = b64url[k];
			memset(&t, 0xaa, sizeof(t));
			r = verify(alt, len, FORM_ID, T0 + 60, &t);
			tried++;
			if (r == TOKEN_BAD_MAC || r == TOKEN_MALFORMED)
				rejected++;
			if (token_is_zero(&t))
				zeroed++;
		}
	}
	printf("token_alterations_rejected: %zu of %zu\n", rejected, tried);
	CHECK_EQ(tried, len * 63);
	CHECK_EQ(rejected, tried);
	CHECK_EQ(zeroed, tried);
}

static void
test_token_malformed(void)
{
	char		 text[TOKEN_TEXT_MAX], alt[TOKEN_TEXT_MAX + 80];
	struct token	 t;
	size_t		 len;

	mint(text, T0);
	len = strlen(text);
	memset(&t, 0xaa, sizeof(t));
	CHECK(verify("", 0, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(token_is_zero(&t));
	/* Truncated. */
	CHECK(verify(text, len - 1, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(verify(text, len - 2, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(verify(text, len / 2, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	/* Overlong: extra characters that still decode. */
	memcpy(alt, text, len);
	memcpy(alt + len, "AAAA", 4);
	CHECK(verify(alt, len + 1, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(verify(alt, len + 2, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(verify(alt, len + 4, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	memset(&t, 0xaa, sizeof(t));
	CHECK(verify(alt, len + 2, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
	CHECK(token_is_zero(&t));
}

static void
test_token_not_base64url(void)
{
	static const char bad[] = "!+/=. \n\0";
	char		 text[TOKEN_TEXT_MAX], alt[TOKEN_TEXT_MAX];
	struct token	 t;
	size_t		 len, k;

	mint(text, T0);
	len = strlen(text);
	/* Standard base64's '+' and '/', padding, spaces and a NUL are not
	 * base64url without padding. */
	for (k = 0; k < sizeof(bad) - 1; k++) {
		memcpy(alt, text, len + 1);
		alt[len / 2] = bad[k];
		memset(&t, 0xaa, sizeof(t));
		CHECK(verify(alt, len, FORM_ID, T0 + 60, &t) ==
		    TOKEN_MALFORMED);
		CHECK(token_is_zero(&t));
	}
	memcpy(alt, text, len);
	alt[len] = '=';
	CHECK(verify(alt, len + 1, FORM_ID, T0 + 60, &t) == TOKEN_MALFORMED);
}

static void
test_token_longer_than_max(void)
{
	char		 text[TOKEN_TEXT_MAX], alt[4 * TOKEN_TEXT_MAX];
	struct token	 t;
	size_t		 len;

	mint(text, T0);
	len = strlen(text);
	memset(alt, 'A', sizeof(alt));
	/* TOKEN_TEXT_MAX counts the NUL, so even that many characters is
	 * one too many. */
	CHECK(verify(alt, TOKEN_TEXT_MAX, FORM_ID, T0 + 60, &t) ==
	    TOKEN_MALFORMED);
	CHECK(verify(alt, TOKEN_TEXT_MAX + 1, FORM_ID, T0 + 60, &t) ==
	    TOKEN_MALFORMED);
	CHECK(verify(alt, sizeof(alt), FORM_ID, T0 + 60, &t) ==
	    TOKEN_MALFORMED);
	/* A real token followed by enough padding to pass the limit. */
	memcpy(alt, text, len);
	CHECK(verify(alt, TOKEN_TEXT_MAX + 1, FORM_ID, T0 + 60, &t) ==
	    TOKEN_MALFORMED);
	CHECK(token_is_zero(&t));
}

static void
test_token_bad_version(void)
{
	unsigned char	 key[TOKEN_KEY_BYTES], raw[TOKEN_RAW];
	char		 text[TOKEN_TEXT_MAX];
	struct token	 t;

	/* A correctly signed token of version 2 is still not ours to read. */
	fixed_key(key, 0);
	memset(raw, 0, sizeof(raw));
	raw[0] = 2;
	raw[4] = FORM_ID;
	crypto_auth(raw + TOKEN_RAW - 32, raw, TOKEN_RAW - 32, key);
	sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memset(&t, 0xaa, sizeof(t));
	CHECK(verify(text, strlen(text), FORM_ID, 60, &t) == TOKEN_MALFORMED);
	CHECK(token_is_zero(&t));
	/* The same with version 1 verifies, so only the version differs. */
	raw[0] = 1;
	crypto_auth(raw + TOKEN_RAW - 32, raw, TOKEN_RAW - 32, key);
	sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	CHECK(verify(text, strlen(text), FORM_ID, 60, &t) == TOKEN_OK);
}

static void
test_token_mints_differ(void)
{
	char		 a[TOKEN_TEXT_MAX], b[TOKEN_TEXT_MAX];
	struct token	 ta, tb;

	mint(a, T0);
	mint(b, T0);
	CHECK(strcmp(a, b) != 0);
	CHECK(verify(a, strlen(a), FORM_ID, T0 + 60, &ta) == TOKEN_OK);
	CHECK(verify(b, strlen(b), FORM_ID, T0 + 60, &tb) == TOKEN_OK);
	CHECK(memcmp(ta.nonce, tb.nonce, TOKEN_NONCE_BYTES) != 0);
}

/* 1 if s is "XXXX-XXXX" over the reference alphabet. */
static int
reference_ok(const char *s)
{
	static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
	int	 i;

	if (strlen(s) != REFERENCE_TEXT - 1 || s[4] != '-')
		return 0;
	for (i = 0; i < 9; i++)
		if (i != 4 && (s[i] == '\0' || strchr(alphabet, s[i]) == NULL))
			return 0;
	return strpbrk(s, "01ILOU") == NULL;
}

static void
test_token_reference_format(void)
{
	unsigned char	 nonce[TOKEN_NONCE_BYTES];
	char		 ref[REFERENCE_TEXT];
	int		 i, ok = 1;

	for (i = 0; i < 2000; i++) {
		randombytes_buf(nonce, sizeof(nonce));
		memset(ref, 'x', sizeof(ref));
		token_reference(nonce, ref);
		ok &= reference_ok(ref);
	}
	CHECK(ok);
}

static void
test_token_reference_deterministic(void)
{
	unsigned char	 nonce[TOKEN_NONCE_BYTES];
	char		 a[REFERENCE_TEXT], b[REFERENCE_TEXT];

	randombytes_buf(nonce, sizeof(nonce));
	token_reference(nonce, a);
	token_reference(nonce, b);
	CHECK_STR(a, b);
	nonce[0] ^= 1;
	token_reference(nonce, b);
	CHECK(strcmp(a, b) != 0);
}

static void
test_token_reference_known_answer(void)
{
	unsigned char	 nonce[TOKEN_NONCE_BYTES];
	char		 ref[REFERENCE_TEXT];
	int		 i;

	/* These pin the derivation (BLAKE2b-64 of the nonce, read big-endian,
	 * then base 30, least significant symbol first): references already
	 * given to people and stored with their submissions must stay the
	 * same across releases.  Computed once by running, and checked with
	 * Python's hashlib.blake2b(digest_size=8). */
	memset(nonce, 0, sizeof(nonce));
	token_reference(nonce, ref);
	CHECK_STR(ref, "8ERB-NSXY");
	for (i = 0; i < TOKEN_NONCE_BYTES; i++)
		nonce[i] = (unsigned char)i;
	token_reference(nonce, ref);
	CHECK_STR(ref, "4RKM-AVSM");
}

const struct unit_test token_tests[] = {
	TEST(test_token_mint_shape),
	TEST(test_token_wire_format),
	TEST(test_token_mint_buffer_size),
	TEST(test_token_verify_ok),
	TEST(test_token_too_quick),
	TEST(test_token_from_future),
	TEST(test_token_expiry),
	TEST(test_token_wrong_form),
	TEST(test_token_other_key),
	TEST(test_token_every_char_change_rejected),
	TEST(test_token_malformed),
	TEST(test_token_not_base64url),
	TEST(test_token_longer_than_max),
	TEST(test_token_bad_version),
	TEST(test_token_mints_differ),
	TEST(test_token_reference_format),
	TEST(test_token_reference_deterministic),
	TEST(test_token_reference_known_answer),
};
const size_t token_ntests = NTESTS(token_tests);
