/*
 * spoolrec.c: one spooled submission as bytes, and back (docs/THREAT-MODEL.md
 * threat 12).  When the database cannot take a submission, the worker
 * writes exactly what vawg.submit() would have received to a file in the
 * spool, and the replayer parses it back.  Both directions are pure
 * functions over buffers, so the unit tests and a fuzzer can drive them.
 *
 * A record is text framing around length-prefixed values:
 *
 *   vawg-spool 2 LF
 *   version LEN LF  decimal form version id  LF
 *   idem LEN LF     32 lowercase hex digits  LF
 *   digest LEN LF   64 lowercase hex digits  LF  (answers.c)
 *   reference LEN LF  "K7QM-4XPT"            LF
 *   key_id LEN LF   16 lowercase hex digits  LF
 *   plain LEN LF    the plain answers' JSON  LF
 *   sealed LEN LF   the envelope, raw bytes  LF
 *   end SP 32 hex digits LF
 *
 * Fields come in that order, each once.  LEN is decimal without leading
 * zeros.  Format 1, written before digests (issue 14, item 1), has no
 * digest line and is still read, so a record waiting across an upgrade is
 * replayed as it was written.  The last line is BLAKE2b-128 of every byte before "end", so a
 * record damaged on disk is refused rather than stored as garbage.  The
 * record holds nothing a database row would not: the sensitive answers
 * exist only inside the sealed envelope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "spool.h"

#define MAGIC1		"vawg-spool 1\n"	/* no digest */
#define MAGIC		"vawg-spool 2\n"
#define DIGEST_HEX	(ANSWERS_DIGEST_BYTES * 2)
#define SUM_BYTES	16
#define SUM_HEX		(SUM_BYTES * 2)
#define END_LEN		(4 + SUM_HEX + 1)	/* "end " hex LF */

_Static_assert(sizeof(MAGIC1) == sizeof(MAGIC), "one length for both");
/* take_field() reads at most ten digits of a length. */
_Static_assert(SPOOLREC_MAX <= 9999999999ULL && SIZE_MAX >= 9999999999ULL,
    "ten digits spell any length we accept, and a size_t holds them");

