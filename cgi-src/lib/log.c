/*
 * log.c: the application log.  One line per event on stderr (the stack
 * script sends it to var/log/).  It names an event class, the function and
 * nginx's request id, never a submitted value, a token or a client address
 * (docs/THREAT-MODEL.md threat 14).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

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

/*
 * The line is built whole and written with one write(2): every process of
 * a pool appends to the same file, and pieces of lines written separately
 * interleave.  A line longer than the buffer is cut, marked with "...".
 */
void
log_msg(const char *level, const char *func, const char *fmt, ...)
{
	char		 when[32], line[2048];
	struct tm	 tm;
	time_t		 now = time(NULL);
	va_list		 ap;
	size_t		 len;
	ssize_t		 n;
	int		 k;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	k = snprintf(line, sizeof(line), "%s %s[%d] %s %s req=%s: ", when,
	    log_prog, (int)getpid(), level, func,
	    log_reqid[0] ? log_reqid : "-");
	len = k < 0 ? 0 : (size_t)k;
	if (len < sizeof(line)) {
		va_start(ap, fmt);
		k = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		va_end(ap);
		len += k < 0 ? 0 : (size_t)k;
	}
	if (len > sizeof(line) - 2) {
		len = sizeof(line) - 2;
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	fflush(stderr);
	while ((n = write(STDERR_FILENO, line, len)) == -1 && errno == EINTR)
		;
}
