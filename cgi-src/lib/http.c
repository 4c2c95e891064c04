/*
 * http.c: the request context, the bounded body reader and the response.
 * Status and headers are written once, when the handler has decided them
 * (docs/CONTRIBUTING.md §4): by http_send(), with the whole page rendered
 * into a buffer (or a cached page's pieces), or by http_send_head() before
 * a streamed body (an export) that follows through http_stream(), and
 * that http_abort() cuts off visibly when it fails halfway.  No partial
 * output before the status is known.  It knows nothing of routes,
 * forms or keys, and the only thing from a request it gives the log is
 * nginx's request id (log.c keeps its hex digits only).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <fcgiapp.h>

#include "web.h"

static const char *
param(struct FCGX_Request *f, const char *name)
{
	const char *v = FCGX_GetParam(name, f->envp);

	return v ? v : "";
}

void
http_req_init(struct req *r, struct FCGX_Request *f)
{
	const char	*m, *cl;
	char		*end;
	long long	 n;

	memset(r, 0, sizeof(*r));
	r->fcgx = f;
	r->now = (int64_t)time(NULL);
	m = param(f, "REQUEST_METHOD");
	r->method = strcmp(m, "GET") == 0 ? METHOD_GET :
	    strcmp(m, "HEAD") == 0 ? METHOD_HEAD :
	    strcmp(m, "POST") == 0 ? METHOD_POST : METHOD_OTHER;
	/* nginx's $document_uri: decoded, normalised, no query string. */
	r->path = param(f, "DOCUMENT_URI");
	r->ctype = param(f, "CONTENT_TYPE");
	r->query = param(f, "QUERY_STRING");
	r->cookie = param(f, "HTTP_COOKIE");
	r->remote_addr = param(f, "REMOTE_ADDR");
	r->https = strcmp(param(f, "HTTPS"), "on") == 0;
	cl = param(f, "CONTENT_LENGTH");
	if (cl[0] == '\0')
		r->clen = -1;
	else {
		errno = 0;
		n = strtoll(cl, &end, 10);
		r->clen = (errno != 0 || *end != '\0' || n < 0 ||
		    cl[0] < '0' || cl[0] > '9') ? -2 : n;
	}
	log_set_request(param(f, "REQUEST_ID"));
}

void
http_req_free(struct req *r)
{
	buf_free(&r->body);
	log_set_request(NULL);
}

/* Only the urlencoded type, with or without parameters. */
static int
is_urlencoded(const char *t)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t	 n = sizeof(want) - 1;

	if (strncasecmp(t, want, n) != 0)
		return 0;
	t += n;
	while (*t == ' ' || *t == '\t')
		t++;
	return *t == '\0' || *t == ';';
}

enum body_result
http_read_body(struct req *r, size_t max)
{
	size_t	 want;
	int	 got;

	if (!is_urlencoded(r->ctype))
		return BODY_BAD_TYPE;
	if (r->clen == -1)
		return BODY_NO_LENGTH;
	if (r->clen < 0)
		return BODY_SHORT;
	if ((unsigned long long)r->clen > max)
		return BODY_TOO_LARGE;
	/* One block of the announced size, read into directly: no growth,
	 * no second copy of the answers to wipe. */
	if (buf_reserve(&r->body, (size_t)r->clen) == -1)
		return BODY_NOMEM;
	while (r->body.len < (size_t)r->clen) {
		want = (size_t)r->clen - r->body.len;
		if (want > INT_MAX)
			want = INT_MAX;
		got = FCGX_GetStr(r->body.data + r->body.len, (int)want,
		    r->fcgx->in);
		if (got <= 0)
			break;
		r->body.len += (size_t)got;	/* exactly what was written */
		r->body.data[r->body.len] = '\0';
	}
	return r->body.len == (size_t)r->clen ? BODY_OK : BODY_SHORT;
}

int
http_body_status(enum body_result b)
{
	switch (b) {
	case BODY_OK:
		return 0;
	case BODY_NO_LENGTH:
		return 411;
	case BODY_TOO_LARGE:
		return 413;
	case BODY_BAD_TYPE:
		return 415;
	case BODY_SHORT:
		return 400;
	case BODY_NOMEM:
	default:
		return 500;
	}
}

static const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Decimal, for the status and Content-Length, without printf. */
static int
put_uint(struct buf *h, size_t v)
{
	char	 d[24], *p = d + sizeof(d);

	_Static_assert(sizeof(size_t) <= 8, "a size_t has at most 20 digits");

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return buf_append(h, p, (size_t)(d + sizeof(d) - p));
}

