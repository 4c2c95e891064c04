/*
 * store_case.c: case work's reads, for the admin pool as role vawg_admin
 * (sql/015): the queue, a page at a time by keyset; the count of cases a
 * worker has not opened; a case by reference, its head, its events and
 * who opened it when.  The queue and the head carry no answer and
 * nothing sealed, so they work with no key (sealed mode).  Nothing here
 * writes: opening a case (which reads her submissions) and the actions
 * are store_case_act.c's.  Nothing opens an envelope: the caller does.  Every time is vawg.now()'s, read
 * once per statement, so a test that fixes the clock sees exact ages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "casedb.h"

enum stmt {
	STMT_QUEUE_FIRST,
	STMT_QUEUE_AFTER,
	STMT_UNOPENED,
	STMT_FIND,
	STMT_GET,
	STMT_EVENTS,
	STMT_ACCESSES,
	STMT__MAX
};

/* London times, to the minute: what the pages show. */
#define LONDON(x) "coalesce(to_char((" x ") AT TIME ZONE 'Europe/London', " \
	"'YYYY-MM-DD HH24:MI'), '')"
#define OPEN_STATUS	"c.status IN ('new', 'opened', 'in_progress')"
/* The queue's order, as the index case_file_queue holds it. */
#define DONE		"(c.status IN ('contacted', 'closed'))"

/* A queue row's and a head's columns ($1: the reader's account id). */
#define CASE_COLS \
	"c.id, extract(epoch FROM n.t - c.arrived_at)::bigint, c.reference, " \
	LONDON("c.arrived_at") ", c.status, coalesce(c.close_reason, ''), " \
	"c.urgent, (" OPEN_STATUS " AND c.due_at < n.t), NOT EXISTS (SELECT " \
	"1 FROM vawg.case_access x WHERE x.case_id = c.id AND x.account_id " \
	"= $1), coalesce(a.username, ''), coalesce(h.username, ''), " \
	LONDON("c.due_at") ", " LONDON("c.remind_at") ", c.last_kind, " \
	LONDON("c.changed_at") ", coalesce(b.username, ''), " \
	"coalesce(c.risk_level, ''), " LONDON("c.first_opened_at") ", " \
	LONDON("c.first_contact_at") ", c.version, " DONE ", " \
	"to_char(c.due_at AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
enum {
	COL_ID, COL_AGE, COL_REFERENCE, COL_ARRIVED, COL_STATUS, COL_REASON,
	COL_URGENT, COL_OVERDUE, COL_UNOPENED, COL_ASSIGNEE, COL_HOLDER,
	COL_DUE, COL_REMIND, COL_LAST_KIND, COL_CHANGED_AT, COL_CHANGED_BY,
	COL_RISK, COL_FIRST_OPENED, COL_FIRST_CONTACT, COL_VERSION, COL_DONE,
	COL_DUE_UTC, COL__COLS
};

/* The clock read once (an InitPlan, not a call per row). */
#define CASE_FROM \
	"FROM (SELECT vawg.now() AS t) n CROSS JOIN vawg.case_file c " \
	"LEFT JOIN vawg.admin_user a ON a.id = c.assignee " \
	"LEFT JOIN vawg.admin_user h ON h.id = c.last_holder " \
	"LEFT JOIN vawg.admin_user b ON b.id = c.changed_by "

/* $2 status (NULL: all but closed), $3 the filters, $4 the page size. */
#define QUEUE_WHERE \
	"WHERE (CASE WHEN $2::text IS NULL THEN c.status <> 'closed' ELSE " \
	"c.status = $2::text END) AND ($3::int & 1 = 0 OR c.assignee = $1) " \
	"AND ($3::int & 2 = 0 OR c.assignee IS NULL) AND ($3::int & 4 = 0 " \
	"OR c.urgent) AND ($3::int & 8 = 0 OR (" OPEN_STATUS " AND c.due_at " \
	"< n.t)) "
#define QUEUE_ORDER \
	"ORDER BY " DONE ", c.due_at, c.id LIMIT $4"

