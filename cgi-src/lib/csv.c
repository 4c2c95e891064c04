/*
 * csv.c: RFC 4180 CSV that is safe to open in a spreadsheet
 * (docs/THREAT-MODEL.md threat 6).  Every cell is quoted, quotes doubled,
 * records end in CRLF, and a cell that a spreadsheet would run as a formula
 * (one starting with = + - @, TAB, CR, LF or NUL) gets a leading apostrophe.
 * The reader is the inverse, for vawgctl's offline decryption of sealed
 * exports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int
csv_bom(struct buf *b)
{
	/* Excel reads UTF-8 only when the file says so. */
	return buf_append(b, "\xef\xbb\xbf", 3);
}

/*
 * Does s begin, after any apostrophes, with what a spreadsheet would run
 * as a formula?  The writer adds one apostrophe to every such cell and the
 * reader removes one, so "'=1" and "''=1" survive a round trip too.
 */
static int
formula_start(const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && s[i] == '\'')
		i++;
	return i < len && (s[i] == '\0' || strchr("=+-@\t\r\n", s[i]) != NULL);
}

int
csv_cell(struct buf *b, const char *s, size_t len, int first)
{
	const char	*q;

	if (!first && buf_append(b, ",", 1) == -1)
		return -1;
	if (buf_append(b, "\"", 1) == -1)
		return -1;
	if (formula_start(s, len) && buf_append(b, "'", 1) == -1)
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

/*
 * A byte-order mark opens the file, never a later record.  Bytes that only
 * begin like one (U+F000..U+FFFF) are data: they go into the first cell.
 */
static int
skip_bom(FILE *f, struct buf *cell)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
	int	 i, c;

	for (i = 0; i < 3; i++) {
		if ((c = getc(f)) == bom[i])
			continue;
		if (c == EOF)
			return i == 0 ? 0 : -1;	/* a file of half a mark */
		ungetc(c, f);
		return buf_append(cell, bom, (size_t)i);
	}
	return 0;
}

int
csv_read_record(FILE *f, struct csv_record *r)
{
	struct buf	*cell;
	long long	 nread = r->nread;
	int		 c, quoted = 0, any = 0;

	csv_record_free(r);
	r->nread = nread + 1;
	if ((cell = next_cell(r)) == NULL)
		return -1;
	if (nread == 0 && skip_bom(f, cell) == -1)
		return -1;
	any = cell->len > 0;
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

	/* Undo exactly the apostrophe csv_cell added. */
	if (s[0] == '\'' && formula_start(s + 1, cell->len - 1))
		return s + 1;
	return s;
}
