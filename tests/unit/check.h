/*
 * check.h: the unit tests' harness, small enough to read in a minute.
 * A test is a static void function; CHECK() records a failed expression
 * with its file and line and lets the test go on, so one run shows every
 * broken expectation.  Each test file exports a table of its tests, and
 * main.c runs the tables in order and prints "N passed, N failed".
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

struct unit_test {
	const char	*name;
	void		(*fn)(void);
};

#define TEST(fn)	{ #fn, fn }
#define NTESTS(t)	(sizeof(t) / sizeof((t)[0]))

/* Records a failure in the running test (main.c). */
void	 check_fail(const char *file, int line, const char *expr);
/* As check_fail, with what was obtained, for known-answer mismatches. */
void	 check_fail_got(const char *file, int line, const char *expr,
	    const char *got);
void	 check_fail_num(const char *file, int line, const char *expr,
	    long long got, long long want);

#define CHECK(cond) do {						\
	if (!(cond))							\
		check_fail(__FILE__, __LINE__, #cond);			\
} while (0)

/* Integer equality that shows both sides when it fails. */
#define CHECK_EQ(got, want) do {					\
	long long check_g_ = (long long)(got);				\
	long long check_w_ = (long long)(want);				\
	if (check_g_ != check_w_)					\
		check_fail_num(__FILE__, __LINE__, #got " == " #want,	\
		    check_g_, check_w_);				\
} while (0)

/* C string equality that shows what was obtained when it fails. */
#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got);					\
	if (check_g_ == NULL || strcmp(check_g_, (want)) != 0)		\
		check_fail_got(__FILE__, __LINE__, #got " == " #want,	\
		    check_g_);						\
} while (0)

/* Byte equality of got[0..glen) and want[0..wlen). */
#define CHECK_MEM(got, glen, want, wlen) do {				\
	size_t check_gl_ = (glen), check_wl_ = (wlen);			\
	if (check_gl_ != check_wl_ ||					\
	    memcmp((got), (want), check_wl_) != 0)			\
		check_fail(__FILE__, __LINE__,				\
		    #got "[0.." #glen ") == " #want "[0.." #wlen ")");	\
} while (0)

/*
 * Ends the running test with a failed check, what saying why, unless
 * ready: for what a test needs before it can check anything (a fixture
 * made once and shared, a temporary stream).
 */
#define NEED(ready, what) do {						\
	if (!(ready)) {							\
		check_fail(__FILE__, __LINE__, (what));			\
		return;							\
	}								\
} while (0)

/* Each test file's table, run by main.c in the order it lists them. */
#define UNIT_TABLE(name)						\
	extern const struct unit_test	 name##_tests[];		\
	extern const size_t		 name##_ntests
UNIT_TABLE(buf);
UNIT_TABLE(utf8);
UNIT_TABLE(urlenc);
UNIT_TABLE(json);
UNIT_TABLE(token);
UNIT_TABLE(seal);
UNIT_TABLE(form);
UNIT_TABLE(answers);
UNIT_TABLE(spool);
UNIT_TABLE(csv);
UNIT_TABLE(csv_bidi);
UNIT_TABLE(keyring);
UNIT_TABLE(file);
UNIT_TABLE(pairs);
UNIT_TABLE(totpseal);
UNIT_TABLE(pathmatch);

/*
 * Files on disk (files.c), for the tests whose subject is a file.
 * test_fixture_begin starts a fixture made once and shared, whose *state
 * is 0 not yet, 1 ready, -1 failed: it returns 1 when the caller is to
 * make it now (*state is -1 until the caller sets 1; a private directory
 * /tmp/PREFIX-XXXXXX is made into dir, of size bytes, and cleanup will run
 * at exit), 0 when it was begun before or the directory cannot be made.
 * test_dir_remove removes dir and everything under it; an empty dir is
 * nothing to do.  test_path
 * returns dir/name in one of two static buffers that take turns, so two
 * paths can be passed to one call.  read_file reads up to max bytes of
 * path into data and returns how many, or -1; write_file writes len bytes
 * (replacing the file), 0 or -1.
 */
int		 test_fixture_begin(int *state, char *dir, size_t size,
		    const char *prefix, void (*cleanup)(void));
void		 test_dir_remove(const char *dir);
const char	*test_path(const char *dir, const char *name);
long		 read_file(const char *path, void *data, size_t max);
int		 write_file(const char *path, const void *data, size_t len);

#endif /* CHECK_H */
