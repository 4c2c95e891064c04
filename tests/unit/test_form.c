/*
 * test_form.c: the generic validator and the two outputs built from its result
 * (form.c, docs/THREAT-MODEL.md threats 10 and 11).  Bodies go through the
 * real parser, urlenc_parse(), then form_validate(), as in page_form.c.  The
 * forms are built here by hand; in the service they come from the database.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "check.h"

/* The messages a person sees, as form.c words them. */
#define MSG_REQUIRED	"Enter an answer to this question"
#define MSG_CHOOSE_ONE	"Choose one option"
#define MSG_CHOOSE_SOME	"Choose at least one option"
#define MSG_NOT_OPTION	"Choose one of the options shown"
#define MSG_TOO_LONG	"Your answer is too long: use 10 characters or fewer"
#define MSG_ONE_LINE	"Write this answer on one line"
#define MSG_BAD_BYTES	"This answer has characters we cannot accept. " \
			"Please type it again"
#define MSG_EMAIL	"Enter an email address in the right format, like " \
			"name@example.com"
#define MSG_TEL		"Enter a phone number, like 07700 900 982"
#define MSG_DATE	"Enter a real date, like 2024-03-27"

static struct field_option contact_opts[] = {
	{ .value = "phone", .label = "Phone", .hint = "", .notice = "" },
	{ .value = "email", .label = "Email", .hint = "", .notice = "" },
	{ .value = "none", .label = "Do not contact me", .hint = "",
	  .notice = "" },
};
static struct field_option needs_opts[] = {
	{ .value = "housing", .label = "Housing", .hint = "", .notice = "" },
	{ .value = "money", .label = "Money", .hint = "", .notice = "" },
	{ .value = "legal", .label = "Legal advice", .hint = "",
	  .notice = "" },
};
static struct field_option area_opts[] = {
	{ .value = "north", .label = "North", .hint = "", .notice = "" },
	{ .value = "south", .label = "South", .hint = "", .notice = "" },
};

/* Field indices of the main form, in field order. */
enum { F_NAME, F_STORY, F_EMAIL, F_PHONE, F_WHEN, F_CONTACT, F_NEEDS,
    F_AREA, NF };

static struct field fields[NF] = {
	[F_NAME] = { .name = "name", .kind = FIELD_TEXT, .label = "Name",
	    .required = 1, .sensitive = 1, .max_length = 100 },
	[F_STORY] = { .name = "story", .kind = FIELD_TEXTAREA,
	    .label = "What happened", .max_length = 10 },
	[F_EMAIL] = { .name = "email", .kind = FIELD_EMAIL, .label = "Email",
	    .max_length = 200 },
	[F_PHONE] = { .name = "phone", .kind = FIELD_TEL, .label = "Phone",
	    .max_length = 30 },
	[F_WHEN] = { .name = "when", .kind = FIELD_DATE, .label = "When",
	    .max_length = 10 },
	[F_CONTACT] = { .name = "contact", .kind = FIELD_RADIO,
	    .label = "Contact", .required = 1, .options = contact_opts,
	    .noptions = 3 },
	[F_NEEDS] = { .name = "needs", .kind = FIELD_CHECKBOXES,
	    .label = "Needs", .options = needs_opts, .noptions = 3 },
	[F_AREA] = { .name = "area", .kind = FIELD_SELECT, .label = "Area",
	    .options = area_opts, .noptions = 2 },
};

static const struct form form = {
	.id = 1, .version_id = 1, .name = "report", .title = "Report",
	.opens_at = INT64_MIN, .closes_at = INT64_MAX,
	.fields = fields, .nfields = NF,
};

/* A second form: required choices, and sensitive checkboxes. */
static struct field fields2[] = {
	{ .name = "help", .kind = FIELD_CHECKBOXES, .label = "Help",
	    .required = 1, .sensitive = 1, .options = needs_opts,
	    .noptions = 3 },
	{ .name = "area", .kind = FIELD_SELECT, .label = "Area",
	    .required = 1, .options = area_opts, .noptions = 2 },
};

static const struct form form2 = {
	.id = 2, .version_id = 1, .name = "help", .title = "Help",
	.opens_at = INT64_MIN, .closes_at = INT64_MAX,
	.fields = fields2, .nfields = 2,
};

