/*
 * test_keyring.c: every generation of the secret key under one passphrase
 * (keyring.c, docs/THREAT-MODEL.md threat 17).  Each key file costs an
 * Argon2id MODERATE derivation (about half a second and 256 MiB) to make or to
 * open, so the tests share one key directory, made the first time a test needs
 * it, and run in table order: load right and wrong, a refused rotation, a
 * rotation whose second move fails, a rotation, then both generations
 * open.  Nine derivations in all (keygen 1,
 * loads 1 + 1 + 2, rotations 1 + 1 + 2).  Envelopes are sealed with the public
 * keys only (no Argon2id).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secret.h"
#include "check.h"

#define PASS		"keyring passphrase, long enough"
#define WRONG		"keyring passphrase, long enougH"
#define FORM		"referral"
#define PLAIN1		"call_name\0Asha\0code_word\0=1+1\0"
#define PLAIN2		"call_name\0\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\0"

static struct {
	int		 state;		/* 0 not yet, 1 ready, -1 failed */
	char		 dir[64];
	struct seal_pub	 first;		/* the key seal_keygen made */
	struct seal_pub	 second;	/* the key keyring_rotate made */
	int		 rotated;
	struct buf	 env1, env2;	/* sealed to first, to second */
	struct keyring	 kr;		/* both generations, once loaded */
	unsigned char	 idem1[TOKEN_NONCE_BYTES], idem2[TOKEN_NONCE_BYTES];
} kx;

static void
kx_cleanup(void)
{
	buf_free(&kx.env1);
	buf_free(&kx.env2);
	keyring_free(&kx.kr);
	test_dir_remove(kx.dir);
}

/* A path inside the key directory (two may be passed to one call). */
static const char *
kx_path(const char *name)
{
	return test_path(kx.dir, name);
}

/* The key directory with service.pub/sec, once.  1 ready, 0 not. */
static int
fixture(void)
{
	if (!test_fixture_begin(&kx.state, kx.dir, sizeof(kx.dir),
	    "vawg-keyring", kx_cleanup))
		return kx.state == 1;
	if (seal_keygen(kx_path("service.pub"), kx_path("service.sec"), PASS,
	    strlen(PASS), &kx.first) != 0)
		return 0;
	randombytes_buf(kx.idem1, sizeof(kx.idem1));
	if (seal_envelope(&kx.first, kx.idem1, FORM, PLAIN1,
	    sizeof(PLAIN1) - 1, &kx.env1) != 0)
		return 0;
	kx.state = 1;
	return 1;
}

#define NEED_FIXTURE()							\
	NEED(fixture(), "keyring fixture: keygen or seal failed")

static void
test_keyring_load_right_passphrase(void)
{
	struct keyring	 kr;

	NEED_FIXTURE();
	CHECK_EQ(keyring_load(kx.dir, PASS, strlen(PASS), &kr), 0);
	CHECK_EQ(kr.n, 1);
	if (kr.n == 1) {
		CHECK_STR(kr.keys[0].pub.key_id, kx.first.key_id);
		CHECK_STR(kr.keys[0].pub.fingerprint, kx.first.fingerprint);
		CHECK(keyring_find(&kr, kx.first.key_id) == &kr.keys[0]);
	}
	CHECK(keyring_find(&kr, "0000000000000000") == NULL);
	keyring_free(&kr);
	CHECK_EQ(kr.n, 0);
	keyring_free(&kr);		/* twice is harmless */
	keyring_free(NULL);
}

static void
test_keyring_load_wrong_passphrase(void)
{
	struct keyring	 kr;

	NEED_FIXTURE();
	CHECK_EQ(keyring_load(kx.dir, WRONG, strlen(WRONG), &kr), -1);
	CHECK_EQ(kr.n, 0);
	keyring_free(&kr);
	/* No key directory at all: -1, no derivation. */
	CHECK_EQ(keyring_load(kx_path("nowhere"), PASS, strlen(PASS), &kr),
	    -1);
	CHECK_EQ(kr.n, 0);
}

static void
test_keyring_rotate_wrong_passphrase_changes_nothing(void)
{
	unsigned char	 pub0[256], sec0[256], pub1[256], sec1[256];
	long		 lp0, ls0, lp1, ls1;
	struct seal_pub	 old, fresh;
	struct stat	 st;

	NEED_FIXTURE();
	lp0 = read_file(kx_path("service.pub"), pub0, sizeof(pub0));
	ls0 = read_file(kx_path("service.sec"), sec0, sizeof(sec0));
	CHECK(lp0 > 0 && ls0 > 0);
	CHECK_EQ(keyring_rotate(kx.dir, WRONG, strlen(WRONG), &old, &fresh),
	    ROTATE_UNCHANGED);
	lp1 = read_file(kx_path("service.pub"), pub1, sizeof(pub1));
	ls1 = read_file(kx_path("service.sec"), sec1, sizeof(sec1));
	CHECK_MEM(pub1, (size_t)lp1, pub0, (size_t)lp0);
	CHECK_MEM(sec1, (size_t)ls1, sec0, (size_t)ls0);
	/* Nothing was moved into the keyring. */
	if (stat(kx_path("keyring"), &st) == 0) {
		char	 p[128];

		snprintf(p, sizeof(p), "keyring/%s.sec", kx.first.key_id);
		CHECK(access(kx_path(p), F_OK) == -1);
	}
}

