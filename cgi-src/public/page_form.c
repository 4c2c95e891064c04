/*
 * page_form.c: the handler of a form's own address, /NAME, for any form
 * the definitions hold: GET shows it, POST accepts its answers.
 *
 * GET:  200 the empty form with a fresh token (from the page cache when it
 *       can serve, page_cache.c); 200 "closed" when closed.
 * POST: 200 confirmation with the reference (the same one again for a
 *       token posted again with the same answers; a new one, its row
 *       linked to the first, for the same token with other answers: she
 *       went back and corrected something); 422 the form again with an error summary, each
 *       field's message and the answers kept; 400 a request no browser
 *       sends (encoding, unknown or repeated fields, honeypot); 403 a
 *       missing or forged token, or a closed form; 411/413/415 from the body
 *       reader; 503 "not saved" when neither the database nor the spool
 *       could take the answers (the spool full at its cap, too).  While the database is away the answers go
 *       to the spool and the user gets the same confirmation and reference
 *       a stored row would give (lib/spool.c).
 *
 * It decides and stores; it renders only through form_render.c and the
 * cache, and its words come from msg.c.  It never logs an answer, nor a
 * line per stored post.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "public.h"

/* Why a post is refused before its answers are weighed. */
struct refusal {
	int		 status;
	enum msg	 msg;
};

static int
refuse(struct refusal *no, int status, enum msg m)
{
	no->status = status;
	no->msg = m;
	return -1;
}

/* The most fields a browser sends for f, so a flood is cut off early. */
static size_t
max_fields(const struct form *f)
{
	size_t	 i, n = 2;	/* _token, _homepage */

	for (i = 0; i < f->nfields; i++)
		n += f->fields[i].kind == FIELD_CHECKBOXES ?
		    f->fields[i].noptions : 1;
	return n;
}

/* Reads the body and splits it into fields: 0, or -1 with *no set. */
static int
post_read(struct app *app, struct req *r, const struct form *f,
    struct kvlist *kv, struct refusal *no)
{
	enum body_result	 b = http_read_body(r, app->cfg->body_max);

	/* The status is http.c's, the same as the admin program's; only
	 * the words are this program's. */
	switch (b) {
	case BODY_OK:
		break;
	case BODY_NO_LENGTH:
		return refuse(no, http_body_status(b), MSG_NO_LENGTH);
	case BODY_TOO_LARGE:
		return refuse(no, http_body_status(b), MSG_TOO_LARGE);
	case BODY_BAD_TYPE:
		return refuse(no, http_body_status(b), MSG_BAD_TYPE);
	case BODY_SHORT:
		return refuse(no, http_body_status(b), MSG_SHORT);
	case BODY_NOMEM:
	default:
		return refuse(no, http_body_status(b), MSG_NOMEM);
	}
	switch (urlenc_parse(r->body.data, r->body.len, max_fields(f), kv)) {
	case URLENC_OK:
		return 0;
	case URLENC_NOMEM:
		return refuse(no, 500, MSG_NOMEM);
	case URLENC_MALFORMED:
	case URLENC_TOO_MANY:
	default:
		return refuse(no, 400, MSG_MALFORMED);
	}
}

/*
 * Finds the form's token among the fields and checks it: 0 with *tok, its
 * text (borrowed from kv) and the verdict (good, too quick or expired,
 * which leave the answers to be corrected), or -1 with *no set.
 */
static int
post_token(struct app *app, struct req *r, const struct form *f,
    const struct kvlist *kv, struct token *tok, const char **text,
    enum token_result *tres, struct refusal *no)
{
	size_t	 len = 0;
	int	 found;

	if ((found = form_token_value(kv, text, &len)) != 1)
		return refuse(no, found == 0 ? 403 : 400, MSG_FOREIGN);
	*tres = token_verify(app->token_key, *text, len, f->id, r->now,
	    app->cfg->min_fill, app->cfg->max_age, tok);
	if (*tres != TOKEN_OK && *tres != TOKEN_TOO_QUICK &&
	    *tres != TOKEN_EXPIRED)
		return refuse(no, 403, MSG_FOREIGN);
	/* Its MAC was checked, so it is plain base64url: it may go back
	 * into the page as it is. */
	assert(strlen(*text) == len);
	return 0;
}

/* Validates the answers into *vals (caller frees): 0 with *nerrors set
 * (errors a person can correct), or -1 with *no set. */
static int
post_validate(const struct form *f, struct kvlist *kv,
    struct fieldval **vals, size_t *nerrors, struct refusal *no)
{
	if ((*vals = calloc(f->nfields + 1, sizeof(**vals))) == NULL)
		return refuse(no, 500, MSG_NOMEM);
	switch (form_validate(f, kv, *vals, nerrors)) {
	case FORM_ACCEPT:
		return 0;
	case FORM_NOMEM:
		return refuse(no, 500, MSG_NOMEM);
	case FORM_UNKNOWN_FIELD:
	case FORM_REPEATED_FIELD:
	case FORM_HONEYPOT:
	default:
		return refuse(no, 400, MSG_MISMATCH);
	}
}

static void
confirm(struct app *app, struct resp *s, const struct form *f,
    const struct fieldval *vals, const char *reference)
{
	if (page_cache_confirm(app, s, f, vals, reference) == 0)
		return;
	form_render_confirmation(s, f, vals, reference);
}

