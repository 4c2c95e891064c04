/*
 * cookie.c: the Cookie request header, parsed without allocating.  Pure,
 * and fuzzed (tests/fuzz/fuzz_cookie.c); the admin pool's session lookup
 * (admin/admin.c) is its one caller.
 */
#include <string.h>

#include <sodium.h>

#include "text.h"

int
cookie_value(const char *header, const char *name, unsigned char *out,
    size_t outlen)
{
	const char	*p = header, *v;
	size_t		 nlen = strlen(name), vlen, binlen;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			v = p + nlen + 1;
			vlen = strcspn(v, "; ");
			if (sodium_base642bin(out, outlen, v, vlen, NULL,
			    &binlen, NULL,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
			    binlen != outlen) {
				sodium_memzero(out, outlen);
				return 0;
			}
			return 1;
		}
		p = strchr(p, ';');
	}
	return 0;
}
