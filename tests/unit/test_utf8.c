/*
 * test_utf8.c: what counts as text (utf8.c, docs/THREAT-MODEL.md threat 11).
 * Each input is a string literal whose length is taken with sizeof, so inputs
 * may hold NUL bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "check.h"

/* utf8_check over a literal, NUL bytes included, terminator excluded. */
#define U8(lit, ncp)	utf8_check((lit), sizeof(lit) - 1, (ncp))

static void
test_utf8_ascii(void)
{
	size_t	 n = 99;

	CHECK(U8("hello, world", &n) == UTF8_OK);
	CHECK_EQ(n, 12);
	CHECK(U8(" ~", &n) == UTF8_OK);
	CHECK_EQ(n, 2);
}

static void
test_utf8_empty(void)
{
	size_t	 n = 99;

	CHECK(U8("", &n) == UTF8_OK);
	CHECK_EQ(n, 0);
}

static void
test_utf8_tab_lf_cr_allowed(void)
{
	size_t	 n = 0;

	CHECK(U8("a\tb\nc\rd\r\n", &n) == UTF8_OK);
	CHECK_EQ(n, 9);
}

static void
test_utf8_ncodepoints_optional(void)
{
	CHECK(U8("abc\xc3\xa9", NULL) == UTF8_OK);
}

static void
test_utf8_nul(void)
{
	CHECK(U8("\0", NULL) == UTF8_NUL);
	CHECK(U8("a\0b", NULL) == UTF8_NUL);
	CHECK(U8("\xc3\xa9\0", NULL) == UTF8_NUL);
}

static void
test_utf8_c0_and_del(void)
{
	CHECK(U8("\x01", NULL) == UTF8_CONTROL);
	CHECK(U8("a\x1b[2J", NULL) == UTF8_CONTROL);	/* terminal escape */
	CHECK(U8("\x7f", NULL) == UTF8_CONTROL);
	CHECK(U8("\x0b", NULL) == UTF8_CONTROL);	/* VT */
	CHECK(U8("\x0c", NULL) == UTF8_CONTROL);	/* FF */
	CHECK(U8("\x1f", NULL) == UTF8_CONTROL);
	CHECK(U8("\x08", NULL) == UTF8_CONTROL);	/* backspace */
}

static void
test_utf8_c1(void)
{
	size_t	 n = 0;

	CHECK(U8("\xc2\x80", NULL) == UTF8_CONTROL);	/* U+0080 */
	CHECK(U8("\xc2\x85", NULL) == UTF8_CONTROL);	/* U+0085 NEL */
	CHECK(U8("\xc2\x9f", NULL) == UTF8_CONTROL);	/* U+009F */
	CHECK(U8("ok\xc2\x9b", NULL) == UTF8_CONTROL);	/* U+009B CSI */
	/* The first code point after C1 is ordinary text. */
	CHECK(U8("\xc2\xa0", &n) == UTF8_OK);		/* U+00A0 */
	CHECK_EQ(n, 1);
}

static void
test_utf8_multibyte_counts(void)
{
	size_t	 n = 0;

	CHECK(U8("\xc3\xa9", &n) == UTF8_OK);		/* é */
	CHECK_EQ(n, 1);
	CHECK(U8("\xe4\xb8\xad", &n) == UTF8_OK);	/* 中 */
	CHECK_EQ(n, 1);
	CHECK(U8("\xf0\x9f\x98\x80", &n) == UTF8_OK);	/* 😀 */
	CHECK_EQ(n, 1);
	CHECK(U8("\xf4\x8f\xbf\xbf", &n) == UTF8_OK);	/* U+10FFFF */
	CHECK_EQ(n, 1);
	CHECK(U8("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80z", &n) == UTF8_OK);
	CHECK_EQ(n, 5);
}

