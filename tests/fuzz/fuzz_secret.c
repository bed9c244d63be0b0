/*
 * fuzz_secret: libFuzzer target for the outbox bodies Redis hands back
 * (issue 9, piece b) — any text read as an sb2/sb1 body with any entry
 * fields never opens (a forgery would be a finding) and never overruns;
 * any text sealed for fields opens for exactly those fields, to itself,
 * and not for the same fields with the recipient changed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX 2048

static struct secret_keyed keys[2];
static int ready;

static void
fz_init(void)
{
	if (ready)
		return;
	if (secret_init() != 0)
		abort();
	/* keys[0] with its AEAD subkey cached (as the daemon loads it),
	 * keys[1] filled by hand (subkey derived per call): both paths. */
	memset(keys[0].key, 0x42, SECRET_KEY_LEN);
	secret_keyed_set(&keys[0], keys[0].key);
	memset(keys[1].key, 0x17, SECRET_KEY_LEN);
	secret_key_id(keys[1].key, keys[1].id);
	ready = 1;
}

/* Next NUL- or newline-ended piece of s (s advances past it). */
static const char *
fz_piece(char **s)
{
	char *p = *s, *e = p + strcspn(p, "\n");

	*s = *e ? e + 1 : e;
	*e = '\0';
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[FZ_MAX + 1], *s, out[FZ_MAX + 64], sealed[4 * FZ_MAX];
	struct secret_seal_ad ad;
	const char *body;
	size_t n;

	fz_init();
	if (size < 2 || size > FZ_MAX)
		return 0;
	/* Octets 0-1: TON, NPI; then "to\nkind\nop\nbind\nbody". */
	memcpy(in, data + 2, size - 2);
	in[size - 2] = '\0';
	s = in;
	ad.to_ton = data[0];
	ad.to_npi = data[1];
	ad.to = fz_piece(&s);
	ad.kind = fz_piece(&s);
	ad.op = fz_piece(&s);
	ad.bind = fz_piece(&s);
	body = s;

	/* Whatever the text, with the real key ids in it or not: no forgery,
	 * no plaintext left behind, no overrun (ASan). */
	if (secret_open2_b64(keys, 2, &ad, body, out, sizeof(out)) ==
	    SECRET_OPEN2_OK || out[0] != '\0')
		abort();
	for (n = 0; n < 3 && n < strlen(body); n++)
		if (secret_open2_b64(keys, 2, &ad, body, out, n) ==
		    SECRET_OPEN2_OK)
			abort();

	/* Round trip for these fields, and only these. */
	if (secret_seal2_b64(&keys[data[0] & 1], &ad, body, sealed,
	    sizeof(sealed)) != 0)
		return 0;	/* fields too long for the additional data */
	if (secret_open2_b64(keys, 2, &ad, sealed, out, sizeof(out)) !=
	    SECRET_OPEN2_OK || strcmp(out, body) != 0)
		abort();
	ad.to_ton ^= 1;
	if (secret_open2_b64(keys, 2, &ad, sealed, out, sizeof(out)) !=
	    SECRET_OPEN2_SEAL)
		abort();
	return 0;
}
