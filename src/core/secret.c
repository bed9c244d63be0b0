/*
 * secret: OTPs, passwords, the OTP hash, sealed passwords and encrypted
 * outbox bodies, all through libsodium. Temporaries that held a secret are
 * wiped before they go; key material never reaches a log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "secret.h"

_Static_assert(crypto_secretbox_KEYBYTES == SECRET_KEY_LEN, "secretbox key");
_Static_assert(crypto_box_PUBLICKEYBYTES == SECRET_KEY_LEN, "box public key");
_Static_assert(crypto_box_SECRETKEYBYTES == SECRET_KEY_LEN, "box secret key");
_Static_assert(crypto_generichash_KEYBYTES == SECRET_KEY_LEN, "hash key");
_Static_assert(SECRET_HMAC_HEX == 2 * 32 + 1, "hash hex");

#define SECRET_KEYFILE_MAX  1024	/* bytes read from a key file */
/* Nonce, ciphertext and tag up to this size go on the stack, not through
 * malloc: an SMS body (8 segments), a dialog state, a sealed password. */
#define SECRET_STACK_BUF    1536

/*
 * Nonces. libsodium's randombytes_buf is one getrandom(2) per call (about a
 * microsecond here, two per dialog: the state and the outbox body), while
 * a nonce needs only to be unpredictable and never repeat. So nonces come
 * from a page the kernel CSPRNG fills in one call, handed out in order and
 * wiped as they go. A fork must not hand the child the parent's next
 * nonces: the page is mapped MADV_WIPEONFORK (the child finds it zeroed,
 * left 0, and refills), and a pthread_atfork handler empties it too, for a
 * kernel without that flag. OTPs, passwords and keys never come from here:
 * they ask the kernel each time.
 */
struct secret_nonce_pool {
	size_t        left;		/* bytes not yet handed out, at the end */
	unsigned char b[4096 - sizeof(size_t)];
};

static struct secret_nonce_pool *secret_pool;
static int secret_pool_state;	/* 0 not tried, 1 mapped, -1 unavailable */

static void
secret_pool_forked(void)
{
	if (secret_pool != NULL) {
		sodium_memzero(secret_pool->b, sizeof(secret_pool->b));
		secret_pool->left = 0;
	}
}

static int
secret_pool_map(void)
{
	void *p;

	_Static_assert(sizeof(struct secret_nonce_pool) == 4096, "one page");
	p = mmap(NULL, sizeof(struct secret_nonce_pool), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (pthread_atfork(NULL, NULL, secret_pool_forked) != 0) {
		munmap(p, sizeof(struct secret_nonce_pool));
		return -1;
	}
#ifdef MADV_WIPEONFORK
	(void)madvise(p, sizeof(struct secret_nonce_pool), MADV_WIPEONFORK);
#endif
	(void)madvise(p, sizeof(struct secret_nonce_pool), MADV_DONTDUMP);
	secret_pool = p;
	return 0;
}

void
secret_nonce(unsigned char *out, size_t n)
{
	struct secret_nonce_pool *p;

	if (secret_pool_state == 0)
		secret_pool_state = secret_pool_map() == 0 ? 1 : -1;
	p = secret_pool;
	if (secret_pool_state < 0 || n > sizeof(p->b) / 8) {
		randombytes_buf(out, n);
		return;
	}
	if (p->left < n) {
		randombytes_buf(p->b, sizeof(p->b));
		p->left = sizeof(p->b);
	}
	p->left -= n;
	memcpy(out, p->b + p->left, n);
	sodium_memzero(p->b + p->left, n);
}

int
secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static int
secret_errf(char *err, size_t errsz, const char *path, const char *reason)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s: %s", path, reason);
	return -1;
}

/*
 * Standard base64 (RFC 4648 alphabet, '=' padding) by table: sodium's
 * constant-time codec costs several times more per byte, and what passes
 * here is ciphertext, sealed bodies and keys' public forms, on the hot
 * path of every outbox entry. Decoding is strict like sodium's: whole
 * input, no other character, leftover bits zero.
 */
