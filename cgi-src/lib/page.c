/*
 * page.c: rendering helpers every page of both pools shares: a page inside
 * the one layout, paragraphs from definition text, and message pages.  It
 * knows no route, form or key; a page that fails to render becomes a plain
 * 500, never half a page.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "view.h"

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
		if (para2 != NULL &&
		    (item = view_section(page, "PARA")) != NULL)
			(void)view_set(item, "TEXT", para2);
		if ((back = view_section(page, "BACK")) != NULL) {
			(void)view_set(back, "URL", "/");
			(void)view_set(back, "LABEL", "Go to the start");
		}
	}
	page_end(root, s, status);
}
