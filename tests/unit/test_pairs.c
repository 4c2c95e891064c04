/*
 * test_pairs.c: the sealed answers' "name NUL value NUL" list (pairs.c)
 * and the Cookie header parser (cookie.c), two small pure readers that
 * walk bytes someone else wrote.  Known answers, and cut-off input that
 * must end the walk without a read past its length.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "form.h"
#include "check.h"

static void
test_pairs_round_trip(void)
{
	struct buf	 b = { 0 };
	struct pair	 p;
	size_t		 pos = 0;

	CHECK(pairs_append(&b, "story", "what happened") == 0);
	CHECK(pairs_append(&b, "contact", "") == 0);
	CHECK(pairs_append(&b, "contact", "phone") == 0);
	CHECK_EQ(b.len, 6 + 14 + 8 + 1 + 8 + 6);
	CHECK(pairs_next(b.data, b.len, &pos, &p) == 1);
	CHECK_MEM(p.name, p.namelen, "story", 5);
	CHECK_MEM(p.value, p.valuelen, "what happened", 13);
	CHECK(pairs_next(b.data, b.len, &pos, &p) == 1);
	CHECK_MEM(p.name, p.namelen, "contact", 7);
	CHECK_EQ(p.valuelen, 0);
	CHECK(pairs_next(b.data, b.len, &pos, &p) == 1);
	CHECK_MEM(p.value, p.valuelen, "phone", 5);
	CHECK(pairs_next(b.data, b.len, &pos, &p) == 0);
	CHECK(pairs_next(b.data, b.len, &pos, &p) == 0);	/* stays ended */
	buf_free(&b);
}

static void
test_pairs_cut_off(void)
{
	/* Heap copies of exactly len bytes, so ASan sees any read past. */
	static const char whole[] = "a\0one\0b\0two";	/* last NUL missing */
	struct pair	 p;
	size_t		 len, pos, n;
	char		*cut;

	for (len = 0; len <= sizeof(whole) - 1; len++) {
		if ((cut = malloc(len + 1)) == NULL)
			return;
		memcpy(cut, whole, len);
		for (pos = 0, n = 0; pairs_next(cut, len, &pos, &p); n++)
			CHECK(p.value + p.valuelen <= cut + len);
		/* "a" then "one": a pair needs its name's NUL and a value. */
		CHECK_EQ(n, len < 2 ? 0 : len < 8 ? 1 : 2);
		CHECK(pos <= len);
		free(cut);
	}
	CHECK(pairs_next(NULL, 0, &pos, &p) == 0);
}

static void
test_cookie_found_by_exact_name(void)
{
	unsigned char	 tok[16], want[16];
	char		 b64[32], header[128];

	memset(want, 0xab, sizeof(want));
	sodium_bin2base64(b64, sizeof(b64), want, sizeof(want),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(header, sizeof(header), "x_vawg=1; vawg=%s; other=2", b64);
	CHECK(cookie_value(header, "vawg", tok, sizeof(tok)) == 1);
	CHECK(memcmp(tok, want, sizeof(tok)) == 0);
	CHECK(cookie_value(header, "vaw", tok, sizeof(tok)) == 0);
	CHECK(cookie_value(header, "other", tok, sizeof(tok)) == 0);
	CHECK(cookie_value("", "vawg", tok, sizeof(tok)) == 0);
}

static void
test_cookie_wrong_length_is_absent(void)
{
	unsigned char	 tok[16];

	/* 15 bytes, 17 bytes, not base64url, padded: all refused and wiped. */
	CHECK(cookie_value("vawg=q6urq6urq6urq6urq6ur", "vawg", tok, 16) == 0);
	CHECK(cookie_value("vawg=q6urq6urq6urq6urq6urq6ur", "vawg", tok,
	    16) == 0);
	CHECK(cookie_value("vawg=q6urq6urq6urq6urq6u+", "vawg", tok, 16) == 0);
	CHECK(cookie_value("vawg=q6urq6urq6urq6urq6urqw==", "vawg", tok,
	    16) == 0);
	CHECK(sodium_is_zero(tok, sizeof(tok)));
}

const struct unit_test pairs_tests[] = {
	TEST(test_pairs_round_trip),
	TEST(test_pairs_cut_off),
	TEST(test_cookie_found_by_exact_name),
	TEST(test_cookie_wrong_length_is_absent),
};
const size_t pairs_ntests = NTESTS(pairs_tests);