static const char secret_b64_enc_tab[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63, or 0xff for any other byte. */
static const unsigned char secret_b64_dec_tab[256] = {
#define X 0xff
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

/* Encoded length of n bytes, padded, with its NUL. */
#define SECRET_B64_LEN(n)  (((n) + 2) / 3 * 4 + 1)

/* The two characters of every 12-bit value, filled on first use. */
static char secret_b64_pairs[4096][2];
static int secret_b64_pairs_set;

/* Encode n bytes into out (room for SECRET_B64_LEN(n)), NUL-terminated. */
static void
secret_b64_enc(char *out, const unsigned char *in, size_t n)
{
	const char *t = secret_b64_enc_tab;
	uint32_t v;
	size_t i;

	if (!secret_b64_pairs_set) {
		for (i = 0; i < 4096; i++) {
			secret_b64_pairs[i][0] = t[i >> 6];
			secret_b64_pairs[i][1] = t[i & 63];
		}
		secret_b64_pairs_set = 1;
	}
	/* Three bytes, two lookups of a pair each. */
	for (; n >= 3; n -= 3, in += 3, out += 4) {
		v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		memcpy(out, secret_b64_pairs[v >> 12], 2);
		memcpy(out + 2, secret_b64_pairs[v & 0xfff], 2);
	}
	if (n > 0) {
		v = (uint32_t)in[0] << 16 | (n > 1 ? (uint32_t)in[1] << 8 : 0);
		out[0] = t[v >> 18];
		out[1] = t[(v >> 12) & 63];
		out[2] = n > 1 ? t[(v >> 6) & 63] : '=';
		out[3] = '=';
		out += 4;
	}
	*out = '\0';
}

/*
 * Decode len characters of base64: padded (the length a multiple of 4, one
 * or two '=' at the end as needed) or, pad 0, unpadded (no '=' at all).
 * 0 with *binlen set, or -1 (bad character, length or leftover bits, or
 * more than binmax bytes).
 */
static int
secret_b64_dec(const char *in, size_t len, int padded, unsigned char *bin,
    size_t binmax, size_t *binlen)
{
	const unsigned char *s = (const unsigned char *)in;
	const unsigned char *d = secret_b64_dec_tab;
	size_t full, rest, i, o = 0;
	uint32_t v;

	if (padded) {
		if (len % 4 != 0)
			return -1;
		if (len > 0 && s[len - 1] == '=')
			len -= len > 1 && s[len - 2] == '=' ? 2 : 1;
	}
	full = len / 4;
	rest = len % 4;
	if (rest == 1 || full * 3 + (rest ? rest - 1 : 0) > binmax)
		return -1;
	for (i = 0; i < full; i++, s += 4) {
		if ((d[s[0]] | d[s[1]] | d[s[2]] | d[s[3]]) & 0xc0)
			return -1;
		v = (uint32_t)d[s[0]] << 18 | (uint32_t)d[s[1]] << 12 |
		    (uint32_t)d[s[2]] << 6 | d[s[3]];
		bin[o++] = (unsigned char)(v >> 16);
		bin[o++] = (unsigned char)(v >> 8);
		bin[o++] = (unsigned char)v;
	}
	if (rest > 0) {
		if ((d[s[0]] | d[s[1]] | (rest > 2 ? d[s[2]] : 0)) & 0xc0)
			return -1;
		v = (uint32_t)d[s[0]] << 18 | (uint32_t)d[s[1]] << 12 |
		    (rest > 2 ? (uint32_t)d[s[2]] << 6 : 0);
		if ((rest == 2 ? v & 0xffff : v & 0xff) != 0)
			return -1;	/* leftover bits */
		bin[o++] = (unsigned char)(v >> 16);
		if (rest > 2)
			bin[o++] = (unsigned char)(v >> 8);
	}
	*binlen = o;
	return 0;
}

/*
 * Decode standard base64 with or without its '=' padding: the padding is
 * dropped and the rest decoded strictly (leftover bits must be zero).
 */
static int
secret_b64_decode(const char *b64, size_t len, unsigned char *bin,
    size_t binmax, size_t *binlen)
{
	size_t pad = 0;

	while (len > 0 && b64[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad > 0 && (len + pad) % 4 != 0)
		return -1;
	return secret_b64_dec(b64, len, 0, bin, binmax, binlen);
}

/*
 * A key file anyone but its owner (and group, for reading) can change, or
 * a secret key anyone can read, is refused: the key would be someone
 * else's, or no longer a secret. 0, or -1 with the reason.
 */
static int
secret_key_mode_ok(const struct stat *sb, int public, char *reason,
    size_t reasonsz)
{
	unsigned mode = (unsigned)(sb->st_mode & 07777);

	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(reason, reasonsz, "writable by %s (mode %04o), "
		    "refused: chmod go-w", (sb->st_mode & S_IWOTH) ? "anyone" :
		    "its group", mode);
		return -1;
	}
	if (!public && (sb->st_mode & S_IROTH)) {
		snprintf(reason, reasonsz, "readable by anyone (mode %04o), "
		    "refused: a secret key must be 0600 or 0640", mode);
		return -1;
	}
	return 0;
}

static int
secret_load_any(const char *path, int public, unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz)
{
	char buf[SECRET_KEYFILE_MAX + 1], reason[128];
	unsigned char bin[SECRET_KEYFILE_MAX];
	size_t len = 0, start, end, binlen = 0;
	struct stat sb;
	ssize_t n;
	int fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(reason, sizeof(reason), "cannot open: %s",
		    strerror(errno));
		return secret_errf(err, errsz, path, reason);
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(reason, sizeof(reason), "cannot stat: %s",
		    strerror(errno));
		close(fd);
		return secret_errf(err, errsz, path, reason);
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return secret_errf(err, errsz, path, "not a regular file");
	}
	if (secret_key_mode_ok(&sb, public, reason, sizeof(reason)) != 0) {
		close(fd);
		return secret_errf(err, errsz, path, reason);
	}

	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(reason, sizeof(reason), "cannot read: %s",
			    strerror(errno));
			secret_errf(err, errsz, path, reason);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRET_KEYFILE_MAX) {
		secret_errf(err, errsz, path, "too long for a key file");
		goto out;
	}

	for (start = 0; start < len && strchr(" \t\r\n", buf[start]) &&
	    buf[start] != '\0'; start++)
		;
	for (end = len; end > start && strchr(" \t\r\n", buf[end - 1]) &&
	    buf[end - 1] != '\0'; end--)
		;
	if (start == end) {
		secret_errf(err, errsz, path, "empty");
		goto out;
	}
	if (secret_b64_decode(buf + start, end - start, bin, sizeof(bin),
	    &binlen) != 0) {
		secret_errf(err, errsz, path, "not base64");
		goto out;
	}
	if (binlen != SECRET_KEY_LEN) {
		snprintf(reason, sizeof(reason),
		    "wrong length %zu bytes, want %d", binlen, SECRET_KEY_LEN);
		secret_errf(err, errsz, path, reason);
		goto out;
	}
	memcpy(key, bin, SECRET_KEY_LEN);
	rv = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(bin, sizeof(bin));
	close(fd);
	return rv;
}

