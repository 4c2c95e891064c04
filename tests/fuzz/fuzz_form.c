/*
 * fuzz_form.c: libFuzzer harness for the whole body path of a POST, short
 * of the network and the database: urlenc_parse(), form_token_value(),
 * form_validate(), then form_plain_json() and form_sensitive_pairs(), the
 * two things stored (docs/THREAT-MODEL.md threats 10, 11, 16).
 *
 * The form is built by hand with one field of every kind (and a sensitive
 * choice), in the shape store.c loads from the database.  The input is a
 * body; its first byte picks the field-count limit (the one page_form.c
 * uses, or a loose one so more bodies reach the validator).  Checked:
 *
 *  - the refusal (unknown, repeated, honeypot) against a model that walks
 *    the pairs in order;
 *  - every kept value: valid UTF-8 text, trimmed, not empty, no CR (and no
 *    LF outside a textarea), no repeats, inside the parser's arena, and,
 *    when its field has no error, within max_length code points or one of
 *    the options;
 *  - the error count, and required fields;
 *  - the plain JSON parses (a small strict parser here) into exactly the
 *    plain fields' values, and the sensitive pairs list exactly the
 *    sensitive fields' values.
 */
#include <stdint.h>
#include <string.h>

#include "form.h"
#include "fuzz_common.h"

static struct field_option when_opts[] = {
	{ "week", "In the last 7 days", "", "Call the 24-hour line" },
	{ "month", "In the last month", "", "" },
	{ "older", "Longer ago", "", "" },
};
static struct field_option help_opts[] = {
	{ "talk", "Someone to talk to", "", "" },
	{ "housing", "Housing", "", "" },
	{ "legal", "Legal advice", "", "" },
};
static struct field_option borough_opts[] = {
	{ "camden", "Camden", "", "" },
	{ "hackney", "Hackney", "", "" },
};
static struct field_option tag_opts[] = {
	{ "a", "A", "", "" },
	{ "b", "B", "", "" },
};

#define F(n, k, req, sens, max, opts, nopts) \
	{ n, k, "Section", "Label", "", req, sens, max, opts, nopts }
