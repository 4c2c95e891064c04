/*
 * urlenc.c: the application/x-www-form-urlencoded parser.  A pure function
 * of (buffer, length) so it can be fuzzed alone (tests/fuzz/).  It decodes
 * exactly once and judges nothing but the encoding; what the bytes mean is
 * form.c's business.  Every name and value is copied, decoded, into one
 * arena that is wiped when the list is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "text.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes in[0..len) to out, returns bytes written or -1 if malformed. */
static long
decode(const char *in, size_t len, char *out)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '+')
			out[o++] = ' ';
		else if (in[i] == '%') {
			if (len - i < 3 ||
			    (hi = hexval((unsigned char)in[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)in[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = in[i];
	}
	out[o] = '\0';
	return (long)o;
}

enum urlenc_result
urlenc_parse(const char *in, size_t len, size_t max_fields, struct kvlist *out)
{
	size_t	 i, start, n = 0, pos = 0;
	char	*arena;

	memset(out, 0, sizeof(*out));
	/* Count the non-empty segments first, so nothing grows later. */
	for (i = 0, start = 0; i <= len; i++) {
		if (i == len || in[i] == '&') {
			if (i > start && ++n > max_fields)
				return URLENC_TOO_MANY;
			start = i + 1;
		}
	}
	if (n == 0)
		return URLENC_OK;
	/* Each segment decodes to at most its own length, plus two NULs. */
	out->arenasz = len + 2 * n;
	if ((out->kv = calloc(n, sizeof(*out->kv))) == NULL ||
	    (arena = out->arena = malloc(out->arenasz)) == NULL) {
		urlenc_free(out);
		return URLENC_NOMEM;
	}
	for (i = 0, start = 0; i <= len; i++) {
		const char	*seg, *eq;
		size_t		 seglen, nlen;
		long		 d;
		struct kv	*kv;

		if (i < len && in[i] != '&')
			continue;
		seg = in + start;
		seglen = i - start;
		start = i + 1;
		if (seglen == 0)
			continue;
		kv = &out->kv[out->n];
		eq = memchr(seg, '=', seglen);
		nlen = eq ? (size_t)(eq - seg) : seglen;
		kv->name = arena + pos;
		if ((d = decode(seg, nlen, kv->name)) < 0)
			goto malformed;
		kv->namelen = (size_t)d;
		pos += (size_t)d + 1;
		kv->value = arena + pos;
		d = eq ? decode(eq + 1, seglen - nlen - 1, kv->value) :
		    (kv->value[0] = '\0', 0);
		if (d < 0)
			goto malformed;
		kv->valuelen = (size_t)d;
		pos += (size_t)d + 1;
		out->n++;
	}
	assert(out->n == n && pos <= out->arenasz);
	return URLENC_OK;
malformed:
	urlenc_free(out);
	return URLENC_MALFORMED;
}

void
urlenc_free(struct kvlist *l)
{
	if (l == NULL)
		return;
	if (l->arena != NULL) {
		sodium_memzero(l->arena, l->arenasz);
		free(l->arena);
	}
	free(l->kv);
	memset(l, 0, sizeof(*l));
}
