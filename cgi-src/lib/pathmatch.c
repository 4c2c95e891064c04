/*
 * pathmatch.c: a request path against a route's pattern, for the admin
 * pool's route table (admin/route.c).  Pure, no allocation; unit-tested
 * (tests/unit/test_pathmatch.c).
 *
 * A pattern is "/"-separated segments, each a literal, matched byte for
 * byte, or ":ref", which matches one segment holding a submission's
 * reference exactly as the schema's CHECK allows it (sql/001: four of
 * A-Z 2-9, a hyphen, four more).  Nothing is decoded, folded or
 * normalised here: nginx hands over $document_uri already decoded and
 * with its dot segments resolved, and whatever still differs from a
 * pattern (a "%", a "." or ".." segment, "//", a trailing "/" the pattern
 * lacks, lower case in a reference) matches nothing, so one resource has
 * one path.  It decides nothing about who may use a route.
 */
#include <string.h>

#include "crypto.h"
#include "web.h"

#define REF_PARAM	":ref"
#define REF_HALF	4	/* "K7QM-4XPT": two halves of four */

_Static_assert(PATH_PARAM_MAX >= REFERENCE_TEXT,
    "a reference fits the parameter");
_Static_assert(REFERENCE_TEXT == 2 * REF_HALF + 2,
    "a reference is two halves, a hyphen and the NUL");

/* 1 if s[0..n) is a reference the schema would store, else 0. */
static int
ref_ok(const char *s, size_t n)
{
	/* REFERENCE_CHARS without its hyphen, which only joins the halves. */
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789";
	size_t	 i;

	if (n != 2 * REF_HALF + 1 || s[REF_HALF] != '-')
		return 0;
	for (i = 0; i < n; i++)
		if (i != REF_HALF && (s[i] == '\0' ||
		    strchr(alpha, s[i]) == NULL))
			return 0;
	return 1;
}

/* The length of the segment starting at s (up to a '/' or the end). */
static size_t
seg_len(const char *s)
{
	return strcspn(s, "/");
}

int
path_pattern_ok(const char *pattern)
{
	const char	*p = pattern;
	size_t		 n;
	int		 params = 0;

	if (*p != '/')
		return 0;
	do {
		p++;
		n = seg_len(p);
		if (n > 0 && p[0] == ':') {
			if (n != strlen(REF_PARAM) ||
			    memcmp(p, REF_PARAM, n) != 0 || params++ > 0)
				return 0;
		} else if (memchr(p, '%', n) != NULL ||
		    (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		/* An empty segment only last: "/admin/" is a page. */
		if (n == 0 && p[n] != '\0')
			return 0;
		p += n;
	} while (*p == '/');
	return 1;
}

int
path_match(const char *pattern, const char *path,
    char param[PATH_PARAM_MAX])
{
	const char	*p = pattern, *q = path;
	size_t		 pn, qn;

	param[0] = '\0';
	if (!path_pattern_ok(pattern) || *q != '/')
		return 0;
	for (;;) {
		p++;
		q++;
		pn = seg_len(p);
		qn = seg_len(q);
		if (pn == strlen(REF_PARAM) && memcmp(p, REF_PARAM, pn) == 0) {
			if (!ref_ok(q, qn))
				break;
			memcpy(param, q, qn);
			param[qn] = '\0';
		} else if (pn != qn || memcmp(p, q, pn) != 0)
			break;
		p += pn;
		q += qn;
		if (*p == '\0' || *q == '\0') {
			if (*p == '\0' && *q == '\0')
				return 1;
			break;
		}
	}
	param[0] = '\0';
	return 0;
}