int
secret_load_key(const char *path, unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz)
{
	return secret_load_any(path, 0, key, err, errsz);
}

int
secret_load_pubkey(const char *path, unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz)
{
	return secret_load_any(path, 1, key, err, errsz);
}

int
secret_write_key(const char *path, const unsigned char key[SECRET_KEY_LEN],
    char *err, size_t errsz)
{
	char b64[SECRET_B64_LEN(SECRET_KEY_LEN) + 1];
	char reason[128];
	size_t len, off = 0;
	ssize_t n = -1;
	int fd;

	secret_b64_enc(b64, key, SECRET_KEY_LEN);
	len = strlen(b64);
	b64[len++] = '\n';

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    S_IRUSR | S_IWUSR)) == -1) {
		snprintf(reason, sizeof(reason), "cannot create: %s",
		    strerror(errno));
		sodium_memzero(b64, sizeof(b64));
		return secret_errf(err, errsz, path, reason);
	}
	while (off < len) {
		n = write(fd, b64 + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	sodium_memzero(b64, sizeof(b64));
	if (close(fd) == -1) {
		snprintf(reason, sizeof(reason), "cannot write: %s",
		    strerror(errno));
		unlink(path);
		return secret_errf(err, errsz, path, reason);
	}
	return 0;
fail:
	snprintf(reason, sizeof(reason), "cannot write: %s",
	    n == 0 ? "short write" : strerror(errno));
	sodium_memzero(b64, sizeof(b64));
	close(fd);
	unlink(path);	/* ours: created just above with O_EXCL */
	return secret_errf(err, errsz, path, reason);
}

int
secret_otp(char *out, size_t outsz, int ndigits)
{
	int i;

	if (ndigits < 4 || ndigits > 10 || outsz < (size_t)ndigits + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	for (i = 0; i < ndigits; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[ndigits] = '\0';
	return 0;
}

int
secret_password(char *out, size_t outsz, int len)
{
	static const char alpha[] = SECRET_PW_ALPHABET;
	int i;

	if (len < 8 || len > 64 || outsz < (size_t)len + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	for (i = 0; i < len; i++)
		out[i] = alpha[randombytes_uniform(sizeof(alpha) - 1)];
	out[len] = '\0';
	return 0;
}

void
secret_otp_hash(const unsigned char key[SECRET_KEY_LEN], const char *person,
    const char *code, char hex[SECRET_HMAC_HEX])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, key, SECRET_KEY_LEN, sizeof(h));
	/* The NUL separates person from code: ("12","3") != ("1","23"). */
	crypto_generichash_update(&st, (const unsigned char *)person,
	    strlen(person) + 1);
	crypto_generichash_update(&st, (const unsigned char *)code,
	    strlen(code));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, SECRET_HMAC_HEX, h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
}

void
secret_derive_key(const unsigned char master[SECRET_KEY_LEN],
    const char *context, unsigned char out[SECRET_KEY_LEN])
{
	crypto_generichash(out, SECRET_KEY_LEN, (const unsigned char *)context,
	    strlen(context), master, SECRET_KEY_LEN);
}

int
secret_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

/* base64 of bin (prefix first, may be "") into out; -1 when it won't fit. */
static int
secret_b64_out(const char *prefix, const unsigned char *bin, size_t binlen,
    char *out, size_t outsz)
{
	size_t plen = strlen(prefix);

	if (outsz < plen + SECRET_B64_LEN(binlen))
		return -1;
	memcpy(out, prefix, plen);
	secret_b64_enc(out + plen, bin, binlen);
	return 0;
}

/*
 * Decode base64 in into a fresh buffer (free it with free()); its length
 * in *binlen; NULL on bad base64.
 */
static unsigned char *
secret_b64_in(const char *in, size_t *binlen)
{
	size_t len = strlen(in);
	unsigned char *bin;

	if ((bin = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	if (secret_b64_dec(in, len, 1, bin, len / 4 * 3 + 3, binlen) != 0) {
		free(bin);
		return NULL;
	}
	return bin;
}

/* Plaintext of plen bytes now in out: a C string without NULs inside. */
static int
secret_plain_ok(char *out, size_t plen)
{
	if (memchr(out, '\0', plen) != NULL) {
		sodium_memzero(out, plen);
		out[0] = '\0';
		return -1;
	}
	out[plen] = '\0';
	return 0;
}

int
secret_seal_b64(const unsigned char pub[SECRET_KEY_LEN], const char *msg,
    char *out, size_t outsz)
{
	size_t mlen = strlen(msg), clen = mlen + crypto_box_SEALBYTES;
	unsigned char stack[SECRET_STACK_BUF], *c = stack;
	int rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (clen > sizeof(stack) && (c = malloc(clen)) == NULL)
		return -1;
	if (crypto_box_seal(c, (const unsigned char *)msg, mlen, pub) == 0)
		rv = secret_b64_out("", c, clen, out, outsz);
	if (c != stack)
		free(c);
	return rv;
}

int
secret_open_b64(const unsigned char pub[SECRET_KEY_LEN],
    const unsigned char sec[SECRET_KEY_LEN], const char *b64, char *out,
    size_t outsz)
{
	unsigned char *c;
	size_t clen, plen;
	int rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if ((c = secret_b64_in(b64, &clen)) == NULL)
		return -1;
	if (clen < crypto_box_SEALBYTES)
		goto out;
	plen = clen - crypto_box_SEALBYTES;
	if (outsz < plen + 1)
		goto out;
	if (crypto_box_seal_open((unsigned char *)out, c, clen, pub, sec) != 0) {
		out[0] = '\0';
		goto out;
	}
	rv = secret_plain_ok(out, plen);
out:
	free(c);
	return rv;
}

int
secret_box_b64(const unsigned char key[SECRET_KEY_LEN], const char *msg,
    char *out, size_t outsz)
{
	size_t mlen = strlen(msg);
	size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    mlen;
	unsigned char *b;
	int rv;

	if (outsz > 0)
		out[0] = '\0';
	if ((b = malloc(blen)) == NULL)
		return -1;
	secret_nonce(b, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(b + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)msg, mlen, b, key);
	rv = secret_b64_out(SECRET_BOX_PREFIX, b, blen, out, outsz);
	free(b);
	return rv;
}

int
secret_unbox_b64(const unsigned char key[SECRET_KEY_LEN], const char *in,
    char *out, size_t outsz)
{
	size_t plen_pfx = sizeof(SECRET_BOX_PREFIX) - 1, blen, plen;
	unsigned char *b;
	int rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (strncmp(in, SECRET_BOX_PREFIX, plen_pfx) != 0)
		return -1;
	if ((b = secret_b64_in(in + plen_pfx, &blen)) == NULL)
		return -1;
	if (blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		goto out;
	plen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (outsz < plen + 1)
		goto out;
	if (crypto_secretbox_open_easy((unsigned char *)out,
	    b + crypto_secretbox_NONCEBYTES, blen - crypto_secretbox_NONCEBYTES,
	    b, key) != 0) {
		out[0] = '\0';
		goto out;
	}
	rv = secret_plain_ok(out, plen);
out:
	free(b);
	return rv;
}

/* --- outbox bodies bound to their entry (issue 9, piece b) ---------- */

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SECRET_KEY_LEN,
    "aead key");

#define SECRET_SEAL2_NPUB  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SECRET_SEAL2_TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SECRET_SEAL2_HEAD  (sizeof(SECRET_SEAL2_PREFIX) - 1 + 8 + 1)
#define SECRET_SEAL2_ADMAX 512	/* label, id, 4 fields of < 100 bytes */

void
secret_key_id(const unsigned char key[SECRET_KEY_LEN],
    char id[SECRET_KEYID_HEX])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), key, SECRET_KEY_LEN, NULL, 0);
	sodium_bin2hex(id, SECRET_KEYID_HEX, h, 4);
}

void
secret_keyed_set(struct secret_keyed *k, const unsigned char key[SECRET_KEY_LEN])
{
	if (k->key != key)
		memmove(k->key, key, SECRET_KEY_LEN);
	secret_key_id(k->key, k->id);
	secret_derive_key(k->key, SECRET_SEAL2_CONTEXT, k->aead);
	k->aead_set = SECRET_KEYED_SET;
}

int
secret_load_key_id(const char *path, struct secret_keyed *k, char *err,
    size_t errsz)
{
	unsigned char key[SECRET_KEY_LEN];

	sodium_memzero(k, sizeof(*k));
	if (secret_load_key(path, key, err, errsz) != 0)
		return -1;
	secret_keyed_set(k, key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

/*
 * The AEAD key of k: its cached subkey, or one derived into tmp when k
 * was filled by hand (tmp is then wiped by the caller).
 */
static const unsigned char *
secret_keyed_aead(const struct secret_keyed *k, unsigned char tmp[SECRET_KEY_LEN])
{
	if (k->aead_set == SECRET_KEYED_SET)
		return k->aead;
	secret_derive_key(k->key, SECRET_SEAL2_CONTEXT, tmp);
	return tmp;
}

static int
secret_ad_str(unsigned char *ad, size_t *len, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > 0xffff || *len + 4 + n > SECRET_SEAL2_ADMAX)
		return -1;
	ad[(*len)++] = (unsigned char)(n >> 24);
	ad[(*len)++] = (unsigned char)(n >> 16);
	ad[(*len)++] = (unsigned char)(n >> 8);
	ad[(*len)++] = (unsigned char)n;
	if (n > 0)
		memcpy(ad + *len, s, n);
	*len += n;
	return 0;
}

/* The additional data of an entry under key id: -1 when it won't fit. */
static int
secret_ad(const char *id, const struct secret_seal_ad *a, unsigned char *ad,
    size_t *len)
{
	*len = 0;
	if (a->to_ton > 255 || a->to_npi > 255 ||
	    secret_ad_str(ad, len, SECRET_SEAL2_LABEL) != 0 ||
	    secret_ad_str(ad, len, id) != 0 ||
	    secret_ad_str(ad, len, a->to) != 0 ||
	    *len + 2 > SECRET_SEAL2_ADMAX)
		return -1;
	ad[(*len)++] = (unsigned char)a->to_ton;
	ad[(*len)++] = (unsigned char)a->to_npi;
	if (secret_ad_str(ad, len, a->kind) != 0 ||
	    secret_ad_str(ad, len, a->op) != 0 ||
	    secret_ad_str(ad, len, a->bind) != 0)
		return -1;
	return 0;
}

/*
 * Seals this process made, remembered until it reads them back. An outbox
 * entry is usually read by the instance that wrote it, milliseconds later,
 * and opening it (base64 and XChaCha20-Poly1305: ~9,500 instructions)
 * gives back what was sealed. A body whose whole sealed text, key and
 * additional data are the ones remembered opens to the remembered text:
 * what the decryption would give, byte for byte; anything else is
 * decrypted. Off unless the process asks (secret_recent_enable: the
 * daemon). A direct-mapped table indexed by the nonce's characters (random:
 * a collision only loses the shortcut); each slot is one allocation
 * (sealed text, additional data, clear text), wiped when read back,
 * replaced, or aged out: secret_recent_tick, every second from the
 * daemon's loop, drops what saw two ticks, so a clear body lives here
 * seconds at most when another instance reads the entry.
 */
#define SECRET_RECENT 512

struct secret_recent {
	unsigned char	*p;	/* sealed | ad | clear (with its NUL) */
	size_t		 slen, alen, clen;
	unsigned	 epoch;
};

static struct secret_recent secret_recent[SECRET_RECENT];
static unsigned secret_recent_epoch;
static int secret_recent_on;
static unsigned long long secret_recent_hits;

static void
secret_recent_drop(struct secret_recent *r)
{
	if (r->p == NULL)
		return;
	secret_wipe(r->p, r->slen + r->alen + r->clen);
	free(r->p);
	memset(r, 0, sizeof(*r));
}

void
secret_recent_enable(int on)
{
	size_t i;

	secret_recent_on = on;
	if (!on)
		for (i = 0; i < SECRET_RECENT; i++)
			secret_recent_drop(&secret_recent[i]);
}

void
secret_recent_tick(void)
{
	size_t i;

	secret_recent_epoch++;
	for (i = 0; i < SECRET_RECENT; i++)
		if (secret_recent[i].p != NULL &&
		    secret_recent_epoch - secret_recent[i].epoch >= 2)
			secret_recent_drop(&secret_recent[i]);
}

unsigned long long
secret_recent_reused(void)
{
	return secret_recent_hits;
}

/* The slot of a sealed text: FNV-1a of the nonce's first 16 characters. */
static struct secret_recent *
secret_recent_slot(const char *sealed, size_t slen)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = SECRET_SEAL2_HEAD; i < SECRET_SEAL2_HEAD + 16 && i < slen; i++)
		h = (h ^ (unsigned char)sealed[i]) * 16777619u;
	return &secret_recent[h % SECRET_RECENT];
}