/* Every answer of the main form, valid. */
#define VALID	"name=Ann+Lee&story=Hi&email=ann%40example.org" \
		"&phone=07700+900+982&when=2024-02-29&contact=email" \
		"&needs=housing&needs=legal&area=north"
/* Only what is required. */
#define MINIMAL	"name=Ann&contact=none"

/* One validation: the parsed body, the field values, the outcome. */
struct run {
	struct kvlist		 kv;
	struct fieldval		 vals[NF];
	size_t			 nerrors;
	enum form_reject	 r;
};

static enum form_reject
validate_form(struct run *x, const struct form *f, const char *body)
{
	memset(x, 0, sizeof(*x));
	if (urlenc_parse(body, strlen(body), 100, &x->kv) != URLENC_OK) {
		CHECK(!"urlenc_parse failed on a test body");
		return x->r = FORM_NOMEM;
	}
	x->r = form_validate(f, &x->kv, x->vals, &x->nerrors);
	return x->r;
}

static enum form_reject
validate(struct run *x, const char *body)
{
	return validate_form(x, &form, body);
}

static void
done(struct run *x)
{
	fieldvals_free(x->vals, NF);
	urlenc_free(&x->kv);
}

/* 1 if field i, and no other, has an error, and it is msg. */
static int
only_error(const struct run *x, size_t i, const char *msg)
{
	size_t	 k;

	for (k = 0; k < NF; k++)
		if ((k == i) != (x->vals[k].error[0] != '\0'))
			return 0;
	return x->nerrors == 1 && strcmp(x->vals[i].error, msg) == 0;
}

/* 1 if field i holds exactly the one value v. */
static int
one_value(const struct run *x, size_t i, const char *v)
{
	return x->vals[i].nvals == 1 && strcmp(x->vals[i].vals[0], v) == 0;
}

static void
test_form_valid_accept(void)
{
	struct run	 x;
	size_t		 i;

	CHECK(validate(&x, VALID) == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	for (i = 0; i < NF; i++)
		CHECK_STR(x.vals[i].error, "");
	CHECK(one_value(&x, F_NAME, "Ann Lee"));
	CHECK(one_value(&x, F_STORY, "Hi"));
	CHECK(one_value(&x, F_EMAIL, "ann@example.org"));
	CHECK(one_value(&x, F_PHONE, "07700 900 982"));
	CHECK(one_value(&x, F_WHEN, "2024-02-29"));
	CHECK(one_value(&x, F_CONTACT, "email"));
	CHECK_EQ(x.vals[F_NEEDS].nvals, 2);
	CHECK_STR(x.vals[F_NEEDS].vals[0], "housing");
	CHECK_STR(x.vals[F_NEEDS].vals[1], "legal");
	CHECK(one_value(&x, F_AREA, "north"));
	done(&x);
}

static void
test_form_plain_json(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, VALID) == FORM_ACCEPT);
	CHECK(form_plain_json(&form, x.vals, &b) == 0);
	/* Field order, not body order; the sensitive name is left out. */
	CHECK_STR(b.data, "{\"story\":\"Hi\",\"email\":\"ann@example.org\","
	    "\"phone\":\"07700 900 982\",\"when\":\"2024-02-29\","
	    "\"contact\":\"email\",\"needs\":[\"housing\",\"legal\"],"
	    "\"area\":\"north\"}");
	buf_free(&b);
	done(&x);
}

static void
test_form_sensitive_pairs(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, VALID) == FORM_ACCEPT);
	CHECK(form_sensitive_pairs(&form, x.vals, &b) == 0);
	CHECK_MEM(b.data, b.len, "name\0Ann Lee\0", 13);
	buf_free(&b);
	done(&x);
}

static void
test_form_outputs_only_answered(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, "area=south&" MINIMAL "&needs=money&email=")
	    == FORM_ACCEPT);
	CHECK(form_plain_json(&form, x.vals, &b) == 0);
	CHECK_STR(b.data, "{\"contact\":\"none\",\"needs\":[\"money\"],"
	    "\"area\":\"south\"}");
	buf_reset(&b);
	CHECK(form_sensitive_pairs(&form, x.vals, &b) == 0);
	CHECK_MEM(b.data, b.len, "name\0Ann\0", 9);
	buf_free(&b);
	done(&x);
}

