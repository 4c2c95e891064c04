/*
 * page_form.c: GET and POST of any form, rendered and validated from its
 * definition alone.
 *
 * GET:  200 the empty form with a fresh token; 200 "closed" when closed.
 * POST: 200 confirmation with the reference (the same one again for a
 *       repeated token); 422 the form again with an error summary, each
 *       field's message and the answers kept; 400 a request no browser
 *       sends (encoding, unknown or repeated fields, honeypot); 403 a
 *       missing or forged token, or a closed form; 411/413/415 from the body
 *       reader; 503 "not saved" when neither the database nor the spool
 *       could take the answers.  While the database is away the answers go
 *       to the spool and the user gets the same confirmation and reference
 *       a stored row would give (spool.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "public.h"
#include "view.h"

/* Fills one FIELD section; vals may be NULL for an empty form. */
static void
render_field(struct view_dict *fd, const struct field *f,
    const struct fieldval *fv)
{
	char			 id[64], optid[96], described[160];
	struct view_dict	*d, *kind, *opt;
	size_t			 i, j;
	int			 on;

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

	switch (f->kind) {
	case FIELD_TEXT:
	case FIELD_EMAIL:
	case FIELD_TEL:
	case FIELD_DATE:
		if ((kind = view_section(fd, "INPUT")) == NULL)
			return;
		(void)view_set(kind, "INPUT_TYPE", field_kind_name(f->kind));
		(void)view_set(kind, "VALUE",
		    fv != NULL && fv->nvals > 0 ? fv->vals[0] : "");
		break;
	case FIELD_TEXTAREA:
		if ((kind = view_section(fd, "TEXTAREA")) == NULL)
			return;
		(void)view_set(kind, "VALUE",
		    fv != NULL && fv->nvals > 0 ? fv->vals[0] : "");
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
		for (i = 0; i < f->noptions; i++) {
			const struct field_option *o = &f->options[i];

			if ((opt = view_section(kind, "OPTION")) == NULL)
				return;
			/* The first option carries the field's own id, so
			 * the error summary's link lands on it. */
			if (i == 0)
				snprintf(optid, sizeof(optid), "%s", id);
			else
				snprintf(optid, sizeof(optid), "%s-%zu", id,
				    i + 1);
			(void)view_set(opt, "OPTION_ID", optid);
			(void)view_set(opt, "VALUE", o->value);
			(void)view_set(opt, "LABEL", o->label);
			for (j = 0, on = 0; fv != NULL && j < fv->nvals; j++)
				on |= strcmp(fv->vals[j], o->value) == 0;
			if (on)
				view_show(opt, f->kind == FIELD_SELECT ?
				    "SELECTED" : "CHECKED");
			if (o->hint[0] != '\0' &&
			    (d = view_section(opt, "OPTION_HINT")) != NULL)
				(void)view_set(d, "TEXT", o->hint);
			if (o->notice[0] != '\0' &&
			    (d = view_section(opt, "NOTICE")) != NULL)
				(void)view_set(d, "TEXT", o->notice);
		}
		break;
	case FIELD__MAX:
	default:
		abort();
	}
}

/*
 * Renders the form page: closed, empty (vals NULL) or with the answers and
 * errors of a refused post.  form_error is a message for the whole form.
 * keep_token, if not NULL, is the still-valid token of that post: the page
 * carries it again, so its issue time (the minimum fill time) and its
 * idempotency key survive a correction.
 */