static void
secret_recent_put(const char *sealed, size_t slen, const unsigned char *ad,
    size_t alen, const char *clear, size_t clen)
{
	struct secret_recent *r = secret_recent_slot(sealed, slen);

	secret_recent_drop(r);
	if ((r->p = malloc(slen + alen + clen + 1)) == NULL)
		return;
	memcpy(r->p, sealed, slen);
	memcpy(r->p + slen, ad, alen);
	memcpy(r->p + slen + alen, clear, clen + 1);
	r->slen = slen;
	r->alen = alen;
	r->clen = clen + 1;
	r->epoch = secret_recent_epoch;
}

/* The remembered clear text of (sealed, ad) into out: 0, or -1 (not
 * remembered, or it would not fit: decrypt). Read back once. */
static int
secret_recent_take(const char *sealed, size_t slen, const unsigned char *ad,
    size_t alen, char *out, size_t outsz)
{
	struct secret_recent *r = secret_recent_slot(sealed, slen);

	if (r->p == NULL || r->slen != slen || r->alen != alen ||
	    r->clen > outsz || memcmp(r->p, sealed, slen) != 0 ||
	    memcmp(r->p + slen, ad, alen) != 0)
		return -1;
	memcpy(out, r->p + slen + alen, r->clen);
	secret_recent_drop(r);
	secret_recent_hits++;
	return 0;
}

