/*
 * secret: the credentials path's cryptography, all libsodium — OTPs and
 * initial passwords from the kernel CSPRNG without modulo bias, the keyed
 * hash under which an OTP is kept in Redis, sealing a password to the back
 * office's public key (crypto_box_seal), and encrypting outbox bodies at
 * rest (crypto_secretbox). Key files hold the raw key in base64 on one line.
 * No I/O except secret_load_key / secret_write_key.
 */
#ifndef TNSGW_SECRET_H
#define TNSGW_SECRET_H

#include <stddef.h>

#define SECRET_KEY_LEN      32	/* secretbox key, box public/secret keys */
#define SECRET_HMAC_HEX     65	/* 64 hex chars + NUL */
#define SECRET_BOX_PREFIX   "sb1:"	/* marks an encrypted outbox body */
#define SECRET_PW_ALPHABET  "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

/* sodium_init(); 0 or -1. Call once before anything else. */
int secret_init(void);

/*
 * n bytes of nonce: kernel CSPRNG output, fetched a page at a time (a
 * request over 511 bytes goes to the kernel directly) and never handed out
 * twice, in this process or a forked child. One thread (the loop's). Not
 * for keys, OTPs or passwords.
 */
void secret_nonce(unsigned char *out, size_t n);

/*
 * Read a secret key file: base64 (standard, with or without padding) of
 * exactly SECRET_KEY_LEN bytes, surrounding whitespace ignored. 0, or -1
 * with "PATH: reason" in err. Refused when the file is group- or
 * world-writable, or world-readable (0600 or 0640 pass).
 */
int secret_load_key(const char *path, unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz);
/* The same for a public key file: refused only when group- or
 * world-writable (anyone may read a public key). */
int secret_load_pubkey(const char *path, unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz);
/* Write a key file (mode 0600, refuses to overwrite). 0 or -1 with err. */
int secret_write_key(const char *path, const unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz);

/* ndigits (4..10) decimal digits, each from randombytes_uniform(10). out
 * needs ndigits + 1 bytes. 0 or -1. */
int secret_otp(char *out, size_t outsz, int ndigits);
/* len (8..64) characters from SECRET_PW_ALPHABET (no 0/O, 1/l/I look-alikes),
 * randombytes_uniform. 0 or -1. */
int secret_password(char *out, size_t outsz, int len);

/*
 * Keyed hash (crypto_generichash, 32 bytes, hex) of person + '\0' + code
 * under key: what Redis keeps instead of the OTP. Comparing two such hex
 * strings leaks nothing usable about the code.
 */
void secret_otp_hash(const unsigned char key[SECRET_KEY_LEN],
    const char *person, const char *code, char hex[SECRET_HMAC_HEX]);

/* A subkey for one use of a master key: keyed BLAKE2b of context under
 * master, so two uses (e.g. secretbox and the OTP hash) never share a key. */
void secret_derive_key(const unsigned char master[SECRET_KEY_LEN],
    const char *context, unsigned char out[SECRET_KEY_LEN]);

/* Constant-time equality of two equal-length buffers (sodium_memcmp): 1/0. */
int secret_equal(const void *a, const void *b, size_t len);

/* crypto_box_seal(msg) to pub, base64 (no NUL inside). 0 or -1 (out too small). */
int secret_seal_b64(const unsigned char pub[SECRET_KEY_LEN], const char *msg,
    char *out, size_t outsz);
/* The back office's side: open a sealed base64 string. 0 or -1. */
int secret_open_b64(const unsigned char pub[SECRET_KEY_LEN],
    const unsigned char sec[SECRET_KEY_LEN], const char *b64, char *out,
    size_t outsz);

/* SECRET_BOX_PREFIX + base64(nonce | crypto_secretbox(msg)). 0 or -1. */
int secret_box_b64(const unsigned char key[SECRET_KEY_LEN], const char *msg,
    char *out, size_t outsz);
