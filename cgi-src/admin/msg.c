/*
 * msg.c: every word the admin pages write from C, in one table beside
 * enum msg (admin.h), so that wording is changed, reviewed and one day
 * translated in one place.  The templates hold the rest of each page.
 *
 * Only text lives here: which status a page answers with is the page's
 * business, and nothing here reads a request or the database.  The tests
 * compare pages, so a change of wording here is a change of behaviour.
 */
#include <stdio.h>

#include "admin.h"

/* The one line with a number in it: a literal, so the compiler checks the
 * format where msg_throttled() uses it. */
#define THROTTLED_FMT \
	"Too many attempts. Wait %lld seconds, then try again."

/* text: a page's heading or the single line; para and hint: a message
 * page's paragraphs (hint may be NULL), both NULL for a single line. */
static const struct {
	const char	*text;
	const char	*para;
	const char	*hint;
} msgs[MSG__MAX] = {
	[MSG_UNREADABLE] = { "We could not read that",
	    "What your browser sent was not in the form we expect.", NULL },
	[MSG_BODY_TOO_LARGE] = { "That was too long to send",
	    "Go back, shorten what you typed and try again.", NULL },
	[MSG_BODY_FAILED] = { "Sorry, there is a problem",
	    "Nothing was changed.", "Try again in a few minutes." },
	[MSG_NOT_FOUND] = { "Page not found",
	    "Check the address, or go to the dashboard.", NULL },
	[MSG_NOT_ALLOWED] = { "This page cannot do that",
	    "Your browser asked for something this page does not offer.",
	    NULL },
	[MSG_SESSION_ENDED] = { "Please sign in", "Your session has ended.",
	    NULL },
	[MSG_STALE_PAGE] = { "That did not work",
	    "The page was out of date. Go back, reload it and try again.",
	    NULL },
	[MSG_ROLE_REFUSED] = { "Your account cannot do this",
	    "This page is not part of your role here. Nothing was changed.",
	    "If you need it for your work, ask an administrator." },
	[MSG_LOGIN_TITLE] = { "Sign in", NULL, NULL },
	[MSG_LOGIN_EXPIRED] = { "Please sign in again",
	    "The sign-in page had expired or did not come from this site.",
	    NULL },
	[MSG_LOGIN_PLAIN_HTTP] = { "Sign in over a secure connection",
	    "This page was opened over an address starting http://, which "
	    "does not protect your password on the way, so signing in is "
	    "turned off here.", "Open the sign-in page at its https:// "
	    "address. If that is what you did, tell whoever runs this "
	    "service." },
	[MSG_LOGIN_INCOMPLETE] = { "Enter your username, password and the "
	    "6-digit code from your authenticator app.", NULL, NULL },
	[MSG_LOGIN_WRONG] = { "The username, password or code is not right. "
	    "Check them and try again.", NULL, NULL },
	[MSG_LOGIN_DOWN] = { "Sign-in is not available",
	    "The service cannot reach its database just now.",
	    "Try again in a few minutes." },
	[MSG_LOGOUT_DOWN] = { "Signing out did not work",
	    "The service cannot reach its database just now, so your "
	    "session is still open.", "Go back and sign out again." },
	[MSG_LOGOUT_UNRECORDED] = { "You are signed out",
	    "Your session has ended, but the service could not record it in "
	    "the audit log.", "Please tell whoever runs this service." },
	[MSG_THROTTLED] = { THROTTLED_FMT, NULL, NULL },
	[MSG_DASHBOARD_TITLE] = { "Dashboard", NULL, NULL },
	[MSG_MODE_DECRYPTING] = { "Exports are decrypted here, with the keys "
	    "below.", NULL, NULL },
	[MSG_MODE_SEALED] = { "This server holds no secret key: exports "
	    "carry sealed answers for vawgctl decrypt-export.", NULL, NULL },
	[MSG_KEYRING_NONE] = { "none", NULL, NULL },
	[MSG_DASHBOARD_CASEWORK] = { "You are signed in to work referrals. "
	    "The referral queue will be here.", NULL, NULL },
	[MSG_EXPORT_BAD] = { "Check the export details",
	    "Choose a form and a date range (from, to, as YYYY-MM-DD, from "
	    "not after to).", NULL },
	[MSG_EXPORT_UNRECORDED] = { "The export could not start",
	    "Nothing was exported: the service could not record it.",
	    "Try again in a few minutes." },
	[MSG_REAUTH_TITLE] = { "Confirm it is you", NULL, NULL },
	[MSG_REAUTH_BAD] = { "Check the export details",
	    "Go back to the dashboard and start the export again.", NULL },
	[MSG_REAUTH_WRONG] = { "That password is not right.", NULL, NULL },
	[MSG_REAUTH_DOWN] = { "Not available",
	    "The service cannot reach its database just now.", NULL },
};

/* The longest line MSG_THROTTLED can make: its text, less "%lld", plus
 * the 20 characters of INT64_MIN, plus the NUL. */
_Static_assert(sizeof(THROTTLED_FMT) - 4 + 20 <= MSG_LINE_MAX,
    "MSG_LINE_MAX holds MSG_THROTTLED");

const char *
msg_text(enum msg m)
{
	assert(m < MSG__MAX && msgs[m].text != NULL);
	return msgs[m].text;
}

void
msg_page(struct resp *s, int status, enum msg m)
{
	/* A single line is not a page: asking for one is a bug. */
	assert(m < MSG__MAX && msgs[m].text != NULL && msgs[m].para != NULL);
	page_message(s, status, msgs[m].text, msgs[m].para, msgs[m].hint);
}

void
msg_throttled(char out[MSG_LINE_MAX], int64_t seconds)
{
	snprintf(out, MSG_LINE_MAX, THROTTLED_FMT, (long long)seconds);
}
