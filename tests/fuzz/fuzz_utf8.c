/*
 * fuzz_utf8.c: libFuzzer harness for utf8_check(), the one judge of what
 * counts as text (docs/THREAT-MODEL.md threat 11).
 *
 * The whole input is the string.  utf8_check() is compared with a second
 * validator written here from the Unicode Standard's table of well-formed
 * byte sequences (Table 3-7), which walks ranges of lead and second bytes
 * rather than decoding and range-checking a code point as utf8.c does.
 * Both must agree on the verdict (the first offending sequence decides),
 * and on success the code point count must equal the number of bytes that
 * are not continuation bytes.
 */
#include <stdint.h>
#include <string.h>

#include "text.h"
#include "fuzz_common.h"

/*
 * Length of the well-formed sequence at s[0..n), or 0 if ill-formed
 * (Table 3-7); the code point goes to *cp.
 */
static size_t
model_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char	 b0 = s[0], lo = 0x80, hi = 0xbf;
	size_t		 need, k;

	if (b0 <= 0x7f) {
		*cp = b0;
		return 1;
	}
	if (b0 >= 0xc2 && b0 <= 0xdf)
		need = 2;
	else if (b0 >= 0xe0 && b0 <= 0xef)
		need = 3;
	else if (b0 >= 0xf0 && b0 <= 0xf4)
		need = 4;
	else
		return 0;
	if (b0 == 0xe0)
		lo = 0xa0;
	else if (b0 == 0xed)
		hi = 0x9f;
	else if (b0 == 0xf0)
		lo = 0x90;
	else if (b0 == 0xf4)
		hi = 0x8f;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < need; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	*cp = need == 2 ? (uint32_t)(b0 & 0x1f) : need == 3 ?
	    (uint32_t)(b0 & 0x0f) : (uint32_t)(b0 & 0x07);
	for (k = 1; k < need; k++)
		*cp = *cp << 6 | (s[k] & 0x3f);
	return need;
}

static enum utf8_result
model_check(const unsigned char *s, size_t n)
{
	size_t		 i = 0, step;
	uint32_t	 cp = 0;

	while (i < n) {
		if ((step = model_seq(s + i, n - i, &cp)) == 0)
			return UTF8_INVALID;
		if (cp == 0)
			return UTF8_NUL;
		if ((cp < 0x20 && cp != 0x09 && cp != 0x0a && cp != 0x0d) ||
		    (cp >= 0x7f && cp <= 0x9f))
			return UTF8_CONTROL;
		i += step;
	}
	return UTF8_OK;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	enum utf8_result	 r, want;
	size_t			 n = (size_t)-1, lead = 0, i, n2 = 0;

	r = utf8_check((const char *)data, size, &n);
	want = model_check(data, size);
	FUZZ_CHECK(r == want, "utf8_check says %d, the model says %d",
	    (int)r, (int)want);
	/* The prefix up to any split point is judged no worse. */
	if (size > 1 && r == UTF8_OK)
		FUZZ_CHECK(utf8_check((const char *)data, size / 2, NULL) !=
		    UTF8_NUL, "an OK string has a NUL in its first half");
	if (r != UTF8_OK)
		return 0;
	for (i = 0; i < size; i++)
		lead += (data[i] & 0xc0) != 0x80;
	FUZZ_CHECK(n == lead, "%zu code points counted, %zu lead bytes", n,
	    lead);
	/* NULL for the count is allowed and gives the same verdict. */
	FUZZ_CHECK(utf8_check((const char *)data, size, NULL) == UTF8_OK,
	    "the verdict changed without a count pointer");
	/* An empty string is text with no code points. */
	FUZZ_CHECK(utf8_check((const char *)data, 0, &n2) == UTF8_OK &&
	    n2 == 0, "the empty prefix is not empty text");
	return 0;
}
