/*
 * test_csv_bidi.c: Unicode bidirectional controls in CSV cells (csv.c,
 * docs/THREAT-MODEL.md threat 6; issue 14 item 9).  Each of U+202A..U+202E,
 * U+2066..U+2069, U+200E, U+200F and U+061C is written as the visible text
 * "[U+XXXX]", wherever it stands in a cell; every other code point of the
 * blocks around them (U+2000..U+206F, U+0600..U+063F) passes through byte
 * for byte; the formula rule and quote doubling hold beside them; and what
 * the reader gets back holds no control.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "check.h"

/* The twelve, as the issue and csv.c name them. */
static int
is_bidi(unsigned int cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 &&
	    cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* cp (below U+10000) as UTF-8 into out[4], NUL-ended. */
static void
utf8(unsigned int cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = '\0';
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		out[2] = '\0';
	} else {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		out[3] = '\0';
	}
}

/*
 * The positions a control can take: alone, first, last, inside, twice in
 * a row, after a formula starter, before one, between an apostrophe and
 * one, inside quotes, after a line break, between two Arabic letters.
 * %s is the code point.
 */
static const char *const shapes[] = {
	"%s", "%sabc", "abc%s", "a%sb", "%s%s", "=1+1%s", "%s=1+1", "'%s=1",
	"-%s2", "@%s", "\"%s\"", "x\r\n%s", "\xd8\xa7%s\xd8\xa8",
};

/* The formula rule, as the export promises it: after any apostrophes, one
 * of = + - @ TAB CR LF first. */
static int
wants_apostrophe(const char *in)
{
	while (*in == '\'')
		in++;
	return *in != '\0' && strchr("=+-@\t\r\n", *in) != NULL;
}

/* shape with every %s replaced by rep, into out (cap bytes). */
static void
fill(const char *shape, const char *rep, char *out, size_t cap)
{
	size_t	 n = 0, k;

	for (; *shape != '\0' && n + 16 < cap; shape++) {
		if (shape[0] == '%' && shape[1] == 's') {
			for (k = 0; rep[k] != '\0'; k++)
				out[n++] = rep[k];
			shape++;
		} else
			out[n++] = *shape;
	}
	out[n] = '\0';
}

/* in, written as a cell, against the text a spreadsheet must see. */
static int
writes_as(const char *in, const char *body, int apostrophe)
{
	struct buf	 got = { 0 }, want = { 0 };
	const char	*p;
	int		 ok;

	ok = csv_cell(&got, in, strlen(in), 1) == 0 &&
	    buf_puts(&want, apostrophe ? "\"'" : "\"") == 0;
	for (p = body; ok && *p != '\0'; p++)
		ok = buf_append(&want, p, 1) == 0 &&
		    (*p != '"' || buf_append(&want, "\"", 1) == 0);
	ok = ok && buf_puts(&want, "\"") == 0 && got.len == want.len &&
	    memcmp(got.data, want.data, want.len) == 0;
	buf_free(&got);
	buf_free(&want);
	return ok;
}

static void
test_csv_bidi_every_code_point_every_position(void)
{
	static const unsigned int blocks[][2] = {
		{ 0x2000, 0x206f }, { 0x0600, 0x063f }, { 0x0020, 0x007e },
		{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffd },
	};
	char		 c[4], rep[16], in[128], body[256];
	unsigned int	 cp;
	size_t		 b, s, marked = 0, kept = 0;

	for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++)
		for (cp = blocks[b][0]; cp <= blocks[b][1]; cp++) {
			utf8(cp, c);
			if (is_bidi(cp))
				snprintf(rep, sizeof(rep), "[U+%04X]", cp);
			else
				snprintf(rep, sizeof(rep), "%s", c);
			for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]);
			    s++) {
				fill(shapes[s], c, in, sizeof(in));
				fill(shapes[s], rep, body, sizeof(body));
				if (!writes_as(in, body,
				    wants_apostrophe(in))) {
					char	 what[160];

					snprintf(what, sizeof(what), "U+%04X "
					    "in shape %zu \"%s\"", cp, s,
					    shapes[s]);
					check_fail(__FILE__, __LINE__, what);
				}
			}
			*(is_bidi(cp) ? &marked : &kept) += 1;
		}
	CHECK_EQ(marked, 12);
	CHECK_EQ(kept, 265);	/* every other code point of the blocks */
}

/* Bytes that only begin a control (cut short by the cell's end) are not
 * one: they pass through as they are. */
static void
test_csv_bidi_cut_short(void)
{
	static const char *const cells[] = {
		"\xe2", "\xe2\x80", "a\xe2\x80", "\xd8", "a\xd8", "\xe2\x81",
	};
	size_t	 i;

	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		CHECK(writes_as(cells[i], cells[i], 0));
	/* The same bytes completed are controls. */
	CHECK(writes_as("\xe2\x80\xae", "[U+202E]", 0));
	CHECK(writes_as("\xd8\x9c", "[U+061C]", 0));
}

/* The trick the rule is for, and what the reader gets back: markers, no
 * control, and a formula still neutralised. */
static void
test_csv_bidi_read_back(void)
{
	static const char in[] = "invoice \xe2\x80\xae" "fdp.exe\xe2\x80\xac";
	static const char want[] = "invoice [U+202E]fdp.exe[U+202C]";
	static const char f2[] = "=1\xe2\x81\xa7+2\xe2\x81\xa9";
	struct buf		 b = { 0 };
	struct csv_record	 r = { 0 };
	FILE			*f;

	CHECK(csv_cell(&b, in, sizeof(in) - 1, 1) == 0);
	CHECK(csv_cell(&b, f2, sizeof(f2) - 1, 0) == 0);
	CHECK(csv_end(&b) == 0);
	CHECK(memmem(b.data, b.len, "\xe2\x80", 2) == NULL &&
	    memmem(b.data, b.len, "\xe2\x81", 2) == NULL);
	NEED((f = fmemopen(b.data, b.len, "r")) != NULL, "fmemopen");
	CHECK_EQ(csv_read_record(f, &r), 1);
	CHECK_EQ(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(csv_unneutralise(&r.cells[0]), want);
		CHECK_STR(r.cells[1].data, "'=1[U+2067]+2[U+2069]");
		CHECK_STR(csv_unneutralise(&r.cells[1]), "=1[U+2067]+2[U+2069]");
	}
	csv_record_free(&r);
	fclose(f);
	/* Written again (vawgctl decrypt-export): the markers stay. */
	buf_reset(&b);
	CHECK(csv_cell(&b, want, sizeof(want) - 1, 1) == 0);
	CHECK_MEM(b.data, b.len, "\"invoice [U+202E]fdp.exe[U+202C]\"",
	    sizeof("\"invoice [U+202E]fdp.exe[U+202C]\"") - 1);
	buf_free(&b);
}

const struct unit_test csv_bidi_tests[] = {
	TEST(test_csv_bidi_every_code_point_every_position),
	TEST(test_csv_bidi_cut_short),
	TEST(test_csv_bidi_read_back),
};
const size_t csv_bidi_ntests = NTESTS(csv_bidi_tests);
