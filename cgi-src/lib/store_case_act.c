/*
 * store_case_act.c: what a worker does to a case, for the admin pool as
 * role vawg_admin: open it (the access row, and her submissions read in
 * the same statement), assign, change its status, record a contact
 * attempt, mark it urgent, add a sealed note or a sealed risk assessment.
 * Each calls one of sql/015's SECURITY DEFINER functions, the role's only
 * way to change a case, which checks the actor, the version and the rule
 * and appends the event in the same transaction; none is sent twice.
 * The functions refuse with SQLSTATEs of their own (sql/015's head), but
 * store_run() says only "refused": a refusal is told apart here by
 * reading the case's version again (gone, changed since, or not allowed).
 * Nothing here seals or opens: notes and assessments come sealed.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "casedb.h"

enum stmt {
	STMT_OPEN,
	STMT_VERSION,
	STMT_ASSIGN,
	STMT_STATUS,
	STMT_CONTACT,
	STMT_URGENT,
	STMT_NOTE,
	STMT_RISK,
	STMT__MAX
};

enum {
	OPEN_VERSION, OPEN_ID, OPEN_VERSION_ID, OPEN_REFERENCE, OPEN_CREATED,
	OPEN_IDEM, OPEN_SEALED, OPEN__COLS
};
/* version's column, and every action's: the case's version after it. */
enum { VERSION_V, VERSION__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	/*
	 * The function is a FROM item: it runs once, before any row is read,
	 * and if it raises no row comes back.  Her first post and each
	 * correction an event names, newest first; a row purged before the
	 * case comes back NULL.  Results in binary for the envelopes; the
	 * rest cast to text, whose binary form is its text.
	 */
	[STMT_OPEN] = { "case_open",
	    "SELECT o.v::text, s.id::text, s.version_id::text, s.reference, "
	    "to_char(s.created_at AT TIME ZONE 'Europe/London', "
	    "'YYYY-MM-DD HH24:MI:SS'), s.idem_key, s.sealed "
	    "FROM vawg.case_open($1, $2) o(v) LEFT JOIN vawg.submission s ON "
	    "s.id = ANY (ARRAY(SELECT $1::bigint UNION ALL SELECT "
	    "e.submission_id FROM vawg.case_event e WHERE e.case_id = $1 AND "
	    "e.kind = 'correction')) ORDER BY s.created_at DESC, s.id DESC",
	    2, PGRES_TUPLES_OK, OPEN__COLS, STORE_ONCE, 1 },
	[STMT_VERSION] = { "case_version",
	    "SELECT version FROM vawg.case_file WHERE id = $1",
	    1, PGRES_TUPLES_OK, VERSION__COLS, STORE_RESEND, 0 },
	[STMT_ASSIGN] = { "case_assign",
	    "SELECT vawg.case_assign($1, $2, $3, $4)",
	    4, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
	[STMT_STATUS] = { "case_status",
	    "SELECT vawg.case_set_status($1, $2, $3, $4, $5)",
	    5, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
	[STMT_CONTACT] = { "case_contact",
	    "SELECT vawg.case_contact($1, $2, $3, $4, $5, $6, $7, $8)",
	    8, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
	[STMT_URGENT] = { "case_urgent",
	    "SELECT vawg.case_mark_urgent($1, $2, $3)",
	    3, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
	[STMT_NOTE] = { "case_note",
	    "SELECT vawg.case_note($1, $2, $3)",
	    3, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
	[STMT_RISK] = { "case_risk",
	    "SELECT vawg.case_risk($1, $2, $3, $4, $5, $6, $7, $8)",
	    8, PGRES_TUPLES_OK, VERSION__COLS, STORE_ONCE, 0 },
};

/*
 * Why the database refused an action on case id at version had (-1: none
 * given): the case is gone, it changed since (a colleague got there
 * first), or the rule said no.  Read after the refusal, so a change made
 * in between reads as "changed since", which is then true too.
 */
static enum case_result
refusal(struct store *s, int64_t id, int32_t had, enum store_result res)
{
	struct store_args	 a = { 0 };
	enum case_result	 why = CASE_REFUSED;
	PGresult		*r;

	if (res != STORE_REFUSED)
		return CASE_FAILED;
	store_arg_int(&a, id);
	if ((r = store_run(s, &stmts[STMT_VERSION], &a, NULL)) == NULL)
		return CASE_FAILED;
	if (PQntuples(r) == 0)
		why = CASE_GONE;
	else if (had >= 0 && strtol(PQgetvalue(r, 0, VERSION_V), NULL, 10) !=
	    had)
		why = CASE_STALE;
	PQclear(r);
	return why;
}

/* Runs action st (its arguments in a, the version given *version) and
 * sets *version to the case's after it. */
static enum case_result
act(struct store *s, enum stmt st, const struct store_args *a, int64_t id,
    int32_t *version)
{
	enum store_result	 res;
	PGresult		*r;

	if ((r = store_run(s, &stmts[st], a, &res)) == NULL)
		return refusal(s, id, version ? *version : -1, res);
	if (version != NULL)
		*version = (int32_t)strtol(PQgetvalue(r, 0, VERSION_V), NULL,
		    10);
	PQclear(r);
	return CASE_OK;
}

/* The three arguments every versioned action starts with. */
static void
args_head(struct store_args *a, int64_t id, int32_t actor, int32_t version)
{
	store_arg_int(a, id);
	store_arg_int(a, actor);
	store_arg_int(a, version);
}

static const unsigned char *
bytes(const PGresult *r, int i, int col, size_t *len)
{
	*len = 0;
	if (PQgetisnull(r, i, col))
		return NULL;
	*len = (size_t)PQgetlength(r, i, col);
	return (const unsigned char *)PQgetvalue(r, i, col);
}

enum case_result
store_case_open(struct store *s, int64_t id, int32_t actor,
    int (*cb)(const struct case_answers *, void *), void *arg)
{
	struct store_args	 a = { 0 };
	struct case_answers	 ans;
	enum store_result	 res;
	PGresult		*r;
	int			 i;

	store_arg_int(&a, id);
	store_arg_int(&a, actor);
	if ((r = store_run(s, &stmts[STMT_OPEN], &a, &res)) == NULL)
		return refusal(s, id, -1, res);
	for (i = 0; i < PQntuples(r); i++) {
		if (PQgetisnull(r, i, OPEN_ID))
			continue;	/* purged: the case outlives her rows */
		ans.id = strtoll(PQgetvalue(r, i, OPEN_ID), NULL, 10);
		ans.version_id = (int32_t)strtol(PQgetvalue(r, i,
		    OPEN_VERSION_ID), NULL, 10);
		ans.reference = PQgetvalue(r, i, OPEN_REFERENCE);
		ans.created = PQgetvalue(r, i, OPEN_CREATED);
		ans.idem = bytes(r, i, OPEN_IDEM, &ans.idem_len);
		ans.sealed = bytes(r, i, OPEN_SEALED, &ans.sealed_len);
		if (cb(&ans, arg) == -1)
			break;
	}
	PQclear(r);
	return CASE_OK;
}

enum case_result
store_case_assign(struct store *s, int64_t id, int32_t actor,
    int32_t *version, int32_t to)
{
	struct store_args	 a = { 0 };

	args_head(&a, id, actor, *version);
	if (to > 0)
		store_arg_int(&a, to);
	else
		store_arg_text(&a, NULL);
	return act(s, STMT_ASSIGN, &a, id, version);
}

enum case_result
store_case_status(struct store *s, int64_t id, int32_t actor,
    int32_t *version, const char *to, const char *reason)
{
	struct store_args	 a = { 0 };

	args_head(&a, id, actor, *version);
	store_arg_text(&a, to);
	store_arg_text(&a, reason);
	return act(s, STMT_STATUS, &a, id, version);
}

enum case_result
store_case_contact(struct store *s, int64_t id, int32_t actor,
    int32_t *version, const struct case_contact *c)
{
	struct store_args	 a = { 0 };

	args_head(&a, id, actor, *version);
	store_arg_text(&a, c->at);
	store_arg_text(&a, c->method);
	store_arg_text(&a, c->outcome);
	store_arg_text(&a, c->next);
	store_arg_text(&a, c->message_ok ? "true" : "false");
	return act(s, STMT_CONTACT, &a, id, version);
}

enum case_result
store_case_urgent(struct store *s, int64_t id, int32_t actor,
    int32_t *version)
{
	struct store_args	 a = { 0 };

	args_head(&a, id, actor, *version);
	return act(s, STMT_URGENT, &a, id, version);
}

/* No version is checked (sql/015: notes never conflict); *version gets
 * the case's. */
enum case_result
store_case_note(struct store *s, int64_t id, int32_t actor,
    int32_t *version, const unsigned char *sealed, size_t len)
{
	struct store_args	 a = { 0 };
	int32_t			 v = -1;
	enum case_result	 rc;

	store_arg_int(&a, id);
	store_arg_int(&a, actor);
	store_arg_bytes(&a, sealed, len);
	rc = act(s, STMT_NOTE, &a, id, &v);
	if (rc == CASE_OK)
		*version = v;
	return rc;
}

enum case_result
store_case_risk(struct store *s, int64_t id, int32_t actor,
    int32_t *version, const struct case_risk *k)
{
	struct store_args	 a = { 0 };

	args_head(&a, id, actor, *version);
	store_arg_bytes(&a, k->sealed, k->sealed_len);
	store_arg_int(&a, k->yes);
	store_arg_text(&a, k->level);
	if (k->reason != NULL)
		store_arg_bytes(&a, k->reason, k->reason_len);
	else
		store_arg_text(&a, NULL);
	store_arg_text(&a, k->marac);
	return act(s, STMT_RISK, &a, id, version);
}
