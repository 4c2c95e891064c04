/*
 * test_json.c: JSON string literals (json.c).  The expected texts are
 * exact: the plain answers column stores these bytes.
 */
#include <string.h>

#include "base.h"
#include "check.h"

#define JSON(b, lit)	json_string((b), (lit), sizeof(lit) - 1)

/*
 * A test: json_string of the literal lit appends exactly want to an
 * empty buffer.
 */
#define KNOWN(name, lit, want)						\
static void								\
name(void)								\
{									\
	struct buf	 b = { 0 };					\
									\
	CHECK(JSON(&b, lit) == 0);					\
	CHECK_STR(b.data, want);					\
	buf_free(&b);							\
}

KNOWN(test_json_plain, "hello world", "\"hello world\"")
KNOWN(test_json_empty, "", "\"\"")
/* json.c escapes '"' and '\' as \u0022 and \u005c, which RFC 8259 allows
 * as well as \" and \\; pinned so a change is deliberate. */
KNOWN(test_json_quote_backslash, "say \"hi\" C:\\x",
    "\"say \\u0022hi\\u0022 C:\\u005cx\"")
KNOWN(test_json_controls, "\x01\t\n\r\x1b\x1f",
    "\"\\u0001\\u0009\\u000a\\u000d\\u001b\\u001f\"")
KNOWN(test_json_nul_escaped, "a\0b", "\"a\\u0000b\"")
/* JSON needs escapes below U+0020 only. */
KNOWN(test_json_space_and_del_literal, " \x7f/", "\" \x7f/\"")
KNOWN(test_json_utf8_passthrough, "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
    "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"")

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
