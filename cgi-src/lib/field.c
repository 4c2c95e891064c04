/*
 * field.c: one field of a form: the names of its kinds, and the check of
 * one answer against its kind, limits and options, with the message a
 * person needs to put it right.  form.c's validator calls it for each
 * value once the value is known to be text; nothing here reads the
 * request, names a question or does I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "form.h"

static const char *const field_kind_names[FIELD__MAX] = {
	"text", "textarea", "email", "tel", "radio", "checkboxes", "select",
	"date",
};

const char *
field_kind_name(enum field_kind k)
{
	assert((unsigned)k < FIELD__MAX);
	return field_kind_names[k];
}

int
field_kind_from_name(const char *s, enum field_kind *k)
{
	int	 i;

	for (i = 0; i < FIELD__MAX; i++)
		if (strcmp(s, field_kind_names[i]) == 0) {
			*k = (enum field_kind)i;
			return 0;
		}
	return -1;
}

int
field_is_choice(const struct field *f)
{
	return f->kind == FIELD_RADIO || f->kind == FIELD_CHECKBOXES ||
	    f->kind == FIELD_SELECT;
}

static int
valid_email(const char *s)
{
	const char	*at = strchr(s, '@'), *dot;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return 0;
	if (strpbrk(s, " \t,;<>()[]\\\"") != NULL)
		return 0;
	dot = strrchr(at + 1, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static int
valid_tel(const char *s)
{
	int	 digits = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (strchr(" +-()", *s) == NULL)
			return 0;
	}
	return digits >= 7 && digits <= 15;
}

static int
option_exists(const struct field *f, const char *v)
{
	size_t	 i;

	for (i = 0; i < f->noptions; i++)
		if (strcmp(f->options[i].value, v) == 0)
			return 1;
	return 0;
}

void
field_check_value(const struct field *f, const char *v, size_t ncp,
    struct fieldval *fv)
{
	if (field_is_choice(f)) {
		if (!option_exists(f, v))
			snprintf(fv->error, sizeof(fv->error),
			    "Choose one of the options shown");
		return;
	}
	if (ncp > f->max_length) {
		snprintf(fv->error, sizeof(fv->error),
		    "Your answer is too long: use %zu characters or fewer",
		    f->max_length);
		return;
	}
	if (f->kind != FIELD_TEXTAREA && strpbrk(v, "\r\n") != NULL) {
		snprintf(fv->error, sizeof(fv->error),
		    "Write this answer on one line");
		return;
	}
	if (f->kind == FIELD_EMAIL && !valid_email(v))
		snprintf(fv->error, sizeof(fv->error), "Enter an email address "
		    "in the right format, like name@example.com");
	else if (f->kind == FIELD_TEL && !valid_tel(v))
		snprintf(fv->error, sizeof(fv->error),
		    "Enter a phone number, like 07700 900 982");
	else if (f->kind == FIELD_DATE && !form_valid_date(v))
		snprintf(fv->error, sizeof(fv->error),
		    "Enter a real date, like 2024-03-27");
}

const char *
field_required_message(const struct field *f)
{
	switch (f->kind) {
	case FIELD_CHECKBOXES:
		return "Choose at least one option";
	case FIELD_RADIO:
	case FIELD_SELECT:
		return "Choose one option";
	default:
		return "Enter an answer to this question";
	}
}