enum { FIND_ID, FIND__COLS };
enum { UNOPENED_N, UNOPENED__COLS };
enum {
	EV_ID, EV_AT, EV_ACTOR, EV_KIND, EV_FROM, EV_TO, EV_REASON,
	EV_ACCOUNT, EV_SUBMISSION, EV_CONTACT_AT, EV_METHOD, EV_OUTCOME,
	EV_NEXT, EV_SEALED, EV_REASON_SEALED, EV_DASH_YES, EV_RISK,
	EV_MARAC, EV__COLS
};
enum { ACC_AT, ACC_WHO, ACC__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_QUEUE_FIRST] = { "case_queue_first",
	    "SELECT " CASE_COLS CASE_FROM QUEUE_WHERE QUEUE_ORDER,
	    4, PGRES_TUPLES_OK, COL__COLS, STORE_RESEND, 0 },
	/* Keyset: after ($5 done, $6 due, $7 id), by the index's order. */
	[STMT_QUEUE_AFTER] = { "case_queue_after",
	    "SELECT " CASE_COLS CASE_FROM QUEUE_WHERE "AND (" DONE ", c.due_at, "
	    "c.id) > ($5::boolean, $6::timestamptz, $7::bigint) " QUEUE_ORDER,
	    7, PGRES_TUPLES_OK, COL__COLS, STORE_RESEND, 0 },
	[STMT_UNOPENED] = { "case_unopened",
	    "SELECT count(*) FROM vawg.case_file c WHERE c.status <> 'closed' "
	    "AND NOT EXISTS (SELECT 1 FROM vawg.case_access x WHERE "
	    "x.case_id = c.id AND x.account_id = $1)",
	    1, PGRES_TUPLES_OK, UNOPENED__COLS, STORE_RESEND, 0 },
	[STMT_FIND] = { "case_find",
	    "SELECT id FROM vawg.case_file WHERE reference = $1 ORDER BY id "
	    "LIMIT $2",
	    2, PGRES_TUPLES_OK, FIND__COLS, STORE_RESEND, 0 },
	[STMT_GET] = { "case_get",
	    "SELECT " CASE_COLS CASE_FROM "WHERE c.id = $2",
	    2, PGRES_TUPLES_OK, COL__COLS, STORE_RESEND, 0 },
	/* Results in binary for the sealed columns; the rest cast to text,
	 * whose binary form is its text. */
	[STMT_EVENTS] = { "case_events",
	    "SELECT e.id::text, to_char(e.at AT TIME ZONE 'Europe/London', "
	    "'YYYY-MM-DD HH24:MI:SS'), coalesce(u.username, ''), e.kind, "
	    "coalesce(e.from_status, ''), coalesce(e.to_status, ''), "
	    "coalesce(e.close_reason, ''), coalesce(w.username, ''), "
	    "coalesce(e.submission_id, -1)::text, " LONDON("e.contact_at") ", "
	    "coalesce(e.method, ''), coalesce(e.outcome, ''), "
	    LONDON("e.next_try_at") ", e.sealed, e.reason_sealed, "
	    "coalesce(e.dash_yes, -1)::text, coalesce(e.risk_level, ''), "
	    "coalesce(array_to_string(e.marac, ','), '') "
	    "FROM vawg.case_event e LEFT JOIN vawg.admin_user u ON u.id = "
	    "e.actor LEFT JOIN vawg.admin_user w ON w.id = e.account "
	    "WHERE e.case_id = $1 ORDER BY e.id",
	    1, PGRES_TUPLES_OK, EV__COLS, STORE_RESEND, 1 },
	[STMT_ACCESSES] = { "case_accesses",
	    "SELECT to_char(x.at AT TIME ZONE 'Europe/London', "
	    "'YYYY-MM-DD HH24:MI:SS'), u.username FROM vawg.case_access x "
	    "JOIN vawg.admin_user u ON u.id = x.account_id WHERE x.case_id = "
	    "$1 ORDER BY x.id",
	    1, PGRES_TUPLES_OK, ACC__COLS, STORE_RESEND, 0 },
};

static int
flag(const PGresult *r, int i, int col)
{
	return PQgetvalue(r, i, col)[0] == 't';
}

/* Row i of a queue or head result, its strings borrowed from r. */
static void
case_row_read(const PGresult *r, int i, struct case_row *c)
{
	memset(c, 0, sizeof(*c));
	c->id = strtoll(PQgetvalue(r, i, COL_ID), NULL, 10);
	c->age = strtoll(PQgetvalue(r, i, COL_AGE), NULL, 10);
	c->reference = PQgetvalue(r, i, COL_REFERENCE);
	c->arrived = PQgetvalue(r, i, COL_ARRIVED);
	c->status = PQgetvalue(r, i, COL_STATUS);
	c->close_reason = PQgetvalue(r, i, COL_REASON);
	c->urgent = flag(r, i, COL_URGENT);
	c->overdue = flag(r, i, COL_OVERDUE);
	c->unopened = flag(r, i, COL_UNOPENED);
	c->assignee = PQgetvalue(r, i, COL_ASSIGNEE);
	c->last_holder = PQgetvalue(r, i, COL_HOLDER);
	c->due = PQgetvalue(r, i, COL_DUE);
	c->remind = PQgetvalue(r, i, COL_REMIND);
	c->last_kind = PQgetvalue(r, i, COL_LAST_KIND);
	c->changed_at = PQgetvalue(r, i, COL_CHANGED_AT);
	c->changed_by = PQgetvalue(r, i, COL_CHANGED_BY);
	c->risk_level = PQgetvalue(r, i, COL_RISK);
	c->first_opened = PQgetvalue(r, i, COL_FIRST_OPENED);
	c->first_contact = PQgetvalue(r, i, COL_FIRST_CONTACT);
	c->version = (int32_t)strtol(PQgetvalue(r, i, COL_VERSION), NULL, 10);
	c->cursor.done = flag(r, i, COL_DONE);
	snprintf(c->cursor.due, sizeof(c->cursor.due), "%s",
	    PQgetvalue(r, i, COL_DUE_UTC));
	c->cursor.id = c->id;
}

