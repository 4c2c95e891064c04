/*
 * store.c: the database connection, the one path every statement of the
 * library takes, and its ping (vawg.submit() is in store_submit.c).
 * SQL lives only in cgi-src/lib/store*.c, each file's statements in a
 * table (enum with a __MAX sentinel, a parallel array of struct
 * store_stmt), only as prepared statements with bound parameters
 * (docs/CONTRIBUTING.md §8); ciphertext and keys travel as binary bytea.
 * No other file of cgi-src/ holds SQL or calls libpq to run it.
 *
 * A worker keeps one connection for its life and checks it before each
 * use, resetting it after a database restart (kore's rule).  A statement is
 * prepared on a connection the first time it runs there, so each program
 * prepares only the tables it links, which its role may run.
 *
 * When to send a statement again (docs/CONTRIBUTING.md §18).  A connection
 * lost before a statement went out (the connect, the reset, the prepare)
 * hides nothing: it is reconnected and the statement sent.  Lost after it
 * went out, the server may or may not have run it.  Then a statement
 * marked STORE_RESEND (a read, vawg.submit() keyed by its idempotency key,
 * a delete or an update that leaves the same row twice) is sent once more
 * on a fresh connection; one marked STORE_ONCE (an audit row, a throttle
 * count, a session, an enrolment) never is: the caller gets STORE_DOWN,
 * "outcome unknown" is logged, and it reports the failure rather than
 * risk applying the write twice.  Inside a transaction nothing is sent
 * again, and a streamed read is not once a row has gone to its caller.
 * The public submit's STORE_DOWN sends the post to the spool, whose
 * replay is idempotent too.
 */
#include <assert.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "staffdb.h"

/* Room for every statement of the library (30 today), and more to come. */
#define PREPARED_MAX	96

enum stmt {
	STMT_PING,
	STMT_BEGIN,
	STMT_ROLLBACK,
	STMT__MAX
};

/* The column: ping's constant. */
enum { PING_ONE, PING__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_PING] = { "ping", "SELECT 1", 0, PGRES_TUPLES_OK, PING__COLS,
	    STORE_RESEND, 0 },
	[STMT_BEGIN] = { "begin", "BEGIN", 0, PGRES_COMMAND_OK, 0,
	    STORE_RESEND, 0 },
	[STMT_ROLLBACK] = { "rollback", "ROLLBACK", 0, PGRES_COMMAND_OK, 0,
	    STORE_RESEND, 0 },
};

struct store {
	PGconn			*conn;
	char			*conninfo;
	int			 in_txn;	/* store_begin without rollback */
	/* The last connect failed: said once when the database goes away
	 * and once when it is back, never per request, so the log holds
	 * no timestamped line per post made during an outage. */
	int			 down;
	/* The SQLSTATE of the last refusal that can pass, "" when the last
	 * statement was not one: logged when it changes and when it ends,
	 * so a read-only database logs two lines, not one per post. */
	char			 refusing[6];
	/* A read-only database said no: the next use connects anew (after a
	 * failover, the conninfo's target_session_attrs finds the primary,
	 * and a session that began read-only stays so). */
	int			 stale;
	/* The statements prepared on this connection; emptied on reset. */
	const struct store_stmt	*prepared[PREPARED_MAX];
	size_t			 nprepared;
};

/* Single-row mode's state, for store_stream. */
struct rows {
	int	(*cb)(const PGresult *, void *);
	void	*arg;
	size_t	 n;		/* rows handed to cb */
	int	 stopped;	/* cb said -1 */
};

static PGresult	*store_send(struct store *, const struct store_stmt *,
		    const struct store_args *, struct rows *, int *);

void
store_arg_text(struct store_args *a, const char *v)
{
	assert(a->n < STORE_ARGS_MAX);
	a->v[a->n] = v;
	a->len[a->n] = 0;
	a->fmt[a->n] = 0;
	a->n++;
}

void
store_arg_bytes(struct store_args *a, const void *v, size_t len)
{
	assert(a->n < STORE_ARGS_MAX && len <= INT32_MAX);
	a->v[a->n] = v;
	a->len[a->n] = (int)len;
	a->fmt[a->n] = 1;
	a->n++;
}

void
store_arg_int(struct store_args *a, long long v)
{
	assert(a->n < STORE_ARGS_MAX);
	snprintf(a->num[a->n], sizeof(a->num[a->n]), "%lld", v);
	store_arg_text(a, a->num[a->n]);
}

/*
 * Makes the connection usable: connect or reset (forgetting what was
 * prepared), and roll back what an earlier caller left open.  Inside the
 * caller's own transaction a lost connection is an error: a reset would
 * run the rest outside it.
 */
