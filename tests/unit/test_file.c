/*
 * test_file.c: the one writer of private files (file.c).  A key or a
 * password written next to an attacker's symlink must land in a new file
 * of its own, never through the link; an existing file is never
 * truncated in place; the mode is what was asked whatever the umask; and
 * nothing half-written is left beside it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base.h"
#include "check.h"

static char	 dir[64];

static const char *
path(const char *name)
{
	return test_path(dir, name);
}

static int
slurp(const char *name, char *out, size_t max)
{
	ssize_t	 n = file_read_small(path(name), (unsigned char *)out, max);

	if (n >= 0)
		out[n < (ssize_t)max ? n : (ssize_t)max - 1] = '\0';
	return (int)n;
}

/* Entries in dir other than . and .., so a temporary file left is seen. */
static int
entries(void)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_file_new_and_mode(void)
{
	struct stat	 st;
	mode_t		 old = umask(0);
	char		 got[32];

	CHECK(file_write_private(path("a.key"), "secret\n", 7, 0600, 0) == 0);
	umask(old);
	CHECK(stat(path("a.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_EQ(slurp("a.key", got, sizeof(got)), 7);
	CHECK_STR(got, "secret\n");
	CHECK_EQ(entries(), 1);
}

static void
test_file_never_overwrites_unless_asked(void)
{
	char	 got[32];

	CHECK(file_write_private(path("b.key"), "first", 5, 0600, 0) == 0);
	CHECK(file_write_private(path("b.key"), "second", 6, 0600, 0) == -1);
	CHECK_EQ(slurp("b.key", got, sizeof(got)), 5);
	CHECK_STR(got, "first");
	CHECK(file_write_private(path("b.key"), "second", 6, 0600, 1) == 0);
	CHECK_EQ(slurp("b.key", got, sizeof(got)), 6);
	CHECK_STR(got, "second");
}

static void
test_file_symlink_not_followed(void)
{
	struct stat	 st;
	char		 got[32];

	/* Someone else's file, and a link to it where a key will go. */
	CHECK(file_write_private(path("victim"), "theirs", 6, 0644, 0) == 0);
	CHECK(symlink(path("victim"), path("c.key")) == 0);
	CHECK(file_write_private(path("c.key"), "ours", 4, 0600, 0) == -1);
	CHECK(file_write_private(path("c.key"), "ours", 4, 0600, 1) == 0);
	/* The link itself was replaced by a file; its target is untouched. */
	CHECK(lstat(path("c.key"), &st) == 0 && S_ISREG(st.st_mode));
	CHECK_EQ(slurp("victim", got, sizeof(got)), 6);
	CHECK_STR(got, "theirs");
	CHECK_EQ(slurp("c.key", got, sizeof(got)), 4);
}

static void
test_file_failure_leaves_nothing(void)
{
	int	 before = entries();

	CHECK(file_write_private(path("no/such/folder/d.key"), "x", 1, 0600,
	    0) == -1);
	CHECK(file_write_private(path("b.key"), "x", 1, 0600, 0) == -1);
	CHECK_EQ(entries(), before);
}

static void
test_file_read_limits(void)
{
	unsigned char	*secret = NULL;
	char		 got[4];

	CHECK(file_write_private(path("e.bin"), "12345678", 8, 0600, 0) == 0);
	CHECK_EQ(slurp("e.bin", got, sizeof(got)), -1);	/* larger than max */
	CHECK(file_read_secret(path("e.bin"), 8, &secret) == 0 &&
	    memcmp(secret, "12345678", 8) == 0);
	sodium_free(secret);
	CHECK(file_read_secret(path("e.bin"), 9, &secret) == -1);
	CHECK(file_read_secret(path("missing"), 8, &secret) == -1);
}

static void
test_file_setup(void)
{
	strcpy(dir, "/tmp/vawg-file-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void
test_file_cleanup(void)
{
	test_dir_remove(dir);
	CHECK(access(dir, F_OK) == -1);
}

const struct unit_test file_tests[] = {
	TEST(test_file_setup),
	TEST(test_file_new_and_mode),
	TEST(test_file_never_overwrites_unless_asked),
	TEST(test_file_symlink_not_followed),
	TEST(test_file_failure_leaves_nothing),
	TEST(test_file_read_limits),
	TEST(test_file_cleanup),
};
const size_t file_ntests = NTESTS(file_tests);
