/*
 * log.c: the application log.  One line per event on stderr (the stack
 * script sends it to var/log/).  It names an event class, the function and
 * nginx's request id, never a submitted value, a token or a client address
 * (SECURITY.md threat 14).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vawg.h"

static const char	*log_prog = "vawg";
static char		 log_reqid[40];

void
log_init(const char *progname)
{
	log_prog = progname;
}

void
log_set_request(const char *id)
{
	size_t	 i;

	log_reqid[0] = '\0';
	if (id == NULL)
		return;
	/* nginx's $request_id is hex; keep only that, so a header cannot
	 * inject text into the log. */
	for (i = 0; id[i] != '\0' && i < sizeof(log_reqid) - 1; i++) {
		if (strchr("0123456789abcdefABCDEF", id[i]) == NULL)
			break;
		log_reqid[i] = id[i];
	}
	log_reqid[i] = '\0';
}

void
log_msg(const char *level, const char *func, const char *fmt, ...)
{
	char		 when[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	va_list		 ap;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s[%d] %s %s req=%s: ", when, log_prog,
	    (int)getpid(), level, func, log_reqid[0] ? log_reqid : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
