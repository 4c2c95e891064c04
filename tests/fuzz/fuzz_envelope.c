/*
 * fuzz_envelope.c: libFuzzer harness for seal_open(), which the
 * administrator's tools run on every stored envelope (seal.c;
 * docs/THREAT-MODEL.md threats 3 and 16).
 *
 * The key pair is made once, in LLVMFuzzerInitialize, from a fixed seed
 * (crypto_box_seed_keypair), so a crash input replays with the same key.
 * It is built directly as a struct seal_secret (sodium_malloc()ed secret,
 * seal_pub_from_bytes for the id) rather than with seal_keygen(), whose
 * Argon2id would cost a second per process.
 *
 * The first input byte picks one of four modes; the rest (R) is used as:
 *
 *   0  R is the envelope, as stored.  Reaches the length, version and
 *      key id checks.
 *   1  1 | our key id | R: an envelope naming our key with a ciphertext
 *      from the input.  Reaches crypto_box_seal_open on garbage.
 *   2  1 | our key id | crypto_box_seal(R): a box that opens, with an
 *      inner plaintext from the input.  Reaches unpadding and the idem and
 *      form checks; OPEN_OK is only allowed when R really starts with the
 *      idem, the form length and the form, and then the answers returned
 *      must be R's unpadded remainder.
 *   3  seal_envelope(R) must open to exactly R; the same envelope with one
 *      byte flipped (position from R), or opened for another row or
 *      another form, must not.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "secret.h"
#include "fuzz_common.h"

static struct seal_secret	 sec;
static unsigned char		 key_id[SEAL_KEY_ID_BYTES];
static const unsigned char	 idem[TOKEN_NONCE_BYTES] = "0123456789abcdef";
static const unsigned char	 other_idem[TOKEN_NONCE_BYTES] =
    "0123456789abcdeF";
static const char		 form[] = "referral";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char	 pk[SEAL_PK_BYTES], seed[crypto_box_SEEDBYTES];
	size_t		 n;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 ||
	    (sec.sk = sodium_malloc(SEAL_SK_BYTES)) == NULL)
		abort();
	memset(seed, 0x42, sizeof(seed));
	if (crypto_box_seed_keypair(pk, sec.sk, seed) != 0 ||
	    seal_pub_from_bytes(pk, &sec.pub) != 0 ||
	    sodium_hex2bin(key_id, sizeof(key_id), sec.pub.key_id,
	    strlen(sec.pub.key_id), NULL, &n, NULL) != 0 ||
	    n != sizeof(key_id))
		abort();
	return 0;
}

static enum open_result
open_env(const unsigned char *env, size_t len, const unsigned char *id,
    const char *f, struct buf *out)
{
	enum open_result r;

	buf_reset(out);
	r = seal_open(&sec, env, len, id, f, out);
	FUZZ_CHECK(r >= OPEN_OK && r <= OPEN_NOMEM, "result %d", (int)r);
	FUZZ_CHECK(seal_open_strerror(r) != NULL, "no message for %d", (int)r);
	if (r != OPEN_OK)
		FUZZ_CHECK(out->len == 0, "a refused envelope gave %zu bytes",
		    out->len);
	return r;
}

/* Mode 2: a box that opens, around a plaintext from the input. */
static void
inner(const unsigned char *r, size_t n, struct buf *out)
{
	unsigned char		*env;
	size_t			 envlen;
	size_t			 flen = strlen(form), unpadded;
	enum open_result	 res;
	int			 ours;

	envlen = ENVELOPE_HEADER + crypto_box_SEALBYTES + n;
	if ((env = malloc(envlen)) == NULL)
		abort();
	env[0] = ENVELOPE_VERSION;
	memcpy(env + 1, key_id, sizeof(key_id));
	if (crypto_box_seal(env + ENVELOPE_HEADER, r, n, sec.pub.pk) != 0)
		abort();
	res = open_env(env, envlen, idem, form, out);
	if (n < SEAL_PAD_BLOCK)
		FUZZ_CHECK(res == OPEN_MALFORMED, "a %zu-byte plaintext: %d",
		    n, (int)res);
	ours = n >= SEAL_PAD_BLOCK &&
	    sodium_unpad(&unpadded, r, n, SEAL_PAD_BLOCK) == 0 &&
	    unpadded >= TOKEN_NONCE_BYTES + 1 + flen &&
	    memcmp(r, idem, TOKEN_NONCE_BYTES) == 0 &&
	    r[TOKEN_NONCE_BYTES] == flen &&
	    memcmp(r + TOKEN_NONCE_BYTES + 1, form, flen) == 0;
	if (ours) {
		FUZZ_CHECK(res == OPEN_OK, "a well-made inner box: %d",
		    (int)res);
		FUZZ_CHECK(out->len == unpadded - TOKEN_NONCE_BYTES - 1 - flen &&
		    memcmp(out->data, r + TOKEN_NONCE_BYTES + 1 + flen,
		    out->len) == 0, "answers differ from the inner plaintext");
	} else
		FUZZ_CHECK(res != OPEN_OK, "a foreign inner box opened");
	free(env);
}

