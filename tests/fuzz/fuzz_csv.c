/*
 * fuzz_csv.c: libFuzzer harness for csv.c, the export's writer and the
 * reader vawgctl uses on sealed exports (docs/THREAT-MODEL.md threat 6).
 *
 * The input is records of cells: 0xFE ends a record, 0xFF ends a cell
 * (neither byte occurs in UTF-8 text).  Bit 0 of the first byte asks for a
 * byte-order mark.  The cells are written with csv_cell/csv_end, read
 * back with csv_read_record from memory, and checked:
 *
 *  - the same number of records and of cells in each;
 *  - no cell as read starts with a formula starter (= + - @ TAB CR LF
 *    NUL): a spreadsheet would run it;
 *  - no cell as read holds a bidirectional control (U+202A..U+202E,
 *    U+2066..U+2069, U+200E, U+200F, U+061C);
 *  - csv_unneutralise() gives back exactly the cell written, each such
 *    control as the text "[U+XXXX]" (cells holding a NUL are skipped: the
 *    reader's API is a C string);
 *  - then the end of the file.
 *
 * The raw input is also fed to csv_read_record as a file, for the reader's
 * own sake (it must end, and never read or write out of bounds).
 */
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "fuzz_common.h"

static int
starts_formula(const struct buf *c)
{
	return c->len > 0 && (memchr("=+-@\t\r\n", c->data[0], 7) != NULL ||
	    c->data[0] == '\0');
}

/* The bidirectional control at s[0..n), as its code point; 0 if none. */
static unsigned int
bidi_at(const unsigned char *s, size_t n)
{
	unsigned int	 cp;

	if (n >= 2 && s[0] == 0xd8 && s[1] == 0x9c)
		return 0x061c;
	if (n < 3 || s[0] != 0xe2 || (s[1] != 0x80 && s[1] != 0x81) ||
	    (s[2] & 0xc0) != 0x80)
		return 0;
	cp = 0x2000 | ((unsigned int)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 &&
	    cp <= 0x2069) || cp == 0x200e || cp == 0x200f ? cp : 0;
}

/* p[0..len) as the writer must show it: each control as its marker. */
static void
shown(const unsigned char *p, size_t len, struct buf *out)
{
	char		 mark[16];
	unsigned int	 cp;
	size_t		 i;

	buf_reset(out);
	for (i = 0; i < len; i++) {
		if ((cp = bidi_at(p + i, len - i)) == 0) {
			if (buf_append(out, p + i, 1) == -1)
				abort();
			continue;
		}
		snprintf(mark, sizeof(mark), "[U+%04X]", cp);
		if (buf_puts(out, mark) == -1)
			abort();
		i += cp == 0x061c ? 1 : 2;
	}
}

static int
holds_bidi(const struct buf *c)
{
	size_t	 i;

	for (i = 0; i < c->len; i++)
		if (bidi_at((const unsigned char *)c->data + i, c->len - i))
			return 1;
	return 0;
}

static void
read_raw(const unsigned char *data, size_t size)
{
	struct csv_record	 r = { 0 };
	FILE			*f;
	size_t			 i;
	int			 got = 1;

	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return;
	/* Every record consumes at least one byte: size + 1 reads end it. */
	for (i = 0; i <= size + 1 && got == 1; i++) {
		got = csv_read_record(f, &r);
		FUZZ_CHECK(got >= -1 && got <= 1, "result %d", got);
		if (got == 1)
			FUZZ_CHECK(r.n >= 1 && r.n <= CSV_MAX_CELLS,
			    "%zu cells", r.n);
	}
	FUZZ_CHECK(got != 1, "the reader did not reach the end");
	csv_record_free(&r);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct buf		 out = { 0 }, want = { 0 };
	struct csv_record	 r = { 0 };
	const unsigned char	*p, *end, *rec_end, *cell_end;
	size_t			 nrec = 0, k;
	FILE			*f;
	int			 got;

	read_raw(data, size);
	if (size == 0)
		return 0;
	if ((data[0] & 1) && csv_bom(&out) == -1)
		abort();
	/* Write. */
	for (p = data + 1, end = data + size; p <= end; p = rec_end + 1) {
		if ((rec_end = memchr(p, 0xfe, (size_t)(end - p))) == NULL)
			rec_end = end;
		for (k = 0; ; k++) {
			if ((cell_end = memchr(p, 0xff,
			    (size_t)(rec_end - p))) == NULL)
				cell_end = rec_end;
			if (csv_cell(&out, (const char *)p,
			    (size_t)(cell_end - p), k == 0) == -1)
				abort();
			if (cell_end == rec_end)
				break;
			p = cell_end + 1;
		}
		if (csv_end(&out) == -1)
			abort();
		nrec++;
		if (rec_end == end)
			break;
	}
	/* Read back and compare. */
	if ((f = fmemopen(out.data, out.len, "r")) == NULL)
		abort();
	for (p = data + 1; nrec > 0; nrec--, p = rec_end + 1) {
		size_t ncells = 1;

		if ((rec_end = memchr(p, 0xfe, (size_t)(end - p))) == NULL)
			rec_end = end;
		for (cell_end = p; cell_end < rec_end; cell_end++)
			ncells += *cell_end == 0xff;
		got = csv_read_record(f, &r);
		if (ncells > CSV_MAX_CELLS) {
			FUZZ_CHECK(got == -1, "%zu cells read", ncells);
			goto out;
		}
		FUZZ_CHECK(got == 1 && r.n == ncells,
		    "record of %zu cells read as %d / %zu cells", ncells, got,
		    r.n);
		for (k = 0; k < ncells; k++, p = cell_end + 1) {
			const char	*back;
			size_t		 len;

			if ((cell_end = memchr(p, 0xff,
			    (size_t)(rec_end - p))) == NULL)
				cell_end = rec_end;
			len = (size_t)(cell_end - p);
			FUZZ_CHECK(!starts_formula(&r.cells[k]),
			    "cell %zu starts with a formula character 0x%02x",
			    k, (unsigned char)r.cells[k].data[0]);
			FUZZ_CHECK(!holds_bidi(&r.cells[k]),
			    "cell %zu holds a bidirectional control", k);
			if (memchr(p, '\0', len) != NULL)
				continue;
			shown(p, len, &want);
			back = csv_unneutralise(&r.cells[k]);
			FUZZ_CHECK(strlen(back) == want.len && (want.len == 0 ||
			    memcmp(back, want.data, want.len) == 0),
			    "cell %zu of %zu bytes does not round-trip: "
			    "wrote \"%.*s\", read back \"%s\"", k, len,
			    (int)(len > 40 ? 40 : len), (const char *)p, back);
		}
	}
	FUZZ_CHECK(csv_read_record(f, &r) == 0, "more records than written");
out:
	csv_record_free(&r);
	fclose(f);
	buf_free(&out);
	buf_free(&want);
	return 0;
}
