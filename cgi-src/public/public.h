/*
 * public.h: the one header of the public pool, vawg-public, the forms
 * people answer: its settings, what every worker holds, the routes, the
 * words it puts on pages, a form's two pages and their cache, and the
 * handlers.  Files of this program include it and lib headers only; no
 * other program includes it.  The program seals answers and stores them
 * through vawg.submit(); it holds no secret sealing key and includes no
 * header that could open an envelope (docs/THREAT-MODEL.md threat 1).
 */
#ifndef VAWG_PUBLIC_H
#define VAWG_PUBLIC_H

#include "base.h"
#include "crypto.h"
#include "form.h"
#include "spool.h"
#include "web.h"

/* ---- config.c: the public pool's settings, read once at start ---- */

struct public_config {
	const char	*socket_path;	/* VAWG_SOCKET */
	const char	*conninfo;	/* VAWG_DB */
	const char	*template_dir;	/* VAWG_TEMPLATES */
	const char	*key_dir;	/* VAWG_KEYS */
	const char	*exit_url;	/* VAWG_EXIT_URL */
	const char	*run_as;	/* VAWG_USER; "" to stay, not as root */
	const char	*socket_group;	/* VAWG_SOCKET_GROUP, nginx's */
	const char	*pin;		/* VAWG_KEY_FINGERPRINT, "" if unset */
	const char	*spool_dir;	/* VAWG_SPOOL */
	/* VAWG_SPOOL_MAX_BYTES, VAWG_SPOOL_MAX_FILES */
	struct spool_cap spool_cap;
	int		 workers;	/* VAWG_WORKERS */
	size_t		 body_max;	/* VAWG_BODY_MAX */
	int64_t		 min_fill;	/* VAWG_MIN_FILL_SECONDS */
	int64_t		 max_age;	/* VAWG_TOKEN_MAX_AGE */
};

/* Reads and checks only the public pool's variables.  0 / -1 with a
 * message naming the variable. */
int	 public_config_load(struct public_config *);

/* ---- what every public worker holds; built at start, then read-only ---- */

struct page_cache;	/* page_cache.c; opaque to the rest */

struct app {
	const struct public_config *cfg;
	struct formset		 forms;
	struct page_cache	*cache;		/* pages of forms, or NULL */
	struct seal_pub		 pub;
	unsigned char		*token_key;	/* sodium_malloc()ed */
	unsigned char		*answers_key;	/* the same, from token_key */
	struct store		*store;		/* per worker */
};

/* ---- app.c: routes ---- */

extern const char *const app_templates[];
extern const size_t app_ntemplates;

/* Routes one request: fills s, never writes to the client itself. */
void	 app_handle(struct app *, struct req *, struct resp *);

/* ---- msg.c: every sentence the program itself puts on a page ---- */

enum msg {
	MSG_NOT_FOUND,		/* 404 */
	MSG_METHOD,		/* 405: a method no page offers */
	MSG_NO_ANSWERS,		/* 405: POST to a page that is no form */
	MSG_NO_LENGTH,		/* 411 */
	MSG_TOO_LARGE,		/* 413 */
	MSG_BAD_TYPE,		/* 415 */
	MSG_SHORT,		/* 400: fewer bytes than announced */
	MSG_MALFORMED,		/* 400: not urlencoded, or too many fields */
	MSG_MISMATCH,		/* 400: fields this form does not have */
	MSG_FOREIGN,		/* 403 / 400: no token, or not ours */
	MSG_NOMEM,		/* 500: out of memory */
	MSG_UNSEALED,		/* 500: the submission could not be built */
	MSG_NOT_SAVED,		/* 503: neither database nor spool took it */
	MSG_TOO_QUICK,		/* form error: sent sooner than a person can */
	MSG_EXPIRED,		/* form error: the page's token is too old */
	MSG_INDEX_TITLE,	/* title of GET / */
	MSG_SAFETY_TITLE,	/* title of GET /safety */
	MSG_LEAVING,		/* body of GET /exit */
	MSG__MAX
};

/* Whole sentences; NULL where a message has no such part. */
struct msg_text {
	const char	*heading;	/* a page's title and heading */
	const char	*para1;		/* or the one sentence of a notice */
	const char	*para2;
};

/* The words of m, static. */
const struct msg_text *msg_get(enum msg m);
/* A message page of m (heading and paragraphs) with status into s. */
void	 msg_page(struct resp *s, int status, enum msg m);

/* ---- form_render.c: a form's two pages, rendered ---- */

/* What a form page shows beside its definition.  All zero: an empty form
 * with a fresh token. */
struct form_fill {
	const struct fieldval	*vals;		/* answers again, or NULL */
	size_t			 nerrors;	/* fields in error (needs vals) */
	const char		*form_error;	/* for the whole form, or NULL */
	const char		*token;		/* carried again, or NULL: mint */
};

/*
 * Renders f's page into s with status: closed, or open with fill (NULL
 * for an empty form).  A carried token keeps its issue time (the minimum
 * fill time) and its idempotency key across a correction.  A page that
 * cannot be rendered is a 500 (page_end()).
 */
void	 form_render_page(struct app *, struct req *, struct resp *,
	    const struct form *f, const struct form_fill *fill, int status);
/* Renders the confirmation with reference and the notices of vals (NULL:
 * none) into s, status 200. */
void	 form_render_confirmation(struct resp *s, const struct form *f,
	    const struct fieldval *vals, const char *reference);
/* 1 if any answer in vals brings a notice, which the confirmation shows;
 * 0 if none or vals is NULL. */
int	 form_render_has_notice(const struct form *,
	    const struct fieldval *vals);

/* ---- page_cache.c: each form's two pages, rendered once ---- */

/*
 * Replaces app->cache with every form's empty page and confirmation,
 * rendered from app->forms at now and split where the token or the
 * reference goes.  Called after each load of the definitions; a form
 * whose pages do not split (or no memory) is rendered per request.
 */
void	 page_cache_build(struct app *, int64_t now);
void	 page_cache_free(struct app *);	/* NULL-safe */
/* Sends f's empty page from the cache with a fresh token: 0, or -1 if
 * the cache cannot serve it (the caller renders). */
int	 page_cache_form(struct app *, struct req *, struct resp *,
	    const struct form *f);
/* Sends f's confirmation with reference from the cache: 0, or -1 if the
 * cache cannot serve it (a notice among vals, a reference outside its
 * alphabet): the caller renders. */
int	 page_cache_confirm(struct app *, struct resp *, const struct form *f,
	    const struct fieldval *vals, const char *reference);

/* ---- page_*.c: the handlers, one per route ---- */

void	 page_index(struct app *, struct req *, struct resp *);
/* GET, HEAD and POST of /NAME, for f (page_form.c). */
void	 page_form(struct app *, struct req *, struct resp *,
	    const struct form *f);
void	 page_health(struct app *, struct req *, struct resp *);
void	 page_exit(struct app *, struct req *, struct resp *);
void	 page_safety(struct app *, struct req *, struct resp *);

#endif /* VAWG_PUBLIC_H */
