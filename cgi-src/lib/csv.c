/*
 * csv.c: RFC 4180 CSV that is safe to open in a spreadsheet
 * (docs/THREAT-MODEL.md threat 6).  Every cell is quoted, quotes doubled,
 * records end in CRLF, and a cell that a spreadsheet would run as a formula
 * (one starting with = + - @, TAB, CR, LF or NUL) gets a leading apostrophe.
 * A Unicode bidirectional control (U+202A..U+202E, U+2066..U+2069, and
 * the marks U+200E, U+200F, U+061C) is written as the visible text
 * "[U+XXXX]", so no cell can display other than it reads.  The reader is
 * the inverse, for vawgctl's offline decryption of sealed exports (the
 * markers stay markers: see bidi_control()).
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

/*
 * The length of the bidirectional control that s begins with (its UTF-8
 * is 2 or 3 bytes), with its code point in *cp; 0 if none.
 *
 * An override, embedding or isolate reorders what follows it (an RLO makes
 * "gpj.exe" read "exe.jpg"), and a mark, though it has no scope, moves the
 * digits and punctuation beside it: a phone number or a date can show its
 * groups swapped.  So all twelve are neutralised, the marks too, although
 * right-to-left keyboards type them in good faith.
 *
 * Each becomes the visible text "[U+202E]" rather than nothing or U+FFFD:
 * removed, an analyst could not tell the text was ever arranged; U+FFFD
 * reads as a broken encoding and loses which control it was.  The marker
 * names the code point, so an analyst can put the original back by hand,
 * and it is plain ASCII, so a second pass (vawgctl decrypt-export writing
 * cells again) leaves it as it is.  Not reversible by program: a person
 * who typed "[U+202E]" reads the same; the reader does not turn markers
 * back into controls, since that would let an export hold them again.
 */
static size_t
bidi_control(const unsigned char *s, size_t len, unsigned int *cp)
{
	if (len >= 2 && s[0] == 0xd8 && s[1] == 0x9c) {
		*cp = 0x061c;
		return 2;
	}
	if (len < 3 || s[0] != 0xe2)
		return 0;
	if (s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||
	    (s[2] >= 0xaa && s[2] <= 0xae))) {
		*cp = 0x2000 | (s[2] & 0x3f);
		return 3;
	}
	if (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9) {
		*cp = 0x2040 | (s[2] & 0x3f);
		return 3;
	}
	return 0;
}

/* s[0..len) inside the quotes: quotes doubled, bidi controls as markers. */
static int
cell_body(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char		 mark[sizeof("[U+XXXX]")];
	size_t		 i, run = 0, n;
	unsigned int	 cp = 0;
	int		 rc;

	for (i = 0; i < len; i += n) {
		if (u[i] == '"')
			n = 1;
		else if ((n = bidi_control(u + i, len - i, &cp)) == 0) {
			n = 1;
			continue;
		}
		if (buf_append(b, s + run, i - run) == -1)
			return -1;
		run = i + n;
		if (u[i] == '"')
			rc = buf_append(b, "\"\"", 2);
		else {
			(void)snprintf(mark, sizeof(mark), "[U+%04X]", cp);
			rc = buf_append(b, mark, strlen(mark));
		}
		if (rc == -1)
			return -1;
	}
	return buf_append(b, s + run, len - run);
}

int
csv_cell(struct buf *b, const char *s, size_t len, int first)
{
	if (!first && buf_append(b, ",", 1) == -1)
		return -1;
	if (buf_append(b, "\"", 1) == -1)
		return -1;
	if (formula_start(s, len) && buf_append(b, "'", 1) == -1)
		return -1;
	if (cell_body(b, s, len) == -1 || buf_append(b, "\"", 1) == -1)
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
