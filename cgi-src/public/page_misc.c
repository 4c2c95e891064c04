/*
 * page_misc.c: the small fixed pages: the home page (GET /), the health
 * check (GET /healthz), the quick exit (GET /exit) and the safety advice
 * (GET /safety).  None reads a body or writes to the database; their
 * words for people are msg.c's, or the templates'.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "public.h"
#include "view.h"

/* GET /: 200, a link to every form, closed ones marked. */
void
page_index(struct app *app, struct req *r, struct resp *s)
{
	struct view_dict	*root, *page = NULL, *item;
	size_t			 i;

	root = page_begin(msg_get(MSG_INDEX_TITLE)->heading, "index.tpl",
	    &page);
	for (i = 0; root != NULL && i < app->forms.n; i++) {
		const struct form *f = &app->forms.forms[i];

		if ((item = view_section(page, "FORM")) == NULL)
			break;
		(void)view_set(item, "NAME", f->name);
		(void)view_set(item, "TITLE", f->title);
		(void)view_set(item, "SUMMARY", f->summary);
		if (!form_is_open(f, r->now))
			view_show(item, "CLOSED");
	}
	page_end(root, s, 200);
}

/*
 * GET /healthz, for monitors, answered to anyone: 200 "up" when a post made
 * now would be kept, 503 "down" when it would be refused with "not saved".
 * Kept means stored or spooled (post_accept()), so "up" is: the spool
 * folder is writable by this pool, or, when it is not, the database
 * answers.  The spool is asked first: one access() call, so a monitor
 * polling during an outage costs no connection attempt.
 *
 * Nothing else is said, to anyone: not whether the database is away (the
 * spool keeps posts then, and the answer stays "up"), not how many posts
 * wait in the spool, which polled during an outage would tell the world
 * when each referral arrived (issue 13, item 4).  The operator's view
 * with those details is `vawgctl status`.  The words are for monitors,
 * which match them: they stay here, out of msg.c's table, untranslated.
 */
void
page_health(struct app *app, struct req *r, struct resp *s)
{
	int	 up;

	(void)r;
	up = access(app->cfg->spool_dir, W_OK | X_OK) == 0 ||
	    store_ping(app->store) == 0;
	s->ctype = "text/plain; charset=utf-8";
	s->status = up ? 200 : 503;
	(void)buf_puts(&s->body, up ? "up\n" : "down\n");
}

/*
 * GET /exit: 303 to a neutral site, asking the browser to forget this
 * one's cache and storage.  The quick-exit script uses location.replace()
 * on this address, so the history gains no entry.
 */
void
page_exit(struct app *app, struct req *r, struct resp *s)
{
	(void)r;
	s->status = 303;
	snprintf(s->location, sizeof(s->location), "%s", app->cfg->exit_url);
	s->clear_site_data = 1;
	s->ctype = "text/plain; charset=utf-8";
	(void)buf_printf(&s->body, "%s\n", msg_get(MSG_LEAVING)->para1);
}

/* GET /safety: 200, advice on covering one's tracks. */
void
page_safety(struct app *app, struct req *r, struct resp *s)
{
	struct view_dict *root, *page = NULL;

	(void)app;
	(void)r;
	root = page_begin(msg_get(MSG_SAFETY_TITLE)->heading, "safety.tpl",
	    &page);
	page_end(root, s, 200);
}