/* Inverse; -1 when the prefix, base64 or MAC is wrong. */
int secret_unbox_b64(const unsigned char key[SECRET_KEY_LEN], const char *in,
    char *out, size_t outsz);

/* --- outbox bodies bound to their entry (issue 9, piece b) -------------
 * A secret SMS body is kept in the outbox stream as
 *   SECRET_SEAL2_PREFIX <key id: 8 hex> ':' base64(nonce 24 | cipher | tag 16)
 * with XChaCha20-Poly1305-IETF under a subkey of the outbox key file's key
 * (secret_derive_key, SECRET_SEAL2_CONTEXT). The additional data is the
 * label SECRET_SEAL2_LABEL, the key id, then the entry's to, to_ton,
 * to_npi, kind, op and bind, each string length-prefixed (4 bytes, big
 * endian) and each octet as one byte: a body copied into an entry with
 * any of those changed does not open. The key id (first 4 bytes of the
 * unkeyed BLAKE2b-256 of the file's key, hex) names the key that sealed
 * it, so an old key can still open what waits while a new one seals.
 */
#define SECRET_SEAL2_PREFIX   "sb2:"
#define SECRET_SEAL2_LABEL    "tnsgw outbox v2"
#define SECRET_SEAL2_CONTEXT  "tnsgw outbox aead key v2"
#define SECRET_KEYID_HEX      9		/* 8 hex chars + NUL */

/*
 * A key file's key, its id and its AEAD subkey (secret_derive_key of
 * SECRET_SEAL2_CONTEXT): what secret_load_key_id and secret_keyed_set
 * give. The subkey is derived once there, not at every seal and open;
 * aead_set is SECRET_KEYED_SET when it is (a struct filled by hand, key
 * and id only, zeroed or not, still seals and opens: the subkey is then
 * derived per call). Wipe the whole struct (secret_wipe) when the key
 * goes.
 */
#define SECRET_KEYED_SET    0x5ea1ed2au
struct secret_keyed {
	unsigned char	key[SECRET_KEY_LEN];
	char		id[SECRET_KEYID_HEX];
	unsigned	aead_set;
	unsigned char	aead[SECRET_KEY_LEN];
};

/* The key id of a key (see above). */
void secret_key_id(const unsigned char key[SECRET_KEY_LEN],
    char id[SECRET_KEYID_HEX]);
/* k from key: the key, its id and its AEAD subkey. */
void secret_keyed_set(struct secret_keyed *k,
    const unsigned char key[SECRET_KEY_LEN]);
/* secret_load_key, then its id: the current (or old) outbox key. 0, or
 * -1 with "PATH: reason" in err (k wiped). */
int secret_load_key_id(const char *path, struct secret_keyed *k, char *err,
    size_t errsz);

/* The entry's fields a sealed body is bound to (NULL strings read ""). */
struct secret_seal_ad {
	const char	*to, *kind, *op, *bind;
	unsigned	 to_ton, to_npi;
};

/* Seal msg for the entry ad under k: SECRET_SEAL2_PREFIX..., 0, or -1
 * (out too small, out of memory). */
int secret_seal2_b64(const struct secret_keyed *k,
    const struct secret_seal_ad *ad, const char *msg, char *out,
    size_t outsz);

enum secret_open2 {
	SECRET_OPEN2_OK = 0,
	SECRET_OPEN2_SEAL = -1,	/* malformed, truncated, tampered, other entry */
	SECRET_OPEN2_KEY = -2,	/* no key with that id, or an sb1 body */
};
/*
 * Open in (SECRET_SEAL2_PREFIX... or SECRET_BOX_PREFIX...) for the entry
 * ad with whichever of keys[0..nkeys) has its id: the plaintext (a C
 * string) in out. SECRET_BOX_PREFIX bodies (no key id, no binding) are
 * SECRET_OPEN2_KEY: never opened. out is "" unless OK.
 */
enum secret_open2 secret_open2_b64(const struct secret_keyed *keys, int nkeys,
    const struct secret_seal_ad *ad, const char *in, char *out, size_t outsz);