/*
 * A real failure of the second move: keyring/<key id>.pub is a folder
 * that is not empty, so rename() of service.pub onto it fails (EISDIR)
 * after service.sec has already moved.  The rotation must put service.sec
 * back: the folder still holds the same working pair, byte for byte, and
 * keyring/ holds no copy of the secret key.
 */
static void
test_keyring_rotate_second_move_fails_rolls_back(void)
{
	unsigned char	 pub0[256], sec0[256], pub1[256], sec1[256];
	long		 lp0, ls0, lp1, ls1;
	struct seal_pub	 old, fresh;
	char		 blocker[128], inside[160], oldsec[128];

	NEED_FIXTURE();
	lp0 = read_file(kx_path("service.pub"), pub0, sizeof(pub0));
	ls0 = read_file(kx_path("service.sec"), sec0, sizeof(sec0));
	CHECK(lp0 > 0 && ls0 > 0);
	snprintf(blocker, sizeof(blocker), "keyring/%s.pub", kx.first.key_id);
	snprintf(inside, sizeof(inside), "%s/x", blocker);
	snprintf(oldsec, sizeof(oldsec), "keyring/%s.sec", kx.first.key_id);
	NEED((mkdir(kx_path("keyring"), 0700) == 0 || errno == EEXIST) &&
	    mkdir(kx_path(blocker), 0700) == 0 &&
	    write_file(kx_path(inside), "x", 1) == 0, "the blocking folder");
	CHECK_EQ(keyring_rotate(kx.dir, PASS, strlen(PASS), &old, &fresh),
	    ROTATE_UNCHANGED);
	CHECK_STR(old.key_id, kx.first.key_id);
	lp1 = read_file(kx_path("service.pub"), pub1, sizeof(pub1));
	ls1 = read_file(kx_path("service.sec"), sec1, sizeof(sec1));
	CHECK(lp1 > 0 && ls1 > 0);
	CHECK_MEM(pub1, (size_t)lp1, pub0, (size_t)lp0);
	CHECK_MEM(sec1, (size_t)ls1, sec0, (size_t)ls0);
	CHECK(access(kx_path(oldsec), F_OK) == -1);
	/* Unblock, for the rotation that follows. */
	CHECK(unlink(kx_path(inside)) == 0 && rmdir(kx_path(blocker)) == 0);
	/* Put the secret key back if the rotation left it in keyring/, so
	 * the tests after this one still find a pair. */
	if (ls1 <= 0)
		(void)rename(kx_path(oldsec), kx_path("service.sec"));
}

static void
test_keyring_rotate(void)
{
	struct seal_pub	 old, fresh, now;
	char		 p[128];

	NEED_FIXTURE();
	CHECK_EQ(keyring_rotate(kx.dir, PASS, strlen(PASS), &old, &fresh),
	    ROTATE_OK);
	CHECK_STR(old.key_id, kx.first.key_id);
	CHECK(strcmp(fresh.key_id, kx.first.key_id) != 0);
	CHECK(strcmp(fresh.fingerprint, kx.first.fingerprint) != 0);
	/* service.pub is the new key; the old pair waits in keyring/. */
	CHECK(seal_pub_load(kx_path("service.pub"), &now) == 0 &&
	    strcmp(now.key_id, fresh.key_id) == 0);
	snprintf(p, sizeof(p), "keyring/%s.sec", old.key_id);
	CHECK(access(kx_path(p), F_OK) == 0);
	snprintf(p, sizeof(p), "keyring/%s.pub", old.key_id);
	CHECK(access(kx_path(p), F_OK) == 0);
	kx.second = fresh;
	kx.rotated = 1;
	/* A row sealed after the rotation names the new key. */
	randombytes_buf(kx.idem2, sizeof(kx.idem2));
	CHECK(seal_envelope(&fresh, kx.idem2, FORM, PLAIN2, sizeof(PLAIN2) - 1,
	    &kx.env2) == 0);
}