int
secret_seal2_b64(const struct secret_keyed *k, const struct secret_seal_ad *a,
    const char *msg, char *out, size_t outsz)
{
	unsigned char ad[SECRET_SEAL2_ADMAX], tmp[SECRET_KEY_LEN];
	unsigned char stack[SECRET_STACK_BUF], *b = stack;
	size_t mlen = strlen(msg), adlen, blen;
	char head[SECRET_SEAL2_HEAD + 1];
	int rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (secret_ad(k->id, a, ad, &adlen) != 0)
		return -1;
	blen = SECRET_SEAL2_NPUB + mlen + SECRET_SEAL2_TAG;
	if (blen > sizeof(stack) && (b = malloc(blen)) == NULL)
		return -1;
	secret_nonce(b, SECRET_SEAL2_NPUB);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + SECRET_SEAL2_NPUB, NULL,
	    (const unsigned char *)msg, mlen, ad, adlen, NULL, b,
	    secret_keyed_aead(k, tmp));
	memcpy(head, SECRET_SEAL2_PREFIX, sizeof(SECRET_SEAL2_PREFIX) - 1);
	memcpy(head + sizeof(SECRET_SEAL2_PREFIX) - 1, k->id, 8);
	head[SECRET_SEAL2_HEAD - 1] = ':';
	head[SECRET_SEAL2_HEAD] = '\0';
	rv = secret_b64_out(head, b, blen, out, outsz);
	if (rv == 0 && secret_recent_on)
		secret_recent_put(out, strlen(out), ad, adlen, msg, mlen);
	if (k->aead_set != SECRET_KEYED_SET)
		sodium_memzero(tmp, sizeof(tmp));
	if (b != stack)
		free(b);	/* nonce and ciphertext: nothing to wipe */
	return rv;
}

