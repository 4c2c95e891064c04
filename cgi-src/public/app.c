/*
 * app.c: the public pool's routes and the templates it loads.  Fixed
 * routes are a table; any other path of the form /NAME is a form if the
 * definitions (sql/) have one by that name, so adding a form needs no C
 * change.  Only forms accept POST.  It chooses the handler and answers
 * 404 and 405 itself; it reads no body and renders nothing but those
 * message pages, whose words are msg.c's.
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
		msg_page(s, 405, MSG_METHOD);
		return;
	}
	for (i = 0; i < ROUTE__MAX; i++) {
		if (strcmp(r->path, routes[i].path) != 0)
			continue;
		if (r->method == METHOD_POST) {
			s->allow = "GET, HEAD";
			msg_page(s, 405, MSG_NO_ANSWERS);
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
	msg_page(s, 404, MSG_NOT_FOUND);
}
