/*
 * registry: the Redis layout of the registry, categories, reasons and
 * proximity points as pure code shared by the daemon's store and the
 * tnsgw-load tool: key names, record packing, bucket computation in both
 * layouts, the registry pointer (the import files' CSV is tnsgw-load's
 * own: tools/load/load_csv.h). No I/O.
 *
 * Layout (P = redis.prefix; README.md "Redis layout"):
 *   P"gen:seq"                 INCR: generation numbers (all datasets)
 *   P"reg:gen"                 "<gen>:<nbuckets>:2" current registry
 *                              (layout 2; "<gen>:<nbuckets>" is layout 1)
 *   P"reg:<gen>:<bucket>"      hash <T><NUMBER> -> packed record
 *   P"cat:gen"                 "<gen>" current categories
 *   P"cat:<gen>:list"          list of codes: rank, file order, OTHER last
 *   P"cat:<gen>:<CODE>"        hash label_<lang>, docs_<lang> (a language
 *                              not given: no field, read as fr)
 *   P"rsn:gen"                 "<gen>" current reasons
 *   P"rsn:<gen>"               hash <CODE>:<lang> -> text (fr, ar; tzm
 *                              when given)
 *   P"pts:gen"                 "<gen>" current proximity points
 *   P"pts:<gen>:regions"       list "1".."n", regions in file order
 *   P"pts:<gen>:<n>"           hash region_<lang> (fr; ar, tzm when
 *                              given), count, p1..p<count> =
 *                              "name|address|hours|phone"
 *   P"<ds>:prev"               (ds reg, cat, rsn, pts) the pointer value
 *                              a load replaced, kept for --rollback
 *   P"rl:m:<msisdn>"           hourly request counter
 *   P"rl:f:<TYPE>:<IDHASH>"    daily failure counter; IDHASH is
 *                              secret_state_id_hash() of the number (the
 *                              store passes it as idnum below)
 *   P"sess:<key>"              dialog state, sealed (secret_state_seal)
 *   P"audit"                   stream
 *   P"otp:<person>"            hash h (OTP hash), a (attempts); TTL otp_ttl_s
 *   P"otpf:<person>"           consecutive OTP failures; TTL 1 day
 *   P"pw:<person>"             phone tail of a pending password; TTL
 *   P"outbox"                  stream of outbound SMS, group "tnsgw"
 *   P"outbox:st:<id>"          hash state, bind, message_id, ts; TTL 7 days
 *   P"outbox:mid:<bind>:<mid>" outbox id of a sent message; TTL 2 days
 *   P"provisioning"            stream read by the back office
 * bucket = registry_hash_layout(layout, TYPE, NUMBER) % nbuckets (below).
 */
#ifndef TNSGW_REGISTRY_H
#define TNSGW_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* Bounds of the registry's fields (NUL excluded): the one definition, the
 * dialog's buffers for codes, labels, documents and reasons are these + 1. */
#define REGISTRY_MATRICULE_MAX 20	/* digits */
#define REGISTRY_PHONE_MIN     9
#define REGISTRY_PHONE_MAX     15
#define REGISTRY_CODE_MAX      23	/* reason / category code chars */
#define REGISTRY_LABEL_MAX     127	/* category label bytes (UTF-8) */
#define REGISTRY_DOCS_MAX      2047	/* documents text bytes */
#define REGISTRY_TEXT_MAX      511	/* reason text bytes */
#define REGISTRY_PACKED_MAX    64	/* fits a listpack value (<= 64) */
#define REGISTRY_FIELD_MAX     (PARSE_IDNUM_MAX + 2)
#define REGISTRY_KEY_MAX       128
/* Proximity points: regions and points per region, the bytes of a
 * region's name in one language and of one point's value. */
#define REGISTRY_PTS_REGIONS   16
#define REGISTRY_PTS_POINTS    32
#define REGISTRY_REGION_MAX    127
#define REGISTRY_POINT_MAX     511
/* The category listed last whatever its rank ("Other / not in the
 * list": the general documents). */
#define REGISTRY_CAT_OTHER     "OTHER"

/* Rows per bucket the loader aims at, and the most it accepts in one
 * bucket: Redis keeps a hash as a listpack up to 128 entries
 * (hash-max-listpack-entries), which is what makes a record cheap. */
#define REGISTRY_BUCKET_TARGET 64
#define REGISTRY_BUCKET_LIMIT  120

enum registry_status {
	REGISTRY_ST_NONE = 0,
	REGISTRY_ST_REGISTERED = 1,
	REGISTRY_ST_INELIGIBLE = 2,
};

struct registry_rec {
	enum parse_idtype    idtype;
	char                 idnum[PARSE_IDNUM_MAX + 1];
	struct parse_date    birth;
	struct parse_date    expiry;		/* unset: none on record */
	enum registry_status status;
	char                 matricule[REGISTRY_MATRICULE_MAX + 1];	/* "" ok when INELIGIBLE */
	int                  has_account;
	char                 phone[REGISTRY_PHONE_MAX + 1];		/* "" = none */
	char                 reason[REGISTRY_CODE_MAX + 1];		/* INELIGIBLE only */
};

/*
 * Packed record (the hash value), version 1:
 *   byte 0   flags: bits 0-1 status, 2 has_account, 3 expiry, 4 reason,
 *            5 matricule, 6 phone, 7 reserved (0)
 *   3 bytes  birth: (year-1900) << 9 | month << 5 | day, big-endian
 *   3 bytes  expiry, same, when flag 3
 *   1+n      reason: length, ASCII code, when flag 4 (the lookup script
 *            reads it at offset 4 or 7 to fetch the reason text)
 *   1+n/2    matricule: digit count, BCD (high nibble first, pad 0xF)
 *   1+n/2    phone, same
 * pack returns the length (<= REGISTRY_PACKED_MAX) or -1; unpack fills
 * everything but idtype/idnum and returns 0, or -1 on malformed bytes.
 */
