/*
 * test_csv.c: the spreadsheet-safe CSV writer and its reader (csv.c,
 * docs/THREAT-MODEL.md threat 6), against known bytes.  Every cell is quoted,
 * quotes are doubled, records end in CRLF, a cell a spreadsheet would run
 * as a formula (= + - @, TAB, CR, LF or NUL first) gets a leading
 * apostrophe inside the quotes, and everything else, UTF-8 of any script
 * included, passes through byte for byte.  The reader is the writer's
 * inverse: what csv_cell wrote, csv_read_record and csv_unneutralise give
 * back exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "check.h"

/* One cell written on its own (first in its record) into a fresh buffer. */
static void
cell_is(const char *in, size_t inlen, const char *want, size_t wantlen,
    int *ok)
{
	struct buf	 b = { 0 };

	*ok = csv_cell(&b, in, inlen, 1) == 0 && b.len == wantlen &&
	    memcmp(b.data, want, wantlen) == 0;
	buf_free(&b);
}

#define CELL(in, want) do {						\
	int ok_;							\
	cell_is((in), sizeof(in) - 1, (want), sizeof(want) - 1, &ok_);	\
	if (!ok_)							\
		check_fail(__FILE__, __LINE__, "csv_cell(" #in ") == " #want); \
} while (0)

static void
test_csv_plain_and_empty(void)
{
	struct buf	 b = { 0 };

	CELL("abc", "\"abc\"");
	CELL("", "\"\"");
	CELL("two words", "\"two words\"");
	CELL("a=1", "\"a=1\"");		/* a starter later on is harmless */
	CELL("1-2", "\"1-2\"");
	CELL(" =1", "\" =1\"");
	/* Not first: a comma before the opening quote. */
	CHECK(csv_cell(&b, "x", 1, 0) == 0);
	CHECK(csv_cell(&b, "", 0, 0) == 0);
	CHECK_STR(b.data, ",\"x\",\"\"");
	buf_free(&b);
}

static void
test_csv_quotes_doubled(void)
{
	CELL("\"", "\"\"\"\"");
	CELL("a\"b", "\"a\"\"b\"");
	CELL("\"\"", "\"\"\"\"\"\"");
	CELL("say \"hi\", then \"\"bye\"\"",
	    "\"say \"\"hi\"\", then \"\"\"\"bye\"\"\"\"\"");
	CELL("end\"", "\"end\"\"\"");
}

static void
test_csv_commas_and_line_breaks(void)
{
	CELL("a,b", "\"a,b\"");
	CELL(",", "\",\"");
	CELL("a\r\nb", "\"a\r\nb\"");
	CELL("a\nb\rc", "\"a\nb\rc\"");
	CELL("x\n", "\"x\n\"");
	CELL("a,\"b\"\r\n,c", "\"a,\"\"b\"\"\r\n,c\"");
}

