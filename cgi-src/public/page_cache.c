/*
 * page_cache.c: each form's empty page and its confirmation, rendered
 * once per load of the definitions and split where the one variable part
 * goes (the token, the reference), so a GET or a confirmation costs a
 * token or a reference and no render.  The halves are sent uncopied, as
 * the response's pieces around the variable part.
 *
 * The cache is built in the master and after each reload, then only read.
 * It renders nothing per request: when it cannot serve (a form opened or
 * closed since, an answer that brings a notice, a page that did not
 * split), it says so and the caller renders (form_render.c).  What goes
 * between the halves bypasses the template's escaping, so only text in an
 * escape-proof alphabet is put there.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "public.h"

/* Stand where the token and the reference go; base64url- and
 * reference-safe, so no escaping touches them. */
#define TOKEN_PLACEHOLDER	"VAWG-TOKEN-PLACEHOLDER-7f3a9c"
#define REFERENCE_PLACEHOLDER	"VAWG-REFERENCE-PLACEHOLDER-4be1d0"

/* form_render_page() carries a token only if it fits; a longer one would
 * be replaced by a real token and the page would never split. */
_Static_assert(sizeof(TOKEN_PLACEHOLDER) <= TOKEN_TEXT_MAX,
    "the token placeholder must fit where a token goes");

/* A rendered page cut in two where its variable part goes. */
struct page_split {
	int		 valid;
	struct buf	 head;		/* the page up to the variable part */
	struct buf	 tail;		/* and after it */
};

struct page_cache {
	size_t		 n;		/* app->forms.n when built */
	struct {
		int			 open;	/* rendered while open */
		struct page_split	 form;	/* tail "" if closed */
		struct page_split	 confirm;
	}		 forms[];	/* parallel to app->forms.forms */
};

static void
split_free(struct page_split *c)
{
	buf_free(&c->head);
	buf_free(&c->tail);
	c->valid = 0;
}

void
page_cache_free(struct app *app)
{
	size_t	 i;

	if (app->cache == NULL)
		return;
	for (i = 0; i < app->cache->n; i++) {
		split_free(&app->cache->forms[i].form);
		split_free(&app->cache->forms[i].confirm);
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
page_cache_build(struct app *app, int64_t now)
{
	struct req	 r;
	struct resp	 s;
	struct form_fill fill;
	size_t		 i;

	page_cache_free(app);
	app->cache = calloc(1, sizeof(*app->cache) +
	    (app->forms.n + 1) * sizeof(app->cache->forms[0]));
	if (app->cache == NULL)
		return;
	app->cache->n = app->forms.n;
	memset(&r, 0, sizeof(r));
	r.now = now;
	memset(&fill, 0, sizeof(fill));
	fill.token = TOKEN_PLACEHOLDER;
	for (i = 0; i < app->forms.n; i++) {
		const struct form *f = &app->forms.forms[i];

		app->cache->forms[i].open = form_is_open(f, now);
		memset(&s, 0, sizeof(s));
		form_render_page(app, &r, &s, f, &fill, 200);
		split_page(&app->cache->forms[i].form, &s, TOKEN_PLACEHOLDER,
		    app->cache->forms[i].open);
		http_resp_free(&s);
		memset(&s, 0, sizeof(s));
		form_render_confirmation(&s, f, NULL, REFERENCE_PLACEHOLDER);
		split_page(&app->cache->forms[i].confirm, &s,
		    REFERENCE_PLACEHOLDER, 1);
		http_resp_free(&s);
		if (!app->cache->forms[i].form.valid ||
		    !app->cache->forms[i].confirm.valid)
			LOG_WARN("form %s: pages not cached", f->name);
	}
}

/* The variable part goes between the halves; only that part is in
 * s->body, the halves are sent uncopied. */
static int
send_split(struct resp *s, const struct page_split *c, const char *middle)
{
	assert(c->valid);
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

/* The index of f in the cache, which was built from the same forms. */
static size_t
slot(const struct app *app, const struct form *f)
{
	size_t	 i = (size_t)(f - app->forms.forms);

	assert(app->cache->n == app->forms.n && i < app->cache->n);
	return i;
}

int
page_cache_form(struct app *app, struct req *r, struct resp *s,
    const struct form *f)
{
	const struct page_split	*c;
	char			 token[TOKEN_TEXT_MAX];
	int			 open = form_is_open(f, r->now), rc;
	size_t			 i;

	if (app->cache == NULL)
		return -1;
	i = slot(app, f);
	c = &app->cache->forms[i].form;
	/* Opened or closed since it was rendered: render afresh. */
	if (!c->valid || app->cache->forms[i].open != open)
		return -1;
	/* A closed form's page is all head: nothing goes between. */
	assert(open || c->tail.len == 0);
	token[0] = '\0';
	if (open && token_mint(app->token_key, f->id, r->now, token,
	    sizeof(token)) == -1)
		return -1;
	rc = send_split(s, c, token);
	sodium_memzero(token, sizeof(token));
	return rc;
}

int
page_cache_confirm(struct app *app, struct resp *s, const struct form *f,
    const struct fieldval *vals, const char *reference)
{
	const struct page_split	*c;

	if (app->cache == NULL)
		return -1;
	c = &app->cache->forms[slot(app, f)].confirm;
	/* The cached page has no notice, and only a reference in its own
	 * alphabet (as the schema's CHECK keeps them) may go between the
	 * halves; anything else is rendered, and escaped. */
	if (!c->valid || form_render_has_notice(f, vals) ||
	    reference[strspn(reference, REFERENCE_CHARS)] != '\0')
		return -1;
	return send_split(s, c, reference);
}