static void
test_form_outputs_nothing_answered(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, "") == FORM_ACCEPT);
	CHECK(form_plain_json(&form, x.vals, &b) == 0);
	CHECK_STR(b.data, "{}");
	buf_reset(&b);
	CHECK(form_sensitive_pairs(&form, x.vals, &b) == 0);
	CHECK_EQ(b.len, 0);
	buf_free(&b);
	done(&x);
}

static void
test_form_plain_json_escapes(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, MINIMAL "&story=a%22b%0D%0A%5Cc") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(form_plain_json(&form, x.vals, &b) == 0);
	CHECK_STR(b.data, "{\"story\":\"a\\u0022b\\u000a\\u005cc\","
	    "\"contact\":\"none\"}");
	buf_free(&b);
	done(&x);
}

static void
test_form_sensitive_checkboxes_pairs(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	/* Each value of a sensitive multi-valued field repeats its name. */
	CHECK(validate_form(&x, &form2, "help=legal&help=housing&area=south")
	    == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(form_sensitive_pairs(&form2, x.vals, &b) == 0);
	CHECK_MEM(b.data, b.len, "help\0legal\0help\0housing\0", 24);
	buf_reset(&b);
	CHECK(form_plain_json(&form2, x.vals, &b) == 0);
	CHECK_STR(b.data, "{\"area\":\"south\"}");
	buf_free(&b);
	done(&x);
}

static void
test_form_missing_required(void)
{
	struct run	 x;

	CHECK(validate(&x, "contact=none") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NAME, MSG_REQUIRED));
	done(&x);
	CHECK(validate(&x, "name=Ann") == FORM_ACCEPT);
	CHECK(only_error(&x, F_CONTACT, MSG_CHOOSE_ONE));
	done(&x);
	CHECK(validate(&x, "") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 2);
	CHECK_STR(x.vals[F_NAME].error, MSG_REQUIRED);
	CHECK_STR(x.vals[F_CONTACT].error, MSG_CHOOSE_ONE);
	done(&x);
}

static void
test_form_blank_required(void)
{
	struct run	 x;

	/* White space alone is no answer. */
	CHECK(validate(&x, "name=+%09+%0D%0A&contact=none") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NAME, MSG_REQUIRED));
	CHECK_EQ(x.vals[F_NAME].nvals, 0);
	done(&x);
}

static void
test_form_required_choice_messages(void)
{
	struct run	 x;

	CHECK(validate_form(&x, &form2, "") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 2);
	CHECK_STR(x.vals[0].error, MSG_CHOOSE_SOME);
	CHECK_STR(x.vals[1].error, MSG_CHOOSE_ONE);
	done(&x);
}

static void
test_form_unknown_field(void)
{
	static const char *const bodies[] = {
		MINIMAL "&colour=red",
		MINIMAL "&nam=x",
		MINIMAL "&Name=x",
		MINIMAL "&name%00=x",	/* "name" then a NUL */
		MINIMAL "&=x",
		MINIMAL "&_tokenx=1",
		"colour=",		/* even empty */
	};
	struct run	 x;
	size_t		 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		CHECK(validate(&x, bodies[i]) == FORM_UNKNOWN_FIELD);
		done(&x);
	}
}

static void
test_form_repeated_single_valued(void)
{
	static const char *const bodies[] = {
		MINIMAL "&contact=phone",
		MINIMAL "&contact=none",	/* the same value twice too */
		MINIMAL "&name=Bob",
		MINIMAL "&area=north&area=south",
		MINIMAL "&when=2024-01-01&when=2024-01-02",
		MINIMAL "&story=a&story=b",
	};
	struct run	 x;
	size_t		 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		CHECK(validate(&x, bodies[i]) == FORM_REPEATED_FIELD);
		done(&x);
	}
}

static void
test_form_checkboxes_count(void)
{
	struct run	 x;

	CHECK(validate(&x, MINIMAL "&needs=legal&needs=money&needs=housing")
	    == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK_EQ(x.vals[F_NEEDS].nvals, 3);
	done(&x);
	/* More values than options is no browser's doing. */
	CHECK(validate(&x, MINIMAL "&needs=legal&needs=money&needs=housing"
	    "&needs=legal") == FORM_REPEATED_FIELD);
	done(&x);
	/* The same option twice counts once. */
	CHECK(validate(&x, MINIMAL "&needs=money&needs=money") ==
	    FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_NEEDS, "money"));
	done(&x);
}

