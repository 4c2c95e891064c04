/*
 * json.c: JSON string literals for the plain answers column.  Input is
 * validated UTF-8 (form.c), so only quoting and control escapes are needed;
 * it checks no encoding itself and must be given nothing but text.
 */
#include <stdio.h>

#include "base.h"

int
json_string(struct buf *b, const char *s, size_t len)
{
	size_t	 i, run = 0;
	char	 esc[sizeof("\\u00ff")];

	if (buf_append(b, "\"", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run) == -1)
			return -1;
		snprintf(esc, sizeof(esc), "\\u%04x", c);
		if (buf_puts(b, esc) == -1)
			return -1;
		run = i + 1;
	}
	if (buf_append(b, s + run, len - run) == -1 ||
	    buf_append(b, "\"", 1) == -1)
		return -1;
	return 0;
}
