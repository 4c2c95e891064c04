/*
 * form.c: forms as data, and the one generic validator.  No C code here
 * or anywhere names a question: the fields, their kinds, limits and
 * options come from the database (sql/), loaded at start by store.c.
 *
 * Validation happens in two layers (docs/CONTRIBUTING.md §3).  The
 * request layer refuses what no person could have sent with a browser:
 * unknown names, a repeated single-valued field, the honeypot filled.  The
 * field layer keeps, for each field, the message a person needs to put it
 * right (field.c checks one value against its kind).  Pure: no I/O, and
 * answers are cleaned where they lie in the request's arena, never copied.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "form.h"

const struct form *
formset_find(const struct formset *set, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		if (strlen(set->forms[i].name) == len &&
		    memcmp(set->forms[i].name, name, len) == 0)
			return &set->forms[i];
	return NULL;
}

const struct form *
formset_find_version(const struct formset *set, int32_t id)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		if (set->forms[i].version_id == id)
			return &set->forms[i];
	return NULL;
}

int
form_is_open(const struct form *f, int64_t now)
{
	return now >= f->opens_at && now < f->closes_at;
}

void
formset_free(struct formset *set)
{
	size_t	 i, j, k;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		struct form *f = &set->forms[i];

		for (j = 0; j < f->nfields; j++) {
			struct field *fd = &f->fields[j];

			for (k = 0; k < fd->noptions; k++) {
				free(fd->options[k].value);
				free(fd->options[k].label);
				free(fd->options[k].hint);
				free(fd->options[k].notice);
			}
			free(fd->options);
			free(fd->name);
			free(fd->section);
			free(fd->label);
			free(fd->hint);
		}
		free(f->fields);
		free(f->name);
		free(f->title);
		free(f->summary);
		free(f->intro);
		free(f->privacy);
		free(f->submit_label);
		free(f->confirmation);
		free(f->closes_text);
	}
	free(set->forms);
	set->forms = NULL;
	set->n = 0;
}

static int
is_reserved(const struct kv *kv, const char *name)
{
	return kv->namelen == strlen(name) &&
	    memcmp(kv->name, name, kv->namelen) == 0;
}

int
form_token_value(const struct kvlist *kv, const char **val, size_t *len)
{
	size_t	 i;
	int	 found = 0;

	for (i = 0; i < kv->n; i++) {
		if (!is_reserved(&kv->kv[i], FIELD_TOKEN))
			continue;
		if (found)
			return -1;
		found = 1;
		*val = kv->kv[i].value;
		*len = kv->kv[i].valuelen;
	}
	return found;
}

/* The field named by kv, or -1.  Browsers send fields in page order, so
 * the search starts just after the last one found (*hint) and wraps. */
static int
field_index(const struct form *f, const struct kv *kv, size_t *hint)
{
	size_t	 i, k;

	if (memchr(kv->name, '\0', kv->namelen) != NULL || f->nfields == 0)
		return -1;
	for (k = 0; k < f->nfields; k++) {
		i = (*hint + k) % f->nfields;
		if (strcmp(f->fields[i].name, kv->name) == 0) {
			*hint = i + 1;
			return (int)i;
		}
	}
	return -1;
}

/* Trims ASCII white space in place; returns the new start. */
static char *
trim(char *s, size_t *len)
{
	while (*len > 0 && strchr(" \t\r\n", s[*len - 1]) != NULL)
		s[--(*len)] = '\0';
	while (*len > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		(*len)--;
	}
	return s;
}