enum secret_open2
secret_open2_b64(const struct secret_keyed *keys, int nkeys,
    const struct secret_seal_ad *a, const char *in, char *out, size_t outsz)
{
	size_t pfx = sizeof(SECRET_SEAL2_PREFIX) - 1, adlen, blen, plen, len;
	unsigned char ad[SECRET_SEAL2_ADMAX], tmp[SECRET_KEY_LEN];
	unsigned char stack[SECRET_STACK_BUF], *b = stack;
	const struct secret_keyed *k = NULL;
	enum secret_open2 rc = SECRET_OPEN2_SEAL;
	int i;

	if (outsz > 0)
		out[0] = '\0';
	if (strncmp(in, SECRET_BOX_PREFIX, sizeof(SECRET_BOX_PREFIX) - 1) == 0)
		return SECRET_OPEN2_KEY;	/* sb1: unbound, refused */
	if (strncmp(in, SECRET_SEAL2_PREFIX, pfx) != 0 ||
	    (len = strlen(in)) < SECRET_SEAL2_HEAD || in[pfx + 8] != ':')
		return SECRET_OPEN2_SEAL;
	for (i = 0; i < 8; i++)
		if (strchr("0123456789abcdef", in[pfx + i]) == NULL ||
		    in[pfx + i] == '\0')
			return SECRET_OPEN2_SEAL;
	for (i = 0; i < nkeys && k == NULL; i++)
		if (memcmp(keys[i].id, in + pfx, 8) == 0)
			k = &keys[i];
	if (k == NULL)
		return SECRET_OPEN2_KEY;
	if (secret_ad(k->id, a, ad, &adlen) != 0)
		return SECRET_OPEN2_SEAL;
	if (secret_recent_on &&
	    secret_recent_take(in, len, ad, adlen, out, outsz) == 0)
		return SECRET_OPEN2_OK;
	len -= SECRET_SEAL2_HEAD;
	if (len / 4 * 3 + 3 > sizeof(stack) &&
	    (b = malloc(len / 4 * 3 + 3)) == NULL)
		return SECRET_OPEN2_SEAL;
	if (secret_b64_dec(in + SECRET_SEAL2_HEAD, len, 1, b, len / 4 * 3 + 3,
	    &blen) != 0 || blen < SECRET_SEAL2_NPUB + SECRET_SEAL2_TAG)
		goto out;
	plen = blen - SECRET_SEAL2_NPUB - SECRET_SEAL2_TAG;
	if (outsz < plen + 1)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out,
	    NULL, NULL, b + SECRET_SEAL2_NPUB, blen - SECRET_SEAL2_NPUB, ad,
	    adlen, b, secret_keyed_aead(k, tmp)) != 0) {
		out[0] = '\0';
		goto out;
	}
	if (secret_plain_ok(out, plen) == 0)
		rc = SECRET_OPEN2_OK;
