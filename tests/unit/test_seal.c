/*
 * test_seal.c: key files and envelopes (seal.c, docs/THREAT-MODEL.md threats
 * 2, 3 and 17).  seal_keygen and seal_secret_load run Argon2id MODERATE (about
 * a second and 256 MiB each), so one key pair is made, in a private directory
 * under /tmp, the first time a test needs it, and shared; the directory is
 * removed at exit.  Other key pairs are made in memory.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secret.h"
#include "check.h"

#define PASS		"correct horse battery staple"
#define FORM		"report"
/* version | key id | crypto_box_seal overhead, before the padded box */
#define ENV_OVERHEAD	(ENVELOPE_HEADER + crypto_box_SEALBYTES)
/* magic | salt | opslimit | memlimit | nonce | MAC | sk and pk */
#define SK_FILE_SIZE	(8 + 16 + 8 + 8 + 24 + 16 + 64)

static struct {
	int			 state;	/* 0 not yet, 1 ready, -1 failed */
	char			 dir[64];
	char			 pub_path[128];
	char			 sec_path[128];
	struct seal_pub		 pub;	/* as seal_keygen returned it */
	struct seal_secret	 sec;	/* as seal_secret_load returned it */
} fx;

static void
fixture_cleanup(void)
{
	seal_secret_free(&fx.sec);
	test_dir_remove(fx.dir);
}

/* Makes the shared key pair once.  1 if ready, 0 if it could not be. */
static int
fixture(void)
{
	if (!test_fixture_begin(&fx.state, fx.dir, sizeof(fx.dir), "vawg-unit",
	    fixture_cleanup))
		return fx.state == 1;
	snprintf(fx.pub_path, sizeof(fx.pub_path), "%s/seal.pub", fx.dir);
	snprintf(fx.sec_path, sizeof(fx.sec_path), "%s/seal.sec", fx.dir);
	if (seal_keygen(fx.pub_path, fx.sec_path, PASS, strlen(PASS),
	    &fx.pub) != 0 ||
	    seal_secret_load(fx.sec_path, PASS, strlen(PASS), &fx.sec) != 0)
		return 0;
	fx.state = 1;
	return 1;
}

#define NEED_FIXTURE()							\
	NEED(fixture(), "seal fixture: keygen or load failed")

/* A path inside the fixture directory. */
static const char *
fx_path(const char *name)
{
	return test_path(fx.dir, name);
}

/* An unlocked secret key made in memory, without Argon2id. */
static int
memory_secret(struct seal_secret *s)
{
	unsigned char	 pk[SEAL_PK_BYTES];

	memset(s, 0, sizeof(*s));
	if ((s->sk = sodium_malloc(SEAL_SK_BYTES)) == NULL)
		return -1;
	if (crypto_box_keypair(pk, s->sk) != 0 ||
	    seal_pub_from_bytes(pk, &s->pub) != 0) {
		seal_secret_free(s);
		return -1;
	}
	return 0;
}

static int
same_pub(const struct seal_pub *a, const struct seal_pub *b)
{
	return memcmp(a->pk, b->pk, SEAL_PK_BYTES) == 0 &&
	    strcmp(a->key_id, b->key_id) == 0 &&
	    strcmp(a->fingerprint, b->fingerprint) == 0;
}

/* Seals len bytes of plain for idem and FORM with the fixture's key. */
static int
seal(const unsigned char *idem, const void *plain, size_t len,
    struct buf *env)
{
	return seal_envelope(&fx.pub, idem, FORM, plain, len, env);
}

static enum open_result
open_env(const struct buf *env, size_t len, const unsigned char *idem,
    const char *form, struct buf *out)
{
	return seal_open(&fx.sec, (const unsigned char *)env->data, len, idem,
	    form, out);
}

static void
test_seal_keygen_pub_file(void)
{
	char	 text[200], hex[SEAL_PK_BYTES * 2 + 1];
	long	 n;

	NEED_FIXTURE();
	n = read_file(fx.pub_path, text, sizeof(text));
	CHECK_EQ(n, 65);
	if (n != 65)
		return;
	sodium_bin2hex(hex, sizeof(hex), fx.pub.pk, SEAL_PK_BYTES);
	CHECK_MEM(text, 64, hex, 64);
	CHECK(text[64] == '\n');
	CHECK(strspn(hex, "0123456789abcdef") == 64);
}

