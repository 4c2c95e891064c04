/*
 * store_replay.c: the spool's replay stores a submission dated at her post,
 * not at the replay (issue 14 item 10; docs/THREAT-MODEL.md threat 12).
 * The row's time starts the retention clock the pages promise ("We keep
 * your request for 1 year"), so a post that waited in the spool must not
 * be kept longer than one stored at once.  The statement wraps the very
 * vawg.submit() the public pool calls (store_submit.c) in vawg.received_at()
 * (sql/012), which re-dates only the row this statement inserted, bounded
 * by the database.  Runs as vawg_public, like every replay; this file
 * writes nothing else and reads no submission.
 */
#include <stdint.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"

enum stmt {
	STMT_SUBMIT_AT,
	STMT__MAX
};

/* submit_at's column: the reference stored for the key. */
enum { SUBMIT_AT_REFERENCE, SUBMIT_AT__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	/* Keyed by the idempotency key, and a row stored before keeps its
	 * time: sent twice it is still once. */
	[STMT_SUBMIT_AT] = { "submit_at",
	    "SELECT vawg.received_at(vawg.submit($1::integer, $2::bytea, "
	    "$3::text, $4::jsonb, $5::bytea, $6::text, $7::bytea, $8::text), "
	    "to_timestamp($9::bigint))", 9, PGRES_TUPLES_OK, SUBMIT_AT__COLS,
	    STORE_RESEND, 0 },
};

enum store_result
store_submit_at(struct store *s, int32_t version_id,
    const unsigned char *idem, const char *reference, const char *plain_json,
    const struct buf *sealed, const char *key_id, const unsigned char *digest,
    const char *correction, int64_t received, char ref_out[REFERENCE_TEXT])
{
	struct store_args	 a = { 0 };
	enum store_result	 res;
	PGresult		*r;
	const char		*got;

	if (received <= 0)
		return store_submit(s, version_id, idem, reference,
		    plain_json, sealed, key_id, digest, correction, ref_out);
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
	store_arg_int(&a, received);
	if ((r = store_run(s, &stmts[STMT_SUBMIT_AT], &a, &res)) == NULL)
		return res;
	got = PQntuples(r) == 1 ? PQgetvalue(r, 0, SUBMIT_AT_REFERENCE) : "";
	if (strlen(got) != REFERENCE_TEXT - 1) {
		LOG_ERR("submit returned no reference");
		PQclear(r);
		return STORE_ERROR;
	}
	memcpy(ref_out, got, REFERENCE_TEXT);
	PQclear(r);
	return STORE_OK;
}