static void
test_form_honeypot(void)
{
	struct run	 x;

	CHECK(validate(&x, VALID "&_homepage=x") == FORM_HONEYPOT);
	done(&x);
	CHECK(validate(&x, "_homepage=http%3A%2F%2Fspam&" VALID) ==
	    FORM_HONEYPOT);
	done(&x);
	/* Any byte at all fills it: a browser leaves it empty. */
	CHECK(validate(&x, VALID "&_homepage=+") == FORM_HONEYPOT);
	done(&x);
	CHECK(validate(&x, VALID "&_homepage=") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
	CHECK(validate(&x, "_homepage&" VALID) == FORM_ACCEPT);
	done(&x);
}

static void
test_form_token_ignored_by_validate(void)
{
	struct run	 x;

	CHECK(validate(&x, "_token=abc&" VALID "&_token=def") ==
	    FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
}

static void
test_form_token_value(void)
{
	struct kvlist	 kv;
	const char	*val = NULL;
	size_t		 len = 0;

	CHECK(urlenc_parse("a=1&_token=xY-_9&b=2", sizeof("a=1&_token=xY-_9&b=2") - 1, 10, &kv) ==
	    URLENC_OK);
	CHECK(form_token_value(&kv, &val, &len) == 1);
	CHECK(val != NULL && len == 5 && memcmp(val, "xY-_9", 5) == 0);
	urlenc_free(&kv);

	CHECK(urlenc_parse("a=1&_tokens=x&token=y", sizeof("a=1&_tokens=x&token=y") - 1, 10, &kv) ==
	    URLENC_OK);
	CHECK(form_token_value(&kv, &val, &len) == 0);
	urlenc_free(&kv);

	CHECK(urlenc_parse("_token=x&_token=x", sizeof("_token=x&_token=x") - 1, 10, &kv) == URLENC_OK);
	CHECK(form_token_value(&kv, &val, &len) == -1);
	urlenc_free(&kv);

	/* The length is the decoded one, NUL included. */
	CHECK(urlenc_parse("_token=a%00b", sizeof("_token=a%00b") - 1, 10, &kv) == URLENC_OK);
	CHECK(form_token_value(&kv, &val, &len) == 1);
	CHECK_EQ(len, 3);
	urlenc_free(&kv);
}

static void
test_form_choice_not_in_options(void)
{
	struct run	 x;

	CHECK(validate(&x, "name=Ann&contact=fax") == FORM_ACCEPT);
	CHECK(only_error(&x, F_CONTACT, MSG_NOT_OPTION));
	done(&x);
	CHECK(validate(&x, "name=Ann&contact=Email") == FORM_ACCEPT);
	CHECK(only_error(&x, F_CONTACT, MSG_NOT_OPTION));
	done(&x);
	CHECK(validate(&x, MINIMAL "&area=east") == FORM_ACCEPT);
	CHECK(only_error(&x, F_AREA, MSG_NOT_OPTION));
	done(&x);
	CHECK(validate(&x, MINIMAL "&needs=money&needs=cash") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NEEDS, MSG_NOT_OPTION));
	done(&x);
}

/* Fields are found whatever order they come in (the search starts after
 * the last one found and wraps), and an unknown name is still refused. */
static void
test_form_fields_in_any_order(void)
{
	struct run	 x;

	CHECK(validate(&x, "area=south&needs=housing&contact=none"
	    "&when=2024-03-27&story=hi&name=Ann&needs=legal") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_NAME, "Ann"));
	CHECK(one_value(&x, F_AREA, "south"));
	CHECK(one_value(&x, F_STORY, "hi"));
	CHECK_EQ(x.vals[F_NEEDS].nvals, 2);
	done(&x);
	CHECK(validate(&x, "area=south&name=Ann&contact=none&nosuch=1") ==
	    FORM_UNKNOWN_FIELD);
	done(&x);
}

/* The limit counts characters after trimming and after CRLF becomes LF:
 * "  ééé\r\nabcde  " is 9 characters once stored, 11 before folding and
 * 15 before trimming. */