static int
store_ensure(struct store *s)
{
	PGresult	*r;
	int		 sent;

	if (s->in_txn && PQstatus(s->conn) != CONNECTION_OK) {
		LOG_ERR("connection lost inside a transaction");
		return -1;
	}
	if (s->conn == NULL) {
		s->conn = PQconnectdb(s->conninfo);
		s->nprepared = 0;
	} else if (PQstatus(s->conn) != CONNECTION_OK ||
	    (s->stale && !s->in_txn)) {
		PQreset(s->conn);
		s->nprepared = 0;
		s->stale = 0;
	}
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		if (!s->down)
			LOG_WARN("database unreachable: %s",
			    s->conn ? PQerrorMessage(s->conn) : "out of memory");
		s->down = 1;
		return -1;
	}
	if (s->down)
		LOG_INFO("database reachable again");
	s->down = 0;
	if (!s->in_txn && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		r = store_send(s, &stmts[STMT_ROLLBACK], NULL, NULL, &sent);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			LOG_WARN("rolling back: %s", PQerrorMessage(s->conn));
		PQclear(r);
	}
	return 0;
}

/*
 * Sends st once and returns its last result (NULL if none came).  On the
 * connection's first use of st it is prepared first; a refused prepare's
 * result is returned as it is, with *sent 0: the statement never went out.
 * In single-row mode (rows) each row goes to rows->cb, not the result.
 */
