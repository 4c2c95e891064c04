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

extern const struct unit_test	buf_tests[];
extern const size_t		buf_ntests;
extern const struct unit_test	utf8_tests[];
extern const size_t		utf8_ntests;
extern const struct unit_test	urlenc_tests[];
extern const size_t		urlenc_ntests;
extern const struct unit_test	json_tests[];
extern const size_t		json_ntests;
extern const struct unit_test	token_tests[];
extern const size_t		token_ntests;
extern const struct unit_test	seal_tests[];
extern const size_t		seal_ntests;
extern const struct unit_test	form_tests[];
extern const size_t		form_ntests;
extern const struct unit_test	spool_tests[];
extern const size_t		spool_ntests;
extern const struct unit_test	csv_tests[], keyring_tests[];
extern const size_t		csv_ntests, keyring_ntests;
extern const struct unit_test	file_tests[], pairs_tests[];
extern const size_t		file_ntests, pairs_ntests;

#endif /* CHECK_H */