static void
test_seal_keygen_sec_file(void)
{
	unsigned char	 data[400];
	struct stat	 st;

	NEED_FIXTURE();
	CHECK(stat(fx.sec_path, &st) == 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(read_file(fx.sec_path, data, sizeof(data)), SK_FILE_SIZE);
	CHECK_MEM(data, 8, "VAWGSK01", 8);
	/* The secret key never lies in the file in the clear. */
	CHECK(memmem(data, SK_FILE_SIZE, fx.sec.sk, SEAL_SK_BYTES) == NULL);
}

static void
test_seal_keygen_names_the_key(void)
{
	unsigned char	 fp[32];
	char		 hex[SEAL_FP_HEX];

	NEED_FIXTURE();
	/* fingerprint = hex BLAKE2b-256(pk); key id = its first 16 digits */
	CHECK(crypto_generichash(fp, sizeof(fp), fx.pub.pk, SEAL_PK_BYTES,
	    NULL, 0) == 0);
	sodium_bin2hex(hex, sizeof(hex), fp, sizeof(fp));
	CHECK_STR(fx.pub.fingerprint, hex);
	CHECK_EQ(strlen(fx.pub.key_id), 16);
	CHECK(strncmp(fx.pub.key_id, fx.pub.fingerprint, 16) == 0);
}

static void
test_seal_keygen_refuses_overwrite(void)
{
	unsigned char	 before[400], after[400];
	struct seal_pub	 p;
	long		 n;

	NEED_FIXTURE();
	n = read_file(fx.sec_path, before, sizeof(before));
	CHECK(seal_keygen(fx.pub_path, fx.sec_path, "other", 5, &p) == -1);
	CHECK_EQ(read_file(fx.sec_path, after, sizeof(after)), n);
	CHECK(memcmp(before, after, (size_t)n) == 0);
}

static void
test_seal_keygen_no_orphan_secret(void)
{
	struct seal_pub	 p;

	NEED_FIXTURE();
	/* The public file exists: the new secret file written first must
	 * not be left behind. */
	CHECK(seal_keygen(fx.pub_path, fx_path("orphan.sec"), "other", 5,
	    &p) == -1);
	CHECK(access(fx_path("orphan.sec"), F_OK) == -1);
}

static void
test_seal_secret_load_right_pass(void)
{
	unsigned char	 pk[SEAL_PK_BYTES];

	NEED_FIXTURE();
	CHECK(same_pub(&fx.sec.pub, &fx.pub));
	CHECK(fx.sec.sk != NULL);
	CHECK(crypto_scalarmult_base(pk, fx.sec.sk) == 0);
	CHECK(memcmp(pk, fx.pub.pk, SEAL_PK_BYTES) == 0);
}

static void
test_seal_secret_load_wrong_pass(void)
{
	struct seal_secret	 s;

	NEED_FIXTURE();
	memset(&s, 0xaa, sizeof(s));
	CHECK(seal_secret_load(fx.sec_path, "correct horse battery stapler",
	    strlen(PASS) + 1, &s) == -1);
	CHECK(s.sk == NULL);
	seal_secret_free(&s);
}

static void
test_seal_secret_load_not_a_key_file(void)
{
	unsigned char		 data[SK_FILE_SIZE + 1];
	struct seal_secret	 s;

	NEED_FIXTURE();
	CHECK(seal_secret_load(fx_path("missing"), PASS, strlen(PASS), &s) ==
	    -1);
	CHECK(seal_secret_load(fx.pub_path, PASS, strlen(PASS), &s) == -1);
	CHECK(read_file(fx.sec_path, data, sizeof(data)) == SK_FILE_SIZE);
	data[SK_FILE_SIZE] = '\n';
	/* Truncated, extended and with a wrong magic. */
	CHECK(write_file(fx_path("short.sec"), data, SK_FILE_SIZE - 1) == 0);
	CHECK(seal_secret_load(fx_path("short.sec"), PASS, strlen(PASS), &s) ==
	    -1);
	CHECK(s.sk == NULL);
	CHECK(write_file(fx_path("long.sec"), data, SK_FILE_SIZE + 1) == 0);
	CHECK(seal_secret_load(fx_path("long.sec"), PASS, strlen(PASS), &s) ==
	    -1);
	data[0] ^= 0x20;
	CHECK(write_file(fx_path("magic.sec"), data, SK_FILE_SIZE) == 0);
	CHECK(seal_secret_load(fx_path("magic.sec"), PASS, strlen(PASS), &s) ==
	    -1);
}

static void
test_seal_secret_load_bounds_kdf(void)
{
	unsigned char		 data[SK_FILE_SIZE];
	struct seal_secret	 s;

	NEED_FIXTURE();
	/* A crafted file cannot make us spend 1 TiB or 2^40 passes: the
	 * limits (bytes 24..39) are refused before any derivation. */
	CHECK(read_file(fx.sec_path, data, sizeof(data)) == SK_FILE_SIZE);
	data[24 + 8 + 3] = 0x01;	/* memlimit += 2^32 */
	CHECK(write_file(fx_path("mem.sec"), data, sizeof(data)) == 0);
	CHECK(seal_secret_load(fx_path("mem.sec"), PASS, strlen(PASS), &s) ==
	    -1);
	CHECK(read_file(fx.sec_path, data, sizeof(data)) == SK_FILE_SIZE);
	data[24 + 2] = 0x01;		/* opslimit += 2^40 */
	CHECK(write_file(fx_path("ops.sec"), data, sizeof(data)) == 0);
	CHECK(seal_secret_load(fx_path("ops.sec"), PASS, strlen(PASS), &s) ==
	    -1);
	CHECK(s.sk == NULL);
}

/*
 * Writes len bytes of text to name in the fixture directory and returns
 * what seal_pub_load makes of that file; -2 if it cannot be written.
 */
static int
pub_load_written(const char *name, const void *text, size_t len,
    struct seal_pub *p)
{
	if (write_file(fx_path(name), text, len) != 0)
		return -2;
	return seal_pub_load(fx_path(name), p);
}

static void
test_seal_pub_load(void)
{
	char		 hex[SEAL_PK_BYTES * 2 + 1], upper[80];
	struct seal_pub	 p;
	size_t		 i;

	NEED_FIXTURE();
	memset(&p, 0, sizeof(p));
	CHECK(seal_pub_load(fx.pub_path, &p) == 0);
	CHECK(same_pub(&p, &fx.pub));
	/* Without the newline, and in capitals, it is the same key. */
	sodium_bin2hex(hex, sizeof(hex), fx.pub.pk, SEAL_PK_BYTES);
	memset(&p, 0, sizeof(p));
	CHECK(pub_load_written("bare.pub", hex, 64, &p) == 0);
	CHECK(same_pub(&p, &fx.pub));
	for (i = 0; i < 64; i++)
		upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	upper[64] = '\n';
	memset(&p, 0, sizeof(p));
	CHECK(pub_load_written("upper.pub", upper, 65, &p) == 0);
	CHECK(same_pub(&p, &fx.pub));
}

static void
test_seal_pub_load_bad(void)
{
	char		 hex[SEAL_PK_BYTES * 2 + 1], text[200];
	struct seal_pub	 p;

	NEED_FIXTURE();
	sodium_bin2hex(hex, sizeof(hex), fx.pub.pk, SEAL_PK_BYTES);
	CHECK(seal_pub_load(fx_path("missing"), &p) == -1);
	/* Not hex. */
	memcpy(text, hex, 64);
	text[10] = 'g';
	text[64] = '\n';
	CHECK(pub_load_written("g.pub", text, 65, &p) == -1);
	/* Wrong lengths: 63, 62 and 66 digits, and nothing. */
	memcpy(text, hex, 64);
	text[63] = '\n';
	CHECK(pub_load_written("63.pub", text, 64, &p) == -1);
	text[62] = '\n';
	CHECK(pub_load_written("62.pub", text, 63, &p) == -1);
	memcpy(text, hex, 64);
	memcpy(text + 64, "00", 2);
	CHECK(pub_load_written("66.pub", text, 66, &p) == -1);
	CHECK(pub_load_written("empty.pub", "", 0, &p) == -1);
	/* A second key, or anything, after the first. */
	memcpy(text, hex, 64);
	text[64] = '\n';
	memcpy(text + 65, hex, 64);
	text[129] = '\n';
	CHECK(pub_load_written("two.pub", text, 130, &p) == -1);
	memcpy(text + 64, " \n", 2);
	CHECK(pub_load_written("junk.pub", text, 66, &p) == -1);
}

static void
test_seal_pub_load_rejects_nul(void)
{
	char		 hex[SEAL_PK_BYTES * 2 + 1], text[80];
	struct seal_pub	 p;

	NEED_FIXTURE();
	/* A key file is 64 hex digits and a newline; a NUL byte is damage,
	 * not white space.  (sodium_hex2bin's ignore set is searched with
	 * strchr(), which also finds the terminating NUL, so seal_pub_load
	 * must refuse NUL bytes itself.) */
	sodium_bin2hex(hex, sizeof(hex), fx.pub.pk, SEAL_PK_BYTES);
	memcpy(text, hex, 64);
	memcpy(text + 64, "\0\n", 2);
	CHECK(pub_load_written("nul-end.pub", text, 66, &p) == -1);
	memcpy(text, hex, 32);
	text[32] = '\0';
	memcpy(text + 33, hex + 32, 32);
	text[65] = '\n';
	CHECK(pub_load_written("nul-mid.pub", text, 66, &p) == -1);
}

static void
test_file_read_secret(void)
{
	unsigned char	 data[32], *got = NULL;
	size_t		 i;

	NEED_FIXTURE();
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(0xa0 + i);
	CHECK(write_file(fx_path("token.key"), data, sizeof(data)) == 0);
	CHECK(file_read_secret(fx_path("token.key"), 32, &got) == 0);
	CHECK(got != NULL && memcmp(got, data, 32) == 0);
	sodium_free(got);
	got = NULL;
	/* Exactly n bytes: one more or one fewer in the file is refused. */
	CHECK(file_read_secret(fx_path("token.key"), 31, &got) == -1);
	CHECK(file_read_secret(fx_path("token.key"), 33, &got) == -1);
	CHECK(file_read_secret(fx_path("missing"), 32, &got) == -1);
	CHECK(got == NULL);
}

static void
test_seal_round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 255, 256, 1000, 10000 };
	unsigned char	 idem[TOKEN_NONCE_BYTES], plain[10000];
	struct buf	 env = { 0 }, out = { 0 };
	size_t		 i;

	NEED_FIXTURE();
	randombytes_buf(idem, sizeof(idem));
	randombytes_buf(plain, sizeof(plain));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_reset(&env);
		buf_reset(&out);
		CHECK(seal(idem, plain, sizes[i], &env) == 0);
		CHECK(open_env(&env, env.len, idem, FORM, &out) == OPEN_OK);
		CHECK_EQ(out.len, sizes[i]);
		CHECK(out.len == sizes[i] &&
		    (sizes[i] == 0 || memcmp(out.data, plain, sizes[i]) == 0));
	}
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_open_appends(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 1 };
	struct buf	 env = { 0 }, out = { 0 };

	NEED_FIXTURE();
	CHECK(seal(idem, "name\0Ann\0", 9, &env) == 0);
	CHECK(buf_puts(&out, ">") == 0);
	CHECK(open_env(&env, env.len, idem, FORM, &out) == OPEN_OK);
	CHECK_MEM(out.data, out.len, ">name\0Ann\0", 10);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_envelope_header(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 0 }, id[8];
	struct buf	 env = { 0 };
	size_t		 n;

	/* The clear header of every stored row: version and an 8-byte key
	 * id, 9 bytes whatever crypto.h's constants say. */
	CHECK_EQ(ENVELOPE_HEADER, 9);
	NEED_FIXTURE();
	CHECK(seal(idem, "x", 1, &env) == 0);
	CHECK(sodium_hex2bin(id, sizeof(id), fx.pub.key_id, 16, NULL, &n,
	    NULL) == 0);
	CHECK(env.len > 9 && (unsigned char)env.data[0] == ENVELOPE_VERSION);
	CHECK(memcmp(env.data + 1, id, sizeof(id)) == 0);
	buf_free(&env);
}