/*
 * Seals, stores and confirms a validated post.  The record is built once,
 * in the shape the spool keeps, so a spooled post is replayed with exactly
 * what the database would have received now.
 */
static void
post_accept(struct app *app, struct resp *s, const struct form *f,
    const struct fieldval *vals, const struct token *tok)
{
	struct spoolrec		 rec;
	struct buf		 pairs = { 0 };
	char			 stored[REFERENCE_TEXT], corr[REFERENCE_TEXT];
	enum store_result	 res;

	_Static_assert(sizeof(rec.idem) == sizeof(tok->nonce) &&
	    sizeof(rec.key_id) == sizeof(app->pub.key_id),
	    "the record takes the token's nonce and the key's id whole");
	memset(&rec, 0, sizeof(rec));
	rec.version_id = f->version_id;
	memcpy(rec.idem, tok->nonce, sizeof(rec.idem));
	token_reference(tok->nonce, rec.reference);
	memcpy(rec.key_id, app->pub.key_id, sizeof(rec.key_id));
	/* Before sealing, which is random: what tells the same answers
	 * (a retry) from a correction of the same token (issue 14). */
	rec.has_digest = 1;
	if (answers_digest(app->answers_key, f, vals, rec.digest) == -1 ||
	    form_plain_json(f, vals, &rec.plain) == -1 ||
	    form_sensitive_pairs(f, vals, &pairs) == -1 ||
	    seal_envelope(&app->pub, tok->nonce, f->name, pairs.data ?
	    pairs.data : "", pairs.len, &rec.sealed) == -1) {
		LOG_ERR("could not build the submission");
		msg_page(s, 500, MSG_UNSEALED);
		goto out;
	}
	buf_free(&pairs);	/* wipe the plaintext as soon as it is sealed */
	answers_reference(rec.idem, rec.digest, corr);
	res = store_submit(app->store, rec.version_id, rec.idem, rec.reference,
	    rec.plain.data, &rec.sealed, rec.key_id, rec.digest, corr, stored);
	/* The outcome is unknown or the database is away: a durable record
	 * in the spool is as good as a row, since the replay stores it once
	 * (the idempotency key and the digest) with the reference shown
	 * here, which spool_write() chooses as the database would. */
	if (res == STORE_DOWN && spool_write(app->cfg->spool_dir, &rec,
	    &app->cfg->spool_cap) == SPOOL_OK) {
		confirm(app, s, f, vals, rec.reference);
		goto out;
	}
	if (res != STORE_OK) {
		msg_page(s, 503, MSG_NOT_SAVED);
		goto out;
	}
	/* No log line for a post, stored or spooled: the row or the record
	 * is the trail, and a timestamped line per referral would say who
	 * wrote when, which nginx's missing access log for /referral avoids
	 * (issue 13, item 5).  `vawgctl status` counts the spool. */
	confirm(app, s, f, vals, stored);
out:
	buf_free(&pairs);
	spoolrec_free(&rec);
}

/*
 * POST /NAME: closed → 403 page; body, token and answers checked (a
 * refusal is a message page); answers to correct, or a token too quick or
 * too old, → 422 the form again; otherwise sealed and stored (or spooled)
 * and confirmed.
 */
static void
post_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	struct kvlist		 kv = { 0 };
	struct fieldval		*vals = NULL;
	struct token		 tok;
	struct form_fill	 fill = { 0 };
	struct refusal		 no = { 500, MSG_NOMEM };
	enum token_result	 tres = TOKEN_MALFORMED;

	if (!form_is_open(f, r->now)) {
		form_render_page(app, r, s, f, NULL, 403);
		goto out;
	}
	if (post_read(app, r, f, &kv, &no) == -1 ||
	    post_token(app, r, f, &kv, &tok, &fill.token, &tres, &no) == -1 ||
	    post_validate(f, &kv, &vals, &fill.nerrors, &no) == -1) {
		msg_page(s, no.status, no.msg);
		goto out;
	}
	if (tres == TOKEN_TOO_QUICK)
		fill.form_error = msg_get(MSG_TOO_QUICK)->para1;
	else if (tres == TOKEN_EXPIRED)
		fill.form_error = msg_get(MSG_EXPIRED)->para1;
	if (fill.nerrors > 0 || fill.form_error != NULL) {
		/* A token past its age is replaced; a good or too-quick one
		 * is kept, so its issue time (the minimum fill time) and its
		 * idempotency key survive a correction. */
		if (tres == TOKEN_EXPIRED)
			fill.token = NULL;
		fill.vals = vals;
		form_render_page(app, r, s, f, &fill, 422);
		goto out;
	}
	assert(tres == TOKEN_OK);
	post_accept(app, s, f, vals, &tok);
out:
	fieldvals_free(vals, f->nfields);
	free(vals);
	urlenc_free(&kv);
	sodium_memzero(&tok, sizeof(tok));
}

void
page_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	if (r->method == METHOD_POST) {
		post_form(app, r, s, f);
		return;
	}
	/* GET and HEAD: the cached page with a fresh token, or rendered. */
	if (page_cache_form(app, r, s, f) == 0)
		return;
	form_render_page(app, r, s, f, NULL, 200);
}
