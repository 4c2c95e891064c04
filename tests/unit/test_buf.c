/*
 * test_buf.c: the growable buffer (buf.c).  Every buffer is freed at the
 * end of its test so that the leak checkers (ASan, valgrind) see none.
 */
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "check.h"

/* b holds a usable, terminated, empty string. */
#define CHECK_EMPTY(b) do {						\
	CHECK((b)->data != NULL);					\
	CHECK_EQ((b)->len, 0);						\
	CHECK_STR((b)->data, "");					\
} while (0)

static void
test_buf_append(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_append(&b, "abc", 3) == 0);
	CHECK(buf_append(&b, "de", 2) == 0);
	CHECK_EQ(b.len, 5);
	CHECK_STR(b.data, "abcde");
	CHECK(b.cap > b.len);
	buf_free(&b);
}

static void
test_buf_append_empty_terminates(void)
{
	struct buf	 b = { 0 };

	/* Even nothing appended leaves a usable, terminated string. */
	CHECK(buf_append(&b, "", 0) == 0);
	CHECK_EMPTY(&b);
	buf_free(&b);
}

static void
test_buf_append_binary(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_append(&b, "a\0b", 3) == 0);
	CHECK_EQ(b.len, 3);
	CHECK_MEM(b.data, b.len + 1, "a\0b", 4);
	buf_free(&b);
}

static void
test_buf_puts(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_puts(&b, "hello") == 0);
	CHECK(buf_puts(&b, ", ") == 0);
	CHECK(buf_puts(&b, "world") == 0);
	CHECK_STR(b.data, "hello, world");
	CHECK_EQ(b.len, 12);
	buf_free(&b);
}

static void
test_buf_printf(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_printf(&b, "%d-%s", 42, "x") == 0);
	CHECK(buf_printf(&b, "|%05.1f|%c", 2.5, 'z') == 0);
	CHECK_STR(b.data, "42-x|002.5|z");
	CHECK_EQ(b.len, strlen("42-x|002.5|z"));
	buf_free(&b);
}

static void
test_buf_printf_empty(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_printf(&b, "%s", "") == 0);
	CHECK_EMPTY(&b);
	buf_free(&b);
}

static void
test_buf_printf_grows(void)
{
	struct buf	 b = { 0 };
	char		 big[1000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(buf_puts(&b, "<") == 0);
	CHECK(buf_printf(&b, "%s>", big) == 0);
	CHECK_EQ(b.len, 1 + 999 + 1);
	CHECK(b.data[0] == '<' && b.data[1] == 'q' && b.data[999] == 'q');
	CHECK(b.data[1000] == '>' && b.data[1001] == '\0');
	buf_free(&b);
}

static void
test_buf_many_appends(void)
{
	struct buf	 b = { 0 };
	size_t		 i;
	int		 ok = 1;

	/* 100000 one-byte appends cross many growths; the content must
	 * survive every copy. */
	for (i = 0; i < 100000; i++)
		if (buf_append(&b, &"0123456789"[i % 10], 1) == -1)
			ok = 0;
	CHECK(ok);
	CHECK_EQ(b.len, 100000);
	CHECK(b.cap > b.len);
	CHECK(b.data[b.len] == '\0');
	for (i = 0; i < b.len; i++)
		if (b.data[i] != (char)('0' + i % 10))
			ok = 0;
	CHECK(ok);
	buf_free(&b);
}

static void
test_buf_reset_keeps_memory(void)
{
	struct buf	 b = { 0 };
	char		*before;
	size_t		 cap;

	CHECK(buf_puts(&b, "secret answer") == 0);
	before = b.data;
	cap = b.cap;
	buf_reset(&b);
	CHECK_EQ(b.len, 0);
	CHECK(b.data == before);
	CHECK_EQ(b.cap, cap);
	CHECK_STR(b.data, "");
	/* The old bytes are wiped, not just hidden behind a NUL. */
	CHECK(memchr(b.data, 's', b.cap) == NULL);
	CHECK(buf_puts(&b, "new") == 0);
	CHECK_STR(b.data, "new");
	buf_free(&b);
}

static void
test_buf_reset_empty(void)
{
	struct buf	 b = { 0 };

	buf_reset(&b);
	CHECK(b.data == NULL);
	CHECK_EQ(b.len, 0);
}

static void
test_buf_free(void)
{
	struct buf	 b = { 0 };

	buf_free(NULL);
	buf_free(&b);	/* never used */
	CHECK(buf_puts(&b, "x") == 0);
	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(b.cap, 0);
	buf_free(&b);	/* twice is fine */
	CHECK(buf_puts(&b, "again") == 0);	/* and reusable */
	CHECK_STR(b.data, "again");
	buf_free(&b);
}

static void
test_buf_append_impossible_size(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_puts(&b, "kept") == 0);
	/* A length that cannot be allocated fails cleanly, buffer intact. */
	CHECK(buf_append(&b, "x", SIZE_MAX) == -1);
	CHECK(buf_append(&b, "x", SIZE_MAX - 4) == -1);
	CHECK_EQ(b.len, 4);
	CHECK_STR(b.data, "kept");
	buf_free(&b);
}

