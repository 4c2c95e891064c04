/*
 * web.h: the web layer both pools share: the request and the response
 * (http.c), the prefork FastCGI pool (pool.c), route patterns
 * (pathmatch.c), and pages inside the one layout (page.c, through
 * view.h's template engine).  It knows nothing of
 * forms, keys or the database.
 */
#ifndef VAWG_WEB_H
#define VAWG_WEB_H

#include "base.h"

/* ---- http.c: the request, its bounded body, and the response ---- */

struct FCGX_Request;

enum http_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_OTHER
};

struct req {
	struct FCGX_Request	*fcgx;		/* borrowed */
	enum http_method	 method;
	const char		*path;		/* borrowed from the params */
	const char		*ctype;		/* "" if absent */
	long long		 clen;		/* -1 absent, -2 invalid */
	const char		*query;		/* "" if absent */
	const char		*cookie;	/* admin routes only; "" */
	const char		*remote_addr;	/* admin routes only; "" */
	int			 https;
	struct buf		 body;		/* owned, wiped at the end */
	int64_t			 now;
};

struct resp {
	int		 status;
	const char	*ctype;		/* static; default text/html UTF-8 */
	char		 location[1024];	/* "" for none */
	const char	*allow;		/* static; NULL for none */
	int		 clear_site_data;
	char		 set_cookie[256];	/* "" for none */
	char		 disposition[160];	/* "" for none */
	int		 streamed;	/* the handler already sent it all */
	struct buf	 body;		/* owned, wiped at the end */
	/* When npieces > 0 the body is these, in order, instead: borrowed
	 * (a cached page's halves, or body itself), so a cached page is
	 * sent without being copied. */
	struct resp_piece {
		const char	*data;
		size_t		 len;
	}		 pieces[3];
	size_t		 npieces;
};

enum body_result {
	BODY_OK,
	BODY_NO_LENGTH,		/* 411 */
	BODY_TOO_LARGE,		/* 413 */
	BODY_BAD_TYPE,		/* 415 */
	BODY_SHORT,		/* 400: fewer bytes than announced */
	BODY_NOMEM,		/* 500 */
};

/* The same strict policy on every page; no inline anything.
 * Sent by http.c on every answer, and by bench/bare.c, byte for byte. */
#define HTTP_SECURITY_HEADERS \
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'; object-src 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n" \
	"Cache-Control: no-store\r\n"

/* Fills r from the FastCGI parameters of f.  Allocates nothing. */
void	 http_req_init(struct req *r, struct FCGX_Request *f);
void	 http_req_free(struct req *r);
/*
 * Checks type and length before reading a byte, then reads exactly
 * CONTENT_LENGTH bytes into r->body (docs/THREAT-MODEL.md threat 10).
 */
enum body_result http_read_body(struct req *r, size_t max);
/* The status a body refused by http_read_body answers with (411, 413,
 * 415, 400, 500; 0 for BODY_OK): the one mapping both programs use. */
int	 http_body_status(enum body_result);
/* Writes status, the security headers and the body (none for HEAD). */
void	 http_send(struct req *r, struct resp *s);
/* Writes only status and headers (no Content-Length), for a streamed
 * body that follows with http_stream(). */
void	 http_send_head(struct req *r, struct resp *s);
/* Sends p[0..n) of a streamed body; req is the struct req.  0, or -1 when
 * the client went away.  Nothing is sent for HEAD. */
int	 http_stream(const char *p, size_t n, void *req);
/* Ends a streamed answer that failed halfway so that the client sees it
 * fail (no proper end of the body); after it, send nothing more. */
void	 http_abort(struct req *r);
void	 http_resp_free(struct resp *s);

/* ---- pool.c: the prefork FastCGI pool both programs run ---- */

/* Seconds a stopping worker may take to finish its request. */
#define POOL_STOP_GRACE	5

struct pool {
	const char	*name;
	int		 sock;		/* from pool_listen() */
	int		 nworkers;
	/* In each worker after fork; -1 makes it exit. */
	int		(*worker_init)(void *arg);
	/* One request: fill the response, or stream it and set streamed. */
	void		(*handle)(void *arg, struct req *, struct resp *);
	/* On SIGHUP: in the master (patient: may wait for the database),
	 * then in each worker before its next request (not patient).
	 * 0 / -1; may be NULL. */
	int		(*reload)(void *arg, int patient);
	/* One extra long-lived child (a replayer, say), or NULL.  It must
	 * not return; the master restarts it like a worker. */
	void		(*extra)(struct pool *);
	void		*arg;
};

int	 pool_harden(void);		/* no core dumps; signal handlers */
/* Binds path, mode 0660, owned by user (when root) and group ("": left as
 * they are); the socket, or -1.  Root with user "" is refused. */
int	 pool_listen(const char *path, const char *user, const char *group);
/* Becomes user for good (its groups, gid, uid; no new privileges).  Not
 * root: does nothing.  Root with user "" is refused.  0 / -1. */
int	 pool_drop(const char *user);
int	 pool_stopping(void);		/* 1 once SIGTERM has arrived */
/* Runs the pool until SIGTERM.  0 / -1. */
int	 pool_run(struct pool *);

/* ---- pathmatch.c: a path against a route's pattern ---- */

/* Room for the one parameter a pattern may hold (":ref"), with NUL. */
#define PATH_PARAM_MAX	16

/* 1 if pattern is one path_match() can use: starts with "/", its
 * literal segments hold no "%" and are not "." or "..", only its last
 * segment is empty, and ":ref" is its only parameter, at most once. */
int	 path_pattern_ok(const char *pattern);
/*
 * 1 if path is pattern exactly, segment for segment; ":ref" matches one
 * segment that is a reference as the schema stores it ("K7QM-4XPT"),
 * copied into param.  Else 0, and for a bad pattern too.  param is ""
 * unless the path matched a ":ref".  Nothing is decoded or normalised.
 */
int	 path_match(const char *pattern, const char *path,
	    char param[PATH_PARAM_MAX]);

/* ---- page.c: pages inside the one layout ---- */

struct view_dict;

/*
 * Renders file inside the layout with page title into s->body; the page's
 * own dictionary is returned through *page for the caller to fill first.
 * Use: d = page_begin(title, file, &page); fill page; page_end(d, s, status).
 */
struct view_dict *page_begin(const char *title, const char *file,
	    struct view_dict **page);
void	 page_end(struct view_dict *root, struct resp *s, int status);
/* A message page: heading, one or two paragraphs, a link home. */
void	 page_message(struct resp *s, int status, const char *heading,
	    const char *para1, const char *para2);
/* Adds one section item per blank-line separated paragraph of text. */
int	 page_paragraphs(struct view_dict *d, const char *section,
	    const char *text);

#endif /* VAWG_WEB_H */
