/*
 * page_dashboard.c: the dashboard, GET /admin/ (200; route.c sends a
 * request without a session to the sign-in page).
 *
 * Per current form: the totals, the last 30 days, and counts for plain
 * choice questions; then the keys, the export form and the recent
 * exports, each shown only to the roles that may use it.
 * Every figure is counted in SQL from plain columns: this page opens no
 * envelope and shows no answer, so it never touches the keyring's secret
 * keys (only their ids).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "view.h"

#define DAY_SECONDS	86400
#define DASHBOARD_DAYS	30	/* store_form_counts() fills as many */
#define CHOICES_MAX	256	/* questions with more are not counted */
#define EXPORTS_SHOWN	20
#define EXPORT_COLS	6	/* store_recent_exports(): when .. rows */

struct choice_ctx {
	const struct field	*field;
	long long		*counts;	/* per option */
};

static int
count_choice(const char *value, long long n, void *arg)
{
	struct choice_ctx	*c = arg;
	size_t			 i;

	for (i = 0; i < c->field->noptions; i++)
		if (strcmp(c->field->options[i].value, value) == 0)
			c->counts[i] += n;
	return 0;
}

static int
list_export(const char *const *cols, void *arg)
{
	static const char *const keys[] = { "WHEN", "ACTOR", "FORM", "FROM",
	    "TO", "ROWS" };
	struct view_dict	*d;
	size_t			 i;

	_Static_assert(sizeof(keys) / sizeof(keys[0]) == EXPORT_COLS,
	    "a template key per column");
	if ((d = view_section(arg, "EXPORT")) == NULL)
		return -1;
	for (i = 0; i < EXPORT_COLS; i++)
		(void)view_set(d, keys[i], cols[i]);
	return 0;
}

/* t as YYYY-MM-DD, UTC. */
static void
day_text(time_t t, char out[16])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* One QUESTION section per plain choice question of f, with its counts:
 * computed in SQL, none of it decrypted.  0 / -1. */
static int
dashboard_choices(struct admin_app *a, struct view_dict *fd,
    const struct form *f)
{
	struct view_dict	*q, *c;
	long long		 counts[CHOICES_MAX];
	struct choice_ctx	 ctx;
	size_t			 i, j;

	for (i = 0; i < f->nfields; i++) {
		const struct field *fld = &f->fields[i];

		if (fld->sensitive || !field_is_choice(fld) ||
		    fld->noptions > CHOICES_MAX)
			continue;
		memset(counts, 0, sizeof(counts));
		ctx.field = fld;
		ctx.counts = counts;
		if (store_choice_counts(a->store, f->id, fld->name,
		    count_choice, &ctx) == -1 ||
		    (q = view_section(fd, "QUESTION")) == NULL)
			return -1;
		(void)view_set(q, "LABEL", fld->label);
		for (j = 0; j < fld->noptions; j++) {
			if ((c = view_section(q, "CHOICE")) == NULL)
				return -1;
			(void)view_set(c, "LABEL", fld->options[j].label);
			(void)view_set_int(c, "COUNT", counts[j]);
		}
	}
	return 0;
}

static void
dashboard_form(struct admin_app *a, struct view_dict *fd,
    const struct form *f, int64_t now)
{
	struct view_dict	*d;
	long long		 total, today, daily[DASHBOARD_DAYS];
	char			 date[16];
	size_t			 i;

	(void)view_set(fd, "NAME", f->name);
	(void)view_set(fd, "TITLE", f->title);
	if (store_form_counts(a->store, f->id, &total, &today, daily) == -1)
		return;
	(void)view_set_int(fd, "TOTAL", total);
	(void)view_set_int(fd, "TODAY", today);
	for (i = 0; i < DASHBOARD_DAYS; i++) {
		day_text((time_t)(now - (int64_t)(DASHBOARD_DAYS - 1 - i) *
		    DAY_SECONDS), date);
		if ((d = view_section(fd, "DAY")) == NULL)
			return;
		(void)view_set(d, "DATE", date);
		(void)view_set_int(d, "COUNT", daily[i]);
	}
	(void)dashboard_choices(a, fd, f);
}

