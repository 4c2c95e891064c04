/*
 * bench/bare.c: the ceiling for a form through FastCGI on this machine: a
 * minimal libfcgi responder with no forms logic, prefork like the public
 * pool, behind the same nginx.  `make bench` compares the pool with it, so
 * "pool / bare responder" is what our forms logic, templates and checks
 * cost, on the same machine, in the same run.
 *
 *   GET   the saved copy of the rendered form page (the same bytes the pool
 *         sent for GET /consultation) with the pool's headers.
 *   POST  reads the body, seals a block of the same size as the pool's
 *         envelope (crypto_box_seal, a fresh 16-byte idempotency key),
 *         stores it with the same prepared SELECT vawg.submit(...) over one
 *         connection per worker, and answers with a saved copy of a
 *         confirmation page.  No parsing, no validation, no token, no
 *         template: what is left is the work no form handler can avoid.
 *
 *   bare SOCKET PAGE WORKERS USER [CONNINFO PUBKEY VERSION PLAIN SEALLEN
 *        CONFIRM]
 *
 * PUBKEY is the file with the service's public key (hex); PLAIN the plain
 * answers' JSON; SEALLEN the pool's envelope length in bytes; CONFIRM a
 * saved confirmation page.  Opens SOCKET (mode 0666, for nginx's workers),
 * drops to USER, forks WORKERS children and waits; SIGTERM stops them.
 * Exits 1 with a message if anything cannot be set up.
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
#include <libpq-fe.h>
#include <sodium.h>

#include "crypto.h"
#include "web.h"

/* The public pool's headers, byte for byte (the same macro http.c sends). */
#define HEADERS \
	"Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" \
	HTTP_SECURITY_HEADERS \
	"Content-Length: %zu\r\n\r\n"

#define BODY_MAX	65536

struct page {
	char	*body;
	size_t	 len;
	char	 head[1024];
};

struct post {
	const char	*conninfo, *version, *plain;
	unsigned char	 pk[crypto_box_PUBLICKEYBYTES];
	unsigned char	 key_id[8];
	char		 key_hex[17];
	size_t		 seal_len;	/* the whole envelope */
	struct page	 confirm;
};

static volatile sig_atomic_t	stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
load_page(const char *path, struct page *p)
{
	struct stat	 st;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) ||
	    (p->body = malloc((size_t)st.st_size + 1)) == NULL ||
	    fread(p->body, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		perror(path);
		return -1;
	}
	fclose(f);
	p->len = (size_t)st.st_size;
	snprintf(p->head, sizeof(p->head), HEADERS, p->len);
	return 0;
}

static void
send_page(FCGX_Request *r, const struct page *p)
{
	FCGX_PutS(p->head, r->out);
	FCGX_PutStr(p->body, (int)p->len, r->out);
}