#define REGISTRY_F_HAS_ACCOUNT 0x04
#define REGISTRY_F_EXPIRY      0x08
#define REGISTRY_F_REASON      0x10
#define REGISTRY_F_MATRICULE   0x20
#define REGISTRY_F_PHONE       0x40
int registry_pack(const struct registry_rec *r, unsigned char *out, size_t outsz);
int registry_unpack(const unsigned char *in, size_t len, struct registry_rec *r);

/*
 * Registry layouts: how a record's bucket is found. P"reg:gen" names the
 * layout with the generation, so a reader never looks for a record with
 * a hash the loader did not use:
 *   layout 1  "<gen>:<nbuckets>"    bucket = registry_hash % nbuckets
 *   layout 2  "<gen>:<nbuckets>:2"  bucket = registry_hash2 % nbuckets
 * The field in the bucket is registry_field (the whole number) in both.
 * Layout 2 puts every number with the same type and digits in one bucket,
 * so a number typed with its digits only (a dial pad) finds its bucket.
 */
#define REGISTRY_LAYOUT_1      1
#define REGISTRY_LAYOUT_2      2
#define REGISTRY_LAYOUT        REGISTRY_LAYOUT_2	/* what tnsgw-load writes */

/* parse_hash32("<TYPE>:<NUMBER>"), TYPE "CIN" | "SEJOUR" | "PASSPORT":
 * stable forever (data on disk uses it). */
uint32_t registry_hash(enum parse_idtype t, const char *idnum);
/* parse_hash32("<TYPE>:<DIGITS>"), DIGITS the number's digits in order,
 * letters dropped: "CIN:123456" for AB123456, A123456 and 123456 alike
 * (equal to registry_hash for a number of digits only). Stable forever. */
uint32_t registry_hash2(enum parse_idtype t, const char *idnum);
/* registry_hash for layout 1, registry_hash2 for layout 2. */
uint32_t registry_hash_layout(int layout, enum parse_idtype t,
    const char *idnum);
/* Bucket count the loader starts from for nrows rows (>= 1). */
uint32_t registry_nbuckets(size_t nrows);
/* Hash field: one letter for the type (C, S, P) + the number. 0 or -1. */
int registry_field(enum parse_idtype t, const char *idnum, char *out, size_t outsz);

/* Key names. Each returns 0, or -1 when out is too small. */
int registry_key_seq(char *out, size_t outsz, const char *prefix);
int registry_key_gen(char *out, size_t outsz, const char *prefix, const char *dataset);	/* "reg", "cat", "rsn", "pts" */
int registry_key_bucket(char *out, size_t outsz, const char *prefix, long gen, uint32_t bucket);
int registry_key_cat_list(char *out, size_t outsz, const char *prefix, long gen);
int registry_key_cat(char *out, size_t outsz, const char *prefix, long gen, const char *code);
int registry_key_rsn(char *out, size_t outsz, const char *prefix, long gen);
int registry_key_pts_regions(char *out, size_t outsz, const char *prefix, long gen);
int registry_key_pts_region(char *out, size_t outsz, const char *prefix, long gen, int region);
int registry_key_rl_msisdn(char *out, size_t outsz, const char *prefix, const char *msisdn);
int registry_key_rl_fail(char *out, size_t outsz, const char *prefix, enum parse_idtype t, const char *idnum);
int registry_key_sess(char *out, size_t outsz, const char *prefix, const char *key);
int registry_key_audit(char *out, size_t outsz, const char *prefix);
/* Case B (person = matricule). outbox_st with id "" gives the name's
 * stem, which the receipt script completes with the id. */
int registry_key_otp(char *out, size_t outsz, const char *prefix, const char *person);
int registry_key_otpf(char *out, size_t outsz, const char *prefix, const char *person);
int registry_key_pw(char *out, size_t outsz, const char *prefix, const char *person);
int registry_key_outbox(char *out, size_t outsz, const char *prefix);
int registry_key_outbox_st(char *out, size_t outsz, const char *prefix, const char *id);
int registry_key_outbox_mid(char *out, size_t outsz, const char *prefix,
    const char *bind, const char *message_id);
int registry_key_provisioning(char *out, size_t outsz, const char *prefix);
#define REGISTRY_OUTBOX_GROUP "tnsgw"	/* the outbox's consumer group */
/* P"reg:gen" for generation gen: "<gen>:<nbuckets>" (layout 1) or
 * "<gen>:<nbuckets>:2" (layout 2). 0, or -1 (out too small, nbuckets 0,
 * an unknown layout). */
int registry_fmt_regptr(char *out, size_t outsz, long gen, uint32_t nbuckets,
    int layout);
/* P"reg:gen"'s value -> gen (0..2^31-1), nbuckets (1..2^31-1) and the
 * layout (REGISTRY_LAYOUT_1 for "<gen>:<nbuckets>", REGISTRY_LAYOUT_2 for
 * "<gen>:<nbuckets>:2"). 0, or -1 for anything else (another layout
 * number, blanks, signs): the caller then reads no registry. */
int registry_parse_regptr(const char *s, long *gen, uint32_t *nbuckets,
    int *layout);

#endif
