/*
 * fuzz_spoolrec.c: libFuzzer harness for spoolrec.c, the record a worker
 * writes to the spool when the database is away and the replayer parses back
 * into vawg.submit() (docs/THREAT-MODEL.md threat 12).  A record that parses
 * wrongly is a submission stored wrongly, or twice, or never.
 *
 * The first byte picks a mode; the rest (R):
 *
 *   0  R is a record file as found on disk.  The checksum stops almost
 *      everything here, which is the point: damage is refused.
 *   1  R is a record without its last line; the harness appends the right
 *      "end <BLAKE2b-128>" line, so the fuzzer reaches every field check.
 *   2  A record built from R (version, idem, key id, plain JSON, envelope)
 *      is encoded, parsed back field for field, and then one byte of it,
 *      chosen by R, is changed: the parse must refuse it.
 *
 * In modes 0 and 1, a record that parses must encode back to exactly the
 * same bytes (one spelling per record), and its fields must have the
 * shapes spoolrec.c promises; a refusal must leave the record empty.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "spool.h"
#include "fuzz_common.h"

FUZZ_SODIUM_INITIALIZE

static int
lower_hex(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static void
check_shape(const struct spoolrec *r)
{
	char		 ref[REFERENCE_TEXT];
	unsigned char	 id[SEAL_KEY_ID_BYTES];
	size_t		 n;

	FUZZ_CHECK(r->version_id > 0, "version %d", (int)r->version_id);
	token_reference(r->idem, ref);
	FUZZ_CHECK(strcmp(ref, r->reference) == 0, "reference %s, idem gives %s",
	    r->reference, ref);
	FUZZ_CHECK(strlen(r->key_id) == SEAL_KEY_ID_HEX - 1 &&
	    lower_hex(r->key_id, SEAL_KEY_ID_HEX - 1), "key id %s", r->key_id);
	FUZZ_CHECK(r->plain.len >= 2 && r->plain.data[0] == '{' &&
	    r->plain.data[r->plain.len - 1] == '}' &&
	    utf8_check(r->plain.data, r->plain.len, NULL) == UTF8_OK,
	    "plain is not a JSON object of text");
	FUZZ_CHECK(r->sealed.len >= ENVELOPE_MIN &&
	    (unsigned char)r->sealed.data[0] == ENVELOPE_VERSION,
	    "envelope of %zu bytes", r->sealed.len);
	FUZZ_CHECK(sodium_hex2bin(id, sizeof(id), r->key_id,
	    SEAL_KEY_ID_HEX - 1, NULL, &n, NULL) == 0 && n == sizeof(id) &&
	    memcmp(id, r->sealed.data + 1, sizeof(id)) == 0,
	    "the envelope names another key");
}

/* Parses in[0..len); on success the record must encode back to it. */
static void
parse_and_reencode(const char *in, size_t len)
{
	struct spoolrec		 r;
	struct buf		 again = { 0 };
	enum spoolrec_result	 res;

	memset(&r, 0xa5, sizeof(r));
	res = spoolrec_parse(in, len, &r);
	FUZZ_CHECK(res == SPOOLREC_OK || res == SPOOLREC_MALFORMED,
	    "result %d", (int)res);
	if (res != SPOOLREC_OK) {
		FUZZ_CHECK(r.plain.data == NULL && r.sealed.data == NULL &&
		    r.version_id == 0, "a refused record left data behind");
		spoolrec_free(&r);
		return;
	}
	check_shape(&r);
	FUZZ_CHECK(spoolrec_encode(&r, &again) == 0, "re-encode failed");
	FUZZ_CHECK(again.len == len && memcmp(again.data, in, len) == 0,
	    "a record parsed but does not encode back to the same %zu bytes "
	    "(%zu)", len, again.len);
	buf_free(&again);
	spoolrec_free(&r);
	spoolrec_free(&r);	/* twice is harmless */
}