static struct field fields[] = {
	F("name", FIELD_TEXT, 1, 1, 10, NULL, 0),
	F("story", FIELD_TEXTAREA, 0, 1, 40, NULL, 0),
	F("email", FIELD_EMAIL, 0, 1, 50, NULL, 0),
	F("phone", FIELD_TEL, 0, 1, 20, NULL, 0),
	F("when", FIELD_RADIO, 1, 0, 200, when_opts, 3),
	F("help", FIELD_CHECKBOXES, 0, 0, 200, help_opts, 3),
	F("borough", FIELD_SELECT, 0, 1, 200, borough_opts, 2),
	F("date", FIELD_DATE, 0, 1, 10, NULL, 0),
	F("tags", FIELD_CHECKBOXES, 0, 1, 200, tag_opts, 2),
	F("e\xcc\x81t\xc3\xa9", FIELD_TEXT, 0, 1, 3, NULL, 0),
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static const struct form form = {
	.id = 2, .version_id = 5, .name = "referral", .title = "Get support",
	.summary = "", .intro = "", .privacy = "", .submit_label = "Send",
	.confirmation = "", .closes_text = "",
	.opens_at = INT64_MIN, .closes_at = INT64_MAX,
	.fields = fields, .nfields = NFIELDS,
};

static size_t
cap_of(const struct field *f)
{
	return f->kind == FIELD_CHECKBOXES ? f->noptions : 1;
}

static int
is_name(const struct kv *p, const char *s)
{
	return p->namelen == strlen(s) && memcmp(p->name, s, p->namelen) == 0;
}

/* The refusal form_validate() should give, walking the pairs in order. */
static enum form_reject
model_reject(const struct kvlist *l)
{
	size_t	 count[NFIELDS] = { 0 }, i, j;

	for (i = 0; i < l->n; i++) {
		const struct kv *p = &l->kv[i];

		if (is_name(p, FIELD_TOKEN))
			continue;
		if (is_name(p, FIELD_HONEYPOT)) {
			if (p->valuelen > 0)
				return FORM_HONEYPOT;
			continue;
		}
		for (j = 0; j < NFIELDS; j++)
			if (is_name(p, fields[j].name))
				break;
		if (j == NFIELDS)
			return FORM_UNKNOWN_FIELD;
		if (++count[j] > cap_of(&fields[j]))
			return FORM_REPEATED_FIELD;
	}
	return FORM_ACCEPT;
}

/* ---- a strict little JSON reader for what form_plain_json writes ---- */

struct jr {
	const char	*p, *end;
};

static int
hex4(const char *p, unsigned *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* Reads a string into out (at most outsz bytes); returns its length. */
static long
jr_string(struct jr *j, char *out, size_t outsz)
{
	size_t	 o = 0;
	unsigned v;

	FUZZ_CHECK(j->p < j->end && *j->p == '"', "JSON: string expected");
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;

		FUZZ_CHECK(c >= 0x20, "JSON: raw control byte 0x%02x", c);
		if (c == '\\') {
			FUZZ_CHECK(j->p < j->end, "JSON: dangling backslash");
			c = (unsigned char)*j->p++;
			if (c == 'u') {
				FUZZ_CHECK(j->end - j->p >= 4 &&
				    hex4(j->p, &v) == 0 && v < 0x80,
				    "JSON: bad \\u escape");
				c = (unsigned char)v;
				j->p += 4;
			} else {
				const char *m = strchr("\"\\/bfnrt", c);

				FUZZ_CHECK(c != '\0' && m != NULL,
				    "JSON: bad escape \\%c", c);
				c = (unsigned char)"\"\\/\b\f\n\r\t"[m -
				    "\"\\/bfnrt"];
			}
		}
		FUZZ_CHECK(o < outsz, "JSON: string longer than the input");
		out[o++] = (char)c;
	}
	FUZZ_CHECK(j->p < j->end, "JSON: unterminated string");
	j->p++;
	return (long)o;
}

static void
jr_expect(struct jr *j, char c)
{
	FUZZ_CHECK(j->p < j->end && *j->p == c, "JSON: '%c' expected at %zu",
	    c, (size_t)(j->end - j->p));
	j->p++;
}

static void
check_json(const struct buf *b, const struct fieldval *vals, char *tmp,
    size_t tmpsz)
{
	struct jr	 j = { b->data, b->data + b->len };
	size_t		 i, k;
	long		 n;
	int		 first = 1;

	FUZZ_CHECK(b->data != NULL && strlen(b->data) == b->len,
	    "JSON holds a NUL");
	FUZZ_CHECK(utf8_check(b->data, b->len, NULL) == UTF8_OK,
	    "JSON is not clean UTF-8 text");
	jr_expect(&j, '{');
	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		if (f->sensitive || vals[i].nvals == 0)
			continue;
		if (!first)
			jr_expect(&j, ',');
		first = 0;
		n = jr_string(&j, tmp, tmpsz);
		FUZZ_CHECK((size_t)n == strlen(f->name) &&
		    memcmp(tmp, f->name, (size_t)n) == 0,
		    "JSON key is not %s", f->name);
		jr_expect(&j, ':');
		if (f->kind == FIELD_CHECKBOXES)
			jr_expect(&j, '[');
		for (k = 0; k < vals[i].nvals; k++) {
			if (k > 0)
				jr_expect(&j, ',');
			n = jr_string(&j, tmp, tmpsz);
			FUZZ_CHECK((size_t)n == strlen(vals[i].vals[k]) &&
			    memcmp(tmp, vals[i].vals[k], (size_t)n) == 0,
			    "JSON value of %s differs", f->name);
		}
		if (f->kind == FIELD_CHECKBOXES)
			jr_expect(&j, ']');
	}
	jr_expect(&j, '}');
	FUZZ_CHECK(j.p == j.end, "JSON: bytes after the object");
}

static void
check_pairs(const struct buf *b, const struct fieldval *vals)
{
	size_t	 i, k, pos = 0, n;

	for (i = 0; i < NFIELDS; i++) {
		if (!fields[i].sensitive)
			continue;
		for (k = 0; k < vals[i].nvals; k++) {
			n = strlen(fields[i].name) + 1;
			FUZZ_CHECK(pos + n <= b->len &&
			    memcmp(b->data + pos, fields[i].name, n) == 0,
			    "sensitive pairs: name %s missing", fields[i].name);
			pos += n;
			n = strlen(vals[i].vals[k]) + 1;
			FUZZ_CHECK(pos + n <= b->len &&
			    memcmp(b->data + pos, vals[i].vals[k], n) == 0,
			    "sensitive pairs: value of %s differs",
			    fields[i].name);
			pos += n;
		}
	}
	FUZZ_CHECK(pos == b->len, "sensitive pairs: %zu bytes extra",
	    b->len - pos);
}

static int
in_list(const struct kvlist *l, const char *v)
{
	return l->arena != NULL && v >= l->arena &&
	    v < l->arena + l->arenasz;
}