static int
is_lower_hex(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
put_field(struct buf *out, const char *name, const void *p, size_t len)
{
	if (buf_printf(out, "%s %zu\n", name, len) == -1 ||
	    buf_append(out, p, len) == -1 || buf_append(out, "\n", 1) == -1)
		return -1;
	return 0;
}

void
spoolrec_name(const struct spoolrec *rec, char out[SPOOLREC_NAME])
{
	char	*p = out + SPOOLREC_IDEM_HEX;

	sodium_bin2hex(out, SPOOLREC_IDEM_HEX + 1, rec->idem,
	    TOKEN_NONCE_BYTES);
	if (rec->has_digest) {
		*p++ = '-';
		sodium_bin2hex(p, DIGEST_HEX + 1, rec->digest,
		    ANSWERS_DIGEST_BYTES);
		p += DIGEST_HEX;
	}
	memcpy(p, ".rec", sizeof(".rec"));
}

int
spoolrec_is_name(const char *name)
{
	size_t	 len = strlen(name), at = SPOOLREC_IDEM_HEX;

	if (len < at || !is_lower_hex(name, at))
		return 0;
	if (len == SPOOLREC_NAME - 1) {
		if (name[at] != '-' || !is_lower_hex(name + at + 1,
		    DIGEST_HEX))
			return 0;
		at += 1 + DIGEST_HEX;
	}
	return len == at + 4 && strcmp(name + at, ".rec") == 0;
}

int
spoolrec_encode(const struct spoolrec *rec, struct buf *out)
{
	char		 num[sizeof("-2147483648")];
	char		 hex[DIGEST_HEX + 1];
	char		 sumhex[SUM_HEX + 1];
	unsigned char	 sum[SUM_BYTES];
	size_t		 start = out->len;

	if (rec->version_id <= 0 || rec->plain.len == 0 ||
	    rec->sealed.len == 0)
		return -1;
	snprintf(num, sizeof(num), "%d", (int)rec->version_id);
	sodium_bin2hex(hex, sizeof(hex), rec->idem, TOKEN_NONCE_BYTES);
	if (buf_puts(out, rec->has_digest ? MAGIC : MAGIC1) == -1 ||
	    put_field(out, "version", num, strlen(num)) == -1 ||
	    put_field(out, "idem", hex, strlen(hex)) == -1)
		goto fail;
	if (rec->has_digest) {
		sodium_bin2hex(hex, sizeof(hex), rec->digest,
		    ANSWERS_DIGEST_BYTES);
		if (put_field(out, "digest", hex, strlen(hex)) == -1)
			goto fail;
	}
	if (put_field(out, "reference", rec->reference,
	    strlen(rec->reference)) == -1 ||
	    put_field(out, "key_id", rec->key_id, strlen(rec->key_id)) == -1 ||
	    put_field(out, "plain", rec->plain.data, rec->plain.len) == -1 ||
	    put_field(out, "sealed", rec->sealed.data, rec->sealed.len) == -1)
		goto fail;
	if (crypto_generichash(sum, sizeof(sum),
	    (const unsigned char *)out->data + start, out->len - start,
	    NULL, 0) != 0)
		goto fail;
	sodium_bin2hex(sumhex, sizeof(sumhex), sum, sizeof(sum));
	if (buf_printf(out, "end %s\n", sumhex) == -1)
		goto fail;
	return 0;
fail:
	buf_truncate(out, start);
	return -1;
}

/*
 * Takes "name LEN LF value LF" at *p, leaving *val and *len on the value
 * and *p after it.  -1 if anything differs by a byte.
 */
static int
take_field(const char **p, const char *end, const char *name,
    const char **val, size_t *len)
{
	const char	*q = *p;
	size_t		 nlen = strlen(name), n = 0, digits = 0;

	if ((size_t)(end - q) < nlen + 1 || memcmp(q, name, nlen) != 0 ||
	    q[nlen] != ' ')
		return -1;
	q += nlen + 1;
	while (q < end && *q >= '0' && *q <= '9') {
		/* Ten digits is over any record we accept: stop before any
		 * overflow, and refuse leading zeros (one spelling only). */
		if (++digits > 10 || (digits == 2 && n == 0))
			return -1;
		n = n * 10 + (size_t)(*q++ - '0');
	}
	if (digits == 0 || q >= end || *q++ != '\n' ||
	    n > SPOOLREC_MAX || (size_t)(end - q) < n + 1 || q[n] != '\n')
		return -1;
	*val = q;
	*len = n;
	*p = q + n + 1;
	return 0;
}

/*
 * The frame: the magic first, "end <sum> LF" last, and the sum right, so
 * nothing after this reads a damaged record.  *end is where the fields
 * stop, *digest whether the format has one.  0 / -1.
 */
static int
check_frame(const char *in, size_t len, const char **end, int *digest)
{
	char		 sumhex[SUM_HEX + 1];
	unsigned char	 sum[SUM_BYTES];

	if (len < sizeof(MAGIC) - 1 + END_LEN || len > SPOOLREC_MAX)
		return -1;
	if (memcmp(in, MAGIC, sizeof(MAGIC) - 1) == 0)
		*digest = 1;
	else if (memcmp(in, MAGIC1, sizeof(MAGIC1) - 1) == 0)
		*digest = 0;
	else
		return -1;
	*end = in + len - END_LEN;
	if (memcmp(*end, "end ", 4) != 0 || in[len - 1] != '\n' ||
	    !is_lower_hex(*end + 4, SUM_HEX))
		return -1;
	if (crypto_generichash(sum, sizeof(sum), (const unsigned char *)in,
	    (size_t)(*end - in), NULL, 0) != 0)
		return -1;
	sodium_bin2hex(sumhex, sizeof(sumhex), sum, sizeof(sum));
	return sodium_memcmp(sumhex, *end + 4, SUM_HEX) == 0 ? 0 : -1;
}

/* "version": a form version id, decimal, positive, one spelling. */
static int
take_version(const char **p, const char *end, int32_t *out)
{
	const char	*v;
	size_t		 vlen, i;
	int64_t		 version = 0;

	/* Ten digits hold INT32_MAX; more are refused before they count. */
	if (take_field(p, end, "version", &v, &vlen) == -1 ||
	    vlen == 0 || vlen > 10 || v[0] == '0')
		return -1;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		version = version * 10 + (v[i] - '0');
	}
	if (version > INT32_MAX)
		return -1;
	*out = (int32_t)version;
	return 0;
}

/*
 * "idem", the "digest" when the format has one, then "reference".  The
 * reference is derived from the key (and the digest, for a correction);
 * one that is not could never be the one the user was shown.
 */
