/*
 * app.c: routing for the public pool and the helpers every page shares.
 * Fixed routes are a table; any other path of the form /NAME is a form if
 * the definitions (sql/) have one by that name, so adding a form needs no
 * C change.  Only forms accept POST.
 */
#include <stdlib.h>
#include <string.h>

#include "public.h"
#include "view.h"

const char *const app_templates[] = {
	"layout.tpl", "index.tpl", "form.tpl", "confirm.tpl", "message.tpl",
	"safety.tpl",
};
const size_t app_ntemplates = sizeof(app_templates) / sizeof(app_templates[0]);

enum route {
	ROUTE_INDEX,
	ROUTE_HEALTH,
	ROUTE_EXIT,
	ROUTE_SAFETY,
	ROUTE__MAX
};

static const struct {
	const char	*path;
	void		(*page)(struct app *, struct req *, struct resp *);
} routes[ROUTE__MAX] = {
	[ROUTE_INDEX] = { "/", page_index },
	[ROUTE_HEALTH] = { "/healthz", page_health },
	[ROUTE_EXIT] = { "/exit", page_exit },
	[ROUTE_SAFETY] = { "/safety", page_safety },
};

void
app_handle(struct app *app, struct req *r, struct resp *s)
{
	const struct form	*f;
	int			 i;

	if (r->method == METHOD_OTHER) {
		s->allow = "GET, HEAD, POST";
		page_message(s, 405, "This page cannot do that",
		    "Your browser asked for something this page does not "
		    "offer.", "Go to the start and try again.");
		return;
	}
	for (i = 0; i < ROUTE__MAX; i++) {
		if (strcmp(r->path, routes[i].path) != 0)
			continue;
		if (r->method == METHOD_POST) {
			s->allow = "GET, HEAD";
			page_message(s, 405, "This page cannot do that",
			    "This page does not take answers.",
			    "Go to the start and try again.");
			return;
		}
		routes[i].page(app, r, s);
		return;
	}
	if (r->path[0] == '/' &&
	    (f = formset_find(&app->forms, r->path + 1, strlen(r->path + 1))) !=
	    NULL) {
		page_form(app, r, s, f);
		return;
	}
	page_message(s, 404, "Page not found",
	    "If you typed the web address, check it is correct.",
	    "You can go to the start instead.");
}