/* Mode 3: seal, open, tamper. */
static void
round_trip(const unsigned char *r, size_t n, struct buf *out)
{
	struct buf		 env = { 0 };
	enum open_result	 res;
	size_t			 pos;

	if (seal_envelope(&sec.pub, idem, form, r, n, &env) != 0)
		abort();
	FUZZ_CHECK(env.len == ENVELOPE_HEADER + crypto_box_SEALBYTES +
	    ((TOKEN_NONCE_BYTES + 1 + strlen(form) + n) / SEAL_PAD_BLOCK + 1) *
	    SEAL_PAD_BLOCK, "envelope of %zu bytes for %zu", env.len, n);
	res = open_env((unsigned char *)env.data, env.len, idem, form, out);
	FUZZ_CHECK(res == OPEN_OK, "own envelope: %d", (int)res);
	FUZZ_CHECK(out->len == n && (n == 0 || memcmp(out->data, r, n) == 0),
	    "round trip changed the answers");
	res = open_env((unsigned char *)env.data, env.len, other_idem, form,
	    out);
	FUZZ_CHECK(res == OPEN_MISMATCH, "another row's idem: %d", (int)res);
	res = open_env((unsigned char *)env.data, env.len, idem, "consultation",
	    out);
	FUZZ_CHECK(res == OPEN_MISMATCH, "another form: %d", (int)res);
	res = open_env((unsigned char *)env.data, env.len, idem, "referra",
	    out);
	FUZZ_CHECK(res == OPEN_MISMATCH, "a prefix of the form: %d", (int)res);
	res = open_env((unsigned char *)env.data, env.len - 1, idem, form, out);
	FUZZ_CHECK(res != OPEN_OK, "a truncated envelope opened");
	pos = n > 0 ? (r[0] | (size_t)(n > 1 ? r[1] : 0) << 8) % env.len : 0;
	env.data[pos] ^= (char)(1u << (n > 2 ? r[2] % 8 : 0));
	res = open_env((unsigned char *)env.data, env.len, idem, form, out);
	FUZZ_CHECK(res != OPEN_OK, "byte %zu flipped, still opened", pos);
	buf_free(&env);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct buf	 out = { 0 };
	unsigned char	*env;
	size_t		 n;

	if (size == 0)
		return 0;
	n = size - 1;
	switch (data[0] % 4) {
	case 0:
		if ((env = malloc(n ? n : 1)) == NULL)
			abort();
		memcpy(env, data + 1, n);
		(void)open_env(env, n, idem, form, &out);
		free(env);
		break;
	case 1:
		if ((env = malloc(ENVELOPE_HEADER + n)) == NULL)
			abort();
		env[0] = ENVELOPE_VERSION;
		memcpy(env + 1, key_id, sizeof(key_id));
		memcpy(env + ENVELOPE_HEADER, data + 1, n);
		FUZZ_CHECK(open_env(env, ENVELOPE_HEADER + n, idem, form,
		    &out) != OPEN_OK, "a forged ciphertext opened");
		free(env);
		break;
	case 2:
		inner(data + 1, n, &out);
		break;
	case 3:
		round_trip(data + 1, n, &out);
		break;
	}
	buf_free(&out);
	return 0;
}
