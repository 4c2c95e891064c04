/*
 * totpseal.c: staff TOTP secrets sealed for the database
 * (docs/THREAT-MODEL.md threat 13).  A secret stored in clear would let
 * anyone with a copy of the database (a dump, a backup, the admin role)
 * mint an administrator's codes; sealed, it is bytes that open only with
 * admin.key, which the admin program and the operator hold and the
 * database never does.  The account's name is the associated data, so a
 * database writer cannot move one account's sealed secret onto another.
 *
 * The key is derived from admin.key (crypto_kdf, context "totpseal"),
 * not admin.key itself, whose other uses (token.c's MAC, the throttle's
 * keyed hashes) must never see the same key under a cipher.  Nothing here
 * reads a file, touches the database or logs a secret.
 */
#include <string.h>

#include <sodium.h>

#include "secret.h"

#define TOTPSEAL_VERSION	1
#define TOTPSEAL_CONTEXT	"totpseal"
#define TOTPSEAL_SUBKEY		1
#define TOTPSEAL_KEYBYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES

_Static_assert(ADMIN_MAC_KEY_BYTES == crypto_kdf_KEYBYTES,
    "admin.key is a crypto_kdf master key");
_Static_assert(sizeof(TOTPSEAL_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
    "a crypto_kdf context is 8 bytes");
_Static_assert(TOTPSEAL_KEYBYTES >= crypto_kdf_BYTES_MIN &&
    TOTPSEAL_KEYBYTES <= crypto_kdf_BYTES_MAX, "the cipher's key is derived");
_Static_assert(TOTPSEAL_HEADER ==
    1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "version and nonce");
_Static_assert(TOTPSEAL_OVERHEAD - TOTPSEAL_HEADER ==
    crypto_aead_xchacha20poly1305_ietf_ABYTES, "the tag");

/* The sealing key, derived from admin.key; the caller wipes k. */
static int
totpseal_key(const unsigned char *admin_key,
    unsigned char k[TOTPSEAL_KEYBYTES])
{
	if (crypto_kdf_derive_from_key(k, TOTPSEAL_KEYBYTES, TOTPSEAL_SUBKEY,
	    TOTPSEAL_CONTEXT, admin_key) != 0) {
		LOG_ERR("crypto_kdf_derive_from_key failed");
		return -1;
	}
	return 0;
}

int
totpseal_seal(const unsigned char *admin_key, const char *account,
    const unsigned char *secret, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	unsigned char		 k[TOTPSEAL_KEYBYTES];
	unsigned long long	 clen;
	int			 rc = -1;

	if (len < TOTP_SECRET_MIN || len > TOTP_SECRET_MAX ||
	    outsz < TOTPSEAL_BYTES(len)) {
		LOG_ERR("a TOTP secret of %zu bytes into %zu", len, outsz);
		return -1;
	}
	if (totpseal_key(admin_key, k) == -1)
		return -1;
	out[0] = TOTPSEAL_VERSION;
	randombytes_buf(out + 1, TOTPSEAL_HEADER - 1);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + TOTPSEAL_HEADER,
	    &clen, secret, len, (const unsigned char *)account,
	    strlen(account), NULL, out + 1, k) != 0) {
		LOG_ERR("crypto_aead_xchacha20poly1305_ietf_encrypt failed");
		goto out;
	}
	*outlen = TOTPSEAL_HEADER + (size_t)clen;
	rc = 0;
out:
	sodium_memzero(k, sizeof(k));
	return rc;
}

int
totpseal_open(const unsigned char *admin_key, const char *account,
    const unsigned char *sealed, size_t sealedlen, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	unsigned char		 k[TOTPSEAL_KEYBYTES];
	unsigned long long	 mlen;
	int			 rc = -1;

	if (sealedlen < TOTPSEAL_BYTES(TOTP_SECRET_MIN) ||
	    sealedlen > TOTPSEAL_MAX || sealed[0] != TOTPSEAL_VERSION ||
	    outsz < sealedlen - TOTPSEAL_OVERHEAD)
		return -1;
	if (totpseal_key(admin_key, k) == -1)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
	    sealed + TOTPSEAL_HEADER, sealedlen - TOTPSEAL_HEADER,
	    (const unsigned char *)account, strlen(account), sealed + 1,
	    k) != 0) {
		sodium_memzero(out, outsz);
		goto out;
	}
	*outlen = (size_t)mlen;
	rc = 0;
out:
	sodium_memzero(k, sizeof(k));
	return rc;
}