out:
	if (k->aead_set != SECRET_KEYED_SET)
		sodium_memzero(tmp, sizeof(tmp));
	if (b != stack)
		free(b);
	return rc;
}

const char *
secret_open2_str(enum secret_open2 rc)
{
	switch (rc) {
	case SECRET_OPEN2_OK:
		return "ok";
	case SECRET_OPEN2_KEY:
		return "key";
	default:
		return "seal";
	}
}

void
secret_box_keypair(unsigned char pub[SECRET_KEY_LEN],
    unsigned char sec[SECRET_KEY_LEN])
{
	crypto_box_keypair(pub, sec);
}

void
secret_random_key(unsigned char key[SECRET_KEY_LEN])
{
	randombytes_buf(key, SECRET_KEY_LEN);
}

void
secret_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

/* --- dialog state at rest (issue 9, piece d) ------------------------- */

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SECRET_KEY_LEN,
    "state key");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
    SECRET_STATE_NONCE, "state nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == SECRET_STATE_TAG,
    "state tag");

void
secret_state_key(const unsigned char outbox_key[SECRET_KEY_LEN],
    unsigned char out[SECRET_KEY_LEN])
{
	secret_derive_key(outbox_key, SECRET_STATE_CONTEXT, out);
}

void
secret_state_id_key(const unsigned char outbox_key[SECRET_KEY_LEN],
    unsigned char out[SECRET_KEY_LEN])
{
	secret_derive_key(outbox_key, SECRET_STATE_ID_CONTEXT, out);
}