/* "seal", "key" or "ok". */
const char *secret_open2_str(enum secret_open2 rc);

/*
 * Remember this process's seals (secret_seal2_b64) until it opens them
 * again (secret_open2_b64 of the same text, key and entry: the remembered
 * clear text, without decrypting), at most two secret_recent_tick calls;
 * on 0, everything remembered is wiped. Off by default. One thread.
 */
void secret_recent_enable(int on);
void secret_recent_tick(void);
/* Opens answered from memory since the start. */
unsigned long long secret_recent_reused(void);

/* crypto_box_keypair into pub/sec. */
void secret_box_keypair(unsigned char pub[SECRET_KEY_LEN],
    unsigned char sec[SECRET_KEY_LEN]);
/* randombytes_buf */
void secret_random_key(unsigned char key[SECRET_KEY_LEN]);
/* sodium_memzero */
void secret_wipe(void *p, size_t len);

/* --- dialog state at rest (issue 9, piece d) --------------------------
 * The dialog state kept in Redis between two screens is sealed:
 * SECRET_STATE_PREFIX + base64(nonce | XChaCha20-Poly1305-IETF(state)),
 * the additional data being the session's key name, so a state cannot be
 * moved to another caller's session. Its key is derived from the outbox
 * key (never the raw key), or made at random at start when there is none.
 */
#define SECRET_STATE_PREFIX     "S1:"
#define SECRET_STATE_CONTEXT    "tnsgw dialog-state key v1"
#define SECRET_STATE_ID_CONTEXT "tnsgw document-id key v1"
#define SECRET_STATE_NONCE      24
#define SECRET_STATE_TAG        16
#define SECRET_STATE_ID_HEX     33	/* 32 hex chars + NUL */
/* Room secret_state_seal needs for a state of n bytes (with its NUL). */
#define SECRET_STATE_SEALED_MAX(n) \
	(sizeof(SECRET_STATE_PREFIX) - 1 + \
	((SECRET_STATE_NONCE + SECRET_STATE_TAG + (n) + 2) / 3) * 4 + 1)

/* The dialog-state key from the raw outbox key bytes (keyed BLAKE2b of
 * SECRET_STATE_CONTEXT). */
void secret_state_key(const unsigned char outbox_key[SECRET_KEY_LEN],
    unsigned char out[SECRET_KEY_LEN]);
/* Seal len bytes of msg under key with ad (a C string): the sealed text,
 * NUL-terminated, in out. Its length, or -1 when out is too small. */
int secret_state_seal(const unsigned char key[SECRET_KEY_LEN], const char *ad,
    const char *msg, size_t len, char *out, size_t outsz);
/* Open inlen bytes of in (not NUL-terminated): the plaintext, NUL-ended,
 * in out and its length; -1 when the prefix or base64 is wrong, the text
 * is truncated, tampered with, sealed under another key or for another
 * ad, or out is too small. */
int secret_state_open(const unsigned char key[SECRET_KEY_LEN], const char *ad,
    const char *in, size_t inlen, char *out, size_t outsz);

/*
 * What stands for a document number in a Redis key name (the daily
 * failure counter rl:f:<TYPE>:<hash>): SipHash-2-4-128 (libsodium's
 * crypto_shorthash_siphashx24), hex, of idtype + '\0' + idnum under the
 * first 16 bytes of secret_state_id_key(outbox key) (over 127 bytes:
 * keyed BLAKE2b-128 of the same bytes under the whole key). Anything that
 * must find such a key (tnsgw-backoffice unlock) loads the outbox key file,
 * derives the key with secret_state_id_key and hashes the number the same
 * way, with the type spelt as parse_idtype_str() spells it.
 */
void secret_state_id_key(const unsigned char outbox_key[SECRET_KEY_LEN],
    unsigned char out[SECRET_KEY_LEN]);
void secret_state_id_hash(const unsigned char key[SECRET_KEY_LEN],
    const char *idtype, const char *idnum, char hex[SECRET_STATE_ID_HEX]);

#endif