static void
test_form_length_counted_after_trim_and_crlf(void)
{
	struct run	 x;

	CHECK(validate(&x, MINIMAL "&story=%20%20%C3%A9%C3%A9%C3%A9%0D%0A"
	    "abcde%20%20") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_STORY, "\xc3\xa9\xc3\xa9\xc3\xa9\nabcde"));
	done(&x);
	/* Ten characters with a folded line break: accepted; eleven: not. */
	CHECK(validate(&x, MINIMAL "&story=%C3%A9%C3%A9%C3%A9%C3%A9%0D%0A"
	    "abcde%20") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
	CHECK(validate(&x, MINIMAL "&story=%C3%A9%C3%A9%C3%A9%C3%A9%0D%0A"
	    "abcdef%20") == FORM_ACCEPT);
	CHECK(only_error(&x, F_STORY, MSG_TOO_LONG));
	done(&x);
}

static void
test_form_textarea_max_length(void)
{
	struct run	 x;

	CHECK(validate(&x, MINIMAL "&story=0123456789") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_STORY, "0123456789"));
	done(&x);
	CHECK(validate(&x, MINIMAL "&story=0123456789a") == FORM_ACCEPT);
	CHECK(only_error(&x, F_STORY, MSG_TOO_LONG));
	done(&x);
}

static void
test_form_max_length_counts_code_points(void)
{
	struct run	 x;

	/* Ten é are 20 bytes but 10 characters; ten emoji are 40 bytes. */
	CHECK(validate(&x, MINIMAL "&story=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
	    "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
	CHECK(validate(&x, MINIMAL "&story=%F0%9F%98%80%F0%9F%98%80"
	    "%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80"
	    "%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
	CHECK(validate(&x, MINIMAL "&story=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
	    "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9") == FORM_ACCEPT);
	CHECK(only_error(&x, F_STORY, MSG_TOO_LONG));
	done(&x);
}

static void
test_form_textarea_newlines(void)
{
	struct run	 x;

	CHECK(validate(&x, MINIMAL "&story=a%0D%0Ab%0Dc%0Ad") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_STORY, "a\nb\nc\nd"));
	done(&x);
	/* CRLF is one character once normalised: 10 fit. */
	CHECK(validate(&x, MINIMAL "&story=12345%0D%0A6789") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_STORY, "12345\n6789"));
	done(&x);
}

static void
test_form_trims_spaces(void)
{
	struct run	 x;

	CHECK(validate(&x, "name=++Ann+Lee++&contact=+none%09&story=%0D%0A"
	    "+Hi+%0D%0A") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_NAME, "Ann Lee"));
	CHECK(one_value(&x, F_CONTACT, "none"));
	CHECK(one_value(&x, F_STORY, "Hi"));
	done(&x);
	/* A line break at either end of a one-line field is trimmed too. */
	CHECK(validate(&x, "name=%0D%0AAnn%0A&contact=none") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK(one_value(&x, F_NAME, "Ann"));
	done(&x);
}

static void
test_form_one_line_fields(void)
{
	struct run	 x;

	CHECK(validate(&x, "name=Ann%0ALee&contact=none") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NAME, MSG_ONE_LINE));
	done(&x);
	CHECK(validate(&x, "name=Ann%0DLee&contact=none") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NAME, MSG_ONE_LINE));
	done(&x);
	CHECK(validate(&x, "name=Ann%0D%0ALee&contact=none") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NAME, MSG_ONE_LINE));
	done(&x);
	/* A TAB is allowed inside. */
	CHECK(validate(&x, "name=Ann%09Lee&contact=none") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	done(&x);
}

static void
test_form_bad_bytes_blanked(void)
{
	static const char *const bad[] = {
		"%C3",			/* truncated */
		"Ann%00Lee",		/* NUL */
		"Ann%1B%5B2J",		/* ESC */
		"Ann%7F",		/* DEL */
		"Ann%C2%80",		/* C1 */
		"%ED%A0%80",		/* surrogate */
		"%C0%AF",		/* overlong */
		"%FF",
	};
	struct run	 x;
	char		 body[64];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "contact=none&name=%s", bad[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK(only_error(&x, F_NAME, MSG_BAD_BYTES));
		/* Not kept, and blanked where the page could echo it. */
		CHECK_EQ(x.vals[F_NAME].nvals, 0);
		CHECK(x.kv.n == 2 && x.kv.kv[1].value[0] == '\0');
		done(&x);
	}
}