static void
test_buf_reserve(void)
{
	struct buf	 b = { 0 };
	char		*before;

	CHECK(buf_puts(&b, "ab") == 0);
	CHECK(buf_reserve(&b, 5000) == 0);
	CHECK(b.cap >= 2 + 5000 + 1);
	CHECK_STR(b.data, "ab");
	before = b.data;
	/* What was reserved is appended without another allocation. */
	for (int i = 0; i < 50; i++)
		CHECK(buf_append(&b, "0123456789012345678901234567890123456789"
		    "0123456789", 50) == 0);
	CHECK(b.data == before);
	CHECK_EQ(b.len, 2502);
	CHECK(buf_reserve(&b, SIZE_MAX) == -1);
	CHECK_EQ(b.len, 2502);
	buf_free(&b);
}

static void
test_buf_truncate_wipes_the_cut(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_puts(&b, "kept|SECRET") == 0);
	buf_truncate(&b, 4);
	CHECK_EQ(b.len, 4);
	CHECK_STR(b.data, "kept");
	CHECK(memmem(b.data, b.cap, "SECRET", 6) == NULL);
	CHECK(memchr(b.data + 5, 'S', b.cap - 5) == NULL);
	buf_truncate(&b, 10);	/* longer than len: nothing happens */
	CHECK_EQ(b.len, 4);
	buf_free(&b);
	buf_truncate(&b, 0);	/* never used: safe */
}

static void
test_buf_grow_and_reset_leave_no_copy(void)
{
	struct buf	 b = { 0 };
	size_t		 i;

	/* Growth copies and wipes the old block; a reset wipes what was
	 * written: no copy of the answer is left anywhere in the block. */
	for (i = 0; i < 200; i++)
		CHECK(buf_puts(&b, "SECRET-ANSWER ") == 0);
	buf_reset(&b);
	CHECK(memmem(b.data, b.cap, "SECRET", 6) == NULL);
	CHECK(memmem(b.data, b.cap, "ANSWER", 6) == NULL);
	buf_free(&b);
}

const struct unit_test buf_tests[] = {
	TEST(test_buf_reserve),
	TEST(test_buf_truncate_wipes_the_cut),
	TEST(test_buf_grow_and_reset_leave_no_copy),
	TEST(test_buf_append),
	TEST(test_buf_append_empty_terminates),
	TEST(test_buf_append_binary),
	TEST(test_buf_puts),
	TEST(test_buf_printf),
	TEST(test_buf_printf_empty),
	TEST(test_buf_printf_grows),
	TEST(test_buf_many_appends),
	TEST(test_buf_reset_keeps_memory),
	TEST(test_buf_reset_empty),
	TEST(test_buf_free),
	TEST(test_buf_append_impossible_size),
};
const size_t buf_ntests = NTESTS(buf_tests);
