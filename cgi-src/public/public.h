/*
 * public.h: the public pool, vawg-public: the forms people answer.  Its
 * own settings, what every worker holds, the routes and the pages.  It
 * seals answers and stores them through vawg.submit(); it holds no secret
 * sealing key and includes no header that could open an envelope
 * (docs/THREAT-MODEL.md threat 1).
 */
#ifndef VAWG_PUBLIC_H
#define VAWG_PUBLIC_H

#include "base.h"
#include "crypto.h"
#include "form.h"
#include "store.h"
#include "web.h"

/* ---- config.c: the public pool's settings, read once at start ---- */

struct public_config {
	const char	*socket_path;	/* VAWG_SOCKET */
	const char	*conninfo;	/* VAWG_DB */
	const char	*template_dir;	/* VAWG_TEMPLATES */
	const char	*key_dir;	/* VAWG_KEYS */
	const char	*exit_url;	/* VAWG_EXIT_URL */
	const char	*run_as;	/* VAWG_USER, "" to stay */
	const char	*pin;		/* VAWG_KEY_FINGERPRINT, "" if unset */
	const char	*spool_dir;	/* VAWG_SPOOL */
	int		 workers;	/* VAWG_WORKERS */
	size_t		 body_max;	/* VAWG_BODY_MAX */
	int64_t		 min_fill;	/* VAWG_MIN_FILL_SECONDS */
	int64_t		 max_age;	/* VAWG_TOKEN_MAX_AGE */
};

/* Reads and checks only the public pool's variables.  0 / -1 with a
 * message naming the variable. */
int	 public_config_load(struct public_config *);

/* ---- what every public worker holds; built at start, then read-only ---- */

/*
 * An empty form page is the same for everyone but its token: it is
 * rendered once per form when the definitions load, split where the token
 * goes, and each GET only mints a token between the two halves.  The
 * confirmation page is the same for everyone but the reference (unless an
 * answer chosen brings an urgent notice: then it is rendered afresh).
 */
struct page_split {
	int		 valid;
	struct buf	 head;		/* the page up to the variable part */
	struct buf	 tail;		/* and after it */
};

struct page_cache {
	int			 open;	/* rendered while the form was open */
	struct page_split	 form;	/* tail "" if closed */
	struct page_split	 confirm;
};

struct app {
	const struct public_config *cfg;
	struct formset		 forms;
	struct page_cache	*cache;		/* one per form, or NULL */
	struct seal_pub		 pub;
	unsigned char		*token_key;	/* sodium_malloc()ed */
	struct store		*store;		/* per worker */
};

/* ---- app.c: routes ---- */

extern const char *const app_templates[];
extern const size_t app_ntemplates;

/* Routes one request: fills s, never writes to the client itself. */
void	 app_handle(struct app *, struct req *, struct resp *);

/* ---- page_*.c: the pages ---- */

void	 page_index(struct app *, struct req *, struct resp *);
void	 page_form(struct app *, struct req *, struct resp *,
	    const struct form *);
/* Renders every form's empty page into app->cache (after each load of the
 * definitions); a form whose page fails is simply rendered per request. */
void	 page_form_cache_build(struct app *, int64_t now);
void	 page_form_cache_free(struct app *);
void	 page_health(struct app *, struct req *, struct resp *);
void	 page_exit(struct app *, struct req *, struct resp *);
void	 page_safety(struct app *, struct req *, struct resp *);

#endif /* VAWG_PUBLIC_H */
