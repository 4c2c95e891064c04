/*
 * form_render.c: the two pages of a form, rendered from its definition
 * alone into a response: the form page (form.tpl: closed, empty with a
 * fresh token, or a refused post's answers and errors again) and the
 * confirmation (confirm.tpl: the reference and any urgent notice an answer
 * brings).  Used per request when the page cache cannot serve, and once
 * per definitions load to fill the cache (page_cache.c).
 *
 * It renders and nothing else: it reads no request body, checks no token,
 * stores nothing and consults no cache; it sets the status it is told.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public.h"
#include "view.h"

/* The value a one-line or multi-line field shows again, or "". */
static const char *
first_value(const struct fieldval *fv)
{
	return fv != NULL && fv->nvals > 0 ? fv->vals[0] : "";
}

/* Fills the i-th OPTION of a choice (radio, checkboxes, select). */
static void
render_option(struct view_dict *kind, const struct field *f, size_t i,
    const char *id, const struct fieldval *fv)
{
	const struct field_option	*o = &f->options[i];
	struct view_dict		*opt, *d;
	char				 optid[96];
	size_t				 j;
	int				 on;

	assert(i < f->noptions);
	if ((opt = view_section(kind, "OPTION")) == NULL)
		return;
	/* The first option carries the field's own id, so the error
	 * summary's link lands on it. */
	if (i == 0)
		snprintf(optid, sizeof(optid), "%s", id);
	else
		snprintf(optid, sizeof(optid), "%s-%zu", id, i + 1);
	(void)view_set(opt, "OPTION_ID", optid);
	(void)view_set(opt, "VALUE", o->value);
	(void)view_set(opt, "LABEL", o->label);
	for (j = 0, on = 0; fv != NULL && j < fv->nvals; j++)
		on |= strcmp(fv->vals[j], o->value) == 0;
	if (on)
		view_show(opt, f->kind == FIELD_SELECT ? "SELECTED" : "CHECKED");
	if (o->hint[0] != '\0' &&
	    (d = view_section(opt, "OPTION_HINT")) != NULL)
		(void)view_set(d, "TEXT", o->hint);
	if (o->notice[0] != '\0' && (d = view_section(opt, "NOTICE")) != NULL)
		(void)view_set(d, "TEXT", o->notice);
}

/* Fills the part of a FIELD that depends on its kind: the input itself. */
static void
render_input(struct view_dict *fd, const struct field *f, const char *id,
    const struct fieldval *fv)
{
	struct view_dict	*kind;
	size_t			 i;

	switch (f->kind) {
	case FIELD_TEXT:
	case FIELD_EMAIL:
	case FIELD_TEL:
	case FIELD_DATE:
		if ((kind = view_section(fd, "INPUT")) == NULL)
			return;
		(void)view_set(kind, "INPUT_TYPE", field_kind_name(f->kind));
		(void)view_set(kind, "VALUE", first_value(fv));
		break;
	case FIELD_TEXTAREA:
		if ((kind = view_section(fd, "TEXTAREA")) == NULL)
			return;
		(void)view_set(kind, "VALUE", first_value(fv));
		break;
	case FIELD_RADIO:
	case FIELD_CHECKBOXES:
	case FIELD_SELECT:
		kind = view_section(fd, f->kind == FIELD_SELECT ? "SELECT" :
		    "CHOICE");
		if (kind == NULL)
			return;
		(void)view_set(kind, "INPUT_TYPE",
		    f->kind == FIELD_RADIO ? "radio" : "checkbox");
		for (i = 0; i < f->noptions; i++)
			render_option(kind, f, i, id, fv);
		break;
	case FIELD__MAX:
	default:
		abort();
	}
}

/* Fills one FIELD section; fv is NULL for an empty form. */
static void
render_field(struct view_dict *fd, const struct field *f,
    const struct fieldval *fv)
{
	char			 id[64], described[160];
	struct view_dict	*d;

	snprintf(id, sizeof(id), "f-%s", f->name);
	(void)view_set(fd, "NAME", f->name);
	(void)view_set(fd, "ID", id);
	(void)view_set(fd, "LABEL", f->label);
	(void)view_set_int(fd, "MAXLENGTH", (long)f->max_length);
	view_show(fd, f->required ? "REQUIRED" : "OPTIONAL");
	if (f->sensitive)
		view_show(fd, "SENSITIVE");
	described[0] = '\0';
	if (f->hint[0] != '\0' && (d = view_section(fd, "HINT")) != NULL) {
		(void)view_set(d, "TEXT", f->hint);
		snprintf(described, sizeof(described), "%s-hint", id);
	}
	if (fv != NULL && fv->error[0] != '\0' &&
	    (d = view_section(fd, "ERROR")) != NULL) {
		(void)view_set(d, "MESSAGE", fv->error);
		snprintf(described + strlen(described),
		    sizeof(described) - strlen(described), "%s%s-error",
		    described[0] ? " " : "", id);
	}
	(void)view_set(fd, "DESCRIBEDBY", described);
	if (described[0] != '\0')
		view_show(fd, "HAS_DESCRIBEDBY");
	render_input(fd, f, id, fv);
}