int
secret_state_seal(const unsigned char key[SECRET_KEY_LEN], const char *ad,
    const char *msg, size_t len, char *out, size_t outsz)
{
	size_t pfx = sizeof(SECRET_STATE_PREFIX) - 1;
	size_t blen = SECRET_STATE_NONCE + len + SECRET_STATE_TAG;
	unsigned char stack[SECRET_STACK_BUF], *b = stack;
	unsigned long long clen;

	if (outsz > 0)
		out[0] = '\0';
	if (outsz < pfx + SECRET_B64_LEN(blen))
		return -1;
	if (blen > sizeof(stack) && (b = malloc(blen)) == NULL)
		return -1;
	secret_nonce(b, SECRET_STATE_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + SECRET_STATE_NONCE,
	    &clen, (const unsigned char *)msg, len, (const unsigned char *)ad,
	    strlen(ad), NULL, b, key);
	memcpy(out, SECRET_STATE_PREFIX, pfx);
	secret_b64_enc(out + pfx, b, blen);
	if (b != stack)
		free(b);		/* nonce and ciphertext: nothing to wipe */
	return (int)strlen(out);
}

int
secret_state_open(const unsigned char key[SECRET_KEY_LEN], const char *ad,
    const char *in, size_t inlen, char *out, size_t outsz)
{
	size_t pfx = sizeof(SECRET_STATE_PREFIX) - 1, blen = 0;
	unsigned char stack[SECRET_STACK_BUF], *b = stack;
	unsigned long long plen;
	int rv = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (inlen < pfx || memcmp(in, SECRET_STATE_PREFIX, pfx) != 0)
		return -1;
	in += pfx;
	inlen -= pfx;
	if (inlen / 4 * 3 + 3 > sizeof(stack) &&
	    (b = malloc(inlen / 4 * 3 + 3)) == NULL)
		return -1;
	if (secret_b64_dec(in, inlen, 1, b, inlen / 4 * 3 + 3, &blen) != 0 ||
	    blen < SECRET_STATE_NONCE + SECRET_STATE_TAG ||
	    outsz < blen - SECRET_STATE_NONCE - SECRET_STATE_TAG + 1)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out,
	    &plen, NULL, b + SECRET_STATE_NONCE, blen - SECRET_STATE_NONCE,
	    (const unsigned char *)ad, strlen(ad), b, key) != 0)
		goto out;
	out[plen] = '\0';
	rv = (int)plen;
out:
	if (b != stack)
		free(b);
	return rv;
}

void
secret_state_id_hash(const unsigned char key[SECRET_KEY_LEN],
    const char *idtype, const char *idnum, char hex[SECRET_STATE_ID_HEX])
{
	unsigned char h[crypto_shorthash_siphashx24_BYTES];
	unsigned char m[128];
	size_t tl = strlen(idtype), nl = strlen(idnum);

	_Static_assert(crypto_shorthash_siphashx24_KEYBYTES <= SECRET_KEY_LEN,
	    "siphash key");
	_Static_assert(SECRET_STATE_ID_HEX == 2 * sizeof(h) + 1, "id hex");
	if (tl + 1 + nl > sizeof(m)) {
		/* Longer than any document number: keyed BLAKE2b-128 of the
		 * same bytes, streamed (no copy). */
		crypto_generichash_state st;

		crypto_generichash_init(&st, key, SECRET_KEY_LEN, sizeof(h));
		crypto_generichash_update(&st, (const unsigned char *)idtype,
		    tl + 1);
		crypto_generichash_update(&st, (const unsigned char *)idnum, nl);
		crypto_generichash_final(&st, h, sizeof(h));
		sodium_memzero(&st, sizeof(st));
	} else {
		/* idtype NUL idnum: a type cannot run into its number. */
		memcpy(m, idtype, tl + 1);
		memcpy(m + tl + 1, idnum, nl);
		crypto_shorthash_siphashx24(h, m, tl + 1 + nl, key);
		sodium_memzero(m, tl + 1 + nl);
	}
	sodium_bin2hex(hex, SECRET_STATE_ID_HEX, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}