static void
check_values(const struct kvlist *l, const struct fieldval *vals,
    size_t nerrors)
{
	size_t	 i, k, m, len, ncp, errors = 0;

	for (i = 0; i < NFIELDS; i++) {
		const struct field	*f = &fields[i];
		const struct fieldval	*fv = &vals[i];
		int			 ok = fv->error[0] == '\0';

		FUZZ_CHECK(memchr(fv->error, '\0', sizeof(fv->error)) != NULL,
		    "%s: error message not terminated", f->name);
		errors += !ok;
		FUZZ_CHECK(fv->nvals <= cap_of(f), "%s: %zu values", f->name,
		    fv->nvals);
		if (ok && f->required)
			FUZZ_CHECK(fv->nvals > 0, "%s: required, empty, no error",
			    f->name);
		for (k = 0; k < fv->nvals; k++) {
			const char *v = fv->vals[k];

			FUZZ_CHECK(in_list(l, v), "%s: value outside the arena",
			    f->name);
			len = strlen(v);
			FUZZ_CHECK(len > 0, "%s: empty value kept", f->name);
			FUZZ_CHECK(utf8_check(v, len, &ncp) == UTF8_OK,
			    "%s: kept value is not text", f->name);
			FUZZ_CHECK(strchr(" \t\r\n", v[0]) == NULL &&
			    strchr(" \t\r\n", v[len - 1]) == NULL,
			    "%s: value not trimmed", f->name);
			/* A textarea's line breaks are LF whatever else is
			 * wrong; a one-line field keeps what was sent until
			 * it is refused for it (below). */
			if (f->kind == FIELD_TEXTAREA)
				FUZZ_CHECK(strchr(v, '\r') == NULL,
				    "%s: CR kept in a textarea", f->name);
			for (m = 0; m < k; m++)
				FUZZ_CHECK(strcmp(fv->vals[m], v) != 0,
				    "%s: the same value kept twice", f->name);
			if (!ok)
				continue;
			if (field_is_choice(f)) {
				for (m = 0; m < f->noptions; m++)
					if (strcmp(f->options[m].value, v) == 0)
						break;
				FUZZ_CHECK(m < f->noptions,
				    "%s: accepted a value not an option",
				    f->name);
				continue;
			}
			FUZZ_CHECK(ncp <= f->max_length,
			    "%s: %zu code points accepted, max %zu", f->name,
			    ncp, f->max_length);
			if (f->kind != FIELD_TEXTAREA)
				FUZZ_CHECK(strpbrk(v, "\r\n") == NULL,
				    "%s: line break accepted", f->name);
			if (f->kind == FIELD_EMAIL)
				FUZZ_CHECK(strchr(v, '@') != NULL,
				    "%s: accepted without @", f->name);
			if (f->kind == FIELD_DATE)
				FUZZ_CHECK(len == 10, "%s: date of %zu bytes",
				    f->name, len);
		}
	}
	FUZZ_CHECK(errors == nerrors, "%zu fields with errors, nerrors %zu",
	    errors, nerrors);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct kvlist		 l;
	struct fieldval		 vals[NFIELDS + 1];
	struct buf		 json = { 0 }, pairs = { 0 };
	enum form_reject	 r, want;
	size_t			 max = 2, i, nerrors = 12345, toklen = 0, ntok;
	const char		*tok = NULL;
	char			*tmp;
	int			 found;

	if (size == 0)
		return 0;
	for (i = 0; i < NFIELDS; i++)
		max += cap_of(&fields[i]);
	if (data[0] & 1)
		max = 64;
	if (urlenc_parse((const char *)data + 1, size - 1, max, &l) !=
	    URLENC_OK)
		goto out;

	found = form_token_value(&l, &tok, &toklen);
	for (i = 0, ntok = 0; i < l.n; i++)
		ntok += is_name(&l.kv[i], FIELD_TOKEN);
	FUZZ_CHECK(found == (ntok == 0 ? 0 : ntok == 1 ? 1 : -1),
	    "form_token_value %d for %zu tokens", found, ntok);
	if (found == 1)
		FUZZ_CHECK(in_list(&l, tok) && strlen(tok) <= toklen,
		    "token value outside the list");

	want = model_reject(&l);
	memset(vals, 0x5a, sizeof(vals));
	r = form_validate(&form, &l, vals, &nerrors);
	FUZZ_CHECK(r == want, "form_validate %d, model %d", (int)r, (int)want);
	if (r != FORM_ACCEPT) {
		fieldvals_free(vals, NFIELDS);
		goto out;
	}
	check_values(&l, vals, nerrors);

	if ((tmp = malloc(size + 64)) == NULL)
		abort();
	FUZZ_CHECK(form_plain_json(&form, vals, &json) == 0, "plain JSON");
	check_json(&json, vals, tmp, size + 64);
	free(tmp);
	FUZZ_CHECK(form_sensitive_pairs(&form, vals, &pairs) == 0,
	    "sensitive pairs");
	check_pairs(&pairs, vals);
	fieldvals_free(vals, NFIELDS);
out:
	buf_free(&json);
	buf_free(&pairs);
	urlenc_free(&l);
	return 0;
}