static void
render_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f, const struct fieldval *vals, size_t nerrors,
    const char *form_error, const char *keep_token, int status)
{
	struct view_dict	*root, *page = NULL, *open, *d, *summary = NULL;
	char			 token[TOKEN_TEXT_MAX], msg[512];
	const char		*section = "";
	size_t			 i;

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
	if (keep_token != NULL && strlen(keep_token) < sizeof(token))
		memcpy(token, keep_token, strlen(keep_token) + 1);
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
	if (form_error != NULL && (d = view_section(open, "FORM_ERROR")) != NULL)
		(void)view_set(d, "MESSAGE", form_error);
	if (nerrors > 0)
		summary = view_section(open, "ERROR_SUMMARY");
	for (i = 0; i < f->nfields; i++) {
		const struct field	*fld = &f->fields[i];
		const struct fieldval	*fv = vals ? &vals[i] : NULL;

		if ((d = view_section(open, "FIELD")) == NULL)
			break;
		if (strcmp(fld->section, section) != 0 &&
		    fld->section[0] != '\0') {
			struct view_dict *h = view_section(d, "SECTION_HEADING");
			if (h != NULL)
				(void)view_set(h, "HEADING", fld->section);
		}
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

/* 1 if any answer chosen brings a notice, which the confirmation shows. */
static int
has_notice(const struct form *f, const struct fieldval *vals)
{
	size_t	 i, j;

	for (i = 0; vals != NULL && i < f->nfields; i++)
		for (j = 0; j < vals[i].nvals; j++)
			if (option_notice(&f->fields[i], vals[i].vals[j]))
				return 1;
	return 0;
}

static void
render_confirmation(struct resp *s, const struct form *f,
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

/* The page's variable part (token, reference) goes between the cached
 * halves; only that part is in s->body, the halves are sent uncopied. */
static int
send_split(struct resp *s, const struct page_split *c, const char *middle)
{
	if (buf_puts(&s->body, middle) == -1) {
		buf_reset(&s->body);
		return -1;
	}
	s->pieces[0] = (struct resp_piece){ c->head.data, c->head.len };
	s->pieces[1] = (struct resp_piece){ s->body.data, s->body.len };
	s->pieces[2] = (struct resp_piece){ c->tail.data, c->tail.len };
	s->npieces = 3;
	s->status = 200;
	return 0;
}

static void
confirm(struct app *app, struct resp *s, const struct form *f,
    const struct fieldval *vals, const char *reference)
{
	const struct page_split *c = app->cache == NULL ? NULL :
	    &app->cache[f - app->forms.forms].confirm;

	/* The cached halves bypass the template's escaping, so only a
	 * reference in its own alphabet (as the schema's CHECK keeps them)
	 * goes between them; anything else is rendered, and escaped. */
	if (c != NULL && c->valid && !has_notice(f, vals) &&
	    reference[strspn(reference, REFERENCE_CHARS)] == '\0' &&
	    send_split(s, c, reference) == 0)
		return;
	render_confirmation(s, f, vals, reference);
}

/*
 * Seals, stores and confirms a validated post.  The record is built once,
 * in the shape the spool keeps, so a spooled post is replayed with exactly
 * what the database would have received now.
 */
static void
accept_post(struct app *app, struct resp *s, const struct form *f,
    const struct fieldval *vals, const struct token *tok)
{
	struct spoolrec		 rec;
	struct buf		 pairs = { 0 };
	char			 stored[REFERENCE_TEXT];
	enum store_result	 res;

	memset(&rec, 0, sizeof(rec));
	rec.version_id = f->version_id;
	memcpy(rec.idem, tok->nonce, sizeof(rec.idem));
	token_reference(tok->nonce, rec.reference);
	memcpy(rec.key_id, app->pub.key_id, sizeof(rec.key_id));
	if (form_plain_json(f, vals, &rec.plain) == -1 ||
	    form_sensitive_pairs(f, vals, &pairs) == -1 ||
	    seal_envelope(&app->pub, tok->nonce, f->name, pairs.data ?
	    pairs.data : "", pairs.len, &rec.sealed) == -1) {
		LOG_ERR("could not build the submission");
		page_message(s, 500, "Sorry, there is a problem",
		    "Your answers were not saved.", "Please try again later.");
		goto out;
	}
	buf_free(&pairs);	/* wipe the plaintext as soon as it is sealed */
	res = store_submit(app->store, rec.version_id, rec.idem, rec.reference,
	    rec.plain.data, &rec.sealed, rec.key_id, stored);
	/* The outcome is unknown or the database is away: a durable record
	 * in the spool is as good as a row, since the replay stores it once
	 * (the idempotency key) with the reference shown here. */
	if (res == STORE_DOWN &&
	    spool_write(app->cfg->spool_dir, &rec) == 0) {
		LOG_INFO("submission spooled form=%s", f->name);
		confirm(app, s, f, vals, rec.reference);
		goto out;
	}
	if (res != STORE_OK) {
		page_message(s, 503, "Sorry, your answers were not saved",
		    "We could not save your answers just now. Nothing was "
		    "sent.", "Please go back, keep this page open, and try "
		    "again in a few minutes.");
		goto out;
	}
	/* No log line for a stored post: the row is the record, and a
	 * timestamped line per referral would be the trail of who wrote when
	 * that nginx's missing access log for /referral avoids. */
	confirm(app, s, f, vals, stored);
out:
	buf_free(&pairs);
	spoolrec_free(&rec);
}

static size_t
max_fields(const struct form *f)
{
	size_t	 i, n = 2;	/* _token, _homepage */

	for (i = 0; i < f->nfields; i++)
		n += f->fields[i].kind == FIELD_CHECKBOXES ?
		    f->fields[i].noptions : 1;
	return n;
}

static void
post_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	struct kvlist		 kv = { 0 };
	struct fieldval		*vals = NULL;
	struct token		 tok;
	const char		*tokval = NULL, *form_error = NULL;
	size_t			 toklen = 0, nerrors = 0;
	enum token_result	 tres;
	int			 found;

	switch (http_read_body(r, app->cfg->body_max)) {
	case BODY_OK:
		break;
	case BODY_NO_LENGTH:
		page_message(s, 411, "We could not read your answers",
		    "Your browser did not say how long its message was.",
		    "Please go back and try again.");
		return;
	case BODY_TOO_LARGE:
		page_message(s, 413, "Your answers are too long to send",
		    "Please go back, shorten your longest answers, and try "
		    "again.", NULL);
		return;
	case BODY_BAD_TYPE:
		page_message(s, 415, "We could not read your answers",
		    "This form only accepts answers sent from its own page.",
		    "Please go back and try again.");
		return;
	case BODY_SHORT:
		page_message(s, 400, "We could not read your answers",
		    "Part of the message from your browser was missing.",
		    "Please go back and try again.");
		return;
	case BODY_NOMEM:
	default:
		page_message(s, 500, "Sorry, there is a problem",
		    "Your answers were not saved.", "Please try again.");
		return;
	}
	switch (urlenc_parse(r->body.data, r->body.len, max_fields(f), &kv)) {
	case URLENC_OK:
		break;
	case URLENC_NOMEM:
		page_message(s, 500, "Sorry, there is a problem",
		    "Your answers were not saved.", "Please try again.");
		goto out;
	case URLENC_MALFORMED:
	case URLENC_TOO_MANY:
	default:
		page_message(s, 400, "We could not read your answers",
		    "What your browser sent was not in the form we expect.",
		    "Please go back and try again.");
		goto out;
	}
	if ((found = form_token_value(&kv, &tokval, &toklen)) != 1) {
		page_message(s, found == 0 ? 403 : 400,
		    "Please use the form on this site",
		    "We could not match these answers to one of our forms.",
		    "Please go back to the form and send it again.");
		goto out;
	}
	tres = token_verify(app->token_key, tokval, toklen, f->id, r->now,
	    app->cfg->min_fill, app->cfg->max_age, &tok);
	if (tres != TOKEN_OK && tres != TOKEN_TOO_QUICK &&
	    tres != TOKEN_EXPIRED) {
		page_message(s, 403, "Please use the form on this site",
		    "We could not match these answers to one of our forms.",
		    "Please go back to the form and send it again.");
		goto out;
	}
	if ((vals = calloc(f->nfields + 1, sizeof(*vals))) == NULL) {
		page_message(s, 500, "Sorry, there is a problem",
		    "Your answers were not saved.", "Please try again.");
		goto out;
	}
	switch (form_validate(f, &kv, vals, &nerrors)) {
	case FORM_ACCEPT:
		break;
	case FORM_NOMEM:
		page_message(s, 500, "Sorry, there is a problem",
		    "Your answers were not saved.", "Please try again.");
		goto out;
	case FORM_UNKNOWN_FIELD:
	case FORM_REPEATED_FIELD:
	case FORM_HONEYPOT:
	default:
		page_message(s, 400, "We could not read your answers",
		    "What your browser sent does not match this form.",
		    "Please go back and try again.");
		goto out;
	}
	if (tres == TOKEN_TOO_QUICK)
		form_error = "Please check your answers, then send them again.";
	else if (tres == TOKEN_EXPIRED)
		form_error = "This page was open for a long time, so we need "
		    "you to send it again. Your answers are still here.";
	if (nerrors > 0 || form_error != NULL) {
		/* A token past its age is replaced; a good or too-quick one
		 * is kept (its MAC was checked, so it is plain base64url). */
		render_form(app, r, s, f, vals, nerrors, form_error,
		    tres == TOKEN_EXPIRED ? NULL : tokval, 422);
		goto out;
	}
	accept_post(app, s, f, vals, &tok);
out:
	fieldvals_free(vals, f->nfields);
	free(vals);
	urlenc_free(&kv);
	sodium_memzero(&tok, sizeof(tok));
}

/* Stand where the token and the reference go; base64url- and
 * reference-safe, so no escaping touches them. */
#define TOKEN_PLACEHOLDER	"VAWG-TOKEN-PLACEHOLDER-7f3a9c"
#define REFERENCE_PLACEHOLDER	"VAWG-REFERENCE-PLACEHOLDER-4be1d0"

static void
split_free(struct page_split *c)
{
	buf_free(&c->head);
	buf_free(&c->tail);
	c->valid = 0;
}

void
page_form_cache_free(struct app *app)
{
	size_t	 i;

	if (app->cache == NULL)
		return;
	for (i = 0; i < app->forms.n; i++) {
		split_free(&app->cache[i].form);
		split_free(&app->cache[i].confirm);
	}
	free(app->cache);
	app->cache = NULL;
}

/*
 * Splits a rendered page at placeholder, which must occur exactly once (or,
 * if !want, not at all: the page is then all head).  Anything else leaves
 * c invalid, and the page is rendered per request instead.
 */
static void
split_page(struct page_split *c, const struct resp *s,
    const char *placeholder, int want)
{
	const char	*at;
	size_t		 n;

	if (s->status != 200 || s->body.data == NULL)
		return;
	at = strstr(s->body.data, placeholder);
	if ((at != NULL) != want ||
	    (at != NULL && strstr(at + 1, placeholder) != NULL))
		return;
	n = at ? (size_t)(at - s->body.data) : s->body.len;
	c->valid = buf_append(&c->head, s->body.data, n) == 0 &&
	    (at == NULL || buf_puts(&c->tail, at + strlen(placeholder)) == 0);
	if (!c->valid)
		split_free(c);
}

void
page_form_cache_build(struct app *app, int64_t now)
{
	struct req	 r;
	struct resp	 s;
	size_t		 i;

	page_form_cache_free(app);
	if ((app->cache = calloc(app->forms.n + 1, sizeof(*app->cache))) ==
	    NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.now = now;
	for (i = 0; i < app->forms.n; i++) {
		struct page_cache *c = &app->cache[i];
		const struct form *f = &app->forms.forms[i];

		c->open = form_is_open(f, now);
		memset(&s, 0, sizeof(s));
		render_form(app, &r, &s, f, NULL, 0, NULL, TOKEN_PLACEHOLDER,
		    200);
		split_page(&c->form, &s, TOKEN_PLACEHOLDER, c->open);
		http_resp_free(&s);
		memset(&s, 0, sizeof(s));
		render_confirmation(&s, f, NULL, REFERENCE_PLACEHOLDER);
		split_page(&c->confirm, &s, REFERENCE_PLACEHOLDER, 1);
		http_resp_free(&s);
		if (!c->form.valid || !c->confirm.valid)
			LOG_WARN("form %s: pages not cached", f->name);
	}
}

/* Serves the cached empty page with a fresh token.  0 / -1 (no cache). */
static int
cached_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	struct page_cache	*c;
	char			 token[TOKEN_TEXT_MAX];
	int			 open = form_is_open(f, r->now), rc;

	if (app->cache == NULL)
		return -1;
	c = &app->cache[f - app->forms.forms];
	/* Opened or closed since it was rendered: render afresh. */
	if (!c->form.valid || c->open != open)
		return -1;
	/* A closed form's page is all head: nothing goes between. */
	token[0] = '\0';
	if (open && token_mint(app->token_key, f->id, r->now, token,
	    sizeof(token)) == -1)
		return -1;
	rc = send_split(s, &c->form, token);
	sodium_memzero(token, sizeof(token));
	return rc;
}

void
page_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	if (r->method != METHOD_POST) {
		if (cached_form(app, r, s, f) == 0)
			return;
		render_form(app, r, s, f, NULL, 0, NULL, NULL, 200);
		return;
	}
	if (!form_is_open(f, r->now)) {
		render_form(app, r, s, f, NULL, 0, NULL, NULL, 403);
		return;
	}
	post_form(app, r, s, f);
}