static void
test_utf8_range_boundaries(void)
{
	size_t	 n = 0;

	CHECK(U8("\xdf\xbf", &n) == UTF8_OK);		/* U+07FF */
	CHECK(U8("\xe0\xa0\x80", &n) == UTF8_OK);	/* U+0800 */
	CHECK(U8("\xed\x9f\xbf", &n) == UTF8_OK);	/* U+D7FF */
	CHECK(U8("\xee\x80\x80", &n) == UTF8_OK);	/* U+E000 */
	CHECK(U8("\xef\xbf\xbf", &n) == UTF8_OK);	/* U+FFFF */
	CHECK(U8("\xf0\x90\x80\x80", &n) == UTF8_OK);	/* U+10000 */
	CHECK_EQ(n, 1);
}

static void
test_utf8_overlong(void)
{
	CHECK(U8("\xc0\xaf", NULL) == UTF8_INVALID);		/* '/' */
	CHECK(U8("\xc1\xbf", NULL) == UTF8_INVALID);
	CHECK(U8("\xc0\x80", NULL) == UTF8_INVALID);		/* NUL */
	CHECK(U8("\xe0\x80\xaf", NULL) == UTF8_INVALID);
	CHECK(U8("\xe0\x9f\xbf", NULL) == UTF8_INVALID);	/* U+07FF */
	CHECK(U8("\xf0\x80\x80\xaf", NULL) == UTF8_INVALID);
	CHECK(U8("\xf0\x8f\xbf\xbf", NULL) == UTF8_INVALID);	/* U+FFFF */
}

static void
test_utf8_surrogates(void)
{
	CHECK(U8("\xed\xa0\x80", NULL) == UTF8_INVALID);	/* U+D800 */
	CHECK(U8("\xed\xbf\xbf", NULL) == UTF8_INVALID);	/* U+DFFF */
	/* A CESU-8 pair for U+1F600 is two surrogates, not one emoji. */
	CHECK(U8("\xed\xa0\xbd\xed\xb8\x80", NULL) == UTF8_INVALID);
}

static void
test_utf8_above_max(void)
{
	CHECK(U8("\xf4\x90\x80\x80", NULL) == UTF8_INVALID);	/* U+110000 */
	CHECK(U8("\xf5\x80\x80\x80", NULL) == UTF8_INVALID);
	CHECK(U8("\xf7\xbf\xbf\xbf", NULL) == UTF8_INVALID);
	CHECK(U8("\xf8\x88\x80\x80\x80", NULL) == UTF8_INVALID);	/* 5 bytes */
}

static void
test_utf8_lone_continuation(void)
{
	CHECK(U8("\x80", NULL) == UTF8_INVALID);
	CHECK(U8("\xbf", NULL) == UTF8_INVALID);
	CHECK(U8("a\x80z", NULL) == UTF8_INVALID);
	CHECK(U8("\xc3\xa9\xa9", NULL) == UTF8_INVALID);	/* one too many */
}

static void
test_utf8_missing_continuation(void)
{
	CHECK(U8("\xc3" "a", NULL) == UTF8_INVALID);
	CHECK(U8("\xe4\xb8" "a", NULL) == UTF8_INVALID);
	CHECK(U8("\xf0\x9f\x98" "a", NULL) == UTF8_INVALID);
	CHECK(U8("\xe4\xc3\xa9", NULL) == UTF8_INVALID);
}

static void
test_utf8_truncated_at_end(void)
{
	CHECK(U8("\xc3", NULL) == UTF8_INVALID);
	CHECK(U8("\xe4\xb8", NULL) == UTF8_INVALID);
	CHECK(U8("\xf0\x9f\x98", NULL) == UTF8_INVALID);
	CHECK(U8("\xf0", NULL) == UTF8_INVALID);
	CHECK(U8("abc\xe4", NULL) == UTF8_INVALID);
}

static void
test_utf8_fe_ff(void)
{
	CHECK(U8("\xfe", NULL) == UTF8_INVALID);
	CHECK(U8("\xff", NULL) == UTF8_INVALID);
	CHECK(U8("\xff\xfe", NULL) == UTF8_INVALID);	/* a UTF-16 BOM */
	CHECK(U8("a\xfe" "b", NULL) == UTF8_INVALID);
}