static int
put_header(struct buf *h, const char *name, const char *value)
{
	/* || evaluates left to right and stops at the first failure; | would
	 * leave the order of the appends to the compiler. */
	return buf_puts(h, name) || buf_puts(h, value) || buf_puts(h, "\r\n");
}

/* The body's length: body itself, or its pieces. */
static size_t
http_body_len(const struct resp *s)
{
	size_t	 i, n = 0;

	if (s->npieces == 0)
		return s->body.len;
	for (i = 0; i < s->npieces; i++)
		n += s->pieces[i].len;
	return n;
}

/* Status and headers into h; with_length adds Content-Length.  Built
 * with appends, not printf: this runs for every page. */
static int
http_head(struct buf *h, const struct resp *s, int with_length)
{
	if (buf_puts(h, "Status: ") || put_uint(h, (size_t)s->status) ||
	    buf_puts(h, " ") || buf_puts(h, http_status_text(s->status)) ||
	    buf_puts(h, "\r\n") || put_header(h, "Content-Type: ",
	    s->ctype ? s->ctype : "text/html; charset=utf-8") ||
	    buf_puts(h, HTTP_SECURITY_HEADERS))
		return -1;
	if (with_length && (buf_puts(h, "Content-Length: ") ||
	    put_uint(h, http_body_len(s)) || buf_puts(h, "\r\n")))
		return -1;
	if (s->location[0] != '\0' && put_header(h, "Location: ", s->location))
		return -1;
	if (s->allow != NULL && put_header(h, "Allow: ", s->allow))
		return -1;
	if (s->clear_site_data && buf_puts(h, "Clear-Site-Data: \"cache\", "
	    "\"cookies\", \"storage\"\r\n"))
		return -1;
	if (s->set_cookie[0] != '\0' &&
	    put_header(h, "Set-Cookie: ", s->set_cookie))
		return -1;
	if (s->disposition[0] != '\0' &&
	    put_header(h, "Content-Disposition: ", s->disposition))
		return -1;
	return buf_puts(h, "\r\n");
}

static void
http_write_head(struct req *r, struct resp *s, int with_length)
{
	/* One block per process, reused: no allocation per request.  It is
	 * wiped after each use, as it can hold a session cookie. */
	static struct buf	 h;

	if (http_head(&h, s, with_length) != 0) {
		LOG_ERR("out of memory for headers");
		FCGX_PutS("Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\n\r\n", r->fcgx->out);
	} else
		FCGX_PutStr(h.data, (int)h.len, r->fcgx->out);
	buf_reset(&h);
}

void
http_send(struct req *r, struct resp *s)
{
	size_t	 i;

	http_write_head(r, s, 1);
	if (r->method == METHOD_HEAD)
		return;
	if (s->npieces == 0) {
		if (s->body.len > 0)
			FCGX_PutStr(s->body.data, (int)s->body.len,
			    r->fcgx->out);
		return;
	}
	for (i = 0; i < s->npieces; i++)
		if (s->pieces[i].len > 0)
			FCGX_PutStr(s->pieces[i].data, (int)s->pieces[i].len,
			    r->fcgx->out);
}

void
http_send_head(struct req *r, struct resp *s)
{
	http_write_head(r, s, 0);
}

int
http_stream(const char *p, size_t n, void *arg)
{
	struct req	*r = arg;

	if (r->method == METHOD_HEAD || n == 0)
		return 0;
	/* libfcgi's stream buffer sends a record whenever it fills, so
	 * memory stays flat without a write per row. */
	if (FCGX_PutStr(p, (int)n, r->fcgx->out) != (int)n ||
	    FCGX_GetError(r->fcgx->out) != 0)
		return -1;	/* the client went away */
	return 0;
}

/*
 * What has been written goes to nginx as whole records, then eight bytes
 * that are no FastCGI record (version 0), then the connection is shut
 * both ways.  A plain close is not enough: nginx (1.22, unbuffered) takes
 * the end of an upstream that sent no end-of-request as the end of the
 * body and sends the last chunk, so the file would look whole.  A record
 * it cannot read is an upstream error ("unsupported FastCGI protocol
 * version: 0" in its error log): it closes the client's connection
 * without the last chunk, and the client sees a transfer that failed.
 * The worker's FCGX_Finish_r then closes the socket.
 */
void
http_abort(struct req *r)
{
	static const char	 no_record[8];	/* version 0 */
	ssize_t			 n;

	(void)FCGX_FFlush(r->fcgx->out);
	if (r->fcgx->ipcFd < 0)
		return;
	n = write(r->fcgx->ipcFd, no_record, sizeof(no_record));
	(void)n;	/* nginx gone already: nothing left to tell */
	(void)shutdown(r->fcgx->ipcFd, SHUT_RDWR);
}

void
http_resp_free(struct resp *s)
{
	buf_free(&s->body);
}