static void
test_keyring_both_generations_open(void)
{
	struct keyring	*kr = &kx.kr;
	struct buf	 out = { 0 };

	NEED_FIXTURE();
	if (!kx.rotated) {
		CHECK(!"no rotation happened (test_keyring_rotate failed)");
		return;
	}
	CHECK_EQ(keyring_load(kx.dir, PASS, strlen(PASS), kr), 0);
	CHECK_EQ(kr->n, 2);
	CHECK(keyring_find(kr, kx.first.key_id) != NULL);
	CHECK(keyring_find(kr, kx.second.key_id) != NULL);
	/* Sealed before the rotation. */
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env1.data, kx.env1.len,
	    kx.idem1, FORM, &out), OPEN_OK);
	CHECK_MEM(out.data, out.len, PLAIN1, sizeof(PLAIN1) - 1);
	/* Sealed after it. */
	buf_reset(&out);
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env2.data, kx.env2.len,
	    kx.idem2, FORM, &out), OPEN_OK);
	CHECK_MEM(out.data, out.len, PLAIN2, sizeof(PLAIN2) - 1);
	/* Each still checks its row and form. */
	buf_reset(&out);
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env1.data, kx.env1.len,
	    kx.idem2, FORM, &out), OPEN_MISMATCH);
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env2.data, kx.env2.len,
	    kx.idem2, "consultation", &out), OPEN_MISMATCH);
	CHECK_EQ(out.len, 0);
	buf_free(&out);
}

static void
test_keyring_unknown_key_and_damage(void)
{
	struct keyring	*kr = &kx.kr;
	struct buf	 out = { 0 }, env = { 0 };
	unsigned char	 pk[SEAL_PK_BYTES], sk[SEAL_SK_BYTES];
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	struct seal_pub	 other;
	size_t		 i;

	NEED_FIXTURE();
	/* The keyring the previous test loaded: no more Argon2id. */
	if (kr->n != 2) {
		CHECK(!"no two-key keyring (an earlier keyring test failed)");
		return;
	}
	/* Sealed to a key the keyring has never held. */
	CHECK(crypto_box_keypair(pk, sk) == 0);
	sodium_memzero(sk, sizeof(sk));
	CHECK(seal_pub_from_bytes(pk, &other) == 0);
	randombytes_buf(idem, sizeof(idem));
	CHECK(seal_envelope(&other, idem, FORM, "a\0b\0", 4, &env) == 0);
	CHECK_EQ(keyring_open(kr, (unsigned char *)env.data, env.len, idem,
	    FORM, &out), OPEN_UNKNOWN_KEY);
	/* A known envelope whose key id was changed: unknown too. */
	buf_reset(&env);
	CHECK(buf_append(&env, kx.env1.data, kx.env1.len) == 0);
	env.data[ENVELOPE_HEADER - 1] ^= 0x01;
	CHECK_EQ(keyring_open(kr, (unsigned char *)env.data, env.len,
	    kx.idem1, FORM, &out), OPEN_UNKNOWN_KEY);
	/* A flipped byte in the sealed box: failed, not garbage. */
	buf_reset(&env);
	CHECK(buf_append(&env, kx.env1.data, kx.env1.len) == 0);
	env.data[env.len / 2] ^= 0x40;
	CHECK_EQ(keyring_open(kr, (unsigned char *)env.data, env.len,
	    kx.idem1, FORM, &out), OPEN_FAILED);
	/* Too short, or an unknown version: malformed. */
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env1.data,
	    ENVELOPE_HEADER - 1, kx.idem1, FORM, &out), OPEN_MALFORMED);
	CHECK_EQ(keyring_open(kr, (unsigned char *)kx.env1.data, 0, kx.idem1,
	    FORM, &out), OPEN_MALFORMED);
	buf_reset(&env);
	CHECK(buf_append(&env, kx.env1.data, kx.env1.len) == 0);
	env.data[0] = ENVELOPE_VERSION + 1;
	CHECK_EQ(keyring_open(kr, (unsigned char *)env.data, env.len,
	    kx.idem1, FORM, &out), OPEN_MALFORMED);
	/* Truncated anywhere after the header: never OPEN_OK. */
	for (i = ENVELOPE_HEADER; i < kx.env1.len; i += 37)
		CHECK(keyring_open(kr, (unsigned char *)kx.env1.data, i,
		    kx.idem1, FORM, &out) != OPEN_OK);
	CHECK_EQ(out.len, 0);
	/* An empty keyring knows no key. */
	{
		struct keyring	 empty;

		memset(&empty, 0, sizeof(empty));
		CHECK_EQ(keyring_open(&empty, (unsigned char *)kx.env1.data,
		    kx.env1.len, kx.idem1, FORM, &out), OPEN_UNKNOWN_KEY);
	}
	buf_free(&out);
	buf_free(&env);
}

const struct unit_test keyring_tests[] = {
	TEST(test_keyring_load_right_passphrase),
	TEST(test_keyring_load_wrong_passphrase),
	TEST(test_keyring_rotate_wrong_passphrase_changes_nothing),
	TEST(test_keyring_rotate_second_move_fails_rolls_back),
	TEST(test_keyring_rotate),
	TEST(test_keyring_both_generations_open),
	TEST(test_keyring_unknown_key_and_damage),
};
const size_t keyring_ntests = NTESTS(keyring_tests);
