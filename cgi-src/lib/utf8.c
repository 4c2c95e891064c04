/*
 * utf8.c: strict UTF-8 for text fields (docs/THREAT-MODEL.md threat 11).
 * Accepts only shortest-form sequences of scalar values up to U+10FFFF;
 * refuses NUL, C0 controls other than TAB, LF and CR, DEL and the C1 controls,
 * which no keyboard types and which can confuse terminals and spreadsheets.
 */
#include <string.h>

#include "text.h"

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* 1 if all eight bytes are printable ASCII (0x20-0x7e): the common case,
 * checked a word at a time.  b + 0x60 has its high bit set exactly when
 * b >= 0x20, and b + 1 exactly when b is 0x7f (for b < 0x80, no carry
 * crosses into the next byte). */
static int
printable8(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
	return (w & HIGHS) == 0 && ((w + 0x60 * ONES) & HIGHS) == HIGHS &&
	    ((w + ONES) & HIGHS) == 0;
}

enum utf8_result
utf8_check(const char *str, size_t len, size_t *ncodepoints)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n = 0, need, k;
	uint32_t		 cp, min;

	while (i < len) {
		unsigned char c = s[i];

		if (len - i >= 8 && printable8(s + i)) {
			i += 8;
			n += 8;
			continue;
		}
		if (c < 0x80) {
			if (c == 0)
				return UTF8_NUL;
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
			    c == 0x7f)
				return UTF8_CONTROL;
			i++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else
			return UTF8_INVALID;	/* 0x80-0xc1, 0xf5-0xff */
		if (len - i - 1 < need)
			return UTF8_INVALID;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return UTF8_INVALID;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return UTF8_INVALID;
		if (cp >= 0x80 && cp <= 0x9f)
			return UTF8_CONTROL;
		i += need + 1;
		n++;
	}
	if (ncodepoints != NULL)
		*ncodepoints = n;
	return UTF8_OK;
}
