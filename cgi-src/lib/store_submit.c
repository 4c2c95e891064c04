/*
 * store_submit.c: the public pool's one write, vawg.submit(), as role
 * vawg_public: a post's plain answers and sealed envelope, keyed by the
 * form token's nonce (the idempotency key) and the answers' digest
 * (answers.c), so a retry gets the reference already stored and a
 * correction a row of its own (sql/010).  The spool's replay sends the
 * same call wrapped in vawg.received_at() (sql/012), which dates the row
 * it inserted at her post, not at the replay, since that time starts the
 * retention clock.  Both are STORE_RESEND: sent again after an unknown
 * outcome they store nothing twice, and a row stored before keeps its
 * time.  It reads nothing back but the reference.
 */
#include <stdint.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"

enum stmt {
	STMT_SUBMIT,
	STMT_SUBMIT_AT,
	STMT__MAX
};

/* Each one's column: the reference stored for the key and the answers. */
enum { SUBMIT_REFERENCE, SUBMIT__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	/* vawg_public: the one write the public pool may make. */
	[STMT_SUBMIT] = { "submit",
	    "SELECT vawg.submit($1::integer, $2::bytea, $3::text, $4::jsonb, "
	    "$5::bytea, $6::text, $7::bytea, $8::text)", 8, PGRES_TUPLES_OK,
	    SUBMIT__COLS, STORE_RESEND, 0 },
	[STMT_SUBMIT_AT] = { "submit_at",
	    "SELECT vawg.received_at(vawg.submit($1::integer, $2::bytea, "
	    "$3::text, $4::jsonb, $5::bytea, $6::text, $7::bytea, $8::text), "
	    "to_timestamp($9::bigint))", 9, PGRES_TUPLES_OK, SUBMIT__COLS,
	    STORE_RESEND, 0 },
};

/* Sends st with the submission's arguments (and received, when > 0) and
 * reads back the reference stored. */
static enum store_result
submit_run(struct store *s, const struct store_stmt *st, int32_t version_id,
    const unsigned char *idem, const char *reference, const char *plain_json,
    const struct buf *sealed, const char *key_id, const unsigned char *digest,
    const char *correction, int64_t received, char ref_out[REFERENCE_TEXT])
{
	struct store_args	 a = { 0 };
	enum store_result	 res;
	PGresult		*r;
	const char		*got;

	store_arg_int(&a, version_id);
	store_arg_bytes(&a, idem, TOKEN_NONCE_BYTES);
	store_arg_text(&a, reference);
	store_arg_text(&a, plain_json);
	store_arg_bytes(&a, sealed->data, sealed->len);
	store_arg_text(&a, key_id);
	/* NULL digest: a record from before digests, stored as then. */
	if (digest != NULL)
		store_arg_bytes(&a, digest, ANSWERS_DIGEST_BYTES);
	else
		store_arg_text(&a, NULL);
	store_arg_text(&a, digest != NULL ? correction : NULL);
	if (received > 0)
		store_arg_int(&a, received);
	if ((r = store_run(s, st, &a, &res)) == NULL)
		return res;
	got = PQntuples(r) == 1 ? PQgetvalue(r, 0, SUBMIT_REFERENCE) : "";
	if (strlen(got) != REFERENCE_TEXT - 1) {
		LOG_ERR("submit returned no reference");
		PQclear(r);
		return STORE_ERROR;
	}
	memcpy(ref_out, got, REFERENCE_TEXT);
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_submit(struct store *s, int32_t version_id, const unsigned char *idem,
    const char *reference, const char *plain_json, const struct buf *sealed,
    const char *key_id, const unsigned char *digest, const char *correction,
    char ref_out[REFERENCE_TEXT])
{
	return submit_run(s, &stmts[STMT_SUBMIT], version_id, idem, reference,
	    plain_json, sealed, key_id, digest, correction, 0, ref_out);
}

enum store_result
store_submit_at(struct store *s, int32_t version_id,
    const unsigned char *idem, const char *reference, const char *plain_json,
    const struct buf *sealed, const char *key_id, const unsigned char *digest,
    const char *correction, int64_t received, char ref_out[REFERENCE_TEXT])
{
	/* No time known: stored as now, like a live post. */
	return submit_run(s, &stmts[received > 0 ? STMT_SUBMIT_AT :
	    STMT_SUBMIT], version_id, idem, reference, plain_json, sealed,
	    key_id, digest, correction, received, ref_out);
}