static PGresult *
store_send(struct store *s, const struct store_stmt *st,
    const struct store_args *a, struct rows *rows, int *sent)
{
	PGresult	*r, *last = NULL;
	size_t		 i;

	*sent = 0;
	for (i = 0; i < s->nprepared; i++) {
		if (s->prepared[i] == st)
			break;
		/* Two statements under one name would run each other. */
		assert(strcmp(s->prepared[i]->name, st->name) != 0);
	}
	if (i == s->nprepared) {
		assert(s->nprepared < PREPARED_MAX);
		r = PQprepare(s->conn, st->name, st->sql, st->nparams, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		s->prepared[s->nprepared++] = st;
	}
	*sent = 1;
	if (!PQsendQueryPrepared(s->conn, st->name, st->nparams,
	    a ? a->v : NULL, a ? a->len : NULL, a ? a->fmt : NULL, st->binary))
		return NULL;
	/* Refused, the rows would come whole and never reach rows->cb. */
	if (rows != NULL && !PQsetSingleRowMode(s->conn)) {
		LOG_WARN("%s: single-row mode refused", st->name);
		while ((r = PQgetResult(s->conn)) != NULL)
			PQclear(r);
		return NULL;
	}
	while ((r = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE && rows != NULL) {
			assert(PQnfields(r) == st->ncols);
			if (!rows->stopped && rows->cb(r, rows->arg) == -1)
				rows->stopped = 1;
			rows->n++;
			PQclear(r);
			continue;
		}
		PQclear(last);
		last = r;
	}
	return last;
}

/*
 * Is this failure the database going away (so the outcome is unknown and a
 * retry or the spool is right), rather than the database saying no?
 */
static int
store_is_down(const struct store *s, const PGresult *r)
{
	const char	*state;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return 1;
	state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return 1;
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0 || strcmp(state, "57014") == 0;
}

/*
 * The database said no (not down).  For good (STORE_REFUSED, logged each
 * time) when these values are invalid: a data exception (class 22), an
 * integrity violation (23) but a duplicate key (a retry finds the row),
 * a function's RAISE (P0001).  For now (STORE_ERROR, logged once per
 * SQLSTATE until a statement passes) otherwise: a permission (42501), a
 * read-only database after a failover (25006), a lock or a deadlock
 * (55P03, 40P01, 40001), its disk (58030), a function a migration brings.
 */
static void
store_said_no(struct store *s, const struct store_stmt *st,
    const PGresult *r, enum store_result *res)
{
	const char	*state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (state == NULL)
		state = "?";
	if (strncmp(state, "22", 2) == 0 || strcmp(state, "P0001") == 0 ||
	    (strncmp(state, "23", 2) == 0 && strcmp(state, "23505") != 0)) {
		LOG_ERR("%s: %s", st->name, PQresultErrorMessage(r));
		*res = STORE_REFUSED;
		return;
	}
	*res = STORE_ERROR;
	s->stale = strcmp(state, "25006") == 0;
	if (strncmp(s->refusing, state, sizeof(s->refusing)) != 0)
		LOG_ERR("%s: refused, SQLSTATE %s (said once until a "
		    "statement passes): %s", st->name, state,
		    PQresultErrorMessage(r));
	snprintf(s->refusing, sizeof(s->refusing), "%s", state);
}

/*
 * The one execution path (the rule on sending again is in the head).  A
 * second try only on a connection that is really gone: a server that says
 * "going away" on a live one gets no retry.
 */
/*
 * Before a write that cannot be sent twice: an idle connection with input
 * waiting holds what the server said unasked, and on these connections
 * (no LISTEN) that is its goodbye (a FATAL from pg_terminate_backend() or
 * a shutdown).  Marked stale, it is reset before the write goes out, so
 * the write's outcome is known instead of lost with the old connection.
 */
static void
store_probe(struct store *s)
{
	struct pollfd	 p;

	if (s->conn == NULL || s->in_txn || PQstatus(s->conn) != CONNECTION_OK ||
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		return;
	p.fd = PQsocket(s->conn);
	p.events = POLLIN;
	p.revents = 0;
	if (p.fd != -1 && poll(&p, 1, 0) == 1)
		s->stale = 1;
}

static PGresult *
store_exec(struct store *s, const struct store_stmt *st,
    const struct store_args *a, struct rows *rows, enum store_result *res)
{
	PGresult	*r;
	int		 attempt, sent;

	assert(a == NULL ? st->nparams == 0 : a->n == st->nparams);
	if (st->send == STORE_ONCE)
		store_probe(s);
	for (attempt = 0; attempt < 2; attempt++) {
		if (store_ensure(s) == -1)
			break;
		r = store_send(s, st, a, rows, &sent);
		if ((int)PQresultStatus(r) == st->want) {
			assert(st->want != PGRES_TUPLES_OK ||
			    PQnfields(r) == st->ncols);
			if (s->refusing[0] != '\0')
				LOG_INFO("%s: the database takes statements "
				    "again (after SQLSTATE %s)", st->name,
				    s->refusing);
			s->refusing[0] = '\0';
			*res = STORE_OK;
			return r;
		}
		/* Success of the other kind: the table is wrong. */
		assert(PQresultStatus(r) != PGRES_TUPLES_OK &&
		    PQresultStatus(r) != PGRES_COMMAND_OK);
		if (!store_is_down(s, r)) {
			store_said_no(s, st, r, res);
			PQclear(r);
			return NULL;
		}
		LOG_WARN("%s: connection lost (%s)", st->name,
		    PQerrorMessage(s->conn));
		PQclear(r);
		if (sent && (st->send == STORE_ONCE || s->in_txn ||
		    (rows != NULL && rows->n > 0))) {
			LOG_ERR("%s: outcome unknown, not sent again", st->name);
			break;
		}
		if (PQstatus(s->conn) == CONNECTION_OK)
			break;	/* the server said "going away": no retry */
	}
	*res = STORE_DOWN;
	return NULL;
}

struct pg_result *
store_run(struct store *s, const struct store_stmt *st,
    const struct store_args *a, enum store_result *res)
{
	enum store_result	 ignored;

	return store_exec(s, st, a, NULL, res ? res : &ignored);
}

int
store_stream(struct store *s, const struct store_stmt *st,
    const struct store_args *a, int (*row)(const struct pg_result *, void *),
    void *arg)
{
	struct rows		 rows = { row, arg, 0, 0 };
	enum store_result	 res;
	PGresult		*r;

	r = store_exec(s, st, a, &rows, &res);
	PQclear(r);
	return r != NULL && !rows.stopped ? 0 : -1;
}

int
store_begin(struct store *s)
{
	PGresult	*r;

	assert(!s->in_txn);
	if ((r = store_run(s, &stmts[STMT_BEGIN], NULL, NULL)) == NULL)
		return -1;
	PQclear(r);
	s->in_txn = 1;
	return 0;
}

int
store_rollback(struct store *s)
{
	PGresult	*r;

	assert(s->in_txn);
	/* A lost connection took the transaction with it: rolled back too. */
	r = store_run(s, &stmts[STMT_ROLLBACK], NULL, NULL);
	s->in_txn = 0;
	PQclear(r);
	return r ? 0 : -1;
}

PGconn *
store_conn(struct store *s)
{
	return store_ensure(s) == 0 ? s->conn : NULL;
}

struct store *
store_open(const char *conninfo)
{
	struct store	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		return NULL;
	}
	(void)store_ensure(s);
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s);
}

int
store_ping(struct store *s)
{
	PGresult	*r;

	r = store_run(s, &stmts[STMT_PING], NULL, NULL);
	PQclear(r);
	return r ? 0 : -1;
}
