/*
 * app.c: routing for the public pool and the helpers every page shares.
 * Fixed routes are a table; any other path of the form /NAME is a form if
 * the definitions (sql/) have one by that name, so adding a form needs no
 * C change.  Only forms accept POST.
 */
#include <stdlib.h>
#include <string.h>

#include "vawg.h"
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

struct view_dict *
page_begin(const char *title, const char *file, struct view_dict **page)
{
	struct view_dict *root;

	if ((root = view_dict_new()) == NULL)
		return NULL;
	if (view_set(root, "TITLE", title) == -1 ||
	    (*page = view_include(root, "CONTENT", file)) == NULL) {
		view_dict_free(root);
		return NULL;
	}
	return root;
}

void
page_end(struct view_dict *root, struct resp *s, int status)
{
	s->status = status;
	buf_reset(&s->body);
	if (root == NULL || view_render("layout.tpl", root, &s->body) == -1) {
		LOG_ERR("rendering failed");
		s->status = 500;
		s->ctype = "text/plain; charset=utf-8";
		buf_reset(&s->body);
		(void)buf_puts(&s->body, "Something went wrong on our side. "
		    "Your answers were not saved. Please try again.\n");
	}
	view_dict_free(root);
}

int
page_paragraphs(struct view_dict *d, const char *section, const char *text)
{
	const char		*p = text, *end;
	struct view_dict	*item;
	size_t			 len;

	while (*p != '\0') {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		end = strstr(p, "\n\n");
		len = end ? (size_t)(end - p) : strlen(p);
		if ((item = view_section(d, section)) == NULL ||
		    view_setn(item, "TEXT", p, len) == -1)
			return -1;
		p += len;
	}
	return 0;
}

void
page_message(struct resp *s, int status, const char *heading,
    const char *para1, const char *para2)
{
	struct view_dict *root, *page = NULL, *item, *back;

	root = page_begin(heading, "message.tpl", &page);
	if (root != NULL) {
		(void)view_set(page, "HEADING", heading);
		if ((item = view_section(page, "PARA")) != NULL)
			(void)view_set(item, "TEXT", para1);
		if (para2 != NULL && (item = view_section(page, "PARA")) != NULL)
			(void)view_set(item, "TEXT", para2);
		if ((back = view_section(page, "BACK")) != NULL) {
			(void)view_set(back, "URL", "/");
			(void)view_set(back, "LABEL", "Go to the start");
		}
	}
	page_end(root, s, status);
}
