/*
 * form.h: forms as data.  Definitions (loaded from the database, never
 * written in C), the one generic validator and the checks of each field
 * kind, and the two shapes answers leave in: plain choices as JSON for
 * counting, sensitive answers as the "name NUL value NUL" pairs that are
 * sealed.  Pure: no I/O, no database, no keys.
 */
#ifndef VAWG_FORM_H
#define VAWG_FORM_H

#include "text.h"

enum field_kind {
	FIELD_TEXT,
	FIELD_TEXTAREA,
	FIELD_EMAIL,
	FIELD_TEL,
	FIELD_RADIO,
	FIELD_CHECKBOXES,
	FIELD_SELECT,
	FIELD_DATE,
	FIELD__MAX
};

struct field_option {
	char	*value;
	char	*label;
	char	*hint;
	char	*notice;	/* "" if none */
};

struct field {
	char		*name;
	enum field_kind	 kind;
	char		*section;
	char		*label;
	char		*hint;
	int		 required;
	int		 sensitive;
	size_t		 max_length;	/* in code points */
	struct field_option	*options;
	size_t		 noptions;
};

struct form {
	uint32_t	 id;
	int32_t		 version_id;
	int		 version;	/* 1, 2, ... as people count them */
	char		*name;
	char		*title;
	char		*summary;
	char		*intro;
	char		*privacy;
	char		*submit_label;
	char		*confirmation;
	char		*closes_text;	/* "31 March 2027", "" if never */
	int64_t		 opens_at;	/* INT64_MIN: always */
	int64_t		 closes_at;	/* INT64_MAX: never */
	struct field	*fields;
	size_t		 nfields;
};

struct formset {
	struct form	*forms;
	size_t		 n;
};

/* The answers to one field after validation (values point into a kvlist). */
struct fieldval {
	char		**vals;		/* owned array; strings borrowed */
	struct kv	**src;		/* each value's pair (in vals' block) */
	size_t		 nvals;
	char		 error[160];	/* the field's message, "" if fine */
};

enum form_reject {
	FORM_ACCEPT,		/* validated; field errors may still exist */
	FORM_UNKNOWN_FIELD,	/* a name the form does not have */
	FORM_REPEATED_FIELD,	/* two values for a single-valued field */
	FORM_HONEYPOT,		/* the hidden field was filled */
	FORM_NOMEM,
};

/* The reserved names a form's page adds to its fields. */
#define FIELD_TOKEN	"_token"
#define FIELD_HONEYPOT	"_homepage"

/* ---- form.c: forms, and the validator of a request's answers ---- */

const struct form *formset_find(const struct formset *, const char *name,
		    size_t len);
const struct form *formset_find_version(const struct formset *, int32_t id);
int		 form_valid_date(const char *);	/* YYYY-MM-DD, 1 / 0 */
int		 form_is_open(const struct form *, int64_t now);
void		 formset_free(struct formset *);
/*
 * Validates kv against form.  vals must have form->nfields entries; it is
 * filled (free with fieldvals_free).  Values are trimmed and CRLF-normalised
 * in place in kv's arena.  Reserved names (_token, _homepage) are skipped
 * here; the token is found with form_token_value().  Returns FORM_ACCEPT with
 * *nerrors set, or a reason to refuse the whole request.
 */
enum form_reject form_validate(const struct form *, struct kvlist *kv,
		    struct fieldval *vals, size_t *nerrors);
void		 fieldvals_free(struct fieldval *, size_t n);
/* The _token value: 1 found once, 0 absent, -1 repeated. */
int		 form_token_value(const struct kvlist *, const char **val,
		    size_t *len);
/* Plain answers as a JSON object; sensitive ones as name NUL value NUL. */
int		 form_plain_json(const struct form *, const struct fieldval *,
		    struct buf *out);
int		 form_sensitive_pairs(const struct form *,
		    const struct fieldval *, struct buf *out);

/* ---- field.c: a field's kind, and one value checked against it ---- */

const char	*field_kind_name(enum field_kind);	/* static text */
int		 field_kind_from_name(const char *, enum field_kind *);
int		 field_is_choice(const struct field *);	/* 1 / 0 */
/*
 * Checks one cleaned value v of field f (ncp code points long) against
 * its options, length, lines and kind; a problem's message goes into
 * fv->error.
 */
void		 field_check_value(const struct field *f, const char *v,
		    size_t ncp, struct fieldval *fv);
/* What to tell a person who left the required field f empty. */
const char	*field_required_message(const struct field *f);

/* ---- pairs.c: the sealed answers' "name NUL value NUL" list ---- */

/* One pair, pointing into the list (borrowed). */
struct pair {
	const char	*name;
	size_t		 namelen;
	const char	*value;
	size_t		 valuelen;
};

/* Appends name and value (each NUL-terminated in the list).  0 / -1. */
int	 pairs_append(struct buf *, const char *name, const char *value);
/*
 * The pair starting at *pos in p[0..len) into out, and *pos moved past it:
 * 1, or 0 at the end (a cut-off last pair counts as the end).  Never reads
 * past len.  Start with *pos = 0.
 */
int	 pairs_next(const char *p, size_t len, size_t *pos, struct pair *out);

#endif /* VAWG_FORM_H */
