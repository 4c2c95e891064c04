/*
 * main.c: runs every unit test table, prints "ok   name" or "FAIL name"
 * followed by the failed checks, then one line "N passed, N failed"
 * (counting tests).  Exits 1 if any test failed (docs/CONTRIBUTING.md §14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base.h"
#include "check.h"

/* Failed checks of the running test, printed after it returns. */
#define MAX_NOTES	32

static char	 notes[MAX_NOTES][512];
static size_t	 nnotes, nfailed_checks;

static void
note(const char *file, int line, const char *expr, const char *extra)
{
	nfailed_checks++;
	if (nnotes < MAX_NOTES)
		snprintf(notes[nnotes++], sizeof(notes[0]), "%s:%d: %s%s",
		    file, line, expr, extra);
}

void
check_fail(const char *file, int line, const char *expr)
{
	note(file, line, expr, "");
}

void
check_fail_got(const char *file, int line, const char *expr, const char *got)
{
	char	 extra[400];

	snprintf(extra, sizeof(extra), " (got \"%s\")",
	    got != NULL ? got : "(null)");
	note(file, line, expr, extra);
}

void
check_fail_num(const char *file, int line, const char *expr, long long got,
    long long want)
{
	char	 extra[80];

	snprintf(extra, sizeof(extra), " (got %lld, want %lld)", got, want);
	note(file, line, expr, extra);
}

#define TABLE(name)	{ name##_tests, &name##_ntests }

static const struct {
	const struct unit_test	*tests;
	const size_t		*n;
} tables[] = {
	TABLE(buf), TABLE(utf8), TABLE(urlenc), TABLE(json), TABLE(token),
	TABLE(form), TABLE(answers), TABLE(spool),
	TABLE(seal),		/* slow: Argon2id */
	TABLE(csv), TABLE(csv_bidi),
	TABLE(keyring),		/* slow: Argon2id */
	TABLE(file), TABLE(pairs), TABLE(totpseal), TABLE(pathmatch),
};

int
main(void)
{
	size_t	 t, i, k, passed = 0, failed = 0;

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	log_init("unit-tests");
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (i = 0; i < *tables[t].n; i++) {
			const struct unit_test *u = &tables[t].tests[i];

			nnotes = nfailed_checks = 0;
			u->fn();
			fflush(stdout);
			if (nfailed_checks == 0) {
				printf("ok   %s\n", u->name);
				passed++;
				continue;
			}
			printf("FAIL %s\n", u->name);
			for (k = 0; k < nnotes; k++)
				printf("     %s\n", notes[k]);
			if (nfailed_checks > nnotes)
				printf("     ... and %zu more failed checks\n",
				    nfailed_checks - nnotes);
			failed++;
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
