/*
 * csv.c: RFC 4180 CSV that is safe to open in a spreadsheet (SECURITY.md
 * threat 6).  Every cell is quoted, quotes doubled, records end in CRLF,
 * and a cell that a spreadsheet would run as a formula (one starting with
 * = + - @, TAB, CR, LF or NUL) gets a leading apostrophe.  The reader is
 * the inverse, for vawgctl's offline decryption of sealed exports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vawg.h"

int
csv_bom(struct buf *b)
{
	/* Excel reads UTF-8 only when the file says so. */
	return buf_append(b, "\xef\xbb\xbf", 3);
}

int
csv_cell(struct buf *b, const char *s, size_t len, int first)
{
	const char	*q;

	if (!first && buf_append(b, ",", 1) == -1)
		return -1;
	if (buf_append(b, "\"", 1) == -1)
		return -1;
	if (len > 0 && (strchr("=+-@\t\r\n", s[0]) != NULL || s[0] == '\0') &&
	    buf_append(b, "'", 1) == -1)
		return -1;
	while (len > 0 && (q = memchr(s, '"', len)) != NULL) {
		if (buf_append(b, s, (size_t)(q - s) + 1) == -1 ||
		    buf_append(b, "\"", 1) == -1)
			return -1;
		len -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	if (buf_append(b, s, len) == -1 || buf_append(b, "\"", 1) == -1)
		return -1;
	return 0;
}

int
csv_end(struct buf *b)
{
	return buf_append(b, "\r\n", 2);
}

void
csv_record_free(struct csv_record *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		buf_free(&r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

static struct buf *
next_cell(struct csv_record *r)
{
	struct buf	*cells;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		if (cap > CSV_MAX_CELLS ||
		    (cells = calloc(cap, sizeof(*cells))) == NULL)
			return NULL;
		if (r->n > 0)
			memcpy(cells, r->cells, r->n * sizeof(*cells));
		free(r->cells);
		r->cells = cells;
		r->cap = cap;
	}
	memset(&r->cells[r->n], 0, sizeof(r->cells[r->n]));
	return &r->cells[r->n++];
}

int
csv_read_record(FILE *f, struct csv_record *r)
{
	struct buf	*cell;
	int		 c, quoted = 0, any = 0;

	csv_record_free(r);
	if ((cell = next_cell(r)) == NULL)
		return -1;
	/* A leading byte-order mark is not data. */
	if ((c = getc(f)) == 0xef) {
		if (getc(f) != 0xbb || getc(f) != 0xbf)
			return -1;
	} else if (c != EOF)
		ungetc(c, f);
	while ((c = getc(f)) != EOF) {
		any = 1;
		if (quoted) {
			if (c != '"') {
				char ch = (char)c;
				if (buf_append(cell, &ch, 1) == -1)
					return -1;
				continue;
			}
			if ((c = getc(f)) == '"') {
				if (buf_append(cell, "\"", 1) == -1)
					return -1;
				continue;
			}
			quoted = 0;
			if (c == EOF)
				break;
		}
		if (c == '"' && cell->len == 0)
			quoted = 1;
		else if (c == ',') {
			if ((cell = next_cell(r)) == NULL)
				return -1;
		} else if (c == '\r') {
			if ((c = getc(f)) != '\n')
				return -1;
			return 1;
		} else if (c == '\n')
			return 1;
		else {
			char ch = (char)c;
			if (buf_append(cell, &ch, 1) == -1)
				return -1;
		}
	}
	if (quoted)
		return -1;	/* the file ended inside a quoted cell */
	return any ? 1 : 0;
}

const char *
csv_unneutralise(const struct buf *cell)
{
	const char *s = cell->data ? cell->data : "";

	/* Undo csv_cell's apostrophe before a formula starter. */
	if (s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r\n", s[1]) != NULL)
		return s + 1;
	return s;
}
