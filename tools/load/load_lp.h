/*
 * load_lp: a Redis hash as the payload of DUMP/RESTORE, built by hand:
 * the listpack Redis itself builds for HSET of the same fields in the
 * same order (integer-looking strings stored as integers, as Redis
 * does), inside the RDB envelope RESTORE checks (type, version, CRC-64).
 * Redis then copies one blob per bucket instead of inserting every
 * field. Pure: bytes in, bytes out.
 */
#ifndef TNSGW_LOAD_LP_H
#define TNSGW_LOAD_LP_H

#include <stddef.h>
#include <stdint.h>

#define LOAD_LP_RDB_TYPE_HASH_LISTPACK 16	/* Redis >= 7.0 */
#define LOAD_LP_RDB_VERSION            10	/* Redis 7.0's; later ones read it */
#define LOAD_LP_HDR    6			/* total bytes (u32), elements (u16) */
#define LOAD_LP_STR_MAX 4095			/* longest string an entry here takes */

/* Redis's CRC-64 (Jones, reflected, as in its crc64.c) of n bytes,
 * continuing from crc (0 to start). */
uint64_t load_lp_crc64(uint64_t crc, const void *p, size_t n);

/* The bytes one string of n bytes takes as a listpack entry (encoding,
 * data, back-length), or 0 when n is over LOAD_LP_STR_MAX. */
size_t load_lp_entry_len(const void *s, size_t n);
/* Write that entry at out (load_lp_entry_len bytes); the length. */
size_t load_lp_entry_put(unsigned char *out, const void *s, size_t n);

/* The bytes of the RDB length prefix of n, and writing it at out. */
size_t load_lp_rdblen_len(size_t n);
size_t load_lp_rdblen_put(unsigned char *out, size_t n);

/*
 * The RESTORE payload of a hash of npairs fields whose entries take
 * entries bytes (the sum of load_lp_entry_len over fields and values):
 * its total length, and the offset in it where the entries go.
 */
size_t load_lp_payload_len(size_t entries, size_t *entries_off);
/* Around entries already written at out + entries_off: the envelope,
 * the listpack header and end, the version and the CRC. len is
 * load_lp_payload_len's. */
void load_lp_payload_seal(unsigned char *out, size_t len, size_t entries,
    size_t npairs);

#endif