/*
 * Fills every FIELD of the open form, with a heading where a section
 * starts, and one line of the error summary per field in error.
 */
static void
render_fields(struct view_dict *open, const struct form *f,
    const struct form_fill *fill)
{
	struct view_dict	*d, *h, *summary = NULL;
	const char		*section = "";
	char			 msg[512];
	size_t			 i;

	if (fill->nerrors > 0)
		summary = view_section(open, "ERROR_SUMMARY");
	for (i = 0; i < f->nfields; i++) {
		const struct field	*fld = &f->fields[i];
		const struct fieldval	*fv = fill->vals ? &fill->vals[i] : NULL;

		if ((d = view_section(open, "FIELD")) == NULL)
			break;
		if (strcmp(fld->section, section) != 0 &&
		    fld->section[0] != '\0' &&
		    (h = view_section(d, "SECTION_HEADING")) != NULL)
			(void)view_set(h, "HEADING", fld->section);
		section = fld->section;
		render_field(d, fld, fv);
		if (summary != NULL && fv != NULL && fv->error[0] != '\0' &&
		    (d = view_section(summary, "ERROR")) != NULL) {
			snprintf(msg, sizeof(msg), "f-%s", fld->name);
			(void)view_set(d, "FIELD_ID", msg);
			snprintf(msg, sizeof(msg), "%s – %s", fld->label,
			    fv->error);
			(void)view_set(d, "MESSAGE", msg);
		}
	}
}

void
form_render_page(struct app *app, struct req *r, struct resp *s,
    const struct form *f, const struct form_fill *fill, int status)
{
	static const struct form_fill	 empty;
	struct view_dict		*root, *page = NULL, *open, *d;
	char				 token[TOKEN_TEXT_MAX];

	if (fill == NULL)
		fill = &empty;
	/* Errors are counted over answers that are there to show. */
	assert(fill->vals != NULL || fill->nerrors == 0);
	if ((root = page_begin(f->title, "form.tpl", &page)) == NULL)
		goto out;
	(void)view_set(page, "FORM_NAME", f->name);
	(void)view_set(page, "FORM_TITLE", f->title);
	(void)page_paragraphs(page, "INTRO_PARA", f->intro);
	if (!form_is_open(f, r->now)) {
		if ((d = view_section(page, "CLOSED")) != NULL)
			(void)view_set(d, "CLOSES_AT", f->closes_text);
		goto out;
	}
	if (fill->token != NULL && strlen(fill->token) < sizeof(token))
		memcpy(token, fill->token, strlen(fill->token) + 1);
	else if (token_mint(app->token_key, f->id, r->now, token,
	    sizeof(token)) == -1)
		token[0] = '\0';
	if ((open = view_section(page, "OPEN")) == NULL || token[0] == '\0') {
		view_dict_free(root);
		root = NULL;
		goto out;
	}
	(void)view_set(open, "TOKEN", token);
	(void)view_set(open, "SUBMIT_LABEL", f->submit_label);
	(void)page_paragraphs(open, "PRIVACY_PARA", f->privacy);
	if (fill->form_error != NULL &&
	    (d = view_section(open, "FORM_ERROR")) != NULL)
		(void)view_set(d, "MESSAGE", fill->form_error);
	render_fields(open, f, fill);
out:
	page_end(root, s, status);
}

/* The urgent notice an answer brings (e.g. 24-hour help after a recent
 * assault), or NULL. */
static const char *
option_notice(const struct field *fd, const char *value)
{
	size_t	 k;

	for (k = 0; k < fd->noptions; k++)
		if (fd->options[k].notice[0] != '\0' &&
		    strcmp(fd->options[k].value, value) == 0)
			return fd->options[k].notice;
	return NULL;
}

int
form_render_has_notice(const struct form *f, const struct fieldval *vals)
{
	size_t	 i, j;

	for (i = 0; vals != NULL && i < f->nfields; i++)
		for (j = 0; j < vals[i].nvals; j++)
			if (option_notice(&f->fields[i], vals[i].vals[j]))
				return 1;
	return 0;
}

void
form_render_confirmation(struct resp *s, const struct form *f,
    const struct fieldval *vals, const char *reference)
{
	struct view_dict	*root, *page = NULL, *d;
	const char		*notice;
	size_t			 i, j;

	if ((root = page_begin(f->title, "confirm.tpl", &page)) != NULL) {
		(void)view_set(page, "FORM_TITLE", f->title);
		(void)view_set(page, "REFERENCE", reference);
		for (i = 0; vals != NULL && i < f->nfields; i++)
			for (j = 0; j < vals[i].nvals; j++)
				if ((notice = option_notice(&f->fields[i],
				    vals[i].vals[j])) != NULL &&
				    (d = view_section(page, "NOTICE")) != NULL)
					(void)view_set(d, "TEXT", notice);
		(void)page_paragraphs(page, "NEXT_PARA", f->confirmation);
	}
	page_end(root, s, 200);
}
