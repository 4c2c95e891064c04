/*
 * pairs.c: the sensitive answers as they are sealed, "name NUL value NUL"
 * repeated (a name may repeat: one pair per checkbox ticked).  The one
 * writer (form.c seals through it) and the walker every reader of opened
 * answers is meant to use (export.c does), so the format is spelled once.
 * Pure: it allocates nothing of its own and never reads past the length
 * it is given, however the bytes end.
 */
#include <string.h>

#include "form.h"

int
pairs_append(struct buf *b, const char *name, const char *value)
{
	if (buf_append(b, name, strlen(name) + 1) == -1 ||
	    buf_append(b, value, strlen(value) + 1) == -1)
		return -1;
	return 0;
}

int
pairs_next(const char *p, size_t len, size_t *pos, struct pair *out)
{
	size_t	 at = *pos, nlen, vlen;

	if (p == NULL || at >= len)
		return 0;
	nlen = strnlen(p + at, len - at);
	if (at + nlen >= len)
		return 0;	/* a name with no value: cut off */
	vlen = strnlen(p + at + nlen + 1, len - at - nlen - 1);
	out->name = p + at;
	out->namelen = nlen;
	out->value = p + at + nlen + 1;
	out->valuelen = vlen;
	/* The value's NUL may be missing at the very end: stop there. */
	*pos = at + nlen + 1 + vlen + 1;
	if (*pos > len)
		*pos = len;
	return 1;
}