static void
test_seal_length_hides_content(void)
{
	static const size_t sizes[] = { 0, 1, 200, 232, 233, 1000, 10000 };
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 0 }, plain[10000];
	struct buf	 env = { 0 };
	size_t		 i, len[sizeof(sizes) / sizeof(sizes[0])];

	NEED_FIXTURE();
	memset(plain, 'a', sizeof(plain));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_reset(&env);
		CHECK(seal(idem, plain, sizes[i], &env) == 0);
		len[i] = env.len;
		CHECK((len[i] - ENV_OVERHEAD) % SEAL_PAD_BLOCK == 0);
	}
	/* The box holds idem(16) | formlen(1) | "report"(6) | answers and at
	 * least one byte of padding: up to 232 bytes of answers fit in one
	 * block of 256. */
	CHECK_EQ(len[0], ENV_OVERHEAD + 256);
	CHECK_EQ(len[1], len[0]);
	CHECK_EQ(len[2], len[0]);	/* 1 byte and 200 look the same */
	CHECK_EQ(len[3], len[0]);
	CHECK_EQ(len[4], ENV_OVERHEAD + 512);
	CHECK_EQ(len[5], ENV_OVERHEAD + 1024);
	CHECK_EQ(len[6], ENV_OVERHEAD + 10240);
	buf_free(&env);
}