int
store_case_queue(struct store *s, int32_t me, const char *status,
    int filters, const struct case_cursor *after,
    int (*cb)(const struct case_row *, void *), void *arg, int *more)
{
	struct store_args	 a = { 0 };
	struct case_row		 c;
	PGresult		*r;
	int			 i, n;

	*more = 0;
	store_arg_int(&a, me);
	store_arg_text(&a, status);
	store_arg_int(&a, filters);
	/* One more than a page: whether another follows. */
	store_arg_int(&a, CASE_PAGE + 1);
	if (after != NULL) {
		store_arg_text(&a, after->done ? "true" : "false");
		store_arg_text(&a, after->due);
		store_arg_int(&a, after->id);
	}
	r = store_run(s, &stmts[after ? STMT_QUEUE_AFTER : STMT_QUEUE_FIRST],
	    &a, NULL);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	if (n > CASE_PAGE) {
		*more = 1;
		n = CASE_PAGE;
	}
	for (i = 0; i < n; i++) {
		case_row_read(r, i, &c);
		if (cb(&c, arg) == -1)
			break;
	}
	PQclear(r);
	return i;
}

int
store_case_unopened(struct store *s, int32_t me, long long *n)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	store_arg_int(&a, me);
	if ((r = store_run(s, &stmts[STMT_UNOPENED], &a, NULL)) == NULL)
		return -1;
	*n = strtoll(PQgetvalue(r, 0, UNOPENED_N), NULL, 10);
	PQclear(r);
	return 0;
}

int
store_case_find(struct store *s, const char *reference, int64_t *ids,
    size_t max, size_t *n)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 i;

	*n = 0;
	store_arg_text(&a, reference);
	store_arg_int(&a, (long long)max);
	if ((r = store_run(s, &stmts[STMT_FIND], &a, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && *n < max; i++)
		ids[(*n)++] = strtoll(PQgetvalue(r, i, FIND_ID), NULL, 10);
	PQclear(r);
	return 0;
}

int
store_case_get(struct store *s, int64_t id, int32_t me,
    int (*cb)(const struct case_row *, void *), void *arg)
{
	struct store_args	 a = { 0 };
	struct case_row		 c;
	PGresult		*r;
	int			 rc = 0;

	store_arg_int(&a, me);
	store_arg_int(&a, id);
	if ((r = store_run(s, &stmts[STMT_GET], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		case_row_read(r, 0, &c);
		rc = cb(&c, arg) == -1 ? -1 : 1;
	}
	PQclear(r);
	return rc;
}

/* A binary column that may be NULL, as bytes. */
static const unsigned char *
bytes(const PGresult *r, int i, int col, size_t *len)
{
	*len = 0;
	if (PQgetisnull(r, i, col))
		return NULL;
	*len = (size_t)PQgetlength(r, i, col);
	return (const unsigned char *)PQgetvalue(r, i, col);
}

int
store_case_events(struct store *s, int64_t id,
    int (*cb)(const struct case_event *, void *), void *arg)
{
	struct store_args	 a = { 0 };
	struct case_event	 e;
	PGresult		*r;
	int			 i;

	store_arg_int(&a, id);
	if ((r = store_run(s, &stmts[STMT_EVENTS], &a, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		e.id = strtoll(PQgetvalue(r, i, EV_ID), NULL, 10);
		e.at = PQgetvalue(r, i, EV_AT);
		e.actor = PQgetvalue(r, i, EV_ACTOR);
		e.kind = PQgetvalue(r, i, EV_KIND);
		e.from_status = PQgetvalue(r, i, EV_FROM);
		e.to_status = PQgetvalue(r, i, EV_TO);
		e.close_reason = PQgetvalue(r, i, EV_REASON);
		e.account = PQgetvalue(r, i, EV_ACCOUNT);
		e.submission_id = strtoll(PQgetvalue(r, i, EV_SUBMISSION),
		    NULL, 10);
		e.contact_at = PQgetvalue(r, i, EV_CONTACT_AT);
		e.method = PQgetvalue(r, i, EV_METHOD);
		e.outcome = PQgetvalue(r, i, EV_OUTCOME);
		e.next_try = PQgetvalue(r, i, EV_NEXT);
		e.sealed = bytes(r, i, EV_SEALED, &e.sealed_len);
		e.reason_sealed = bytes(r, i, EV_REASON_SEALED, &e.reason_len);
		e.dash_yes = (int)strtol(PQgetvalue(r, i, EV_DASH_YES), NULL,
		    10);
		e.risk_level = PQgetvalue(r, i, EV_RISK);
		e.marac = PQgetvalue(r, i, EV_MARAC);
		if (cb(&e, arg) == -1)
			break;
	}
	PQclear(r);
	return 0;
}

int
store_case_accesses(struct store *s, int64_t id,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 i;

	store_arg_int(&a, id);
	if ((r = store_run(s, &stmts[STMT_ACCESSES], &a, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		if (cb(PQgetvalue(r, i, ACC_AT), PQgetvalue(r, i, ACC_WHO),
		    arg) == -1)
			break;
	PQclear(r);
	return 0;
}
