/*
 * test_json.c: JSON string literals (json.c).  The expected texts are
 * exact: the plain answers column stores these bytes.
 */
#include <string.h>

#include "base.h"
#include "check.h"

#define JSON(b, lit)	json_string((b), (lit), sizeof(lit) - 1)

static void
test_json_plain(void)
{
	struct buf	 b = { 0 };

	CHECK(JSON(&b, "hello world") == 0);
	CHECK_STR(b.data, "\"hello world\"");
	buf_free(&b);
}

static void
test_json_empty(void)
{
	struct buf	 b = { 0 };

	CHECK(JSON(&b, "") == 0);
	CHECK_STR(b.data, "\"\"");
	buf_free(&b);
}

static void
test_json_quote_backslash(void)
{
	struct buf	 b = { 0 };

	/* json.c escapes '"' and '\' as \u0022 and \u005c, which RFC 8259
	 * allows as well as \" and \\; pinned so a change is deliberate. */
	CHECK(JSON(&b, "say \"hi\" C:\\x") == 0);
	CHECK_STR(b.data, "\"say \\u0022hi\\u0022 C:\\u005cx\"");
	buf_free(&b);
}

static void
test_json_controls(void)
{
	struct buf	 b = { 0 };

	CHECK(JSON(&b, "\x01\t\n\r\x1b\x1f") == 0);
	CHECK_STR(b.data, "\"\\u0001\\u0009\\u000a\\u000d\\u001b\\u001f\"");
	buf_free(&b);
}

static void
test_json_nul_escaped(void)
{
	struct buf	 b = { 0 };

	CHECK(JSON(&b, "a\0b") == 0);
	CHECK_STR(b.data, "\"a\\u0000b\"");
	buf_free(&b);
}

static void
test_json_space_and_del_literal(void)
{
	struct buf	 b = { 0 };

	/* JSON needs escapes below U+0020 only. */
	CHECK(JSON(&b, " \x7f/") == 0);
	CHECK_STR(b.data, "\" \x7f/\"");
	buf_free(&b);
}

static void
test_json_utf8_passthrough(void)
{
	struct buf	 b = { 0 };

	CHECK(JSON(&b, "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80") == 0);
	CHECK_STR(b.data, "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"");
	buf_free(&b);
}

static void
test_json_appends(void)
{
	struct buf	 b = { 0 };

	CHECK(buf_puts(&b, "{") == 0);
	CHECK(JSON(&b, "k") == 0);
	CHECK(buf_puts(&b, ":") == 0);
	CHECK(JSON(&b, "v\n") == 0);
	CHECK(buf_puts(&b, "}") == 0);
	CHECK_STR(b.data, "{\"k\":\"v\\u000a\"}");
	buf_free(&b);
}

const struct unit_test json_tests[] = {
	TEST(test_json_plain),
	TEST(test_json_empty),
	TEST(test_json_quote_backslash),
	TEST(test_json_controls),
	TEST(test_json_nul_escaped),
	TEST(test_json_space_and_del_literal),
	TEST(test_json_utf8_passthrough),
	TEST(test_json_appends),
};
const size_t json_ntests = NTESTS(json_tests);
