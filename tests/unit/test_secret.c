/*
 * test_secret: OTP and password draws (alphabet, length, chi-square on the
 * frequencies, which a `% 10` generator fails), the OTP hash against a
 * BLAKE2b golden vector, sealing, secretbox, sb2 outbox bodies bound to
 * their entry (every field, key ids, rotation, framing) and key files in a
 * temp dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "log.h"
#include "secret.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Chi-square bounds at p ~ 1e-7 (Wilson-Hilferty): a fair generator
 * fails about once in ten million runs.
 */
#define CHI2_DF9_BOUND   55.0
#define CHI2_DF56_BOUND  135.0
#define DIGIT_DRAWS      600000	/* % 10 of a byte: chi2 ~ 230 at this size */

static char tmpdir[64];

static double
chi2(const long *count, int k, long total)
{
	double e = (double)total / k, s = 0;
	int i;

	for (i = 0; i < k; i++)
		s += (count[i] - e) * (count[i] - e) / e;
	return s;
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_secret.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_in_tmp(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const char *data, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* --- OTP and password draws ----------------------------------------- */

static void
test_otp_format(void **state)
{
	char buf[16];
	int n, i, j;

	(void)state;
	for (n = 4; n <= 10; n++) {
		for (j = 0; j < 200; j++) {
			memset(buf, 'x', sizeof(buf));
			assert_int_equal(secret_otp(buf, (size_t)n + 1, n), 0);
			assert_int_equal(strlen(buf), (size_t)n);
			for (i = 0; i < n; i++)
				assert_true(buf[i] >= '0' && buf[i] <= '9');
		}
	}
}

static void
test_otp_bad_args(void **state)
{
	static const struct {
		size_t outsz;
		int n;
	} v[] = {
		{ 16, 3 }, { 16, 11 }, { 16, 0 }, { 16, -1 },
		{ 6, 6 }, { 1, 4 }, { 10, 10 },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(secret_otp(buf, v[i].outsz, v[i].n), -1);
		assert_int_equal(buf[0], '\0');
	}
	assert_int_equal(secret_otp(buf, 0, 6), -1);
}

/* A generator with modulo bias, to show the test below can tell. */
static int
biased_digit(void)
{
	unsigned char b;

	randombytes_buf(&b, 1);
	return b % 10;
}

static void
test_otp_distribution(void **state)
{
	long fair[10] = { 0 }, biased[10] = { 0 }, pos[6][10] = { { 0 } };
	char buf[8];
	long i, total = 0;
	int j;

	(void)state;
	while (total < DIGIT_DRAWS) {
		assert_int_equal(secret_otp(buf, sizeof(buf), 6), 0);
		for (j = 0; j < 6; j++) {
			fair[buf[j] - '0']++;
			pos[j][buf[j] - '0']++;
		}
		total += 6;
	}
	for (i = 0; i < total; i++)
		biased[biased_digit()]++;

	assert_true(chi2(fair, 10, total) < CHI2_DF9_BOUND);
	assert_true(chi2(biased, 10, total) > CHI2_DF9_BOUND);
	/* No position is skewed (a leading zero as likely as any digit). */
	for (j = 0; j < 6; j++)
		assert_true(chi2(pos[j], 10, total / 6) < CHI2_DF9_BOUND);
}

static void
test_password(void **state)
{
	static const char alpha[] = SECRET_PW_ALPHABET;
	static const char lookalike[] = "0O1lI";
	long count[sizeof(alpha) - 1] = { 0 }, total = 0;
	char buf[80];
	const char *p;
	int n, i, j;

	(void)state;
	assert_int_equal(sizeof(alpha) - 1, 57);
	for (i = 0; lookalike[i] != '\0'; i++)
		assert_null(strchr(alpha, lookalike[i]));
	for (n = 8; n <= 64; n++) {
		assert_int_equal(secret_password(buf, (size_t)n + 1, n), 0);
		assert_int_equal(strlen(buf), (size_t)n);
	}
	for (j = 0; j < 4000; j++) {
		assert_int_equal(secret_password(buf, sizeof(buf), 10), 0);
		assert_int_equal(strlen(buf), 10);
		for (i = 0; i < 10; i++) {
			p = strchr(alpha, buf[i]);
			assert_non_null(p);
			count[p - alpha]++;
			total++;
		}
	}
	for (i = 0; i < (int)N(count); i++)
		assert_true(count[i] > 0);
	assert_true(chi2(count, (int)N(count), total) < CHI2_DF56_BOUND);

	assert_int_equal(secret_password(buf, sizeof(buf), 7), -1);
	assert_int_equal(secret_password(buf, sizeof(buf), 65), -1);
	assert_int_equal(secret_password(buf, 10, 10), -1);
	assert_int_equal(buf[0], '\0');
}

/* --- OTP hash and comparison ---------------------------------------- */

static void
test_otp_hash(void **state)
{
	unsigned char key[SECRET_KEY_LEN], key2[SECRET_KEY_LEN];
	char h[SECRET_HMAC_HEX], h2[SECRET_HMAC_HEX];
	int i;

	(void)state;
	for (i = 0; i < SECRET_KEY_LEN; i++)
		key[i] = (unsigned char)i;
	/* BLAKE2b-256 keyed, computed apart with Python's hashlib. */
	secret_otp_hash(key, "1234567", "123456", h);
	assert_string_equal(h,
	    "ffaaf8b2f771691dfe0b4db15141d676e97afe248ff70a728f0b3d5fec5cfda8");
	secret_otp_hash(key, "", "", h);
	assert_string_equal(h,
	    "41ff93a4eaeebd3b78a93438a6f62a92ab5959c859e682b72c7def406197ca4d");

	secret_otp_hash(key, "1234567", "123456", h);
	secret_otp_hash(key, "1234567", "123456", h2);
	assert_string_equal(h, h2);
	assert_true(secret_equal(h, h2, SECRET_HMAC_HEX - 1));

	secret_otp_hash(key, "1234567", "123457", h2);
	assert_string_not_equal(h, h2);
	assert_false(secret_equal(h, h2, SECRET_HMAC_HEX - 1));
	secret_otp_hash(key, "1234568", "123456", h2);
	assert_string_not_equal(h, h2);
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	secret_otp_hash(key2, "1234567", "123456", h2);
	assert_string_not_equal(h, h2);
	/* The separator keeps (person, code) pairs apart. */
	secret_otp_hash(key, "12", "3", h);
	secret_otp_hash(key, "1", "23", h2);
	assert_string_not_equal(h, h2);
}

/* --- sealed passwords ----------------------------------------------- */

static void
test_seal_open(void **state)
{
	unsigned char pub[SECRET_KEY_LEN], sec[SECRET_KEY_LEN];
	unsigned char pub2[SECRET_KEY_LEN], sec2[SECRET_KEY_LEN];
	static const char *msgs[] = { "Ab3kPq9xYz", "", "x",
	    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789ABCDEFG" };
	char sealed[256], sealed2[256], out[128];
	size_t i;

	(void)state;
	secret_box_keypair(pub, sec);
	secret_box_keypair(pub2, sec2);
	for (i = 0; i < N(msgs); i++) {
		assert_int_equal(secret_seal_b64(pub, msgs[i], sealed,
		    sizeof(sealed)), 0);
		assert_null(strstr(sealed, "\n"));
		assert_int_equal(strlen(sealed), sodium_base64_ENCODED_LEN(
		    strlen(msgs[i]) + crypto_box_SEALBYTES,
		    sodium_base64_VARIANT_ORIGINAL) - 1);
		assert_int_equal(secret_open_b64(pub, sec, sealed, out,
		    sizeof(out)), 0);
		assert_string_equal(out, msgs[i]);
		/* Only the right key pair opens it. */
		assert_int_equal(secret_open_b64(pub2, sec2, sealed, out,
		    sizeof(out)), -1);
		assert_string_equal(out, "");
	}
	/* An ephemeral key each time: sealing twice gives two strings. */
	assert_int_equal(secret_seal_b64(pub, "same", sealed, sizeof(sealed)), 0);
	assert_int_equal(secret_seal_b64(pub, "same", sealed2, sizeof(sealed2)), 0);
	assert_string_not_equal(sealed, sealed2);

	/* Tampered, truncated, not base64, output too small. */
	memcpy(sealed2, sealed, sizeof(sealed));
	sealed2[10] = sealed2[10] == 'A' ? 'B' : 'A';
	assert_int_equal(secret_open_b64(pub, sec, sealed2, out, sizeof(out)), -1);
	sealed2[0] = '\0';
	assert_int_equal(secret_open_b64(pub, sec, sealed2, out, sizeof(out)), -1);
	assert_int_equal(secret_open_b64(pub, sec, "AAAA", out, sizeof(out)), -1);
	assert_int_equal(secret_open_b64(pub, sec, "not base64!", out,
	    sizeof(out)), -1);
	assert_int_equal(secret_open_b64(pub, sec, sealed, out, 4), -1);
	assert_int_equal(secret_open_b64(pub, sec, sealed, out, 5), 0);
	assert_string_equal(out, "same");
	assert_int_equal(secret_seal_b64(pub, "same", sealed, 20), -1);
}

/* --- outbox bodies -------------------------------------------------- */

static void
test_box_unbox(void **state)
{
	unsigned char key[SECRET_KEY_LEN], key2[SECRET_KEY_LEN];
	static const char *msgs[] = {
		"Votre code CNSS: 123456",
		"",
		"\xd8\xb1\xd9\x85\xd8\xb2 123456\nline two",
	};
	char boxed[512], boxed2[512], out[256], big[1200];
	char *bigout;
	size_t i, plen = strlen(SECRET_BOX_PREFIX);

	(void)state;
	secret_random_key(key);
	secret_random_key(key2);
	for (i = 0; i < N(msgs); i++) {
		assert_int_equal(secret_box_b64(key, msgs[i], boxed,
		    sizeof(boxed)), 0);
		assert_memory_equal(boxed, SECRET_BOX_PREFIX, plen);
		assert_null(strstr(boxed, "123456"));
		assert_int_equal(strlen(boxed), plen + sodium_base64_ENCODED_LEN(
		    crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
		    strlen(msgs[i]), sodium_base64_VARIANT_ORIGINAL) - 1);
		assert_int_equal(secret_unbox_b64(key, boxed, out,
		    sizeof(out)), 0);
		assert_string_equal(out, msgs[i]);
		assert_int_equal(secret_unbox_b64(key2, boxed, out,
		    sizeof(out)), -1);
		assert_string_equal(out, "");
	}
	/* Random nonce: the same body boxes differently. */
	assert_int_equal(secret_box_b64(key, msgs[0], boxed, sizeof(boxed)), 0);
	assert_int_equal(secret_box_b64(key, msgs[0], boxed2, sizeof(boxed2)), 0);
	assert_string_not_equal(boxed, boxed2);

	/* Every byte position tampered is caught (nonce, MAC, ciphertext). */
	for (i = plen; i < strlen(boxed) - 2; i++) {
		memcpy(boxed2, boxed, sizeof(boxed));
		boxed2[i] = boxed2[i] == 'A' ? 'B' : 'A';
		assert_int_equal(secret_unbox_b64(key, boxed2, out,
		    sizeof(out)), -1);
	}
	/* Prefix and framing. */
	assert_int_equal(secret_unbox_b64(key, boxed + plen, out, sizeof(out)), -1);
	memcpy(boxed2, boxed, sizeof(boxed));
	boxed2[2] = '2';
	assert_int_equal(secret_unbox_b64(key, boxed2, out, sizeof(out)), -1);
	assert_int_equal(secret_unbox_b64(key, "sb1:", out, sizeof(out)), -1);
	assert_int_equal(secret_unbox_b64(key, "sb1:AAAA", out, sizeof(out)), -1);
	assert_int_equal(secret_unbox_b64(key, "Votre code", out, sizeof(out)), -1);
	memcpy(boxed2, boxed, sizeof(boxed));
	boxed2[strlen(boxed2) - 4] = '\0';
	assert_int_equal(secret_unbox_b64(key, boxed2, out, sizeof(out)), -1);
	/* Output sizes. */
	assert_int_equal(secret_unbox_b64(key, boxed, out, strlen(msgs[0])), -1);
	assert_int_equal(secret_unbox_b64(key, boxed, out,
	    strlen(msgs[0]) + 1), 0);
	assert_int_equal(secret_box_b64(key, msgs[0], boxed, 30), -1);

	/* A long body (concatenated SMS). */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bigout = malloc(2 * sizeof(big));
	assert_non_null(bigout);
	assert_int_equal(secret_box_b64(key, big, bigout, 2 * sizeof(big)), 0);
	assert_int_equal(secret_unbox_b64(key, bigout, big, sizeof(big)), 0);
	assert_int_equal(strlen(big), sizeof(big) - 1);
	free(bigout);
}

/*
 * The table-driven base64 agrees with libsodium's (ORIGINAL, padded) both
 * ways for every body length 0..199: what we box, sodium decodes and
 * re-encodes to the same text; what sodium encodes, we open. Strictness:
 * bad characters, missing or extra padding and leftover bits refused.
 */
static void
test_box_b64_vs_sodium(void **state)
{
	unsigned char key[SECRET_KEY_LEN];
	unsigned char bin[512], bin2[512];
	char msg[256], boxed[800], again[800], out[256];
	size_t i, n, blen, plen = strlen(SECRET_BOX_PREFIX);
	size_t hdr = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;

	(void)state;
	secret_random_key(key);
	for (n = 0; n < 200; n++) {
		for (i = 0; i < n; i++)
			msg[i] = (char)('!' + (i * 7 + n) % 90);
		msg[n] = '\0';
		assert_int_equal(secret_box_b64(key, msg, boxed,
		    sizeof(boxed)), 0);
		assert_int_equal(sodium_base642bin(bin, sizeof(bin),
		    boxed + plen, strlen(boxed + plen), NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL), 0);
		assert_int_equal(blen, hdr + n);
		sodium_bin2base64(again, sizeof(again), bin, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(again, boxed + plen);
		/* sodium's box text, ours to open */
		randombytes_buf(bin2, crypto_secretbox_NONCEBYTES);
		crypto_secretbox_easy(bin2 + crypto_secretbox_NONCEBYTES,
		    (const unsigned char *)msg, n, bin2, key);
		memcpy(again, SECRET_BOX_PREFIX, plen);
		sodium_bin2base64(again + plen, sizeof(again) - plen, bin2,
		    hdr + n, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(secret_unbox_b64(key, again, out,
		    sizeof(out)), 0);
		assert_string_equal(out, msg);
		/* unpadded, or a stray character: refused */
		blen = strlen(again);
		if (again[blen - 1] == '=') {
			again[blen - 1] = '\0';
			assert_int_equal(secret_unbox_b64(key, again, out,
			    sizeof(out)), -1);
			again[blen - 1] = '=';
		}
		again[plen + 5] = '.';
		assert_int_equal(secret_unbox_b64(key, again, out,
		    sizeof(out)), -1);
		again[plen + 5] = '=';
		assert_int_equal(secret_unbox_b64(key, again, out,
		    sizeof(out)), -1);
	}
	/* Leftover bits: the last character before '=' not a clean end. */
	assert_int_equal(secret_box_b64(key, "x", boxed, sizeof(boxed)), 0);
	n = strlen(boxed);
	if (boxed[n - 1] == '=') {
		/* 'B' adds a bit below the last full byte in either form */
		boxed[n - (boxed[n - 2] == '=' ? 3 : 2)] = 'B';
		assert_int_equal(secret_unbox_b64(key, boxed, out,
		    sizeof(out)), -1);
	}
}

/* --- key files ------------------------------------------------------ */

static void
test_key_file_roundtrip(void **state)
{
	unsigned char key[SECRET_KEY_LEN], back[SECRET_KEY_LEN];
	char path[128], err[256];
	struct stat sb;

	(void)state;
	path_in_tmp(path, sizeof(path), "k1");
	secret_random_key(key);
	assert_int_equal(secret_write_key(path, key, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, 45);	/* 44 base64 + newline */
	memset(back, 0, sizeof(back));
	assert_int_equal(secret_load_key(path, back, err, sizeof(err)), 0);
	assert_memory_equal(key, back, SECRET_KEY_LEN);

	/* Refuses to overwrite, and leaves the file as it was. */
	secret_random_key(back);
	assert_int_equal(secret_write_key(path, back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "exists"));
	assert_int_equal(secret_load_key(path, back, err, sizeof(err)), 0);
	assert_memory_equal(key, back, SECRET_KEY_LEN);

	path_in_tmp(path, sizeof(path), "nodir/k");
	assert_int_equal(secret_write_key(path, key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nodir/k: cannot create"));
}

static void
test_key_file_contents(void **state)
{
	static const unsigned char key32[SECRET_KEY_LEN] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	};
	static const struct {
		const char *data;
		const char *err;	/* NULL: loads key32 */
	} v[] = {
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", NULL },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", NULL },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", NULL },
		{ "  \n\tAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n\n ", NULL },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
		  "wrong length 31 bytes, want 32" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",
		  "wrong length 33 bytes, want 32" },
		{ "AA==\n", "wrong length 1 bytes, want 32" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nxx\n",
		  "not base64" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==\n", "not base64" },
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "not base64" },
		{ "AAECAwQFBgcICQoLDA0ODx-REhMUFRYXGBkaGxwdHh8=\n", "not base64" },
		{ "this is not a key\n", "not base64" },
		{ "", "empty" },
		{ " \n\n", "empty" },
	};
	unsigned char key[SECRET_KEY_LEN];
	char path[128], err[256], want[300];
	size_t i;

	(void)state;
	path_in_tmp(path, sizeof(path), "k2");
	for (i = 0; i < N(v); i++) {
		write_file(path, v[i].data, 0600);
		memset(key, 0xee, sizeof(key));
		err[0] = '\0';
		if (v[i].err == NULL) {
			assert_int_equal(secret_load_key(path, key, err,
			    sizeof(err)), 0);
			assert_memory_equal(key, key32, SECRET_KEY_LEN);
		} else {
			assert_int_equal(secret_load_key(path, key, err,
			    sizeof(err)), -1);
			snprintf(want, sizeof(want), "%s: %s", path, v[i].err);
			assert_string_equal(err, want);
		}
	}
	path_in_tmp(path, sizeof(path), "missing");
	assert_int_equal(secret_load_key(path, key, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
	    path);
	assert_string_equal(err, want);
	assert_int_equal(secret_load_key(tmpdir, key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

/* Run secret_load_key with stderr captured into buf. */
static int
load_capturing(const char *path, unsigned char *key, char *buf, size_t bufsz)
{
	char cap[128], err[256];
	int fd, saved, rv;
	ssize_t n;

	path_in_tmp(cap, sizeof(cap), "stderr");
	fflush(stderr);
	saved = dup(2);
	fd = open(cap, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	rv = secret_load_key(path, key, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, bufsz - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return rv;
}

/*
 * Key file modes: a secret key refused when others can write it or anyone
 * can read it, a public key only when others can write it; the reason
 * names the file and the mode, never the key; nothing logged on success.
 */
static void
test_key_file_mode(void **state)
{
	static const struct {
		mode_t mode;
		const char *sec;	/* NULL: loads */
		const char *pub;
	} v[] = {
		{ 0600, NULL, NULL },
		{ 0400, NULL, NULL },
		{ 0640, NULL, NULL },
		{ 0644, "readable by anyone (mode 0644), refused", NULL },
		{ 0604, "readable by anyone (mode 0604), refused", NULL },
		{ 0660, "writable by its group (mode 0660), refused",
		    "writable by its group (mode 0660), refused" },
		{ 0620, "writable by its group (mode 0620), refused",
		    "writable by its group (mode 0620), refused" },
		{ 0602, "writable by anyone (mode 0602), refused",
		    "writable by anyone (mode 0602), refused" },
		{ 0666, "writable by anyone (mode 0666), refused",
		    "writable by anyone (mode 0666), refused" },
	};
	static const char *b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	unsigned char key[SECRET_KEY_LEN];
	char path[128], out[1024], err[256], want[512];
	size_t i;
	int rv;

	(void)state;
	path_in_tmp(path, sizeof(path), "k3");
	for (i = 0; i < N(v); i++) {
		write_file(path, b64, v[i].mode);
		rv = load_capturing(path, key, out, sizeof(out));
		assert_string_equal(out, "");
		if (v[i].sec == NULL)
			assert_int_equal(rv, 0);
		else
			assert_int_equal(rv, -1);
		err[0] = '\0';
		rv = secret_load_key(path, key, err, sizeof(err));
		if (v[i].sec != NULL) {
			snprintf(want, sizeof(want), "%s: %s", path, v[i].sec);
			assert_int_equal(strncmp(err, want, strlen(want)), 0);
		}
		assert_null(strstr(err, "AAECAwQFBgcI"));
		err[0] = '\0';
		rv = secret_load_pubkey(path, key, err, sizeof(err));
		if (v[i].pub == NULL)
			assert_int_equal(rv, 0);
		else {
			assert_int_equal(rv, -1);
			snprintf(want, sizeof(want), "%s: %s", path, v[i].pub);
			assert_int_equal(strncmp(err, want, strlen(want)), 0);
		}
	}
}

static void
test_derive_key(void **state)
{
	unsigned char m[SECRET_KEY_LEN], m2[SECRET_KEY_LEN];
	unsigned char a[SECRET_KEY_LEN], b[SECRET_KEY_LEN], c[SECRET_KEY_LEN];

	(void)state;
	memset(m, 7, sizeof(m));
	memcpy(m2, m, sizeof(m2));
	m2[0] ^= 1;
	secret_derive_key(m, "otp", a);
	secret_derive_key(m, "otp", b);
	assert_memory_equal(a, b, sizeof(a));		/* deterministic */
	secret_derive_key(m, "box", c);
	assert_memory_not_equal(a, c, sizeof(a));	/* per context */
	secret_derive_key(m2, "otp", c);
	assert_memory_not_equal(a, c, sizeof(a));	/* per master */
	assert_memory_not_equal(a, m, sizeof(a));	/* never the master */
}

/* --- dialog state at rest (issue 9, piece d) ------------------------- */

static const char state_plain[] =
    "D3|CIN|QX482913|2033-04-17|1963-08-27|987650011|212600000777";

static int
state_seal(const unsigned char *key, const char *ad, char *out, size_t outsz)
{
	return secret_state_seal(key, ad, state_plain, strlen(state_plain),
	    out, outsz);
}

static void
test_state_round_trip(void **state)
{
	unsigned char key[SECRET_KEY_LEN];
	char s1[SECRET_STATE_SEALED_MAX(sizeof(state_plain))];
	char s2[sizeof(s1)], out[256];
	int n;

	(void)state;
	memset(key, 3, sizeof(key));
	n = state_seal(key, "ussd:iam:212600000001", s1, sizeof(s1));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(s1));
	assert_int_equal(strncmp(s1, SECRET_STATE_PREFIX, 3), 0);
	/* Nothing of the state shows through the sealed text. */
	assert_null(strstr(s1, "QX482913"));
	assert_null(strstr(s1, "1963"));
	assert_int_equal(secret_state_open(key, "ussd:iam:212600000001", s1,
	    (size_t)n, out, sizeof(out)), (int)strlen(state_plain));
	assert_string_equal(out, state_plain);
	/* A fresh nonce each time: the same state seals differently. */
	assert_true(state_seal(key, "ussd:iam:212600000001", s2,
	    sizeof(s2)) == n);
	assert_string_not_equal(s1, s2);
	/* Exactly the room SECRET_STATE_SEALED_MAX says, not a byte less. */
	assert_int_equal(state_seal(key, "a", s2, (size_t)n), -1);
	assert_int_equal(state_seal(key, "a", s2, (size_t)n + 1), n);
	/* The opened text needs its NUL too. */
	assert_int_equal(secret_state_open(key, "a", s2, (size_t)n, out,
	    strlen(state_plain)), -1);
}

static void
test_state_refused(void **state)
{
	unsigned char key[SECRET_KEY_LEN], other[SECRET_KEY_LEN];
	const char *ad = "sms:iam:212600000001";
	char s[SECRET_STATE_SEALED_MAX(sizeof(state_plain))], t[sizeof(s)];
	char out[256];
	size_t n, i;

	(void)state;
	memset(key, 3, sizeof(key));
	memcpy(other, key, sizeof(other));
	other[31] ^= 0x80;
	n = (size_t)state_seal(key, ad, s, sizeof(s));
	/* Another session's key name (moved state), another key. */
	assert_int_equal(secret_state_open(key, "sms:iam:212600000002", s, n,
	    out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(secret_state_open(key, "", s, n, out, sizeof(out)),
	    -1);
	assert_int_equal(secret_state_open(other, ad, s, n, out, sizeof(out)),
	    -1);
	/* Every character of the base64 flipped in turn: refused. */
	for (i = 3; i < n; i++) {
		memcpy(t, s, n + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		assert_int_equal(secret_state_open(key, ad, t, n, out,
		    sizeof(out)), -1);
	}
	/* Truncated at every length, the prefix alone, empty. */
	for (i = 0; i < n; i++)
		assert_int_equal(secret_state_open(key, ad, s, i, out,
		    sizeof(out)), -1);
	/* The clear state, or a wrong prefix, is not a sealed one. */
	assert_int_equal(secret_state_open(key, ad, state_plain,
	    strlen(state_plain), out, sizeof(out)), -1);
	memcpy(t, s, n + 1);
	t[1] = '2';
	assert_int_equal(secret_state_open(key, ad, t, n, out, sizeof(out)),
	    -1);
	/* Not base64 at all. */
	assert_int_equal(secret_state_open(key, ad, "S1:!!!!", 7, out,
	    sizeof(out)), -1);
	/* Still opens untouched. */
	assert_int_equal(secret_state_open(key, ad, s, n, out, sizeof(out)),
	    (int)strlen(state_plain));
}

static void
test_state_keys(void **state)
{
	unsigned char master[SECRET_KEY_LEN], sk[SECRET_KEY_LEN];
	unsigned char ik[SECRET_KEY_LEN], otp[SECRET_KEY_LEN];
	char h1[SECRET_STATE_ID_HEX], h2[SECRET_STATE_ID_HEX];
	unsigned char ik2[SECRET_KEY_LEN];

	(void)state;
	memset(master, 9, sizeof(master));
	secret_state_key(master, sk);
	secret_state_id_key(master, ik);
	secret_derive_key(master, "tnsgw otp-hash key v1", otp);
	/* Each use its own key, none the raw outbox key. */
	assert_memory_not_equal(sk, master, sizeof(sk));
	assert_memory_not_equal(ik, master, sizeof(ik));
	assert_memory_not_equal(sk, ik, sizeof(sk));
	assert_memory_not_equal(sk, otp, sizeof(sk));
	/* Keyed BLAKE2b of the context: the same as secret_derive_key. */
	secret_derive_key(master, "tnsgw dialog-state key v1", otp);
	assert_memory_equal(sk, otp, sizeof(sk));

	secret_state_id_hash(ik, "CIN", "QX482913", h1);
	assert_int_equal(strlen(h1), SECRET_STATE_ID_HEX - 1);
	assert_int_equal(strspn(h1, "0123456789abcdef"), strlen(h1));
	secret_state_id_hash(ik, "CIN", "QX482913", h2);
	assert_string_equal(h1, h2);			/* equality holds */
	secret_state_id_hash(ik, "PASSPORT", "QX482913", h2);
	assert_string_not_equal(h1, h2);		/* per type */
	secret_state_id_hash(ik, "CINQ", "X482913", h2);
	assert_string_not_equal(h1, h2);		/* type and number apart */
	memcpy(ik2, ik, sizeof(ik2));
	ik2[0] ^= 1;
	secret_state_id_hash(ik2, "CIN", "QX482913", h2);
	assert_string_not_equal(h1, h2);		/* per key */
	/* What it is: SipHash-2-4-128 of "CIN\0QX482913" under the key's
	 * first 16 bytes (libsodium's own, computed here apart). */
	{
		unsigned char sh[crypto_shorthash_siphashx24_BYTES];
		char want[SECRET_STATE_ID_HEX], big[300];

		crypto_shorthash_siphashx24(sh,
		    (const unsigned char *)"CIN\0QX482913", 12, ik);
		sodium_bin2hex(want, sizeof(want), sh, sizeof(sh));
		assert_string_equal(h1, want);
		/* A number too long for SipHash's buffer: keyed BLAKE2b-128. */
		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		secret_state_id_hash(ik, "CIN", big, h2);
		assert_int_equal(strlen(h2), SECRET_STATE_ID_HEX - 1);
		secret_state_id_hash(ik, "CIN", big, want);
		assert_string_equal(h2, want);
		big[200] = 'B';
		secret_state_id_hash(ik, "CIN", big, want);
		assert_string_not_equal(h2, want);
	}
}

/* --- sb2: bodies bound to their outbox entry (issue 9, piece b) ------- */

static const struct secret_seal_ad seal_ad = { "212612340123", "password",
    "iam", "iam1", 1, 1 };

static void
test_key_id(void **state)
{
	struct secret_keyed k;
	char id[SECRET_KEYID_HEX], path[128], err[256];
	unsigned char key[SECRET_KEY_LEN];
	size_t i;

	(void)state;
	/* Golden: first 4 bytes of BLAKE2b-256 of the key (Python hashlib). */
	memset(key, 0, sizeof(key));
	secret_key_id(key, id);
	assert_string_equal(id, "89eb0d6a");
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	secret_key_id(key, id);
	assert_string_equal(id, "cb2f5160");
	/* From a key file: the key and its id. */
	path_in_tmp(path, sizeof(path), "kid");
	assert_int_equal(secret_write_key(path, key, err, sizeof(err)), 0);
	assert_int_equal(secret_load_key_id(path, &k, err, sizeof(err)), 0);
	assert_memory_equal(k.key, key, SECRET_KEY_LEN);
	assert_string_equal(k.id, "cb2f5160");
	/* ... and its AEAD subkey, derived once at the load. */
	assert_int_equal(k.aead_set, SECRET_KEYED_SET);
	secret_derive_key(key, SECRET_SEAL2_CONTEXT, key);
	assert_memory_equal(k.aead, key, SECRET_KEY_LEN);
	path_in_tmp(path, sizeof(path), "no-such-key");
	assert_int_equal(secret_load_key_id(path, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such-key"));
	assert_string_equal(k.id, "");
}

static void
test_seal2_roundtrip(void **state)
{
	struct secret_keyed keys[2];
	char sealed[1024], head[32], out[256], big[1200], *bigout;
	const char *msg = "Votre mot de passe initial Ma CNSS est Ab3kP9xQ2z.";

	(void)state;
	memset(keys, 0, sizeof(keys));
	secret_random_key(keys[0].key);
	secret_key_id(keys[0].key, keys[0].id);
	secret_random_key(keys[1].key);
	secret_keyed_set(&keys[1], keys[1].key);	/* subkey cached */
	assert_string_not_equal(keys[0].id, keys[1].id);

	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	snprintf(head, sizeof(head), "sb2:%s:", keys[0].id);
	assert_memory_equal(sealed, head, strlen(head));
	assert_null(strstr(sealed, "Ab3kP9xQ2z"));
	assert_int_equal(strlen(sealed), strlen(head) +
	    sodium_base64_ENCODED_LEN(24 + 16 + strlen(msg),
	    sodium_base64_VARIANT_ORIGINAL) - 1);
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	/* The key is found by its id, wherever it sits in the list. */
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_int_equal(secret_open2_b64(&keys[1], 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_KEY);
	assert_string_equal(out, "");
	assert_int_equal(secret_open2_b64(keys, 0, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_KEY);
	/* Rotation: sealed under the old key (now keys[1]), opened while
	 * the new one is current. */
	assert_int_equal(secret_seal2_b64(&keys[1], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	/* An empty body, and a long one (concatenated SMS). */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, "", sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, "");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bigout = malloc(2 * sizeof(big));
	assert_non_null(bigout);
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, big, bigout,
	    2 * sizeof(big)), 0);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bigout, big,
	    sizeof(big)), SECRET_OPEN2_OK);
	assert_int_equal(strlen(big), sizeof(big) - 1);
	/* Output too small: refused, never cut. */
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bigout, big,
	    sizeof(big) - 1), SECRET_OPEN2_SEAL);
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    40), -1);
	free(bigout);
	/* Random nonce: the same body seals differently. */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, out,
	    sizeof(out)), 0);
	assert_string_not_equal(sealed, out);
}

/*
 * The AEAD subkey cached by secret_keyed_set seals and opens exactly as
 * the one derived per call for a struct filled by hand (key and id only,
 * zeroed or with garbage where the subkey goes).
 */
static void
test_keyed_cached_subkey(void **state)
{
	struct secret_keyed set, hand, junk;
	unsigned char sub[SECRET_KEY_LEN];
	char sealed[512], out[256];
	const char *msg = "Code 482913";

	(void)state;
	memset(&set, 0xa5, sizeof(set));
	secret_random_key(sub);
	secret_keyed_set(&set, sub);
	memset(&hand, 0, sizeof(hand));
	memcpy(hand.key, sub, SECRET_KEY_LEN);
	secret_key_id(hand.key, hand.id);
	memset(&junk, 0x5a, sizeof(junk));
	memcpy(junk.key, sub, SECRET_KEY_LEN);
	secret_key_id(junk.key, junk.id);
	assert_string_equal(set.id, hand.id);
	assert_int_equal(set.aead_set, SECRET_KEYED_SET);
	secret_derive_key(sub, SECRET_SEAL2_CONTEXT, sub);
	assert_memory_equal(set.aead, sub, SECRET_KEY_LEN);
	assert_memory_not_equal(set.aead, set.key, SECRET_KEY_LEN);
	/* Sealed by one, opened by the others, each way. */
	assert_int_equal(secret_seal2_b64(&set, &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_open2_b64(&hand, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_open2_b64(&junk, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_seal2_b64(&hand, &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_open2_b64(&set, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	/* A cached subkey that is not the key's: nothing opens. */
	set.aead[0] ^= 1;
	assert_int_equal(secret_open2_b64(&set, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	assert_string_equal(out, "");
	secret_wipe(&set, sizeof(set));
}

/* Each field of the entry the body is bound to, changed: SEAL. */
static void
test_seal2_ad_fields(void **state)
{
	struct secret_keyed k;
	struct secret_seal_ad ad;
	char sealed[512], out[256];
	int f;

	(void)state;
	secret_random_key(k.key);
	secret_key_id(k.key, k.id);
	assert_int_equal(secret_seal2_b64(&k, &seal_ad, "Code 482913", sealed,
	    sizeof(sealed)), 0);
	for (f = 0; f < 9; f++) {
		ad = seal_ad;
		switch (f) {
		case 0: ad.to = "212698765432"; break;
		case 1: ad.to_ton = 0; break;
		case 2: ad.to_npi = 0; break;
		case 3: ad.kind = "otp"; break;
		case 4: ad.op = "inwi"; break;
		case 5: ad.bind = "iam2"; break;
		case 6: ad.to = NULL; break;		/* read "" */
		case 7: ad.to = "2126123401231"; break;	/* one digit more */
		case 8: ad.kind = "passwor"; break;
		}
		assert_int_equal(secret_open2_b64(&k, 1, &ad, sealed, out,
		    sizeof(out)), SECRET_OPEN2_SEAL);
		assert_string_equal(out, "");
	}
	/* Length-prefixed fields: moving a byte from one field to the next
	 * is another entry. */
	ad = seal_ad;
	ad.op = "ia";
	ad.bind = "miam1";
	assert_int_equal(secret_open2_b64(&k, 1, &ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	/* NULL fields seal as "" and open as "". */
	ad = seal_ad;
	ad.op = NULL;
	assert_int_equal(secret_seal2_b64(&k, &ad, "x", sealed,
	    sizeof(sealed)), 0);
	ad.op = "";
	assert_int_equal(secret_open2_b64(&k, 1, &ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, "x");
	/* Octets out of range, fields too long for the additional data. */
	ad = seal_ad;
	ad.to_ton = 256;
	assert_int_equal(secret_seal2_b64(&k, &ad, "x", sealed,
	    sizeof(sealed)), -1);
	ad = seal_ad;
	memset(out, '1', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	ad.to = ad.kind = out;
	assert_int_equal(secret_seal2_b64(&k, &ad, "x", sealed,
	    sizeof(sealed)), -1);
}

/* Framing: key id, truncation, tampering, sb1 and plain bodies. */
static void
test_seal2_framing(void **state)
{
	struct secret_keyed keys[2];
	char sealed[512], bad[512], out[256];
	size_t i, hl = 4 + 8 + 1;

	(void)state;
	secret_random_key(keys[0].key);
	secret_key_id(keys[0].key, keys[0].id);
	secret_random_key(keys[1].key);
	secret_key_id(keys[1].key, keys[1].id);
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, "Code 482913",
	    sealed, sizeof(sealed)), 0);

	/* Another key's id in the header: that key is tried, and fails. */
	memcpy(bad, sealed, sizeof(bad));
	memcpy(bad + 4, keys[1].id, 8);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	/* An id no key has. */
	memcpy(bad + 4, "00000000", 8);
	if (strcmp(keys[0].id, "00000000") != 0 &&
	    strcmp(keys[1].id, "00000000") != 0)
		assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
		    sizeof(out)), SECRET_OPEN2_KEY);
	/* Malformed ids: not hex (upper case included), no colon. */
	memcpy(bad, sealed, sizeof(bad));
	bad[5] = 'G';
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	memcpy(bad, sealed, sizeof(bad));
	bad[12] = '.';
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	/* Every byte after the header tampered with. */
	for (i = hl; i < strlen(sealed) - 2; i++) {
		memcpy(bad, sealed, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
		    sizeof(out)), SECRET_OPEN2_SEAL);
	}
	/* Truncated anywhere (keeping base64 whole or not). */
	for (i = 0; i < strlen(sealed); i++) {
		memcpy(bad, sealed, sizeof(bad));
		bad[i] = '\0';
		assert_int_not_equal(secret_open2_b64(keys, 2, &seal_ad, bad,
		    out, sizeof(out)), SECRET_OPEN2_OK);
		assert_string_equal(out, "");
	}
	/* sb1 (secretbox, not bound to its entry): refused as "key", even
	 * with the right key; plain text is no seal. */
	assert_int_equal(secret_box_b64(keys[0].key, "Code 482913", bad,
	    sizeof(bad)), 0);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, bad, out,
	    sizeof(out)), SECRET_OPEN2_KEY);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, "Code 482913",
	    out, sizeof(out)), SECRET_OPEN2_SEAL);
	assert_int_equal(secret_open2_b64(keys, 2, &seal_ad, "sb2:", out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	assert_string_equal(secret_open2_str(SECRET_OPEN2_SEAL), "seal");
	assert_string_equal(secret_open2_str(SECRET_OPEN2_KEY), "key");
	assert_string_equal(secret_open2_str(SECRET_OPEN2_OK), "ok");
}

/*
 * Nonces from the pool: never the same twice across several refills, and
 * a forked child does not hand out what its parent hands out next (the
 * pool is emptied in the child: without that, both take the same bytes).
 */
static void
test_nonce_pool(void **state)
{
	enum { NN = 1000, LEN = 24 };
	static unsigned char seen[NN][LEN];
	unsigned char zero[LEN] = { 0 }, mine[LEN], child[LEN];
	int i, j, fd[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	/* 1000 x 24 bytes: six refills of the 4 KB page. */
	for (i = 0; i < NN; i++) {
		secret_nonce(seen[i], LEN);
		assert_memory_not_equal(seen[i], zero, LEN);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], LEN);
	}
	/* A big request goes to the kernel directly, and works. */
	{
		unsigned char big[600];

		memset(big, 0, sizeof(big));
		secret_nonce(big, sizeof(big));
		assert_memory_not_equal(big, zero, LEN);
	}
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		secret_nonce(child, LEN);
		n = write(fd[1], child, LEN);
		_exit(n == LEN ? 0 : 1);
	}
	secret_nonce(mine, LEN);
	close(fd[1]);
	assert_int_equal(read(fd[0], child, LEN), LEN);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(mine, child, LEN);
	assert_memory_not_equal(child, zero, LEN);
}

/*
 * Seals remembered until read back (the daemon's own outbox entries): the
 * same text, key and entry open from memory, once; any other entry, a
 * tampered text, a missing key or a second read goes through the
 * decryption and gets its answer (refused, or the clear text); two ticks
 * forget; disabling wipes.
 */
static void
test_seal2_recent(void **state)
{
	struct secret_keyed keys[2];
	struct secret_seal_ad other = seal_ad;
	char sealed[1024], again[1024], out[256];
	const char *msg = "Code CNSS : 482913";
	unsigned long long h0;
	size_t n;

	(void)state;
	memset(keys, 0, sizeof(keys));
	secret_random_key(keys[0].key);
	secret_keyed_set(&keys[0], keys[0].key);
	secret_random_key(keys[1].key);
	secret_keyed_set(&keys[1], keys[1].key);
	secret_recent_enable(1);
	h0 = secret_recent_reused();

	/* Read back once from memory, then decrypted. */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_recent_reused(), h0 + 1);
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_recent_reused(), h0 + 1);

	/* Another recipient: refused, and the memory is not used. */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	other.to = "212600000999";
	assert_int_equal(secret_open2_b64(keys, 1, &other, sealed, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	assert_string_equal(out, "");
	/* A key no longer configured: refused even though remembered. */
	assert_int_equal(secret_open2_b64(&keys[1], 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_KEY);
	/* One character of the ciphertext changed: refused. */
	memcpy(again, sealed, strlen(sealed) + 1);
	n = strlen(again) - 10;
	again[n] = again[n] == 'A' ? 'B' : 'A';
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, again, out,
	    sizeof(out)), SECRET_OPEN2_SEAL);
	/* Too small an output: refused as the decryption refuses it. */
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    strlen(msg)), SECRET_OPEN2_SEAL);
	assert_int_equal(secret_recent_reused(), h0 + 1);
	/* Still remembered for its own entry. */
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_recent_reused(), h0 + 2);

	/* Two ticks forget; one does not. */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	secret_recent_tick();
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_int_equal(secret_recent_reused(), h0 + 3);
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	secret_recent_tick();
	secret_recent_tick();
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_string_equal(out, msg);
	assert_int_equal(secret_recent_reused(), h0 + 3);

	/* Disabled: wiped, and nothing more remembered. */
	assert_int_equal(secret_seal2_b64(&keys[0], &seal_ad, msg, sealed,
	    sizeof(sealed)), 0);
	secret_recent_enable(0);
	assert_int_equal(secret_open2_b64(keys, 1, &seal_ad, sealed, out,
	    sizeof(out)), SECRET_OPEN2_OK);
	assert_int_equal(secret_recent_reused(), h0 + 3);
	secret_wipe(keys, sizeof(keys));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_pool),
		cmocka_unit_test(test_derive_key),
		cmocka_unit_test(test_otp_format),
		cmocka_unit_test(test_otp_bad_args),
		cmocka_unit_test(test_otp_distribution),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_otp_hash),
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_box_unbox),
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_seal2_roundtrip),
		cmocka_unit_test(test_seal2_recent),
		cmocka_unit_test(test_keyed_cached_subkey),
		cmocka_unit_test(test_seal2_ad_fields),
		cmocka_unit_test(test_seal2_framing),
		cmocka_unit_test(test_key_file_roundtrip),
		cmocka_unit_test(test_key_file_contents),
		cmocka_unit_test(test_key_file_mode),
		cmocka_unit_test(test_box_b64_vs_sodium),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_refused),
		cmocka_unit_test(test_state_keys),
	};

	log_init(LOG_LVL_INFO);
	if (secret_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