static void
test_csv_formula_starters_neutralised(void)
{
	CELL("=1+1", "\"'=1+1\"");
	CELL("+3", "\"'+3\"");
	CELL("-2", "\"'-2\"");
	CELL("@SUM(A1)", "\"'@SUM(A1)\"");
	CELL("\tx", "\"'\tx\"");
	CELL("\rx", "\"'\rx\"");
	CELL("\nx", "\"'\nx\"");
	CELL("=", "\"'=\"");
	CELL("-", "\"'-\"");
	CELL("=HYPERLINK(\"http://x\",\"y\")",
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	CELL("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
	CELL("\"=1\"", "\"\"\"=1\"\"\"");	/* a quote first: not a starter */
	/* NUL first (a binary-safe caller): neutralised as well. */
	CELL("\0x", "\"'\0x\"");
}

static void
test_csv_apostrophe_first_untouched(void)
{
	CELL("'", "\"'\"");
	CELL("'abc", "\"'abc\"");
	CELL("''", "\"''\"");
	CELL("it's", "\"it's\"");
}

static void
test_csv_utf8_scripts_byte_for_byte(void)
{
	static const char *const cells[] = {
		"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",	/* Arabic */
		"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c",
		"\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4"
		"\xe0\xa5\x87",					/* Devanagari */
		"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
		"\xf0\x9f\x91\xa7 \xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d"
		"\xf0\x9f\x8c\x88",				/* emoji, ZWJ */
		"e\xcc\x81 a\xcc\x88 n\xcc\x83",		/* combining */
		"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",		/* Hebrew */
		"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", /* Cyrillic */
		"\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94"
		"\xe0\xb8\xb5",					/* Thai */
		"\xec\x95\x88\xeb\x85\x95",			/* Korean */
		"\xe1\x88\xb0\xe1\x88\x8b\xe1\x88\x9d",		/* Ethiopic */
		"\xe0\xae\xb5\xe0\xae\xa3\xe0\xae\x95\xe0\xaf\x8d\xe0\xae\x95"
		"\xe0\xae\xae\xe0\xaf\x8d",			/* Tamil */
		"\xef\xbc\x9d\x31",	/* FULLWIDTH EQUALS: not a starter */
		"\xf4\x8f\xbf\xbf",	/* U+10FFFF */
	};
	struct buf	 b = { 0 }, want = { 0 };
	size_t		 i;

	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		buf_reset(&b);
		buf_reset(&want);
		CHECK(csv_cell(&b, cells[i], strlen(cells[i]), 1) == 0);
		CHECK(buf_puts(&want, "\"") == 0 &&
		    buf_puts(&want, cells[i]) == 0 && buf_puts(&want, "\"") == 0);
		CHECK_MEM(b.data, b.len, want.data, want.len);
	}
	buf_free(&b);
	buf_free(&want);
}

static void
test_csv_bom_and_end(void)
{
	static const char want[] =
	    "\xef\xbb\xbf\"Reference\",\"'=x\",\"a\"\"b\"\r\n\"\"\r\n";
	struct buf	 b = { 0 };

	CHECK(csv_bom(&b) == 0);
	CHECK(csv_cell(&b, "Reference", 9, 1) == 0);
	CHECK(csv_cell(&b, "=x", 2, 0) == 0);
	CHECK(csv_cell(&b, "a\"b", 3, 0) == 0);
	CHECK(csv_end(&b) == 0);
	CHECK(csv_cell(&b, "", 0, 1) == 0);
	CHECK(csv_end(&b) == 0);
	CHECK_MEM(b.data, b.len, want, sizeof(want) - 1);
	buf_free(&b);
}

/* The bytes in, as a stream to read from (fmemopen on a copy). */
static FILE *
stream(const char *data, size_t len)
{
	FILE	*f;

	if ((f = tmpfile()) == NULL)
		return NULL;
	if (fwrite(data, 1, len, f) != len || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

#define STREAM(lit)	stream((lit), sizeof(lit) - 1)

/* What was written to b, as a stream; NULL, with b freed, if it cannot be. */
static FILE *
written(struct buf *b)
{
	FILE	*f;

	if ((f = stream(b->data, b->len)) == NULL)
		buf_free(b);
	return f;
}

/* Hostile cells: each must come back exactly through write then read. */
static const char *const hostile[] = {
	"", "plain", "=1+1", "@SUM(A1)", "-2", "+3", "\tTAB", "\rCR", "\nLF",
	"=", "+", "-", "@", "'", "'abc", "it's", "\"", "\"\"", "a,b", ",",
	"a\r\nb", "line1\nline2\rline3", "x\r\n", "say \"hi\", ok",
	"=HYPERLINK(\"http://evil.example/\",\"click\")",
	"<script>alert(1)</script>", "'; DROP TABLE vawg.submission; --",
	"Robert'); DELETE FROM x;--", "\\N", "NULL",
	"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xe4\xbd\xa0\xe5\xa5\xbd "
	"\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87"
	" \xf0\x9f\x98\x80 e\xcc\x81",
	"-\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
	"\xef\xbb\xbf" "BOM inside a cell",
};
#define NHOSTILE	(sizeof(hostile) / sizeof(hostile[0]))

static void
test_csv_round_trip(void)
{
	struct buf		 b = { 0 };
	struct csv_record	 r = { 0 };
	FILE			*f;
	size_t			 i, rec;

	/* Three records: the cells forwards, backwards, and one by one. */
	CHECK(csv_bom(&b) == 0);
	for (i = 0; i < NHOSTILE; i++)
		CHECK(csv_cell(&b, hostile[i], strlen(hostile[i]), i == 0) == 0);
	CHECK(csv_end(&b) == 0);
	for (i = 0; i < NHOSTILE; i++) {
		const char *s = hostile[NHOSTILE - 1 - i];
		CHECK(csv_cell(&b, s, strlen(s), i == 0) == 0);
	}
	CHECK(csv_end(&b) == 0);
	NEED((f = written(&b)) != NULL, "tmpfile");
	for (rec = 0; rec < 2; rec++) {
		CHECK_EQ(csv_read_record(f, &r), 1);
		CHECK_EQ(r.n, NHOSTILE);
		for (i = 0; i < r.n && i < NHOSTILE; i++) {
			const char *want = hostile[rec == 0 ? i :
			    NHOSTILE - 1 - i];
			CHECK_STR(csv_unneutralise(&r.cells[i]), want);
		}
	}
	CHECK_EQ(csv_read_record(f, &r), 0);
	CHECK_EQ(csv_read_record(f, &r), 0);	/* and stays at the end */
	csv_record_free(&r);
	fclose(f);
	buf_free(&b);
}

/*
 * A cell whose own text starts with apostrophes and then a formula starter
 * ("'=1", "''=1") must still come back exactly: the reader may not confuse
 * it with a neutralised "=1" (or "'=1").  Apostrophes before anything else
 * ("'", "'a") are plain text.
 */
static void
test_csv_round_trip_apostrophe_then_starter(void)
{
	static const char *const cells[] = { "'=1", "'+3", "'-2", "'@x",
	    "'\tx", "''=1", "'''@x", "'", "'a" };
	struct buf		 b = { 0 };
	struct csv_record	 r = { 0 };
	FILE			*f;
	size_t			 i, n = sizeof(cells) / sizeof(cells[0]);

	for (i = 0; i < n; i++)
		CHECK(csv_cell(&b, cells[i], strlen(cells[i]), i == 0) == 0);
	CHECK(csv_end(&b) == 0);
	NEED((f = written(&b)) != NULL, "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, n);
	for (i = 0; i < r.n && i < n; i++)
		CHECK_STR(csv_unneutralise(&r.cells[i]), cells[i]);
	csv_record_free(&r);
	fclose(f);
	buf_free(&b);
}

static void
test_csv_read_known_bytes(void)
{
	struct csv_record	 r = { 0 };
	FILE			*f;

	/* BOM skipped; quoted, empty, unquoted; last record without CRLF. */
	NEED((f = STREAM("\xef\xbb\xbf\"a\",\"\",b\r\n\"x\"\"y\",\"1\r\n2\"")) !=
	    NULL, "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, 3);
	if (r.n == 3) {
		CHECK_STR(csv_unneutralise(&r.cells[0]), "a");
		CHECK_STR(csv_unneutralise(&r.cells[1]), "");
		CHECK_STR(csv_unneutralise(&r.cells[2]), "b");
	}
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(r.cells[0].data, "x\"y");
		CHECK_STR(r.cells[1].data, "1\r\n2");
	}
	CHECK_EQ(csv_read_record(f, &r), 0);
	csv_record_free(&r);
	fclose(f);

	/* Without a BOM the first cell is read the same. */
	NEED((f = STREAM("\"a\"\r\n")) != NULL, "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK(r.n == 1 && strcmp(csv_unneutralise(&r.cells[0]), "a") == 0);
	CHECK_EQ(csv_read_record(f, &r), 0);
	csv_record_free(&r);
	fclose(f);

	/* An empty file is the end straight away. */
	NEED((f = STREAM("")) != NULL, "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 0);
	csv_record_free(&r);
	fclose(f);
}

/*
 * Only the start of the file may carry a byte-order mark.  A later record
 * whose first (unquoted) cell starts with another character encoded from
 * 0xEF (U+F000..U+FFFF, e.g. U+FF01 FULLWIDTH EXCLAMATION MARK, as a
 * spreadsheet re-saving the file writes it) is data, not a broken BOM.
 */
static void
test_csv_read_bom_only_at_start(void)
{
	struct csv_record	 r = { 0 };
	FILE			*f;

	NEED((f = STREAM("\xef\xbb\xbf\"h\"\r\n\xef\xbc\x81,b\r\n")) != NULL,
	    "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK(r.n == 1 && strcmp(r.cells[0].data, "h") == 0);
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(r.cells[0].data, "\xef\xbc\x81");
		CHECK_STR(r.cells[1].data, "b");
	}
	csv_record_free(&r);
	fclose(f);
}

static int
read_one(const char *data, size_t len)
{
	struct csv_record	 r = { 0 };
	FILE			*f;
	int			 rc;

	if ((f = stream(data, len)) == NULL)
		return -99;
	rc = csv_read_record(f, &r);
	csv_record_free(&r);
	fclose(f);
	return rc;
}

#define READ_ONE(lit)	read_one((lit), sizeof(lit) - 1)

static void
test_csv_read_malformed(void)
{
	CHECK_EQ(READ_ONE("\"abc"), -1);		/* unterminated */
	CHECK_EQ(READ_ONE("\"abc\r\n"), -1);
	CHECK_EQ(READ_ONE("\"a\",\"b"), -1);
	CHECK_EQ(READ_ONE("\"a\"\"\r\n"), -1);	/* "" is a quote, still open */
	CHECK_EQ(READ_ONE("a\rb\r\n"), -1);		/* bare CR */
	CHECK_EQ(READ_ONE("\"a\"\rb"), -1);
	CHECK_EQ(READ_ONE("a\r"), -1);
	CHECK_EQ(READ_ONE("\xef\xbb"), -1);		/* half a BOM */
	/* The well-formed neighbours of these read. */
	CHECK_EQ(READ_ONE("\"a\r\"\r\n"), 1);	/* a CR inside quotes is data */
	CHECK_EQ(READ_ONE("\"abc\""), 1);
}

static void
test_csv_read_max_cells(void)
{
	struct buf		 b = { 0 };
	struct csv_record	 r = { 0 };
	FILE			*f;
	size_t			 i;

	/* Exactly CSV_MAX_CELLS cells: read. */
	for (i = 0; i < CSV_MAX_CELLS; i++)
		CHECK(csv_cell(&b, "x", 1, i == 0) == 0);
	CHECK(csv_end(&b) == 0);
	NEED((f = written(&b)) != NULL, "tmpfile");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, CSV_MAX_CELLS);
	csv_record_free(&r);
	fclose(f);

	/* One more: refused. */
	buf_reset(&b);
	for (i = 0; i < CSV_MAX_CELLS + 1; i++)
		CHECK(csv_cell(&b, "x", 1, i == 0) == 0);
	CHECK(csv_end(&b) == 0);
	CHECK_EQ(read_one(b.data, b.len), -1);
	/* And commas alone, unquoted empty cells, count the same. */
	buf_reset(&b);
	for (i = 0; i < CSV_MAX_CELLS; i++)
		CHECK(buf_puts(&b, ",") == 0);
	CHECK(buf_puts(&b, "\r\n") == 0);
	CHECK_EQ(read_one(b.data, b.len), -1);
	buf_free(&b);
}

static void
test_csv_unneutralise(void)
{
	static const struct {
		const char	*cell, *want;
	} known[] = {
		{ "'=x", "=x" }, { "'\n", "\n" }, { "'", "'" },
		{ "'abc", "'abc" }, { "plain", "plain" },
	};
	struct buf	 b = { 0 };
	size_t		 i;

	CHECK_STR(csv_unneutralise(&b), "");		/* never written */
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		buf_reset(&b);
		CHECK(buf_puts(&b, known[i].cell) == 0);
		CHECK_STR(csv_unneutralise(&b), known[i].want);
	}
	buf_free(&b);
}

const struct unit_test csv_tests[] = {
	TEST(test_csv_plain_and_empty),
	TEST(test_csv_quotes_doubled),
	TEST(test_csv_commas_and_line_breaks),
	TEST(test_csv_formula_starters_neutralised),
	TEST(test_csv_apostrophe_first_untouched),
	TEST(test_csv_utf8_scripts_byte_for_byte),
	TEST(test_csv_bom_and_end),
	TEST(test_csv_round_trip),
	TEST(test_csv_round_trip_apostrophe_then_starter),
	TEST(test_csv_read_known_bytes),
	TEST(test_csv_read_bom_only_at_start),
	TEST(test_csv_read_malformed),
	TEST(test_csv_read_max_cells),
	TEST(test_csv_unneutralise),
};
const size_t csv_ntests = NTESTS(csv_tests);
