/*
 * fuzz_urlenc.c: libFuzzer harness for urlenc_parse(), the parser every POST
 * body goes through first (docs/CONTRIBUTING.md §15, docs/THREAT-MODEL.md
 * threat 16).
 *
 * Input: one byte choosing max_fields (0-199 as is, anything above means
 * "no practical limit"), then the body.  The result is walked and checked
 * against a second, naive decoder written here from the description in
 * text.h: the pair count, every decoded name and value, the NUL after
 * each, that every string lies inside the arena, and which of
 * OK / MALFORMED / TOO_MANY the parser should have answered.
 */
#include <stdint.h>
#include <string.h>

#include "text.h"
#include "fuzz_common.h"

static int
model_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes in[0..len) into out (room for len bytes); returns the decoded
 * length or -1 when a '%' lacks two hex digits.
 */
static long
model_decode(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t	 i = 0, o = 0;

	while (i < len) {
		if (in[i] == '%') {
			if (len - i < 3 || model_hex(in[i + 1]) < 0 ||
			    model_hex(in[i + 2]) < 0)
				return -1;
			out[o++] = (unsigned char)(model_hex(in[i + 1]) * 16 +
			    model_hex(in[i + 2]));
			i += 3;
		} else {
			out[o++] = in[i] == '+' ? ' ' : in[i];
			i++;
		}
	}
	return (long)o;
}

/* 1 if p[0..n] (the terminating NUL included) lies inside the arena. */
static int
in_arena(const struct kvlist *l, const char *p, size_t n)
{
	return p >= l->arena && n < l->arenasz &&
	    (size_t)(p - l->arena) <= l->arenasz - n - 1;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct kvlist		 l;
	enum urlenc_result	 r, want;
	const unsigned char	*body;
	unsigned char		*scratch;
	size_t			 len, max, i, start, nseg = 0, k = 0;

	if (size == 0)
		return 0;
	max = data[0] < 200 ? data[0] : 1000000;
	body = data + 1;
	len = size - 1;

	for (i = 0, start = 0; i <= len; i++)
		if (i == len || body[i] == '&') {
			nseg += i > start;
			start = i + 1;
		}

	r = urlenc_parse((const char *)body, len, max, &l);
	FUZZ_CHECK(r == URLENC_OK || r == URLENC_MALFORMED ||
	    r == URLENC_TOO_MANY, "unexpected result %d", (int)r);
	if (r != URLENC_OK)
		FUZZ_CHECK(l.n == 0 && l.kv == NULL && l.arena == NULL,
		    "a refused body left a filled list (n=%zu)", l.n);
	if (nseg > max) {
		FUZZ_CHECK(r == URLENC_TOO_MANY, "%zu pairs, max %zu: got %d",
		    nseg, max, (int)r);
		goto out;
	}
	FUZZ_CHECK(r != URLENC_TOO_MANY, "%zu pairs, max %zu: TOO_MANY",
	    nseg, max);

	/* Walk the segments again with the model and compare. */
	if ((scratch = malloc(len + 1)) == NULL)
		abort();
	want = URLENC_OK;
	for (i = 0, start = 0; i <= len && want == URLENC_OK; i++) {
		const unsigned char	*seg, *eq;
		size_t			 seglen, nlen;
		long			 dn, dv;

		if (i < len && body[i] != '&')
			continue;
		seg = body + start;
		seglen = i - start;
		start = i + 1;
		if (seglen == 0)
			continue;
		eq = memchr(seg, '=', seglen);
		nlen = eq ? (size_t)(eq - seg) : seglen;
		dn = model_decode(seg, nlen, scratch);
		dv = eq ? model_decode(eq + 1, seglen - nlen - 1,
		    scratch + nlen) : 0;
		if (dn < 0 || dv < 0) {
			want = URLENC_MALFORMED;
			break;
		}
		if (r != URLENC_OK)
			continue;
		FUZZ_CHECK(k < l.n, "model found more than %zu pairs", l.n);
		FUZZ_CHECK(l.kv[k].namelen == (size_t)dn &&
		    memcmp(l.kv[k].name, scratch, (size_t)dn) == 0,
		    "pair %zu: name differs from the model", k);
		FUZZ_CHECK(l.kv[k].valuelen == (size_t)dv &&
		    memcmp(l.kv[k].value, scratch + nlen, (size_t)dv) == 0,
		    "pair %zu: value differs from the model", k);
		FUZZ_CHECK(in_arena(&l, l.kv[k].name, l.kv[k].namelen) &&
		    in_arena(&l, l.kv[k].value, l.kv[k].valuelen),
		    "pair %zu lies outside the arena", k);
		FUZZ_CHECK(l.kv[k].name[l.kv[k].namelen] == '\0' &&
		    l.kv[k].value[l.kv[k].valuelen] == '\0',
		    "pair %zu is not NUL-terminated", k);
		k++;
	}
	free(scratch);
	FUZZ_CHECK(r == want, "parser said %d, model says %d", (int)r,
	    (int)want);
	if (r == URLENC_OK)
		FUZZ_CHECK(k == l.n && l.n == nseg, "%zu pairs, model %zu/%zu",
		    l.n, k, nseg);
out:
	urlenc_free(&l);
	FUZZ_CHECK(l.n == 0 && l.kv == NULL && l.arena == NULL,
	    "urlenc_free left the list filled");
	urlenc_free(&l);	/* twice is harmless */
	return 0;
}