static void
test_form_bad_bytes_in_choice(void)
{
	struct run	 x;

	CHECK(validate(&x, "name=Ann&contact=none%00") == FORM_ACCEPT);
	CHECK(only_error(&x, F_CONTACT, MSG_BAD_BYTES));
	CHECK_EQ(x.vals[F_CONTACT].nvals, 0);
	done(&x);
	CHECK(validate(&x, MINIMAL "&needs=money&needs=%FF") == FORM_ACCEPT);
	CHECK(only_error(&x, F_NEEDS, MSG_BAD_BYTES));
	done(&x);
}

static void
test_form_email(void)
{
	static const char *const bad[] = {
		"x", "a%40b", "%40b.c", "a+b%40c.d", "a%40%40b.c", "a%40b.",
		"a%40.com", "a%40b%2Cc.d", "%3Ca%40b.c%3E",
	};
	static const char *const good[] = {
		"a%40b.co", "first.last%2Btag%40mail.example.org",
	};
	struct run	 x;
	char		 body[96];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&email=%s", bad[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK(only_error(&x, F_EMAIL, MSG_EMAIL));
		done(&x);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&email=%s", good[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK_EQ(x.nerrors, 0);
		done(&x);
	}
}

static void
test_form_tel(void)
{
	static const char *const bad[] = {
		"123456", "0770+abc+9999", "1234567890123456",
		"07700+900+982+ext+1", "07700.900.982",
	};
	static const char *const good[] = {
		"1234567", "123456789012345", "%2B44+%280%297700-900982",
	};
	struct run	 x;
	char		 body[96];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&phone=%s", bad[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK(only_error(&x, F_PHONE, MSG_TEL));
		done(&x);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&phone=%s", good[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK_EQ(x.nerrors, 0);
		done(&x);
	}
}

static void
test_form_date(void)
{
	static const char *const bad[] = {
		"2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10",
		"2024-04-31", "2024-01-00", "2024-01-32", "2024-1-01",
		"1899-12-31", "2101-01-01", "2100-02-29", "2024%2F01%2F01",
		"01-01-2024", "2024-01-1x", "+2024-01-1",
	};
	static const char *const good[] = {
		"2024-02-29", "2000-02-29", "2023-12-31", "1900-01-01",
		"2100-12-31",
	};
	struct run	 x;
	char		 body[96];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&when=%s", bad[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK(only_error(&x, F_WHEN, MSG_DATE));
		done(&x);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), MINIMAL "&when=%s", good[i]);
		CHECK(validate(&x, body) == FORM_ACCEPT);
		CHECK_EQ(x.nerrors, 0);
		done(&x);
	}
}

static void
test_form_empty_optional_is_absent(void)
{
	struct run	 x;
	struct buf	 b = { 0 };

	CHECK(validate(&x, MINIMAL "&story=&email=&phone=+&when=&needs="
	    "&area=") == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 0);
	CHECK_EQ(x.vals[F_STORY].nvals, 0);
	CHECK_EQ(x.vals[F_EMAIL].nvals, 0);
	CHECK_EQ(x.vals[F_PHONE].nvals, 0);
	CHECK_EQ(x.vals[F_WHEN].nvals, 0);
	CHECK_EQ(x.vals[F_NEEDS].nvals, 0);
	CHECK_EQ(x.vals[F_AREA].nvals, 0);
	CHECK(form_plain_json(&form, x.vals, &b) == 0);
	CHECK_STR(b.data, "{\"contact\":\"none\"}");
	buf_free(&b);
	done(&x);
}

static void
test_form_errors_counted_per_field(void)
{
	struct run	 x;

	CHECK(validate(&x, "email=x&phone=1&when=2023-02-29&needs=cash")
	    == FORM_ACCEPT);
	CHECK_EQ(x.nerrors, 6);
	CHECK_STR(x.vals[F_NAME].error, MSG_REQUIRED);
	CHECK_STR(x.vals[F_STORY].error, "");
	CHECK_STR(x.vals[F_EMAIL].error, MSG_EMAIL);
	CHECK_STR(x.vals[F_PHONE].error, MSG_TEL);
	CHECK_STR(x.vals[F_WHEN].error, MSG_DATE);
	CHECK_STR(x.vals[F_CONTACT].error, MSG_CHOOSE_ONE);
	CHECK_STR(x.vals[F_NEEDS].error, MSG_NOT_OPTION);
	CHECK_STR(x.vals[F_AREA].error, "");
	done(&x);
}