static void
test_utf8_stops_at_len(void)
{
	/* The byte after len would complete the sequence: it must not be
	 * looked at. */
	CHECK(utf8_check("\xc3\xa9", 1, NULL) == UTF8_INVALID);
	CHECK(utf8_check("\xe4\xb8\xad", 2, NULL) == UTF8_INVALID);
	CHECK(utf8_check("\xf0\x9f\x98\x80", 3, NULL) == UTF8_INVALID);
	CHECK(utf8_check("ab\xf4\x8f\xbf\xbf", 5, NULL) == UTF8_INVALID);
	/* And a NUL or control byte past len is not seen either. */
	CHECK(utf8_check("ab\0", 2, NULL) == UTF8_OK);
	CHECK(utf8_check("ab\x1b", 2, NULL) == UTF8_OK);
}

static void
test_utf8_exact_heap_buffer(void)
{
	static const char *const cut[] = { "\xc3", "\xe4\xb8", "\xf0\x9f\x98" };
	size_t	 i, len;
	char	*p;

	/* Copies with no byte after them: AddressSanitizer and valgrind
	 * report any read past len. */
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		len = strlen(cut[i]);
		if ((p = malloc(len)) == NULL) {
			CHECK(!"malloc");
			return;
		}
		memcpy(p, cut[i], len);
		CHECK(utf8_check(p, len, NULL) == UTF8_INVALID);
		free(p);
	}
}

/* The word-at-a-time path for printable ASCII must agree with the byte
 * rules: every byte value, at every position of a 24-byte run of
 * printable text (so in each of three words and at each offset). */
static void
test_utf8_every_byte_at_every_position(void)
{
	unsigned char	 s[24];
	size_t		 pos, n, bad = 0;
	unsigned	 b;

	for (pos = 0; pos < sizeof(s); pos++)
		for (b = 0; b < 256; b++) {
			enum utf8_result want, got;

			memset(s, 'a', sizeof(s));
			s[pos] = (unsigned char)b;
			if (b == 0)
				want = UTF8_NUL;
			else if (b >= 0x80)
				want = UTF8_INVALID;	/* alone, never valid */
			else if ((b < 0x20 && b != '\t' && b != '\n' &&
			    b != '\r') || b == 0x7f)
				want = UTF8_CONTROL;
			else
				want = UTF8_OK;
			n = 0;
			got = utf8_check((const char *)s, sizeof(s), &n);
			if (got != want || (want == UTF8_OK && n != sizeof(s)))
				bad++;
		}
	CHECK_EQ(bad, 0);
	/* And runs that end part-way into a word. */
	for (pos = 0; pos <= sizeof(s); pos++) {
		memset(s, 'z', sizeof(s));
		n = 0;
		CHECK(utf8_check((const char *)s, pos, &n) == UTF8_OK);
		CHECK_EQ(n, pos);
	}
}

const struct unit_test utf8_tests[] = {
	TEST(test_utf8_every_byte_at_every_position),
	TEST(test_utf8_ascii),
	TEST(test_utf8_empty),
	TEST(test_utf8_tab_lf_cr_allowed),
	TEST(test_utf8_ncodepoints_optional),
	TEST(test_utf8_nul),
	TEST(test_utf8_c0_and_del),
	TEST(test_utf8_c1),
	TEST(test_utf8_multibyte_counts),
	TEST(test_utf8_range_boundaries),
	TEST(test_utf8_overlong),
	TEST(test_utf8_surrogates),
	TEST(test_utf8_above_max),
	TEST(test_utf8_lone_continuation),
	TEST(test_utf8_missing_continuation),
	TEST(test_utf8_truncated_at_end),
	TEST(test_utf8_fe_ff),
	TEST(test_utf8_stops_at_len),
	TEST(test_utf8_exact_heap_buffer),
};
const size_t utf8_ntests = NTESTS(utf8_tests);
