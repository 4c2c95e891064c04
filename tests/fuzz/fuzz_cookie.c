/*
 * fuzz_cookie.c: libFuzzer harness for cookie_value() (lib/cookie.c),
 * which reads the session cookie out of every admin request's Cookie
 * header for admin_cookie_token() (docs/THREAT-MODEL.md threats 9, 13).
 *
 * Input: one byte (bit 0: the request came over TLS, so the cookie is
 * "__Host-vawg_admin"), then the header text.  The answer is compared
 * with a model written here from the cookie's definition: the first
 * ';'-separated piece (leading spaces skipped) named exactly so decides;
 * its value runs to the next ';' or space and must be the URL-safe
 * base64 of 16 bytes; the hash returned is BLAKE2b-256 of those bytes.
 * Then a round trip: a token made from the input, placed among other
 * cookies, must be found under its own name only.
 */
#include <string.h>

#include <sodium.h>

#include "text.h"
#include "fuzz_common.h"

#define NAME		"vawg_admin"		/* admin/admin.c: COOKIE_NAME */
#define NAME_TLS	"__Host-vawg_admin"	/* admin/admin.c: COOKIE_NAME_TLS */
#define TOKEN_BYTES	16

FUZZ_SODIUM_INITIALIZE

/* What admin_cookie_token() does with cookie_value(): 1 and the hash of
 * the token, or 0. */
static int
lookup(const char *h, int https, unsigned char hash[32])
{
	unsigned char	 tok[TOKEN_BYTES];

	if (!cookie_value(h, https ? NAME_TLS : NAME, tok, sizeof(tok)))
		return 0;
	crypto_generichash(hash, 32, tok, sizeof(tok), NULL, 0);
	return 1;
}

/* The model: 1 and the hash, or 0. */
static int
model(const char *h, int https, unsigned char hash[32])
{
	const char	*name = https ? NAME_TLS : NAME, *piece = h, *next;
	unsigned char	 tok[TOKEN_BYTES + 4];
	size_t		 nlen = strlen(name), vlen, binlen;

	for (;;) {
		next = strchr(piece, ';');
		while (*piece == ' ')
			piece++;
		if (strncmp(piece, name, nlen) == 0 && piece[nlen] == '=') {
			piece += nlen + 1;
			for (vlen = 0; piece[vlen] != '\0' && piece[vlen] != ';' &&
			    piece[vlen] != ' '; vlen++)
				;
			if (sodium_base642bin(tok, sizeof(tok), piece, vlen, NULL,
			    &binlen, NULL,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
			    binlen != TOKEN_BYTES)
				return 0;
			crypto_generichash(hash, 32, tok, TOKEN_BYTES, NULL, 0);
			return 1;
		}
		if (next == NULL)
			return 0;
		piece = next + 1;
	}
}

static void
round_trip(const unsigned char *data, size_t size)
{
	unsigned char	 tok[TOKEN_BYTES], want[32], got[32];
	char		 b64[sodium_base64_ENCODED_LEN(TOKEN_BYTES,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char		 header[256];
	size_t		 i;

	for (i = 0; i < TOKEN_BYTES; i++)
		tok[i] = i < size ? data[i] : (unsigned char)i;
	sodium_bin2base64(b64, sizeof(b64), tok, sizeof(tok),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(want, sizeof(want), tok, sizeof(tok), NULL, 0);
	snprintf(header, sizeof(header), "theme=dark; %s=%s;lang=en",
	    NAME, b64);
	FUZZ_CHECK(lookup(header, 0, got) == 1 &&
	    memcmp(got, want, 32) == 0, "own cookie not found: %s", header);
	FUZZ_CHECK(lookup(header, 1, got) == 0,
	    "a plain cookie accepted over TLS: %s", header);
	snprintf(header, sizeof(header), "%s=%s", NAME_TLS, b64);
	FUZZ_CHECK(lookup(header, 1, got) == 1 &&
	    memcmp(got, want, 32) == 0, "own TLS cookie not found: %s",
	    header);
	FUZZ_CHECK(lookup(header, 0, got) == 0,
	    "a __Host- cookie accepted without TLS: %s", header);
	snprintf(header, sizeof(header), "x%s=%s", NAME, b64);
	FUZZ_CHECK(lookup(header, 0, got) == 0,
	    "a longer name accepted: %s", header);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned char	 got[32], want[32];
	char		*h;
	int		 https, r, m;

	if (size == 0)
		return 0;
	https = data[0] & 1;
	/* The header is a C string (FastCGI parameters are). */
	if ((h = malloc(size)) == NULL)
		abort();
	memcpy(h, data + 1, size - 1);
	h[size - 1] = '\0';
	memset(got, 0, sizeof(got));
	r = lookup(h, https, got);
	m = model(h, https, want);
	FUZZ_CHECK(r == m, "admin_cookie_token %d, model %d", r, m);
	if (r == 1)
		FUZZ_CHECK(memcmp(got, want, 32) == 0, "hash differs");
	free(h);
	round_trip(data + 1, size - 1);
	return 0;
}