static int
take_idem(const char **p, const char *end, struct spoolrec *out)
{
	const char	*v;
	char		 ref[REFERENCE_TEXT], cref[REFERENCE_TEXT];
	size_t		 vlen, binlen;

	if (take_field(p, end, "idem", &v, &vlen) == -1 ||
	    vlen != TOKEN_NONCE_BYTES * 2 || !is_lower_hex(v, vlen) ||
	    sodium_hex2bin(out->idem, sizeof(out->idem), v, vlen, NULL,
	    &binlen, NULL) != 0 || binlen != TOKEN_NONCE_BYTES)
		return -1;
	if (out->has_digest && (take_field(p, end, "digest", &v, &vlen) ==
	    -1 || vlen != DIGEST_HEX || !is_lower_hex(v, vlen) ||
	    sodium_hex2bin(out->digest, sizeof(out->digest), v, vlen, NULL,
	    &binlen, NULL) != 0 || binlen != ANSWERS_DIGEST_BYTES))
		return -1;
	token_reference(out->idem, ref);
	if (out->has_digest)
		answers_reference(out->idem, out->digest, cref);
	else
		memcpy(cref, ref, sizeof(ref));
	if (take_field(p, end, "reference", &v, &vlen) == -1 ||
	    vlen != REFERENCE_TEXT - 1)
		return -1;
	if (memcmp(v, ref, vlen) != 0 && memcmp(v, cref, vlen) != 0)
		return -1;
	memcpy(out->reference, v, vlen);
	out->reference[vlen] = '\0';
	return 0;
}

/* "key_id": 16 lowercase hex digits. */
static int
take_key_id(const char **p, const char *end, char out[SEAL_KEY_ID_HEX])
{
	const char	*v;
	size_t		 vlen;

	if (take_field(p, end, "key_id", &v, &vlen) == -1 ||
	    vlen != SEAL_KEY_ID_HEX - 1 || !is_lower_hex(v, vlen))
		return -1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 0;
}

/* "plain": a libpq text parameter (no NUL, valid UTF-8), and always an
 * object (form_plain_json). */
static enum spoolrec_result
take_plain(const char **p, const char *end, struct buf *out)
{
	const char	*v;
	size_t		 vlen;

	if (take_field(p, end, "plain", &v, &vlen) == -1 || vlen < 2 ||
	    v[0] != '{' || v[vlen - 1] != '}' ||
	    utf8_check(v, vlen, NULL) != UTF8_OK)
		return SPOOLREC_MALFORMED;
	return buf_append(out, v, vlen) == -1 ? SPOOLREC_NOMEM : SPOOLREC_OK;
}

/* "sealed": an envelope that can open and names the same key as the row
 * will (key_id, lowercase hex as seal_envelope_key_id() writes it). */
static enum spoolrec_result
take_sealed(const char **p, const char *end, const char *key_id,
    struct buf *out)
{
	const char	*v;
	char		 id[SEAL_KEY_ID_HEX];
	size_t		 vlen;

	if (take_field(p, end, "sealed", &v, &vlen) == -1 ||
	    vlen < ENVELOPE_MIN ||
	    seal_envelope_key_id((const unsigned char *)v, vlen, id) == -1 ||
	    strcmp(id, key_id) != 0)
		return SPOOLREC_MALFORMED;
	return buf_append(out, v, vlen) == -1 ? SPOOLREC_NOMEM : SPOOLREC_OK;
}

enum spoolrec_result
spoolrec_parse(const char *in, size_t len, struct spoolrec *out)
{
	const char		*p, *end;
	enum spoolrec_result	 rc = SPOOLREC_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (check_frame(in, len, &end, &out->has_digest) == -1)
		goto fail;
	p = in + sizeof(MAGIC) - 1;
	if (take_version(&p, end, &out->version_id) == -1 ||
	    take_idem(&p, end, out) == -1 ||
	    take_key_id(&p, end, out->key_id) == -1)
		goto fail;
	if ((rc = take_plain(&p, end, &out->plain)) != SPOOLREC_OK ||
	    (rc = take_sealed(&p, end, out->key_id, &out->sealed)) !=
	    SPOOLREC_OK)
		goto fail;
	if (p == end)
		return SPOOLREC_OK;
	rc = SPOOLREC_MALFORMED;
fail:
	spoolrec_free(out);
	return rc;
}

void
spoolrec_free(struct spoolrec *rec)
{
	if (rec == NULL)
		return;
	buf_free(&rec->plain);
	buf_free(&rec->sealed);
	memset(rec, 0, sizeof(*rec));
}