/* Mode 1: the body from the input, the right checksum line added. */
static void
with_checksum(const unsigned char *d, size_t n)
{
	unsigned char	 sum[16];
	char		 hex[33], *rec;

	crypto_generichash(sum, sizeof(sum), d, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	if ((rec = malloc(n + 4 + 32 + 1)) == NULL)
		abort();
	memcpy(rec, d, n);
	memcpy(rec + n, "end ", 4);
	memcpy(rec + n + 4, hex, 32);
	rec[n + 36] = '\n';
	parse_and_reencode(rec, n + 37);
	free(rec);
}

/* Mode 2: build, encode, parse, then damage one byte. */
static void
round_trip(const unsigned char *d, size_t n)
{
	struct spoolrec		 r, back;
	struct buf		 enc = { 0 };
	unsigned char		 kid[SEAL_KEY_ID_BYTES];
	size_t			 i, plen, pos;
	unsigned char		 flip;

	if (n < 4 + TOKEN_NONCE_BYTES + SEAL_KEY_ID_BYTES + 2)
		return;
	memset(&r, 0, sizeof(r));
	r.version_id = (int32_t)(((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	    (uint32_t)d[2] << 8 | d[3]) & 0x7fffffff);
	if (r.version_id == 0)
		r.version_id = 1;
	memcpy(r.idem, d + 4, TOKEN_NONCE_BYTES);
	token_reference(r.idem, r.reference);
	memcpy(kid, d + 4 + TOKEN_NONCE_BYTES, sizeof(kid));
	sodium_bin2hex(r.key_id, sizeof(r.key_id), kid, sizeof(kid));
	d += 4 + TOKEN_NONCE_BYTES + SEAL_KEY_ID_BYTES;
	n -= 4 + TOKEN_NONCE_BYTES + SEAL_KEY_ID_BYTES;
	pos = (size_t)d[0] << 8 | d[1];
	flip = (unsigned char)(1 + d[0] % 255);
	d += 2;
	n -= 2;
	/* Plain: the input's first half inside braces, when it is text. */
	plen = n / 2;
	if (buf_append(&r.plain, "{", 1) == -1 ||
	    (utf8_check((const char *)d, plen, NULL) == UTF8_OK &&
	    buf_append(&r.plain, d, plen) == -1) ||
	    buf_append(&r.plain, "}", 1) == -1)
		abort();
	/* Sealed: version, key id, then the rest (any bytes), padded. */
	if (buf_append(&r.sealed, "\x01", 1) == -1 ||
	    buf_append(&r.sealed, kid, sizeof(kid)) == -1 ||
	    buf_append(&r.sealed, d + plen, n - plen) == -1)
		abort();
	while (r.sealed.len < ENVELOPE_MIN)
		if (buf_append(&r.sealed, "\0", 1) == -1)
			abort();

	FUZZ_CHECK(spoolrec_encode(&r, &enc) == 0, "encode failed");
	FUZZ_CHECK(spoolrec_parse(enc.data, enc.len, &back) == SPOOLREC_OK,
	    "a freshly encoded record does not parse");
	FUZZ_CHECK(back.version_id == r.version_id &&
	    memcmp(back.idem, r.idem, sizeof(r.idem)) == 0 &&
	    strcmp(back.reference, r.reference) == 0 &&
	    strcmp(back.key_id, r.key_id) == 0 &&
	    back.plain.len == r.plain.len &&
	    memcmp(back.plain.data, r.plain.data, r.plain.len) == 0 &&
	    back.sealed.len == r.sealed.len &&
	    memcmp(back.sealed.data, r.sealed.data, r.sealed.len) == 0,
	    "a record changed on its way through the spool");
	spoolrec_free(&back);
	pos %= enc.len;
	enc.data[pos] ^= (char)flip;
	FUZZ_CHECK(spoolrec_parse(enc.data, enc.len, &back) ==
	    SPOOLREC_MALFORMED, "byte %zu of %zu changed, still parsed", pos,
	    enc.len);
	/* Truncated by any amount. */
	for (i = 1; i < 4 && i < enc.len; i++)
		FUZZ_CHECK(spoolrec_parse(enc.data, enc.len - i, &back) ==
		    SPOOLREC_MALFORMED, "truncated by %zu, still parsed", i);
	buf_free(&enc);
	spoolrec_free(&r);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		parse_and_reencode((const char *)data + 1, size - 1);
		break;
	case 1:
		with_checksum(data + 1, size - 1);
		break;
	case 2:
		round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}
