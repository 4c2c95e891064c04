/*
 * spoolrec.c: one spooled submission as bytes, and back (docs/THREAT-MODEL.md
 * threat 12).  When the database cannot take a submission, the worker
 * writes exactly what vawg.submit() would have received to a file in the
 * spool, and the replayer parses it back.  Both directions are pure
 * functions over buffers, so the unit tests and a fuzzer can drive them.
 *
 * A record is text framing around length-prefixed values:
 *
 *   vawg-spool 1 LF
 *   version LEN LF  decimal form version id  LF
 *   idem LEN LF     32 lowercase hex digits  LF
 *   reference LEN LF  "K7QM-4XPT"            LF
 *   key_id LEN LF   16 lowercase hex digits  LF
 *   plain LEN LF    the plain answers' JSON  LF
 *   sealed LEN LF   the envelope, raw bytes  LF
 *   end SP 32 hex digits LF
 *
 * Fields come in that order, each once.  LEN is decimal without leading
 * zeros.  The last line is BLAKE2b-128 of every byte before "end", so a
 * record damaged on disk is refused rather than stored as garbage.  The
 * record holds nothing a database row would not: the sensitive answers
 * exist only inside the sealed envelope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store.h"

#define MAGIC		"vawg-spool 1\n"
#define SUM_BYTES	16
#define SUM_HEX		(SUM_BYTES * 2)
#define END_LEN		(4 + SUM_HEX + 1)	/* "end " hex LF */
#define ENV_HEADER	(1 + SEAL_KEY_ID_BYTES)
#define ENV_MIN		(ENV_HEADER + crypto_box_SEALBYTES + SEAL_PAD_BLOCK)

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
spoolrec_name(const unsigned char *idem, char out[SPOOLREC_NAME])
{
	sodium_bin2hex(out, TOKEN_NONCE_BYTES * 2 + 1, idem,
	    TOKEN_NONCE_BYTES);
	memcpy(out + TOKEN_NONCE_BYTES * 2, ".rec", 5);
}

int
spoolrec_is_name(const char *name)
{
	return strlen(name) == SPOOLREC_NAME - 1 &&
	    is_lower_hex(name, TOKEN_NONCE_BYTES * 2) &&
	    strcmp(name + TOKEN_NONCE_BYTES * 2, ".rec") == 0;
}

int
spoolrec_encode(const struct spoolrec *rec, struct buf *out)
{
	char		 num[16], hex[TOKEN_NONCE_BYTES * 2 + 1];
	char		 sumhex[SUM_HEX + 1];
	unsigned char	 sum[SUM_BYTES];
	size_t		 start = out->len;

	if (rec->version_id <= 0 || rec->plain.len == 0 ||
	    rec->sealed.len == 0)
		return -1;
	snprintf(num, sizeof(num), "%d", (int)rec->version_id);
	sodium_bin2hex(hex, sizeof(hex), rec->idem, TOKEN_NONCE_BYTES);
	if (buf_puts(out, MAGIC) == -1 ||
	    put_field(out, "version", num, strlen(num)) == -1 ||
	    put_field(out, "idem", hex, strlen(hex)) == -1 ||
	    put_field(out, "reference", rec->reference,
	    strlen(rec->reference)) == -1 ||
	    put_field(out, "key_id", rec->key_id, strlen(rec->key_id)) == -1 ||
	    put_field(out, "plain", rec->plain.data, rec->plain.len) == -1 ||
	    put_field(out, "sealed", rec->sealed.data, rec->sealed.len) == -1)
		goto fail;
	crypto_generichash(sum, sizeof(sum),
	    (const unsigned char *)out->data + start, out->len - start, NULL, 0);
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

enum spoolrec_result
spoolrec_parse(const char *in, size_t len, struct spoolrec *out)
{
	const char	*p = in, *end, *v;
	char		 sumhex[SUM_HEX + 1], ref[REFERENCE_TEXT];
	unsigned char	 sum[SUM_BYTES], id[SEAL_KEY_ID_BYTES];
	size_t		 vlen, binlen, i;
	long		 version;
	enum spoolrec_result rc = SPOOLREC_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(MAGIC) - 1 + END_LEN || len > SPOOLREC_MAX ||
	    memcmp(in, MAGIC, sizeof(MAGIC) - 1) != 0)
		goto fail;
	/* The checksum first: nothing below reads a damaged record. */
	end = in + len - END_LEN;
	if (memcmp(end, "end ", 4) != 0 || in[len - 1] != '\n' ||
	    !is_lower_hex(end + 4, SUM_HEX))
		goto fail;
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)in,
	    (size_t)(end - in), NULL, 0);
	sodium_bin2hex(sumhex, sizeof(sumhex), sum, sizeof(sum));
	if (sodium_memcmp(sumhex, end + 4, SUM_HEX) != 0)
		goto fail;
	p += sizeof(MAGIC) - 1;

	if (take_field(&p, end, "version", &v, &vlen) == -1 ||
	    vlen == 0 || vlen > 10 || v[0] == '0')
		goto fail;
	for (version = 0, i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto fail;
		version = version * 10 + (v[i] - '0');
	}
	if (version > INT32_MAX)
		goto fail;
	out->version_id = (int32_t)version;

	if (take_field(&p, end, "idem", &v, &vlen) == -1 ||
	    vlen != TOKEN_NONCE_BYTES * 2 || !is_lower_hex(v, vlen) ||
	    sodium_hex2bin(out->idem, sizeof(out->idem), v, vlen, NULL,
	    &binlen, NULL) != 0 || binlen != TOKEN_NONCE_BYTES)
		goto fail;

	/* The reference is derived from the idempotency key; one that is
	 * not could never be the one the user was shown. */
	token_reference(out->idem, ref);
	if (take_field(&p, end, "reference", &v, &vlen) == -1 ||
	    vlen != REFERENCE_TEXT - 1 || memcmp(v, ref, vlen) != 0)
		goto fail;
	memcpy(out->reference, ref, sizeof(ref));

	if (take_field(&p, end, "key_id", &v, &vlen) == -1 ||
	    vlen != SEAL_KEY_ID_HEX - 1 || !is_lower_hex(v, vlen))
		goto fail;
	memcpy(out->key_id, v, vlen);
	out->key_id[vlen] = '\0';

	/* Plain JSON is a libpq text parameter: no NUL, valid UTF-8, and
	 * always an object (form_plain_json). */
	if (take_field(&p, end, "plain", &v, &vlen) == -1 || vlen < 2 ||
	    v[0] != '{' || v[vlen - 1] != '}' ||
	    utf8_check(v, vlen, NULL) != UTF8_OK)
		goto fail;
	if (buf_append(&out->plain, v, vlen) == -1) {
		rc = SPOOLREC_NOMEM;
		goto fail;
	}

	/* The envelope must name the same key as the row will. */
	if (take_field(&p, end, "sealed", &v, &vlen) == -1 ||
	    vlen < ENV_MIN || (unsigned char)v[0] != ENVELOPE_VERSION ||
	    sodium_hex2bin(id, sizeof(id), out->key_id, SEAL_KEY_ID_HEX - 1,
	    NULL, &binlen, NULL) != 0 || binlen != sizeof(id) ||
	    memcmp(id, v + 1, sizeof(id)) != 0)
		goto fail;
	if (buf_append(&out->sealed, v, vlen) == -1) {
		rc = SPOOLREC_NOMEM;
		goto fail;
	}
	if (p != end)
		goto fail;
	return SPOOLREC_OK;
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
