/*
 * test_totpseal.c: staff TOTP secrets sealed for the database
 * (totpseal.c, docs/THREAT-MODEL.md threat 13).  A sealed secret opens
 * with the key and the account it was sealed for, and with nothing else:
 * not for another account (a secret moved between rows), not after any
 * byte changed, not under another admin.key.  Fixed keys keep the tests
 * repeatable; each seal's nonce is still random.
 */
#include <string.h>

#include <sodium.h>

#include "secret.h"
#include "check.h"

#define SECRET_LEN	20	/* what vawgctl add-admin makes */

static void
fixed(unsigned char *p, size_t n, unsigned char first)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(first + i);
}

/* Seals the fixed secret for account under the key of pattern k. */
static int
seal(unsigned char k, const char *account, unsigned char *out,
    size_t *outlen)
{
	unsigned char	 key[ADMIN_MAC_KEY_BYTES], secret[SECRET_LEN];

	fixed(key, sizeof(key), k);
	fixed(secret, sizeof(secret), 0x40);
	return totpseal_seal(key, account, secret, sizeof(secret), out,
	    TOTPSEAL_MAX, outlen);
}

/* Opens sealed under the key of pattern k for account: 0 / -1. */
static int
open_as(unsigned char k, const char *account, const unsigned char *sealed,
    size_t len, unsigned char *out, size_t *outlen)
{
	unsigned char	 key[ADMIN_MAC_KEY_BYTES];

	fixed(key, sizeof(key), k);
	return totpseal_open(key, account, sealed, len, out, TOTP_SECRET_MAX,
	    outlen);
}

static void
test_totpseal_round_trip(void)
{
	unsigned char	 s1[TOTPSEAL_MAX], s2[TOTPSEAL_MAX];
	unsigned char	 want[SECRET_LEN], got[TOTP_SECRET_MAX];
	size_t		 l1 = 0, l2 = 0, n = 0;

	fixed(want, sizeof(want), 0x40);
	NEED(seal(1, "alice", s1, &l1) == 0, "sealing fails");
	CHECK_EQ(l1, TOTPSEAL_BYTES(SECRET_LEN));
	CHECK_EQ(s1[0], 1);		/* the version */
	/* The secret's bytes appear nowhere in what is stored. */
	CHECK(memmem(s1, l1, want, 4) == NULL);
	CHECK(open_as(1, "alice", s1, l1, got, &n) == 0);
	CHECK_EQ(n, SECRET_LEN);
	CHECK(memcmp(got, want, sizeof(want)) == 0);
	/* A fresh nonce each time: two seals of one secret differ. */
	CHECK(seal(1, "alice", s2, &l2) == 0);
	CHECK(l1 == l2 && memcmp(s1, s2, l1) != 0);
}

static void
test_totpseal_wrong_account(void)
{
	unsigned char	 s[TOTPSEAL_MAX], got[TOTP_SECRET_MAX];
	size_t		 l = 0, n = 99;

	NEED(seal(1, "alice", s, &l) == 0, "sealing fails");
	CHECK(open_as(1, "bob", s, l, got, &n) == -1);
	CHECK(open_as(1, "alice2", s, l, got, &n) == -1);
	CHECK(open_as(1, "alic", s, l, got, &n) == -1);
	CHECK(open_as(1, "", s, l, got, &n) == -1);
	CHECK_EQ(n, 99);		/* untouched on failure */
	CHECK(sodium_is_zero(got, sizeof(got)));	/* wiped */
}

static void
test_totpseal_tampered(void)
{
	unsigned char	 s[TOTPSEAL_MAX], got[TOTP_SECRET_MAX];
	size_t		 l = 0, n, i;
	int		 bit, refused = 0, tries = 0;

	NEED(seal(1, "alice", s, &l) == 0, "sealing fails");
	for (i = 0; i < l; i++)
		for (bit = 0; bit < 8; bit++) {
			s[i] ^= (unsigned char)(1u << bit);
			tries++;
			refused += open_as(1, "alice", s, l, got, &n) == -1;
			s[i] ^= (unsigned char)(1u << bit);
		}
	CHECK_EQ(refused, tries);
	/* Cut short or lengthened. */
	CHECK(open_as(1, "alice", s, l - 1, got, &n) == -1);
	CHECK(open_as(1, "alice", s, l + 1, got, &n) == -1);
	CHECK(open_as(1, "alice", s, 0, got, &n) == -1);
	CHECK(open_as(1, "alice", s, l, got, &n) == 0);
}

static void
test_totpseal_wrong_key(void)
{
	unsigned char	 s[TOTPSEAL_MAX], got[TOTP_SECRET_MAX];
	unsigned char	 key[ADMIN_MAC_KEY_BYTES];
	size_t		 l = 0, n;

	NEED(seal(1, "alice", s, &l) == 0, "sealing fails");
	CHECK(open_as(2, "alice", s, l, got, &n) == -1);
	/* One bit of admin.key is enough. */
	fixed(key, sizeof(key), 1);
	key[31] ^= 0x80;
	CHECK(totpseal_open(key, "alice", s, l, got, sizeof(got), &n) == -1);
}

static void
test_totpseal_sizes_refused(void)
{
	unsigned char	 key[ADMIN_MAC_KEY_BYTES], secret[TOTP_SECRET_MAX + 1];
	unsigned char	 s[TOTPSEAL_MAX + 1], got[TOTP_SECRET_MAX];
	size_t		 l = 0, n;

	fixed(key, sizeof(key), 1);
	fixed(secret, sizeof(secret), 0x40);
	CHECK(totpseal_seal(key, "a", secret, TOTP_SECRET_MIN - 1, s,
	    sizeof(s), &l) == -1);
	CHECK(totpseal_seal(key, "a", secret, TOTP_SECRET_MAX + 1, s,
	    sizeof(s), &l) == -1);
	/* Too little room for the result. */
	CHECK(totpseal_seal(key, "a", secret, SECRET_LEN, s,
	    TOTPSEAL_BYTES(SECRET_LEN) - 1, &l) == -1);
	/* The largest secret seals to TOTPSEAL_MAX and opens. */
	CHECK(totpseal_seal(key, "a", secret, TOTP_SECRET_MAX, s, sizeof(s),
	    &l) == 0);
	CHECK_EQ(l, TOTPSEAL_MAX);
	CHECK(totpseal_open(key, "a", s, l, got, sizeof(got), &n) == 0);
	CHECK_EQ(n, TOTP_SECRET_MAX);
	/* Opening needs room for the whole secret. */
	CHECK(totpseal_open(key, "a", s, l, got, sizeof(got) - 1, &n) == -1);
}

const struct unit_test totpseal_tests[] = {
	TEST(test_totpseal_round_trip),
	TEST(test_totpseal_wrong_account),
	TEST(test_totpseal_tampered),
	TEST(test_totpseal_wrong_key),
	TEST(test_totpseal_sizes_refused),
};
const size_t totpseal_ntests = NTESTS(totpseal_tests);