static void
test_seal_form_name_limit(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 0 };
	char		 name[257];
	struct buf	 env = { 0 }, out = { 0 };

	NEED_FIXTURE();
	memset(name, 'f', 256);
	name[256] = '\0';
	CHECK(seal_envelope(&fx.pub, idem, name, "x", 1, &env) == -1);
	CHECK_EQ(env.len, 0);
	name[255] = '\0';
	CHECK(seal_envelope(&fx.pub, idem, name, "x", 1, &env) == 0);
	CHECK(open_env(&env, env.len, idem, name, &out) == OPEN_OK);
	CHECK_MEM(out.data, out.len, "x", 1);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_open_other_idem(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES], other[TOKEN_NONCE_BYTES];
	struct buf	 env = { 0 }, out = { 0 };

	NEED_FIXTURE();
	randombytes_buf(idem, sizeof(idem));
	memcpy(other, idem, sizeof(other));
	other[TOKEN_NONCE_BYTES - 1] ^= 0x80;
	CHECK(seal(idem, "answers", 7, &env) == 0);
	CHECK(open_env(&env, env.len, other, FORM, &out) == OPEN_MISMATCH);
	CHECK_EQ(out.len, 0);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_open_other_form(void)
{
	static const char *const others[] = {
		"repor", "report2", "Report", "", "other",
	};
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 9 };
	struct buf	 env = { 0 }, out = { 0 };
	size_t		 i;

	NEED_FIXTURE();
	CHECK(seal(idem, "answers", 7, &env) == 0);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK(open_env(&env, env.len, idem, others[i], &out) ==
		    OPEN_MISMATCH);
	CHECK_EQ(out.len, 0);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_open_unknown_key(void)
{
	unsigned char		 idem[TOKEN_NONCE_BYTES] = { 3 };
	struct seal_secret	 other;
	struct buf		 env = { 0 }, out = { 0 };

	NEED_FIXTURE();
	if (memory_secret(&other) != 0) {
		CHECK(!"memory_secret");
		return;
	}
	CHECK(seal(idem, "answers", 7, &env) == 0);
	CHECK(seal_open(&other, (unsigned char *)env.data, env.len, idem, FORM,
	    &out) == OPEN_UNKNOWN_KEY);
	/* Relabelled with the other key's id, it still does not open. */
	CHECK(sodium_hex2bin((unsigned char *)env.data + 1, 8,
	    other.pub.key_id, 16, NULL, NULL, NULL) == 0);
	CHECK(seal_open(&other, (unsigned char *)env.data, env.len, idem, FORM,
	    &out) == OPEN_FAILED);
	CHECK_EQ(out.len, 0);
	seal_secret_free(&other);
	seal_secret_free(NULL);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_every_flip_rejected(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	struct buf	 env = { 0 }, out = { 0 };
	size_t		 i, tried = 0, rejected = 0, known = 0;
	enum open_result r;

	NEED_FIXTURE();
	randombytes_buf(idem, sizeof(idem));
	CHECK(seal(idem, "name\0Ann Lee\0story\0It started in May.\0", 38,
	    &env) == 0);
	for (i = 0; i < env.len; i++) {
		env.data[i] ^= 0x01;
		buf_reset(&out);
		r = open_env(&env, env.len, idem, FORM, &out);
		env.data[i] ^= 0x01;
		tried++;
		if (r != OPEN_OK)
			rejected++;
		/* version, then key id, then the box */
		if ((i == 0 && r == OPEN_MALFORMED) ||
		    (i >= 1 && i <= 8 && r == OPEN_UNKNOWN_KEY) ||
		    (i > 8 && r == OPEN_FAILED))
			known++;
	}
	printf("envelope_flips_rejected: %zu of %zu\n", rejected, tried);
	CHECK_EQ(tried, ENV_OVERHEAD + SEAL_PAD_BLOCK);
	CHECK_EQ(rejected, tried);
	CHECK_EQ(known, tried);
	/* Unflipped, it still opens. */
	buf_reset(&out);
	CHECK(open_env(&env, env.len, idem, FORM, &out) == OPEN_OK);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_truncated_or_extended(void)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 5 }, plain[300];
	struct buf	 env = { 0 }, out = { 0 };
	size_t		 i, len;

	NEED_FIXTURE();
	/* Two padded blocks, so that a cut can leave a whole block. */
	memset(plain, 'p', sizeof(plain));
	CHECK(seal(idem, plain, sizeof(plain), &env) == 0);
	len = env.len;
	CHECK_EQ(len, ENV_OVERHEAD + 2 * SEAL_PAD_BLOCK);
	/* Shorter than one padded block cannot be an envelope at all. */
	for (i = 0; i < ENV_OVERHEAD + SEAL_PAD_BLOCK; i += 7)
		CHECK(open_env(&env, i, idem, FORM, &out) == OPEN_MALFORMED);
	CHECK(open_env(&env, ENV_OVERHEAD + SEAL_PAD_BLOCK - 1, idem, FORM,
	    &out) == OPEN_MALFORMED);
	/* Long enough, but the box no longer authenticates. */
	CHECK(open_env(&env, len - SEAL_PAD_BLOCK, idem, FORM, &out) ==
	    OPEN_FAILED);
	CHECK(open_env(&env, len - 16, idem, FORM, &out) == OPEN_FAILED);
	CHECK(open_env(&env, len - 1, idem, FORM, &out) == OPEN_FAILED);
	CHECK(buf_append(&env, "", 1) == 0);
	CHECK(open_env(&env, len + 1, idem, FORM, &out) == OPEN_FAILED);
	CHECK_EQ(out.len, 0);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_other_version(void)
{
	static const unsigned char versions[] = { 0, 2, 0x81, 0xff };
	unsigned char	 idem[TOKEN_NONCE_BYTES] = { 6 };
	struct buf	 env = { 0 }, out = { 0 };
	size_t		 i;

	NEED_FIXTURE();
	CHECK(seal(idem, "answers", 7, &env) == 0);
	for (i = 0; i < sizeof(versions); i++) {
		env.data[0] = (char)versions[i];
		CHECK(open_env(&env, env.len, idem, FORM, &out) ==
		    OPEN_MALFORMED);
	}
	CHECK_EQ(out.len, 0);
	buf_free(&env);
	buf_free(&out);
}

static void
test_seal_open_strerror(void)
{
	enum open_result	 r, s;

	for (r = OPEN_OK; r <= OPEN_NOMEM; r++) {
		CHECK(seal_open_strerror(r) != NULL &&
		    seal_open_strerror(r)[0] != '\0');
		for (s = OPEN_OK; s < r; s++)
			CHECK(strcmp(seal_open_strerror(r),
			    seal_open_strerror(s)) != 0);
	}
}

const struct unit_test seal_tests[] = {
	TEST(test_seal_keygen_pub_file),
	TEST(test_seal_keygen_sec_file),
	TEST(test_seal_keygen_names_the_key),
	TEST(test_seal_keygen_refuses_overwrite),
	TEST(test_seal_keygen_no_orphan_secret),
	TEST(test_seal_secret_load_right_pass),
	TEST(test_seal_secret_load_wrong_pass),
	TEST(test_seal_secret_load_not_a_key_file),
	TEST(test_seal_secret_load_bounds_kdf),
	TEST(test_seal_pub_load),
	TEST(test_seal_pub_load_bad),
	TEST(test_seal_pub_load_rejects_nul),
	TEST(test_file_read_secret),
	TEST(test_seal_round_trip),
	TEST(test_seal_open_appends),
	TEST(test_seal_envelope_header),
	TEST(test_seal_length_hides_content),
	TEST(test_seal_form_name_limit),
	TEST(test_seal_open_other_idem),
	TEST(test_seal_open_other_form),
	TEST(test_seal_open_unknown_key),
	TEST(test_seal_every_flip_rejected),
	TEST(test_seal_truncated_or_extended),
	TEST(test_seal_other_version),
	TEST(test_seal_open_strerror),
};
const size_t seal_ntests = NTESTS(seal_tests);