/* Browsers send CRLF for a textarea's line breaks; store LF. */
static void
normalise_newlines(char *s, size_t *len)
{
	size_t	 i, o = 0;

	for (i = 0; i < *len; i++) {
		if (s[i] == '\r') {
			s[o++] = '\n';
			if (i + 1 < *len && s[i + 1] == '\n')
				i++;
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
	*len = o;
}

int
form_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/*
 * Files pair p under its field f: FORM_ACCEPT; FORM_REPEATED_FIELD when f
 * already has all the values it can take (one, or one per checkbox); or
 * FORM_NOMEM.
 */
static enum form_reject
add_value(const struct field *f, struct fieldval *fv, struct kv *p)
{
	size_t	 cap = f->kind == FIELD_CHECKBOXES ? f->noptions : 1;

	if (fv->nvals >= cap)
		return FORM_REPEATED_FIELD;
	if (fv->vals == NULL) {
		/* One block: the values, then the pairs they came from (for
		 * their real lengths). */
		if ((fv->vals = calloc(cap, sizeof(*fv->vals) +
		    sizeof(*fv->src))) == NULL)
			return FORM_NOMEM;
		fv->src = (struct kv **)(fv->vals + cap);
	}
	fv->src[fv->nvals] = p;
	fv->vals[fv->nvals++] = p->value;
	return FORM_ACCEPT;
}

/* The request layer: names, repeats, the honeypot. */
static enum form_reject
collect(const struct form *form, struct kvlist *kv, struct fieldval *vals)
{
	size_t			 i, hint = 0;
	int			 idx;
	enum form_reject	 r;

	for (i = 0; i < kv->n; i++) {
		struct kv	*p = &kv->kv[i];

		if (is_reserved(p, FIELD_TOKEN))
			continue;
		if (is_reserved(p, FIELD_HONEYPOT)) {
			if (p->valuelen > 0)
				return FORM_HONEYPOT;
			continue;
		}
		if ((idx = field_index(form, p, &hint)) < 0)
			return FORM_UNKNOWN_FIELD;
		if ((r = add_value(&form->fields[idx], &vals[idx], p)) !=
		    FORM_ACCEPT)
			return r;
	}
	return FORM_ACCEPT;
}

/*
 * The answer in src made ready to check, in place: NULL if it is not text
 * (it is wiped and fv->error says so) or empty once trimmed.  *ncp is its
 * length in code points.
 */
static char *
clean_value(const struct field *f, struct fieldval *fv, struct kv *src,
    size_t *ncp)
{
	char	*v = src->value;
	/* Not strlen, which stops at a decoded NUL. */
	size_t	 len = src->valuelen, before;

	*ncp = 0;
	if (utf8_check(v, len, ncp) != UTF8_OK) {
		snprintf(fv->error, sizeof(fv->error), "This answer has "
		    "characters we cannot accept. Please type it again");
		/* Never echo or keep bad bytes. */
		sodium_memzero(v, len);
		src->valuelen = 0;
		return NULL;
	}
	before = len;
	if (f->kind == FIELD_TEXTAREA)
		normalise_newlines(v, &len);
	v = trim(v, &len);
	/* Both removed only ASCII, one code point per byte. */
	assert(*ncp >= before - len);
	*ncp -= before - len;
	return len == 0 ? NULL : v;	/* an empty answer is no answer */
}

/*
 * The field layer for one field: each value cleaned and checked (the first
 * message stays), a checkbox ticked twice kept once, then whether an answer
 * was required.  1 if the field has a message, else 0.
 */
static int
check_field(const struct field *f, struct fieldval *fv)
{
	size_t	 j, k, kept = 0, ncp;
	char	*v;

	for (j = 0; j < fv->nvals; j++) {
		if ((v = clean_value(f, fv, fv->src[j], &ncp)) == NULL)
			continue;
		/* Checkboxes: the same option twice counts once. */
		for (k = 0; k < kept; k++)
			if (strcmp(fv->vals[k], v) == 0)
				break;
		if (k < kept)
			continue;
		if (fv->error[0] == '\0')
			field_check_value(f, v, ncp, fv);
		fv->vals[kept++] = v;
	}
	fv->nvals = kept;
	if (fv->error[0] == '\0' && f->required && kept == 0)
		snprintf(fv->error, sizeof(fv->error), "%s",
		    field_required_message(f));
	return fv->error[0] != '\0';
}

enum form_reject
form_validate(const struct form *form, struct kvlist *kv,
    struct fieldval *vals, size_t *nerrors)
{
	size_t			 i;
	enum form_reject	 r;

	*nerrors = 0;
	memset(vals, 0, form->nfields * sizeof(*vals));
	if ((r = collect(form, kv, vals)) != FORM_ACCEPT)
		return r;
	for (i = 0; i < form->nfields; i++)
		*nerrors += (size_t)check_field(&form->fields[i], &vals[i]);
	return FORM_ACCEPT;
}

void
fieldvals_free(struct fieldval *vals, size_t n)
{
	size_t	 i;

	if (vals == NULL)
		return;
	for (i = 0; i < n; i++)
		free(vals[i].vals);
}

int
form_plain_json(const struct form *form, const struct fieldval *vals,
    struct buf *out)
{
	size_t	 i, j;
	int	 first = 1;

	if (buf_puts(out, "{") == -1)
		return -1;
	for (i = 0; i < form->nfields; i++) {
		const struct field *f = &form->fields[i];

		if (f->sensitive || vals[i].nvals == 0)
			continue;
		if ((!first && buf_puts(out, ",") == -1) ||
		    json_string(out, f->name, strlen(f->name)) == -1 ||
		    buf_puts(out, ":") == -1)
			return -1;
		first = 0;
		if (f->kind == FIELD_CHECKBOXES && buf_puts(out, "[") == -1)
			return -1;
		for (j = 0; j < vals[i].nvals; j++)
			if ((j > 0 && buf_puts(out, ",") == -1) ||
			    json_string(out, vals[i].vals[j],
			    strlen(vals[i].vals[j])) == -1)
				return -1;
		if (f->kind == FIELD_CHECKBOXES && buf_puts(out, "]") == -1)
			return -1;
	}
	return buf_puts(out, "}");
}

int
form_sensitive_pairs(const struct form *form, const struct fieldval *vals,
    struct buf *out)
{
	size_t	 i, j;

	for (i = 0; i < form->nfields; i++) {
		const struct field *f = &form->fields[i];

		if (!f->sensitive)
			continue;
		for (j = 0; j < vals[i].nvals; j++)
			if (pairs_append(out, f->name, vals[i].vals[j]) == -1)
				return -1;
	}
	return 0;
}