/* The mode, the public key, and the ids of the unlocked keys. */
static void
dashboard_keys(struct admin_app *a, struct view_dict *page)
{
	/* Each id with a space before it, then the NUL. */
	char	 ids[KEYRING_MAX * 18 + 1];
	size_t	 i;

	_Static_assert(sizeof(ids) >= KEYRING_MAX * SEAL_KEY_ID_HEX + 1,
	    "every key id of a full keyring fits");
	assert(a->keys.n <= KEYRING_MAX);
	(void)view_set(page, "FINGERPRINT", a->pub.fingerprint);
	(void)view_set(page, "KEY_ID", a->pub.key_id);
	(void)view_set(page, "MODE", msg_text(a->decrypting ?
	    MSG_MODE_DECRYPTING : MSG_MODE_SEALED));
	ids[0] = '\0';
	for (i = 0; i < a->keys.n; i++)
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
		    i ? " " : "", a->keys.keys[i].pub.key_id);
	(void)view_set(page, "KEYRING", a->decrypting ? ids :
	    msg_text(MSG_KEYRING_NONE));
}

/* The export form, with the forms this role may export (none: no form,
 * and no button). */
static void
dashboard_export(struct admin_app *a, struct view_dict *page, int role,
    int64_t now)
{
	struct view_dict	*d, *x = NULL;
	char			 from[16], to[16];
	size_t			 i;

	for (i = 0; i < a->current.n; i++) {
		if (!route_may_export(role, a->current.forms[i].name))
			continue;
		if ((x == NULL && (x = view_section(page,
		    "EXPORT_FORM")) == NULL) ||
		    (d = view_section(x, "FORM_OPTION")) == NULL)
			return;
		(void)view_set(d, "NAME", a->current.forms[i].name);
		(void)view_set(d, "TITLE", a->current.forms[i].title);
	}
	if (x == NULL)
		return;
	/* The export form offers the same 30 days as the counts. */
	day_text((time_t)now, to);
	day_text((time_t)now - (DASHBOARD_DAYS - 1) * DAY_SECONDS, from);
	(void)view_set(x, "FROM", from);
	(void)view_set(x, "TO", to);
}

/*
 * Each role sees what it may use (route.c's table): the counts for an
 * analyst and an admin, the export form with the forms the role may
 * export, and for an admin alone the recent downloads and the keys.  A
 * caseworker's work is the referral queue.
 */
void
page_dashboard_get(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	const struct staff_session *sess = ctx->sess;
	struct view_dict	*root, *page = NULL, *d, *stats;
	size_t			 i;

	if ((root = page_begin(msg_text(MSG_DASHBOARD_TITLE),
	    "admin_dashboard.tpl", &page)) == NULL)
		goto out;
	(void)view_set(page, "USERNAME", sess->username);
	(void)view_set(page, "CSRF", sess->csrf);
	if (sess->role == STAFF_CASEWORKER &&
	    (d = view_section(page, "CASEWORK")) != NULL)
		(void)view_set(d, "TEXT", msg_text(MSG_DASHBOARD_CASEWORK));
	dashboard_export(a, page, sess->role, r->now);
	if (sess->role == STAFF_CASEWORKER)
		goto out;
	if ((stats = view_section(page, "STATS")) == NULL)
		goto out;
	for (i = 0; i < a->current.n; i++) {
		if ((d = view_section(stats, "FORM")) == NULL)
			goto out;
		dashboard_form(a, d, &a->current.forms[i], r->now);
	}
	if (sess->role != STAFF_ADMIN)
		goto out;
	if ((d = view_section(page, "ADMIN")) == NULL)
		goto out;
	dashboard_keys(a, d);
	(void)store_recent_exports(a->store, EXPORTS_SHOWN, list_export, d);
out:
	page_end(root, s, 200);
}
