/*
 * casedb.h: case work's statements (sql/015), for the admin pool as role
 * vawg_admin: the queue, one case with its events and accesses
 * (store_case.c), and each action, checked and recorded by the database's
 * own functions (store_case_act.c).  Nothing here decrypts: her answers,
 * notes and risk answers come and go sealed.
 */
#ifndef VAWG_CASEDB_H
#define VAWG_CASEDB_H

#include "staffdb.h"

/* ---- store_case.c, store_case_act.c: case work (sql/015), vawg_admin ---- */
/* Queue rows a page, and its filters, or'ed (a status is apart). */
#define CASE_PAGE	50
enum { CASE_MINE = 1, CASE_UNASSIGNED = 2, CASE_URGENT = 4, CASE_OVERDUE = 8 };

/* Where a queue page ended (done: contacted or closed; due: UTC, to the
 * microsecond); the next page begins after it. */
struct case_cursor { int done; char due[40]; int64_t id; };

/* A queue row, or one case's head.  Strings borrowed for the callback,
 * "" for none; times London "YYYY-MM-DD HH:MM"; age in seconds by
 * vawg.now().  No answer and no name of hers: nothing needs a key. */
struct case_row {
	int64_t		 id, age;
	const char	*reference, *arrived, *status, *close_reason;
	int		 urgent, overdue, unopened;	/* unopened by me */
	const char	*assignee, *last_holder;	/* account names */
	const char	*due, *remind;	/* contact due; "try again at" */
	const char	*last_kind, *changed_at, *changed_by;
	const char	*risk_level, *first_opened, *first_contact;
	int32_t		 version;
	struct case_cursor cursor;
};

/* One event, borrowed for the callback: "", NULL or -1 for none. */
struct case_event {
	int64_t		 id, submission_id;
	const char	*at, *actor, *kind;	/* actor "": the service */
	const char	*from_status, *to_status, *close_reason, *account;
	const char	*contact_at, *method, *outcome, *next_try;
	const unsigned char *sealed, *reason_sealed;
	size_t		 sealed_len, reason_len;
	int		 dash_yes;	/* and risk_level, marac "a,b" */
	const char	*risk_level, *marac;
};

/* Her submissions on a case, newest first, sealed (unseal.c opens). */
struct case_answers {
	int64_t		 id;
	int32_t		 version_id;	/* her form's version */
	const char	*reference, *created;
	const unsigned char *idem, *sealed;
	size_t		 idem_len, sealed_len;
};

/* STALE: changed since the caller's version (409; the head says who and
 * when); REFUSED: not allowed now or by her (409); GONE: no case (404);
 * FAILED: the database is away or said no for now. */
enum case_result { CASE_OK, CASE_STALE, CASE_REFUSED, CASE_GONE, CASE_FAILED };

/* A contact attempt (times ISO 8601 with offset, next NULL: none), a
 * DASH assessment (level NULL: the count's; marac "{a,b}"): sql/015. */
struct case_contact {
	const char	*at, *next, *method, *outcome;
	int		 message_ok;	/* her answers allow a message */
};
struct case_risk {
	const unsigned char *sealed, *reason;	/* reason NULL: none */
	size_t		 sealed_len, reason_len;
	int		 yes;
	const char	*level, *marac;
};

/* Up to CASE_PAGE rows after `after` (NULL: the first page), overdue
 * first, then by due time, contacted and closed last; status NULL: all
 * but closed; *more 1 if a page follows.  Rows given, or -1. */
int	 store_case_queue(struct store *, int32_t me, const char *status,
	    int filters, const struct case_cursor *after,
	    int (*cb)(const struct case_row *, void *), void *arg, int *more);
int	 store_case_unopened(struct store *, int32_t me, long long *n);
int	 store_case_find(struct store *, const char *reference, int64_t *ids,
	    size_t max, size_t *n);
/* A case's head (1), none (0), or -1; its events and accesses. */
int	 store_case_get(struct store *, int64_t id, int32_t me,
	    int (*cb)(const struct case_row *, void *), void *arg);
int	 store_case_events(struct store *, int64_t id,
	    int (*cb)(const struct case_event *, void *), void *arg);
int	 store_case_accesses(struct store *, int64_t id,
	    int (*cb)(const char *at, const char *who, void *), void *arg);
/* The access row (new becomes opened) and her submissions, in one
 * statement: nothing of hers is read unless the access was written. */
enum case_result store_case_open(struct store *, int64_t id, int32_t actor,
	    int (*cb)(const struct case_answers *, void *), void *arg);
/* Each at *version, the one the caller read, then the case's after it.
 * to 0 unassigns; a reason only with "closed". */
enum case_result store_case_assign(struct store *, int64_t id, int32_t actor,
	    int32_t *version, int32_t to);
enum case_result store_case_status(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const char *to, const char *reason);
enum case_result store_case_contact(struct store *, int64_t id,
	    int32_t actor, int32_t *version, const struct case_contact *);
enum case_result store_case_urgent(struct store *, int64_t id, int32_t actor,
	    int32_t *version);
enum case_result store_case_note(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const unsigned char *sealed, size_t len);
enum case_result store_case_risk(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const struct case_risk *);

#endif /* VAWG_CASEDB_H */
