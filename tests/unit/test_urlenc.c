/*
 * test_urlenc.c: the application/x-www-form-urlencoded parser (urlenc.c,
 * docs/THREAT-MODEL.md threats 10 and 11).  Names and values are compared with
 * their lengths, since a decoded %00 is kept inside them.
 */
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "check.h"

static enum urlenc_result
parse(const char *s, size_t max, struct kvlist *l)
{
	return urlenc_parse(s, strlen(s), max, l);
}

/* 1 if pair i of l is exactly name=value (both C strings). */
static int
pair_is(const struct kvlist *l, size_t i, const char *name, const char *value)
{
	const struct kv	*kv;

	if (i >= l->n)
		return 0;
	kv = &l->kv[i];
	return kv->namelen == strlen(name) && memcmp(kv->name, name,
	    kv->namelen + 1) == 0 &&
	    kv->valuelen == strlen(value) && memcmp(kv->value, value,
	    kv->valuelen + 1) == 0;
}

/* 1 if l holds nothing, as after a failure or an empty body. */
static int
is_empty(const struct kvlist *l)
{
	return l->n == 0 && l->kv == NULL && l->arena == NULL &&
	    l->arenasz == 0;
}

static void
test_urlenc_two_pairs(void)
{
	struct kvlist	 l;

	CHECK(parse("a=1&b=2", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 2);
	CHECK(pair_is(&l, 0, "a", "1"));
	CHECK(pair_is(&l, 1, "b", "2"));
	urlenc_free(&l);
}

static void
test_urlenc_plus_is_space(void)
{
	struct kvlist	 l;

	CHECK(parse("first+name=Ann+Lee+&q=+", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 2);
	CHECK(pair_is(&l, 0, "first name", "Ann Lee "));
	CHECK(pair_is(&l, 1, "q", " "));
	urlenc_free(&l);
}

static void
test_urlenc_percent(void)
{
	struct kvlist	 l;

	CHECK(parse("a=%20%2B%2b%41%4a%4A%c3%A9", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(pair_is(&l, 0, "a", " ++AJJ\xc3\xa9"));
	urlenc_free(&l);
	/* %2B is a literal plus, not a space. */
	CHECK(parse("x%3dy=1%2B1", 10, &l) == URLENC_OK);
	CHECK(pair_is(&l, 0, "x=y", "1+1"));
	urlenc_free(&l);
}

static void
test_urlenc_decodes_once(void)
{
	struct kvlist	 l;

	/* %2541 is "%41" after one decoding; decoding twice would give "A". */
	CHECK(parse("a=%2541&%255F=%2B", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 2);
	CHECK(pair_is(&l, 0, "a", "%41"));
	CHECK(pair_is(&l, 1, "%5F", "+"));
	urlenc_free(&l);
}

static void
test_urlenc_nul_kept_in_value(void)
{
	struct kvlist	 l;

	CHECK(parse("a=x%00y", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.kv[0].valuelen, 3);
	CHECK_MEM(l.kv[0].value, 4, "x\0y", 4);	/* and terminated */
	urlenc_free(&l);
	CHECK(parse("n%00m=", 10, &l) == URLENC_OK);
	CHECK_EQ(l.kv[0].namelen, 3);
	CHECK_MEM(l.kv[0].name, 4, "n\0m", 4);
	urlenc_free(&l);
}

static void
test_urlenc_empty_input(void)
{
	struct kvlist	 l;

	CHECK(urlenc_parse("", 0, 10, &l) == URLENC_OK);
	CHECK(is_empty(&l));
	urlenc_free(&l);
	CHECK(parse("&&&", 10, &l) == URLENC_OK);
	CHECK(is_empty(&l));
	urlenc_free(&l);
}

static void
test_urlenc_skips_empty_segments(void)
{
	struct kvlist	 l;

	CHECK(parse("a=1&&b=2&", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 2);
	CHECK(pair_is(&l, 0, "a", "1"));
	CHECK(pair_is(&l, 1, "b", "2"));
	urlenc_free(&l);
	CHECK(parse("&a=1", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(pair_is(&l, 0, "a", "1"));
	urlenc_free(&l);
}

static void
test_urlenc_no_equals(void)
{
	struct kvlist	 l;

	CHECK(parse("a", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(l.kv[0].value != NULL);
	CHECK(pair_is(&l, 0, "a", ""));
	urlenc_free(&l);
	CHECK(parse("a&b=", 10, &l) == URLENC_OK);
	CHECK(pair_is(&l, 0, "a", ""));
	CHECK(pair_is(&l, 1, "b", ""));
	urlenc_free(&l);
}

static void
test_urlenc_empty_name(void)
{
	struct kvlist	 l;

	CHECK(parse("=x", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(pair_is(&l, 0, "", "x"));
	urlenc_free(&l);
	CHECK(parse("=", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(pair_is(&l, 0, "", ""));
	urlenc_free(&l);
}

static void
test_urlenc_value_with_equals(void)
{
	struct kvlist	 l;

	CHECK(parse("a=b=c", 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK(pair_is(&l, 0, "a", "b=c"));
	urlenc_free(&l);
}

static void
test_urlenc_malformed(void)
{
	static const char *const bad[] = {
		"a=%zz", "a=%4", "a=%", "%zz=1", "%=1", "a=%g0", "a=%0g",
		"a=1&b=2&c=%", "a=%%41",
	};
	struct kvlist	 l;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i], 10, &l) == URLENC_MALFORMED);
		CHECK(is_empty(&l));
		urlenc_free(&l);
	}
}

static void
test_urlenc_percent_at_len_boundary(void)
{
	struct kvlist	 l;

	/* "a=%41" cut before its last digit: the byte past len is not read. */
	CHECK(urlenc_parse("a=%41", 4, 10, &l) == URLENC_MALFORMED);
	CHECK(is_empty(&l));
	urlenc_free(&l);
}

static void
test_urlenc_too_many(void)
{
	struct kvlist	 l;

	CHECK(parse("a=1&b=2&c=3", 2, &l) == URLENC_TOO_MANY);
	CHECK(is_empty(&l));
	urlenc_free(&l);
	CHECK(parse("a", 0, &l) == URLENC_TOO_MANY);
	CHECK(is_empty(&l));
	urlenc_free(&l);
}

static void
test_urlenc_exactly_max(void)
{
	struct kvlist	 l;

	CHECK(parse("a=1&b=2&c=3", 3, &l) == URLENC_OK);
	CHECK_EQ(l.n, 3);
	CHECK(pair_is(&l, 2, "c", "3"));
	urlenc_free(&l);
	/* Empty segments do not count towards the limit. */
	CHECK(parse("&a=1&&b=2&&", 2, &l) == URLENC_OK);
	CHECK_EQ(l.n, 2);
	urlenc_free(&l);
	CHECK(parse("", 0, &l) == URLENC_OK);
	urlenc_free(&l);
}

static void
test_urlenc_long_value(void)
{
	struct kvlist	 l;
	size_t		 len = 100000, i;
	char		*in;
	int		 ok = 1;

	if ((in = malloc(len)) == NULL) {
		CHECK(!"malloc");
		return;
	}
	memcpy(in, "v=", 2);
	memset(in + 2, 'x', len - 2);
	CHECK(urlenc_parse(in, len, 10, &l) == URLENC_OK);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.kv[0].valuelen, len - 2);
	for (i = 0; i < l.kv[0].valuelen; i++)
		ok &= l.kv[0].value[i] == 'x';
	CHECK(ok);
	CHECK(l.kv[0].value[len - 2] == '\0');
	urlenc_free(&l);
	free(in);
}

static void
test_urlenc_many_pairs(void)
{
	struct kvlist	 l;
	size_t		 n = 25000, i;
	char		*in;
	int		 ok = 1;

	/* 150000 bytes of "a=%41&"; the final '&' ends an empty segment. */
	if ((in = malloc(6 * n)) == NULL) {
		CHECK(!"malloc");
		return;
	}
	for (i = 0; i < n; i++)
		memcpy(in + 6 * i, "a=%41&", 6);
	CHECK(urlenc_parse(in, 6 * n, n - 1, &l) == URLENC_TOO_MANY);
	urlenc_free(&l);
	CHECK(urlenc_parse(in, 6 * n, n, &l) == URLENC_OK);
	CHECK_EQ(l.n, n);
	for (i = 0; i < l.n; i++)
		ok &= pair_is(&l, i, "a", "A");
	CHECK(ok);
	urlenc_free(&l);
	free(in);
}

static void
test_urlenc_free_safe(void)
{
	struct kvlist	 l;

	urlenc_free(NULL);
	CHECK(parse("a=1", 10, &l) == URLENC_OK);
	urlenc_free(&l);
	CHECK(is_empty(&l));
	urlenc_free(&l);	/* an emptied list frees again safely */
	CHECK(is_empty(&l));
}

const struct unit_test urlenc_tests[] = {
	TEST(test_urlenc_two_pairs),
	TEST(test_urlenc_plus_is_space),
	TEST(test_urlenc_percent),
	TEST(test_urlenc_decodes_once),
	TEST(test_urlenc_nul_kept_in_value),
	TEST(test_urlenc_empty_input),
	TEST(test_urlenc_skips_empty_segments),
	TEST(test_urlenc_no_equals),
	TEST(test_urlenc_empty_name),
	TEST(test_urlenc_value_with_equals),
	TEST(test_urlenc_malformed),
	TEST(test_urlenc_percent_at_len_boundary),
	TEST(test_urlenc_too_many),
	TEST(test_urlenc_exactly_max),
	TEST(test_urlenc_long_value),
	TEST(test_urlenc_many_pairs),
	TEST(test_urlenc_free_safe),
};
const size_t urlenc_ntests = NTESTS(urlenc_tests);
