/*
 * test_pathmatch.c: route patterns (pathmatch.c), as the admin pool's
 * route table uses them: exact segments, one ":ref" segment holding a
 * reference as the schema stores it, and no second spelling of a path
 * (trailing slash, dot segments, percent-encoding, case, empty segments).
 */
#include <string.h>

#include "web.h"
#include "check.h"

#define REF_ROUTE	"/admin/referrals/:ref"
#define ACTION_ROUTE	"/admin/referrals/:ref/assign"

/* 1 if path matches pattern with param want ("" for none), else 0. */
static int
matches(const char *pattern, const char *path, const char *want)
{
	char	 param[PATH_PARAM_MAX];

	memset(param, 'x', sizeof(param));
	return path_match(pattern, path, param) == 1 &&
	    strcmp(param, want) == 0;
}

/* 1 if path does not match pattern and the parameter is left "". */
static int
refused(const char *pattern, const char *path)
{
	char	 param[PATH_PARAM_MAX];

	memset(param, 'x', sizeof(param));
	return path_match(pattern, path, param) == 0 && param[0] == '\0';
}

static void
test_pathmatch_exact(void)
{
	CHECK(matches("/admin/login", "/admin/login", ""));
	CHECK(matches("/admin/", "/admin/", ""));
	CHECK(matches("/admin/referrals", "/admin/referrals", ""));
	CHECK(refused("/admin/login", "/admin/logout"));
	CHECK(refused("/admin/login", "/admin/log"));
	CHECK(refused("/admin/login", "/admin/loginx"));
	CHECK(refused("/admin/login", "/admin/Login"));
	CHECK(refused("/admin/login", "/admin"));
	CHECK(refused("/admin/login", ""));
	CHECK(refused("/admin/login", "admin/login"));
	CHECK(refused("/admin/", "/admin"));
	CHECK(refused("/admin/", "/"));
	CHECK(refused("/admin/referrals", "/admin/referrals/x"));
}

static void
test_pathmatch_ref(void)
{
	CHECK(matches(REF_ROUTE, "/admin/referrals/K7QM-4XPT", "K7QM-4XPT"));
	CHECK(matches(REF_ROUTE, "/admin/referrals/AAAA-2222", "AAAA-2222"));
	CHECK(matches(REF_ROUTE, "/admin/referrals/ZZZZ-9999", "ZZZZ-9999"));
	CHECK(matches(ACTION_ROUTE, "/admin/referrals/K7QM-4XPT/assign",
	    "K7QM-4XPT"));
	CHECK(refused(ACTION_ROUTE, "/admin/referrals/K7QM-4XPT/close"));
	CHECK(refused(ACTION_ROUTE, "/admin/referrals/K7QM-4XPT"));
	CHECK(refused(REF_ROUTE, "/admin/referrals/K7QM-4XPT/assign"));
	CHECK(refused(REF_ROUTE, "/admin/referrals/"));
	CHECK(refused(REF_ROUTE, "/admin/referrals"));
}

/* The reference alphabet is the schema's: A-Z and 2-9, four, a hyphen,
 * four. */
static void
test_pathmatch_ref_alphabet(void)
{
	static const char *const bad[] = {
		"k7qm-4xpt",		/* lower case */
		"K7QM-4XP",		/* short */
		"K7QM-4XPTT",		/* long */
		"K7QM4XPT",		/* no hyphen */
		"K7QM_4XPT",
		"K7Q-M4XPT",		/* hyphen misplaced */
		"K7QM-4XP1",		/* 1 is not in the alphabet */
		"K7QM-4XP0",		/* nor 0 */
		"-K7QM4XPT",
		"K7QM--XPT",
		"K7QM-4XP\xc3\x89",	/* a letter, not ASCII */
		"K7QM-4X.T",
		"K7QM-4X%54",		/* percent-encoded T */
		"..",
		".",
		"",
		"*",
		":ref",
	};
	char	 path[64];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(path, "/admin/referrals/");
		strcat(path, bad[i]);
		if (!refused(REF_ROUTE, path))
			check_fail_got(__FILE__, __LINE__, "ref refused",
			    bad[i]);
	}
}

/* No second spelling of a route: each of these would be one if matched. */
static void
test_pathmatch_no_tricks(void)
{
	static const char *const bad[] = {
		"/admin/referrals/K7QM-4XPT/",		/* trailing slash */
		"/admin/referrals//K7QM-4XPT",		/* empty segment */
		"//admin/referrals/K7QM-4XPT",
		"/admin/referrals/./K7QM-4XPT",		/* dot segments */
		"/admin/referrals/../referrals/K7QM-4XPT",
		"/admin/x/../referrals/K7QM-4XPT",
		"/admin/%72eferrals/K7QM-4XPT",		/* encoded r */
		"/admin/referrals%2FK7QM-4XPT",		/* encoded slash */
		"/admin/referrals/K7QM%2D4XPT",		/* encoded hyphen */
		"/admin/referrals/K7QM-4XPT?x=1",	/* a query in the path */
		"/admin/referrals/K7QM-4XPT;x",
		"/admin/referrals/K7QM-4XPT ",
		"/admin/Referrals/K7QM-4XPT",
		"/ADMIN/referrals/K7QM-4XPT",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!refused(REF_ROUTE, bad[i]))
			check_fail_got(__FILE__, __LINE__, "path refused",
			    bad[i]);
	CHECK(refused("/admin/login", "/admin/login/"));
	CHECK(refused("/admin/login", "/admin/./login"));
	CHECK(refused("/admin/login", "/admin/%6cogin"));
	CHECK(refused("/admin/", "/admin//"));
	CHECK(refused("/admin/", "/admin/."));
}

static void
test_pathmatch_bad_patterns(void)
{
	CHECK(path_pattern_ok("/admin/"));
	CHECK(path_pattern_ok(REF_ROUTE));
	CHECK(path_pattern_ok(ACTION_ROUTE));
	CHECK(!path_pattern_ok("admin/login"));
	CHECK(!path_pattern_ok(""));
	CHECK(!path_pattern_ok("/admin/:id"));		/* unknown parameter */
	CHECK(!path_pattern_ok("/admin/:ref/:ref"));	/* two */
	CHECK(!path_pattern_ok("/admin/:refs"));
	CHECK(!path_pattern_ok("/admin//login"));
	CHECK(!path_pattern_ok("/admin/../login"));
	CHECK(!path_pattern_ok("/admin/./login"));
	CHECK(!path_pattern_ok("/admin/%6cogin"));
	/* A bad pattern matches nothing, not even itself. */
	CHECK(refused("/admin/:id", "/admin/:id"));
	CHECK(refused("/admin/:ref/:ref", "/admin/K7QM-4XPT/K7QM-4XPT"));
	CHECK(refused("/admin/../login", "/admin/../login"));
}

const struct unit_test pathmatch_tests[] = {
	TEST(test_pathmatch_exact),
	TEST(test_pathmatch_ref),
	TEST(test_pathmatch_ref_alphabet),
	TEST(test_pathmatch_no_tricks),
	TEST(test_pathmatch_bad_patterns),
};
const size_t pathmatch_ntests = NTESTS(pathmatch_tests);
