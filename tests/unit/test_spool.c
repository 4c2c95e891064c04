/*
 * test_spool.c: the spool record's encoder and parser (spoolrec.c,
 * docs/THREAT-MODEL.md threat 12).  A record must come back byte for byte, and
 * anything else (a truncation, a flipped byte, a field out of place even
 * under a correct checksum) must be refused whole, because the replayer
 * turns what it parses into a database row.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "spool.h"
#include "check.h"

#define VERSION_ID	42
#define KEY_ID		"0123456789abcdef"
#define PLAIN		"{\"borough\":\"Camden\",\"support\":[\"isva\"]}"

/* A record with a fixed key, a well-formed (not really sealed) envelope. */
static void
sample(struct spoolrec *rec)
{
	unsigned char	 env[ENVELOPE_MIN];
	size_t		 i, binlen;

	memset(rec, 0, sizeof(*rec));
	rec->version_id = VERSION_ID;
	for (i = 0; i < TOKEN_NONCE_BYTES; i++)
		rec->idem[i] = (unsigned char)(0xa0 + i);
	token_reference(rec->idem, rec->reference);
	memcpy(rec->key_id, KEY_ID, sizeof(KEY_ID));
	for (i = 0; i < sizeof(env); i++)
		env[i] = (unsigned char)(i * 7);
	env[0] = ENVELOPE_VERSION;
	if (sodium_hex2bin(env + 1, SEAL_KEY_ID_BYTES, KEY_ID,
	    strlen(KEY_ID), NULL, &binlen, NULL) != 0)
		env[1] = 0;
	env[20] = '\n';		/* raw bytes may look like framing */
	env[21] = '\0';
	(void)buf_puts(&rec->plain, PLAIN);
	(void)buf_append(&rec->sealed, env, sizeof(env));
}

static int
encode(struct buf *out)
{
	struct spoolrec	 rec;
	int		 rc;

	sample(&rec);
	rc = spoolrec_encode(&rec, out);
	spoolrec_free(&rec);
	return rc;
}

static void
test_spool_round_trip(void)
{
	struct spoolrec	 a, b;
	struct buf	 enc = { 0 };

	sample(&a);
	CHECK(spoolrec_encode(&a, &enc) == 0);
	CHECK(spoolrec_parse(enc.data, enc.len, &b) == SPOOLREC_OK);
	CHECK_EQ(b.version_id, VERSION_ID);
	CHECK(memcmp(a.idem, b.idem, TOKEN_NONCE_BYTES) == 0);
	CHECK_STR(b.reference, a.reference);
	CHECK_STR(b.key_id, KEY_ID);
	CHECK_MEM(b.plain.data, b.plain.len, PLAIN, strlen(PLAIN));
	CHECK_MEM(b.sealed.data, b.sealed.len, a.sealed.data, a.sealed.len);
	/* What reaches libpq as text is NUL-terminated. */
	CHECK(b.plain.data[b.plain.len] == '\0');
	spoolrec_free(&a);
	spoolrec_free(&b);
	buf_free(&enc);
}

/* The text framing is stable: a record written by this version must be
 * read by the next one. */
static void
test_spool_known_layout(void)
{
	struct buf	 enc = { 0 };
	char		 want[512];
	struct spoolrec	 rec;

	sample(&rec);
	CHECK(encode(&enc) == 0);
	snprintf(want, sizeof(want), "vawg-spool 1\nversion 2\n42\n"
	    "idem 32\na0a1a2a3a4a5a6a7a8a9aaabacadaeaf\nreference 9\n%s\n"
	    "key_id 16\n" KEY_ID "\nplain %zu\n" PLAIN "\nsealed %d\n",
	    rec.reference, strlen(PLAIN), ENVELOPE_MIN);
	CHECK(enc.len > strlen(want) + 37);
	CHECK(enc.data != NULL && strncmp(enc.data, want, strlen(want)) == 0);
	CHECK(enc.data != NULL &&
	    strncmp(enc.data + enc.len - 37, "end ", 4) == 0);
	spoolrec_free(&rec);
	buf_free(&enc);
}

