/*
 * env.c: settings from the environment.  Each pool reads its own variables
 * through these two at start (public/config.c, admin/config.c), never per
 * request; a bad value stops it with a message naming the variable and
 * the range, not the value.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base.h"

const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : fallback;
}

int
env_num(const char *name, long long fallback, long long min, long long max,
    long long *out)
{
	const char	*v = getenv(name);
	char		*end;
	long long	 n;

	if (v == NULL || v[0] == '\0') {
		*out = fallback;
		return 0;
	}
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < min || n > max) {
		fprintf(stderr, "%s: must be a number from %lld to %lld\n",
		    name, min, max);
		return -1;
	}
	*out = n;
	return 0;
}