static void
test_form_fieldvals_free(void)
{
	struct fieldval	 v[2];

	fieldvals_free(NULL, 0);
	memset(v, 0, sizeof(v));
	fieldvals_free(v, 2);
}

static void
test_form_field_kinds(void)
{
	enum field_kind	 k, back;

	for (k = 0; k < FIELD__MAX; k++) {
		CHECK(field_kind_from_name(field_kind_name(k), &back) == 0);
		CHECK(back == k);
	}
	CHECK_STR(field_kind_name(FIELD_CHECKBOXES), "checkboxes");
	CHECK(field_kind_from_name("Text", &back) == -1);
	CHECK(field_kind_from_name("", &back) == -1);
	CHECK(field_kind_from_name("password", &back) == -1);
	CHECK(field_is_choice(&fields[F_CONTACT]));
	CHECK(field_is_choice(&fields[F_NEEDS]));
	CHECK(field_is_choice(&fields[F_AREA]));
	CHECK(!field_is_choice(&fields[F_NAME]));
	CHECK(!field_is_choice(&fields[F_STORY]));
	CHECK(!field_is_choice(&fields[F_WHEN]));
}

static void
test_form_is_open(void)
{
	struct form	 f = form;

	CHECK(form_is_open(&f, 0));
	CHECK(form_is_open(&f, INT64_MIN));
	f.opens_at = 100;
	f.closes_at = 200;
	CHECK(!form_is_open(&f, 99));
	CHECK(form_is_open(&f, 100));
	CHECK(form_is_open(&f, 199));
	CHECK(!form_is_open(&f, 200));	/* closes_at is the first shut second */
}

static void
test_formset_find(void)
{
	struct form	 forms[2] = { form, form2 };
	struct formset	 set = { forms, 2 };

	CHECK(formset_find(&set, "report", 6) == &forms[0]);
	CHECK(formset_find(&set, "help", 4) == &forms[1]);
	/* The name is name[0..len), which must match whole. */
	CHECK(formset_find(&set, "reportx", 6) == &forms[0]);
	CHECK(formset_find(&set, "repor", 5) == NULL);
	CHECK(formset_find(&set, "reports", 7) == NULL);
	CHECK(formset_find(&set, "", 0) == NULL);
}

const struct unit_test form_tests[] = {
	TEST(test_form_valid_accept),
	TEST(test_form_plain_json),
	TEST(test_form_sensitive_pairs),
	TEST(test_form_outputs_only_answered),
	TEST(test_form_outputs_nothing_answered),
	TEST(test_form_plain_json_escapes),
	TEST(test_form_sensitive_checkboxes_pairs),
	TEST(test_form_missing_required),
	TEST(test_form_blank_required),
	TEST(test_form_required_choice_messages),
	TEST(test_form_unknown_field),
	TEST(test_form_repeated_single_valued),
	TEST(test_form_checkboxes_count),
	TEST(test_form_honeypot),
	TEST(test_form_token_ignored_by_validate),
	TEST(test_form_token_value),
	TEST(test_form_choice_not_in_options),
	TEST(test_form_textarea_max_length),
	TEST(test_form_length_counted_after_trim_and_crlf),
	TEST(test_form_fields_in_any_order),
	TEST(test_form_max_length_counts_code_points),
	TEST(test_form_textarea_newlines),
	TEST(test_form_trims_spaces),
	TEST(test_form_one_line_fields),
	TEST(test_form_bad_bytes_blanked),
	TEST(test_form_bad_bytes_in_choice),
	TEST(test_form_email),
	TEST(test_form_tel),
	TEST(test_form_date),
	TEST(test_form_empty_optional_is_absent),
	TEST(test_form_errors_counted_per_field),
	TEST(test_form_fieldvals_free),
	TEST(test_form_field_kinds),
	TEST(test_form_is_open),
	TEST(test_formset_find),
};
const size_t form_ntests = NTESTS(form_tests);
