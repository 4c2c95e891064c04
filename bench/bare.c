/*
 * bench/bare.c: the ceiling for a page through FastCGI on this machine: a
 * minimal libfcgi responder with no forms logic, prefork like the public
 * pool, that answers every request with the same bytes the pool sent for
 * GET /consultation (a saved copy) and the same headers.  `make bench`
 * puts it behind the same nginx, so "GET through the pool / GET through
 * the bare responder" is what our forms logic and templates cost.
 *
 *   bare SOCKET FILE WORKERS USER
 *
 * Opens SOCKET (mode 0666, so nginx's workers can connect), drops to USER,
 * forks WORKERS children and waits; SIGTERM stops them all.  Exits 1 with a
 * message if anything cannot be set up.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

/* The public pool's headers (cgi-src/http.c), byte for byte. */
#define HEADERS \
	"Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" \
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'; object-src 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n" \
	"Cache-Control: no-store\r\n" \
	"Content-Length: %zu\r\n\r\n"

static volatile sig_atomic_t	stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
serve(int sock, const char *head, const char *body, size_t len)
{
	FCGX_Request	 r;

	if (FCGX_InitRequest(&r, sock, 0) != 0)
		_exit(1);
	while (!stop && FCGX_Accept_r(&r) >= 0) {
		FCGX_PutS(head, r.out);
		FCGX_PutStr(body, (int)len, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	struct passwd	*pw;
	struct sigaction sa;
	struct stat	 st;
	char		*body, head[1024];
	pid_t		*kids;
	FILE		*f;
	int		 sock, n, i;

	if (argc != 5 || (n = atoi(argv[3])) < 1 || n > 64) {
		fputs("usage: bare SOCKET FILE WORKERS USER\n", stderr);
		return 1;
	}
	if ((f = fopen(argv[2], "rb")) == NULL || fstat(fileno(f), &st) ||
	    (body = malloc((size_t)st.st_size + 1)) == NULL ||
	    fread(body, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		perror(argv[2]);
		return 1;
	}
	fclose(f);
	snprintf(head, sizeof(head), HEADERS, (size_t)st.st_size);
	if (FCGX_Init() != 0)
		return 1;
	unlink(argv[1]);
	/* The same listen backlog as the public pool (cgi-src/pool.c). */
	if ((sock = FCGX_OpenSocket(argv[1], 128)) < 0 ||
	    chmod(argv[1], 0666) == -1) {
		perror(argv[1]);
		return 1;
	}
	if ((pw = getpwnam(argv[4])) == NULL ||
	    setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		fprintf(stderr, "cannot become %s\n", argv[4]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((kids = calloc((size_t)n, sizeof(*kids))) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if ((kids[i] = fork()) == 0)
			serve(sock, head, body, (size_t)st.st_size);
	/* No SA_RESTART: SIGTERM must wake the wait below. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop && wait(NULL) != -1)
		;
	for (i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) != -1 || errno == EINTR)
		;
	return 0;
}