static void
test_spool_names(void)
{
	struct spoolrec	 rec;
	char		 name[SPOOLREC_NAME];

	sample(&rec);
	spoolrec_name(&rec, name);
	CHECK_STR(name, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.rec");
	CHECK(spoolrec_is_name(name));
	/* With a digest: the key and the digest, so a correction of the
	 * same token has a name of its own. */
	rec.has_digest = 1;
	memset(rec.digest, 0xc3, sizeof(rec.digest));
	spoolrec_name(&rec, name);
	CHECK_STR(name, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf-"
	    "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
	    "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3.rec");
	CHECK(spoolrec_is_name(name));
	name[40] = 'C';
	CHECK(!spoolrec_is_name(name));
	name[40] = 'c';
	name[32] = '.';
	CHECK(!spoolrec_is_name(name));
	CHECK(!spoolrec_is_name(".a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.rec.1.tmp"));
	CHECK(!spoolrec_is_name("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF.rec"));
	CHECK(!spoolrec_is_name("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.rec.1"));
	CHECK(!spoolrec_is_name("a0a1a2a3a4a5a6a7a8a9aaabacadaea.rec"));
	CHECK(!spoolrec_is_name("failed"));
	CHECK(!spoolrec_is_name(""));
	spoolrec_free(&rec);
}

static void
test_spool_every_truncation_rejected(void)
{
	struct buf	 enc = { 0 };
	struct spoolrec	 out;
	size_t		 n, accepted = 0;

	CHECK(encode(&enc) == 0);
	for (n = 0; n < enc.len; n++)
		if (spoolrec_parse(enc.data, n, &out) != SPOOLREC_MALFORMED ||
		    out.plain.data != NULL || out.sealed.data != NULL)
			accepted++;
	CHECK_EQ(accepted, 0);
	printf("spool_truncations_rejected: %zu of %zu\n", enc.len - accepted,
	    enc.len);
	/* One byte more, too. */
	CHECK(buf_append(&enc, "\n", 1) == 0);
	CHECK(spoolrec_parse(enc.data, enc.len, &out) == SPOOLREC_MALFORMED);
	buf_free(&enc);
}

static void
test_spool_every_flip_rejected(void)
{
	struct buf	 enc = { 0 };
	struct spoolrec	 out;
	size_t		 i, accepted = 0;

	CHECK(encode(&enc) == 0);
	for (i = 0; i < enc.len; i++) {
		enc.data[i] ^= 0x01;
		if (spoolrec_parse(enc.data, enc.len, &out) != SPOOLREC_MALFORMED)
			accepted++;
		spoolrec_free(&out);
		enc.data[i] ^= 0x01;
	}
	CHECK_EQ(accepted, 0);
	printf("spool_flips_rejected: %zu of %zu\n", enc.len - accepted,
	    enc.len);
	CHECK(spoolrec_parse(enc.data, enc.len, &out) == SPOOLREC_OK);
	spoolrec_free(&out);
	buf_free(&enc);
}

/* Frames body with the magic line and a correct checksum, so the parser's
 * field checks (not the checksum) are what refuses it. */
static enum spoolrec_result
parse_summed(const char *body, size_t len)
{
	struct buf	 b = { 0 };
	struct spoolrec	 out;
	unsigned char	 sum[16];
	char		 hex[33];
	enum spoolrec_result r;

	(void)buf_puts(&b, "vawg-spool 1\n");
	(void)buf_append(&b, body, len);
	crypto_generichash(sum, sizeof(sum), (unsigned char *)b.data, b.len,
	    NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	(void)buf_printf(&b, "end %s\n", hex);
	r = spoolrec_parse(b.data, b.len, &out);
	spoolrec_free(&out);
	buf_free(&b);
	return r;
}

/* The sample's body (between the magic line and "end"), with one field's
 * line replaced: name is the field, line the replacement "name LEN\nV". */
static enum spoolrec_result
parse_with(const char *name, const char *line)
{
	struct buf	 enc = { 0 }, body = { 0 };
	char		 key[32];
	const char	*start, *nl, *end;
	size_t		 vlen;
	enum spoolrec_result r = SPOOLREC_OK;

	if (encode(&enc) == -1)
		return SPOOLREC_NOMEM;
	snprintf(key, sizeof(key), "\n%s ", name);
	start = strstr(enc.data, key);
	end = enc.data + enc.len - 37;
	if (start == NULL) {
		buf_free(&enc);
		return SPOOLREC_NOMEM;
	}
	start++;
	nl = strchr(start, '\n');
	vlen = strtoul(start + strlen(name) + 1, NULL, 10);
	(void)buf_append(&body, enc.data + 13, (size_t)(start - enc.data) - 13);
	if (line != NULL)
		(void)buf_printf(&body, "%s\n", line);
	(void)buf_append(&body, nl + 1 + vlen + 1,
	    (size_t)(end - (nl + 1 + vlen + 1)));
	r = parse_summed(body.data, body.len);
	buf_free(&enc);
	buf_free(&body);
	return r;
}

static void
test_spool_fields_checked(void)
{
	/* Control: the same splice with the original value is accepted. */
	CHECK(parse_with("version", "version 2\n42") == SPOOLREC_OK);
	CHECK(parse_with("version", "version 1\n0") == SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version 3\n042") == SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version 3\n-42") == SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version 10\n2147483648") ==
	    SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version 10\n2147483647") == SPOOLREC_OK);
	CHECK(parse_with("version", "version 02\n42") == SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version  2\n42") == SPOOLREC_MALFORMED);
	CHECK(parse_with("version", "version 99999999999\n42") ==
	    SPOOLREC_MALFORMED);
	CHECK(parse_with("version", NULL) == SPOOLREC_MALFORMED);
	/* Upper-case hex, or a key of the wrong length. */
	CHECK(parse_with("idem", "idem 32\nA0A1A2A3A4A5A6A7A8A9AAABACADAEAF") ==
	    SPOOLREC_MALFORMED);
	CHECK(parse_with("idem", "idem 30\na0a1a2a3a4a5a6a7a8a9aaabacadae") ==
	    SPOOLREC_MALFORMED);
	/* A well-shaped reference that is not this key's. */
	CHECK(parse_with("reference", "reference 9\nK7QM-4XPT") ==
	    SPOOLREC_MALFORMED);
	CHECK(parse_with("key_id", "key_id 16\n0123456789ABCDEF") ==
	    SPOOLREC_MALFORMED);
	/* The envelope names another key than the row would. */
	CHECK(parse_with("key_id", "key_id 16\n0123456789abcdee") ==
	    SPOOLREC_MALFORMED);
	CHECK(parse_with("plain", "plain 0\n") == SPOOLREC_MALFORMED);
	CHECK(parse_with("plain", "plain 2\n[]") == SPOOLREC_MALFORMED);
	CHECK(parse_with("plain", "plain 2\n{}") == SPOOLREC_OK);
	CHECK(parse_with("plain", "plain 5\n{\"\xff\"}") == SPOOLREC_MALFORMED);
	CHECK(parse_with("plain", "plain 5\n{\"\x01\"}") == SPOOLREC_MALFORMED);
	/* A length that runs past the record. */
	CHECK(parse_with("plain", "plain 9999\n{}") == SPOOLREC_MALFORMED);
	CHECK(parse_with("sealed", "sealed 4\n\x01xyz") == SPOOLREC_MALFORMED);
	CHECK(parse_with("sealed", NULL) == SPOOLREC_MALFORMED);
}

/* Recomputes the checksum line of a record changed in place. */
static void
resum(struct buf *b)
{
	unsigned char	 sum[16];
	char		 hex[33];

	crypto_generichash(sum, sizeof(sum), (unsigned char *)b->data,
	    b->len - 37, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	memcpy(b->data + b->len - 33, hex, 32);
}

/* A NUL inside the plain JSON would cut the libpq text parameter short. */
static void
test_spool_nul_in_plain_rejected(void)
{
	struct buf	 enc = { 0 };
	struct spoolrec	 out;
	char		*p;

	CHECK(encode(&enc) == 0);
	p = enc.data ? strstr(enc.data, "Camden") : NULL;
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	resum(&enc);
	CHECK(spoolrec_parse(enc.data, enc.len, &out) == SPOOLREC_OK);
	spoolrec_free(&out);
	p[2] = '\0';
	resum(&enc);
	CHECK(spoolrec_parse(enc.data, enc.len, &out) == SPOOLREC_MALFORMED);
out:
	buf_free(&enc);
}

static void
test_spool_other_framing_rejected(void)
{
	struct buf	 enc = { 0 };
	struct spoolrec	 out;

	CHECK(encode(&enc) == 0);
	/* Another format version, even with a good checksum. */
	CHECK(parse_summed("", 0) == SPOOLREC_MALFORMED);
	enc.data[11] = '2';
	CHECK(spoolrec_parse(enc.data, enc.len, &out) == SPOOLREC_MALFORMED);
	CHECK(spoolrec_parse("", 0, &out) == SPOOLREC_MALFORMED);
	CHECK(spoolrec_parse("vawg-spool 1\n", 13, &out) ==
	    SPOOLREC_MALFORMED);
	buf_free(&enc);
}

static void
test_spool_encode_refuses_empty(void)
{
	struct spoolrec	 rec;
	struct buf	 out = { 0 };

	sample(&rec);
	rec.version_id = 0;
	CHECK(spoolrec_encode(&rec, &out) == -1);
	CHECK_EQ(out.len, 0);
	rec.version_id = VERSION_ID;
	buf_free(&rec.sealed);
	CHECK(spoolrec_encode(&rec, &out) == -1);
	CHECK_EQ(out.len, 0);
	spoolrec_free(&rec);
	buf_free(&out);
}

/* A record with the answers' digest (format 2): back whole, with the
 * token's reference or a correction's, and no other. */
static void
test_spool_digest_round_trip(void)
{
	struct spoolrec	 a, b;
	struct buf	 enc = { 0 };
	size_t		 at;
	char		*ref;

	sample(&a);
	a.has_digest = 1;
	memset(a.digest, 0x3c, sizeof(a.digest));
	CHECK(spoolrec_encode(&a, &enc) == 0);
	CHECK(enc.data != NULL &&
	    strncmp(enc.data, "vawg-spool 2\n", 13) == 0);
	CHECK(spoolrec_parse(enc.data, enc.len, &b) == SPOOLREC_OK);
	CHECK(b.has_digest && memcmp(b.digest, a.digest,
	    sizeof(a.digest)) == 0);
	CHECK_STR(b.reference, a.reference);
	spoolrec_free(&b);
	buf_free(&enc);
	answers_reference(a.idem, a.digest, a.reference);
	CHECK(spoolrec_encode(&a, &enc) == 0);
	CHECK(spoolrec_parse(enc.data, enc.len, &b) == SPOOLREC_OK);
	CHECK_STR(b.reference, a.reference);
	spoolrec_free(&b);
	buf_free(&enc);
	/* A reference derived from neither: refused, checksum or not. */
	CHECK(spoolrec_encode(&a, &enc) == 0);
	ref = enc.data != NULL ? strstr(enc.data, "reference 9\n") : NULL;
	CHECK(ref != NULL);
	if (ref != NULL) {
		at = (size_t)(ref - enc.data) + strlen("reference 9\n");
		enc.data[at] = enc.data[at] == 'A' ? 'B' : 'A';
		resum(&enc);
		CHECK(spoolrec_parse(enc.data, enc.len, &b) ==
		    SPOOLREC_MALFORMED);
	}
	spoolrec_free(&a);
	buf_free(&enc);
}

const struct unit_test spool_tests[] = {
	TEST(test_spool_round_trip),
	TEST(test_spool_known_layout),
	TEST(test_spool_names),
	TEST(test_spool_digest_round_trip),
	TEST(test_spool_every_truncation_rejected),
	TEST(test_spool_every_flip_rejected),
	TEST(test_spool_fields_checked),
	TEST(test_spool_nul_in_plain_rejected),
	TEST(test_spool_other_framing_rejected),
	TEST(test_spool_encode_refuses_empty),
};
const size_t spool_ntests = NTESTS(spool_tests);
