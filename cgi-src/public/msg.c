/*
 * msg.c: every sentence the public program itself puts on a page, in one
 * table indexed by enum msg (public.h), so that a page says what it means
 * by name and a translation replaces this table alone.  Each entry is
 * whole sentences; nothing here is assembled from fragments.  The text of
 * the templates (templates/) and the library's own messages (a field's
 * error, lib/field.c; the last-resort 500, lib/page.c) are not here.  This
 * file holds words only: it chooses no status code and renders nothing
 * but through page_message().
 */
#include <assert.h>
#include <stddef.h>

#include "public.h"

static const struct msg_text msgs[MSG__MAX] = {
	[MSG_NOT_FOUND] = { "Page not found",
	    "If you typed the web address, check it is correct.",
	    "You can go to the start instead." },
	[MSG_METHOD] = { "This page cannot do that",
	    "Your browser asked for something this page does not offer.",
	    "Go to the start and try again." },
	[MSG_NO_ANSWERS] = { "This page cannot do that",
	    "This page does not take answers.",
	    "Go to the start and try again." },
	[MSG_NO_LENGTH] = { "We could not read your answers",
	    "Your browser did not say how long its message was.",
	    "Please go back and try again." },
	[MSG_TOO_LARGE] = { "Your answers are too long to send",
	    "Please go back, shorten your longest answers, and try again.",
	    NULL },
	[MSG_BAD_TYPE] = { "We could not read your answers",
	    "This form only accepts answers sent from its own page.",
	    "Please go back and try again." },
	[MSG_SHORT] = { "We could not read your answers",
	    "Part of the message from your browser was missing.",
	    "Please go back and try again." },
	[MSG_MALFORMED] = { "We could not read your answers",
	    "What your browser sent was not in the form we expect.",
	    "Please go back and try again." },
	[MSG_MISMATCH] = { "We could not read your answers",
	    "What your browser sent does not match this form.",
	    "Please go back and try again." },
	[MSG_FOREIGN] = { "Please use the form on this site",
	    "We could not match these answers to one of our forms.",
	    "Please go back to the form and send it again." },
	[MSG_NOMEM] = { "Sorry, there is a problem",
	    "Your answers were not saved.", "Please try again." },
	[MSG_UNSEALED] = { "Sorry, there is a problem",
	    "Your answers were not saved.", "Please try again later." },
	[MSG_NOT_SAVED] = { "Sorry, your answers were not saved",
	    "We could not save your answers just now. Nothing was sent.",
	    "Please go back, keep this page open, and try again in a few "
	    "minutes." },
	[MSG_TOO_QUICK] = { NULL,
	    "Please check your answers, then send them again.", NULL },
	[MSG_EXPIRED] = { NULL,
	    "This page was open for a long time, so we need you to send it "
	    "again. Your answers are still here.", NULL },
	[MSG_INDEX_TITLE] = { "Have your say or get support", NULL, NULL },
	[MSG_SAFETY_TITLE] = { "Staying safe online", NULL, NULL },
	[MSG_LEAVING] = { NULL, "Leaving this site.", NULL },
};

const struct msg_text *
msg_get(enum msg m)
{
	assert(m < MSG__MAX);
	/* Every entry says something: a table grown without its text would
	 * otherwise send an empty page. */
	assert(msgs[m].heading != NULL || msgs[m].para1 != NULL);
	return &msgs[m];
}

void
msg_page(struct resp *s, int status, enum msg m)
{
	const struct msg_text *t = msg_get(m);

	/* A message page has a heading and at least one paragraph. */
	assert(t->heading != NULL && t->para1 != NULL);
	page_message(s, status, t->heading, t->para1, t->para2);
}
