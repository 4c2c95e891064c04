/*
 * answers.c: what makes two posts of one form token the same submission
 * (issue 14, item 1).  A token is posted again after a double click, a
 * retry or a replay (the same answers: the same row), or after she went
 * back and corrected something (other answers: a new row, with a
 * reference of its own, linked to the first by vawg.submit(), sql/010).
 * The difference is a keyed BLAKE2b digest of the validated answers in one
 * canonical form, computed before sealing, since an envelope is random.
 *
 * Keyed, with a key derived from token.key that only the public pool
 * holds, so the digest stored beside a row cannot be used to test guesses
 * of her answers (a phone number has few enough) by whoever reads the
 * table.  Pure: the key is given; no I/O, nothing allocated.
 */
#include <string.h>

#include <sodium.h>

#include "store.h"

_Static_assert(ANSWERS_KEY_BYTES == crypto_kdf_KEYBYTES &&
    TOKEN_KEY_BYTES == crypto_kdf_KEYBYTES,
    "the answers key is derived from the token key by crypto_kdf");
_Static_assert(ANSWERS_DIGEST_BYTES >= crypto_generichash_BYTES_MIN &&
    ANSWERS_DIGEST_BYTES <= crypto_generichash_BYTES_MAX,
    "a BLAKE2b output length");

/* crypto_kdf's context: 8 bytes, this use of token.key and no other. */
#define ANSWERS_KDF_CTX		"vawgansr"
#define ANSWERS_KDF_ID		1
/* Leads the hashed bytes: a later canonical form gets "2". */
#define ANSWERS_DOMAIN		"vawg-answers 1"

int
answers_key(const unsigned char *token_key,
    unsigned char out[ANSWERS_KEY_BYTES])
{
	return crypto_kdf_derive_from_key(out, ANSWERS_KEY_BYTES,
	    ANSWERS_KDF_ID, ANSWERS_KDF_CTX, token_key);
}

static void
put_u32(crypto_generichash_state *h, uint32_t v)
{
	unsigned char	 b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	crypto_generichash_update(h, b, sizeof(b));
}

/* A string, length first, so no two lists of strings hash alike. */
static void
put_str(crypto_generichash_state *h, const char *s)
{
	size_t	 len = strlen(s);

	put_u32(h, (uint32_t)len);
	crypto_generichash_update(h, (const unsigned char *)s, len);
}

static int
is_option(const struct field *f, const char *v)
{
	size_t	 k;

	for (k = 0; k < f->noptions; k++)
		if (strcmp(f->options[k].value, v) == 0)
			return 1;
	return 0;
}

/*
 * One field's values.  Ticked boxes in the options' order, whatever order
 * the browser sent them in (form.c keeps them as sent, once each), then
 * any value that is not an option, as sent, so nothing is left out.
 */
static void
put_field(crypto_generichash_state *h, const struct field *f,
    const struct fieldval *fv)
{
	size_t	 j, k;

	put_str(h, f->name);
	put_u32(h, (uint32_t)fv->nvals);
	if (f->kind != FIELD_CHECKBOXES) {
		for (j = 0; j < fv->nvals; j++)
			put_str(h, fv->vals[j]);
		return;
	}
	for (k = 0; k < f->noptions; k++)
		for (j = 0; j < fv->nvals; j++)
			if (strcmp(fv->vals[j], f->options[k].value) == 0)
				put_str(h, fv->vals[j]);
	for (j = 0; j < fv->nvals; j++)
		if (!is_option(f, fv->vals[j]))
			put_str(h, fv->vals[j]);
}

int
answers_digest(const unsigned char key[ANSWERS_KEY_BYTES],
    const struct form *f, const struct fieldval *vals,
    unsigned char out[ANSWERS_DIGEST_BYTES])
{
	crypto_generichash_state	 h;
	size_t				 i;

	if (crypto_generichash_init(&h, key, ANSWERS_KEY_BYTES,
	    ANSWERS_DIGEST_BYTES) != 0)
		return -1;
	crypto_generichash_update(&h, (const unsigned char *)ANSWERS_DOMAIN,
	    sizeof(ANSWERS_DOMAIN));
	put_u32(&h, f->id);
	put_u32(&h, (uint32_t)f->version_id);
	put_u32(&h, (uint32_t)f->version);
	put_u32(&h, (uint32_t)f->nfields);
	/* The definition's order, never the body's. */
	for (i = 0; i < f->nfields; i++)
		put_field(&h, &f->fields[i], &vals[i]);
	i = (size_t)crypto_generichash_final(&h, out, ANSWERS_DIGEST_BYTES);
	/* The state held her answers' hash chain: wiped either way. */
	sodium_memzero(&h, sizeof(h));
	return i == 0 ? 0 : -1;
}

void
answers_reference(const unsigned char *idem,
    const unsigned char digest[ANSWERS_DIGEST_BYTES],
    char out[REFERENCE_TEXT])
{
	unsigned char	 mix[TOKEN_NONCE_BYTES];

	/* Another nonce-sized value per answer set, through the same
	 * derivation as a first post's reference, so it looks alike. */
	crypto_generichash(mix, sizeof(mix), digest, ANSWERS_DIGEST_BYTES,
	    idem, TOKEN_NONCE_BYTES);
	token_reference(mix, out);
}
