/*
 * buf.c: a growable byte buffer.  Growth allocates a new block, copies,
 * wipes and frees the old one, so answers never linger in freed memory
 * (realloc() may leave the old block intact).  Every buffer that ever held
 * request data is wiped again by buf_free().  No I/O, and never realloc().
 *
 * Invariant: no byte past data[len] holds anything a wipe would miss.  The
 * API writes no further than the NUL at data[len], and the two calls that
 * make len smaller, buf_truncate() and buf_reset(), wipe what they cut
 * off; so a wipe of the first len + 1 bytes wipes everything.  That keeps
 * the cost of wiping a page proportional to the page, not to the block's
 * power-of-two size.  A caller that writes into the block itself (http.c's
 * body reader, export.c's hex cells) reserves room first and keeps the
 * same rule: its bytes end at the NUL it puts at data[len].
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base.h"

static int
buf_grow(struct buf *b, size_t need)
{
	char	*p;
	size_t	 cap;

	/* What the copy below and every wipe rely on. */
	assert(b->data == NULL ? b->len == 0 && b->cap == 0 : b->len < b->cap);
	if (need < b->len || need == SIZE_MAX)
		return -1;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		sodium_memzero(b->data, b->len + 1);
		free(b->data);
	} else
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	if (n > SIZE_MAX - b->len - 1)
		return -1;
	return buf_grow(b, b->len + n);
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX - b->len - 1 || buf_grow(b, b->len + n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, b->len + (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (b->data == NULL || len >= b->len)
		return;
	sodium_memzero(b->data + len, b->len - len + 1);
	b->len = len;
}

void
buf_reset(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->len + 1);
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	if (b == NULL || b->data == NULL)
		return;
	sodium_memzero(b->data, b->len + 1);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
