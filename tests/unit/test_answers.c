/*
 * test_answers.c: the keyed digest that tells a post of the same answers
 * from a correction of the same token (answers.c, issue 14 item 1).  The
 * same answers must give the same digest however the browser ordered the
 * fields or the ticked boxes; one byte changed, another form version or
 * another key must give another; a correction's reference is not the
 * token's.  Bodies go through urlenc_parse() and form_validate(), as in
 * page_form.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store.h"
#include "check.h"

static struct field_option needs_opts[] = {
	{ .value = "housing", .label = "Housing", .hint = "", .notice = "" },
	{ .value = "money", .label = "Money", .hint = "", .notice = "" },
	{ .value = "legal", .label = "Legal", .hint = "", .notice = "" },
};

enum { F_NAME, F_PHONE, F_NEEDS, NF };

static struct field fields[NF] = {
	[F_NAME] = { .name = "name", .kind = FIELD_TEXT, .label = "Name",
	    .required = 1, .sensitive = 1, .max_length = 100 },
	[F_PHONE] = { .name = "phone", .kind = FIELD_TEL, .label = "Phone",
	    .sensitive = 1, .max_length = 30 },
	[F_NEEDS] = { .name = "needs", .kind = FIELD_CHECKBOXES,
	    .label = "Needs", .options = needs_opts, .noptions = 3 },
};

static const struct form form = {
	.id = 7, .version_id = 12, .version = 2, .name = "referral",
	.opens_at = INT64_MIN, .closes_at = INT64_MAX,
	.fields = fields, .nfields = NF,
};

#define BODY	"name=Ann&phone=07700+900+982&needs=housing&needs=legal"

/* The digest of body under key for f: 0, or -1 if it did not validate. */
static int
digest_of(const unsigned char *key, const struct form *f, const char *body,
    unsigned char out[ANSWERS_DIGEST_BYTES])
{
	struct kvlist	 kv = { 0 };
	struct fieldval	 vals[NF];
	size_t		 nerrors = 0;
	int		 rc = -1;

	memset(vals, 0, sizeof(vals));
	if (urlenc_parse(body, strlen(body), 100, &kv) == URLENC_OK &&
	    form_validate(f, &kv, vals, &nerrors) == FORM_ACCEPT &&
	    nerrors == 0 && answers_digest(key, f, vals, out) == 0)
		rc = 0;
	fieldvals_free(vals, NF);
	urlenc_free(&kv);
	return rc;
}

static void
test_key(unsigned char key[ANSWERS_KEY_BYTES])
{
	unsigned char	 tk[TOKEN_KEY_BYTES];

	memset(tk, 0x5a, sizeof(tk));
	CHECK(answers_key(tk, key) == 0);
}

static void
test_answers_same_answers_same_digest(void)
{
	unsigned char	 key[ANSWERS_KEY_BYTES], a[ANSWERS_DIGEST_BYTES],
			 b[ANSWERS_DIGEST_BYTES];

	test_key(key);
	CHECK(digest_of(key, &form, BODY, a) == 0);
	CHECK(digest_of(key, &form, BODY, b) == 0);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	/* Cleaned as the validator cleans: spaces around are not answers. */
	CHECK(digest_of(key, &form, "name=+Ann+&phone=07700+900+982"
	    "&needs=housing&needs=legal", b) == 0);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
}

static void
test_answers_order_is_canonical(void)
{
	unsigned char	 key[ANSWERS_KEY_BYTES], a[ANSWERS_DIGEST_BYTES],
			 b[ANSWERS_DIGEST_BYTES];

	test_key(key);
	CHECK(digest_of(key, &form, BODY, a) == 0);
	/* Fields in another order, boxes in another order, a box twice. */
	CHECK(digest_of(key, &form, "needs=legal&phone=07700+900+982"
	    "&needs=housing&name=Ann&needs=legal", b) == 0);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
}

static void
test_answers_one_byte_changed(void)
{
	unsigned char	 key[ANSWERS_KEY_BYTES], a[ANSWERS_DIGEST_BYTES],
			 b[ANSWERS_DIGEST_BYTES];
	static const char *const others[] = {
		"name=Ann&phone=07700+900+983&needs=housing&needs=legal",
		"name=Anm&phone=07700+900+982&needs=housing&needs=legal",
		"name=Ann&phone=07700+900+982&needs=housing",
		"name=Ann&phone=07700+900+982&needs=housing&needs=money",
		"name=Ann&needs=housing&needs=legal",
		/* The same bytes moved from one field to the next. */
		"name=Ann0&phone=7700+900+982&needs=housing&needs=legal",
	};
	size_t		 i, same = 0;

	test_key(key);
	CHECK(digest_of(key, &form, BODY, a) == 0);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		CHECK(digest_of(key, &form, others[i], b) == 0);
		same += memcmp(a, b, sizeof(a)) == 0;
	}
	CHECK_EQ(same, 0);
	printf("answers_changed_digest_differs: %zu of %zu\n", i - same, i);
}

static void
test_answers_form_version_and_key_count(void)
{
	unsigned char	 key[ANSWERS_KEY_BYTES], key2[ANSWERS_KEY_BYTES],
			 tk[TOKEN_KEY_BYTES], a[ANSWERS_DIGEST_BYTES],
			 b[ANSWERS_DIGEST_BYTES];
	struct form	 v3 = form;

	test_key(key);
	CHECK(digest_of(key, &form, BODY, a) == 0);
	v3.version_id = 13;
	v3.version = 3;
	CHECK(digest_of(key, &v3, BODY, b) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	memset(tk, 0x5b, sizeof(tk));
	CHECK(answers_key(tk, key2) == 0);
	CHECK(memcmp(key, key2, sizeof(key)) != 0);
	CHECK(digest_of(key2, &form, BODY, b) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	/* The derived key is not the token key itself. */
	memset(tk, 0x5a, sizeof(tk));
	CHECK(memcmp(key, tk, sizeof(tk)) != 0);
}

static void
test_answers_correction_reference(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES], d1[ANSWERS_DIGEST_BYTES],
			 d2[ANSWERS_DIGEST_BYTES];
	char		 tok[REFERENCE_TEXT], r1[REFERENCE_TEXT],
			 r1b[REFERENCE_TEXT], r2[REFERENCE_TEXT];

	memset(idem, 0xa0, sizeof(idem));
	memset(d1, 1, sizeof(d1));
	memset(d2, 2, sizeof(d2));
	token_reference(idem, tok);
	answers_reference(idem, d1, r1);
	answers_reference(idem, d1, r1b);
	answers_reference(idem, d2, r2);
	CHECK_STR(r1b, r1);
	CHECK(strcmp(r1, tok) != 0);
	CHECK(strcmp(r1, r2) != 0);
	CHECK_EQ(strlen(r1), REFERENCE_TEXT - 1);
	CHECK_EQ(strspn(r1, REFERENCE_CHARS), REFERENCE_TEXT - 1);
}

const struct unit_test answers_tests[] = {
	TEST(test_answers_same_answers_same_digest),
	TEST(test_answers_order_is_canonical),
	TEST(test_answers_one_byte_changed),
	TEST(test_answers_form_version_and_key_count),
	TEST(test_answers_correction_reference),
};
const size_t answers_ntests = NTESTS(answers_tests);