/* Seals and stores one post; 0, or -1 (the caller answers 503). */
static int
store_post(PGconn *db, const struct post *ps, const char *body, size_t len)
{
	static const char ref_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char	 idem[16], *plain, *env;
	char		 ref[10];
	const char	*v[6];
	int		 lens[6] = { 0, 16, 0, 0, 0, 0 };
	int		 fmts[6] = { 0, 1, 0, 0, 1, 0 };
	size_t		 plen = ps->seal_len - ENVELOPE_HEADER - crypto_box_SEALBYTES;
	PGresult	*res;
	int		 i, rc = -1;

	if ((plain = calloc(1, plen)) == NULL ||
	    (env = malloc(ps->seal_len)) == NULL) {
		free(plain);
		return -1;
	}
	randombytes_buf(idem, sizeof(idem));
	memcpy(plain, idem, sizeof(idem));
	memcpy(plain + sizeof(idem), body, len < plen - 16 ? len : plen - 16);
	env[0] = ENVELOPE_VERSION;
	memcpy(env + 1, ps->key_id, 8);
	if (crypto_box_seal(env + ENVELOPE_HEADER, plain, plen, ps->pk) != 0)
		goto out;
	for (i = 0; i < 9; i++)
		ref[i] = i == 4 ? '-' : ref_alphabet[idem[i] % 32];
	ref[9] = '\0';
	v[0] = ps->version;
	v[1] = (const char *)idem;
	v[2] = ref;
	v[3] = ps->plain;
	v[4] = (const char *)env;
	lens[4] = (int)ps->seal_len;
	v[5] = ps->key_hex;
	res = PQexecPrepared(db, "submit", 6, v, lens, fmts, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	PQclear(res);
out:
	sodium_memzero(plain, plen);
	free(plain);
	free(env);
	return rc;
}

static void
serve(int sock, const struct page *page, const struct post *ps)
{
	FCGX_Request	 r;
	PGconn		*db = NULL;
	PGresult	*res;
	char		*body;
	const char	*m, *cl;
	size_t		 n;
	int		 got;

	signal(SIGTERM, SIG_DFL);
	if ((body = malloc(BODY_MAX)) == NULL)
		_exit(1);
	if (ps != NULL) {
		db = PQconnectdb(ps->conninfo);
		res = PQprepare(db, "submit", "SELECT vawg.submit($1::integer, "
		    "$2::bytea, $3::text, $4::jsonb, $5::bytea, $6::text)", 6,
		    NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "prepare: %s", PQerrorMessage(db));
			_exit(1);
		}
		PQclear(res);
	}
	if (FCGX_InitRequest(&r, sock, 0) != 0)
		_exit(1);
	while (!stop && FCGX_Accept_r(&r) >= 0) {
		m = FCGX_GetParam("REQUEST_METHOD", r.envp);
		if (ps != NULL && m != NULL && strcmp(m, "POST") == 0) {
			cl = FCGX_GetParam("CONTENT_LENGTH", r.envp);
			n = cl ? strtoul(cl, NULL, 10) : 0;
			if (n > BODY_MAX)
				n = BODY_MAX;
			got = FCGX_GetStr(body, (int)n, r.in);
			if (got == (int)n && store_post(db, ps, body, n) == 0)
				send_page(&r, &ps->confirm);
			else
				FCGX_PutS("Status: 503 Service Unavailable\r\n"
				    "Content-Type: text/plain\r\n\r\nnot saved\n",
				    r.out);
		} else
			send_page(&r, page);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	struct passwd	*pw;
	struct sigaction sa;
	struct page	 page;
	struct post	 post, *ps = NULL;
	char		 hex[80];
	size_t		 binlen;
	pid_t		*kids;
	FILE		*f;
	int		 sock, n, i;

	if ((argc != 5 && argc != 11) || (n = atoi(argv[3])) < 1 || n > 64) {
		fputs("usage: bare SOCKET PAGE WORKERS USER [CONNINFO PUBKEY "
		    "VERSION PLAIN SEALLEN CONFIRM]\n", stderr);
		return 1;
	}
	if (sodium_init() < 0 || load_page(argv[2], &page) == -1)
		return 1;
	if (argc == 11) {
		ps = &post;
		memset(ps, 0, sizeof(*ps));
		ps->conninfo = argv[5];
		ps->version = argv[7];
		ps->plain = argv[8];
		ps->seal_len = strtoul(argv[9], NULL, 10);
		if ((f = fopen(argv[6], "r")) == NULL ||
		    fgets(hex, sizeof(hex), f) == NULL ||
		    sodium_hex2bin(ps->pk, sizeof(ps->pk), hex, strlen(hex),
		    "\n", &binlen, NULL) != 0 || binlen != sizeof(ps->pk) ||
		    ps->seal_len < ENVELOPE_HEADER + crypto_box_SEALBYTES + 16 ||
		    load_page(argv[10], &ps->confirm) == -1) {
			fprintf(stderr, "bad post settings\n");
			return 1;
		}
		fclose(f);
		/* The key id is the first 8 bytes of BLAKE2b-256 of the key
		 * (cgi-src/lib/seal.c). */
		{
			unsigned char fp[32];

			crypto_generichash(fp, sizeof(fp), ps->pk,
			    sizeof(ps->pk), NULL, 0);
			memcpy(ps->key_id, fp, 8);
			sodium_bin2hex(ps->key_hex, sizeof(ps->key_hex), fp, 8);
		}
	}
	if (FCGX_Init() != 0)
		return 1;
	unlink(argv[1]);
	/* The same listen backlog as the public pool (cgi-src/lib/pool.c). */
	if ((sock = FCGX_OpenSocket(argv[1], 1024)) < 0 ||
	    chmod(argv[1], 0666) == -1) {
		perror(argv[1]);
		return 1;
	}
	if ((pw = getpwnam(argv[4])) == NULL ||
	    initgroups(argv[4], pw->pw_gid) == -1 ||
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
			serve(sock, &page, ps);
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
