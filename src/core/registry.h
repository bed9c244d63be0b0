/*
 * registry: the Redis layout of the registry, categories and reasons as
 * pure code shared by the daemon's store and the tnsgw-load tool: key
 * names, record packing, bucket computation (the import files' CSV is
 * tnsgw-load's own: tools/load/load_csv.h). No I/O.
 *
 * Layout (P = redis.prefix; README.md "Redis layout"):
 *   P"gen:seq"                 INCR: generation numbers (all datasets)
 *   P"reg:gen"                 "<gen>:<nbuckets>" current registry
 *   P"reg:<gen>:<bucket>"      hash <T><NUMBER> -> packed record
 *   P"cat:gen"                 "<gen>" current categories
 *   P"cat:<gen>:list"          list of codes, file order
 *   P"cat:<gen>:<CODE>"        hash label_<lang>, docs_<lang>
 *   P"rsn:gen"                 "<gen>" current reasons
 *   P"rsn:<gen>"               hash <CODE>:<lang> -> text
 *   P"rl:m:<msisdn>"           hourly request counter
 *   P"rl:f:<TYPE>:<NUMBER>"    daily failure counter
 *   P"sess:<key>"              dialog state
 *   P"audit"                   stream
 *   P"otp:<person>"            hash h (OTP hash), a (attempts); TTL otp_ttl_s
 *   P"otpf:<person>"           consecutive OTP failures; TTL 1 day
 *   P"pw:<person>"             phone tail of a pending password; TTL
 *   P"outbox"                  stream of outbound SMS, group "tnsgw"
 *   P"outbox:st:<id>"          hash state, bind, message_id, ts; TTL 7 days
 *   P"outbox:mid:<bind>:<mid>" outbox id of a sent message; TTL 2 days
 *   P"provisioning"            stream read by the back office
 * bucket = parse_hash32("<TYPE>:<NUMBER>") % nbuckets, TYPE as in the CSV.
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

/* parse_hash32("<TYPE>:<NUMBER>"), stable forever (data on disk uses it). */
uint32_t registry_hash(enum parse_idtype t, const char *idnum);
/* Bucket count the loader starts from for nrows rows (>= 1). */
uint32_t registry_nbuckets(size_t nrows);
/* Hash field: one letter for the type (C, S, P) + the number. 0 or -1. */
int registry_field(enum parse_idtype t, const char *idnum, char *out, size_t outsz);

/* Key names. Each returns 0, or -1 when out is too small. */
int registry_key_seq(char *out, size_t outsz, const char *prefix);
int registry_key_gen(char *out, size_t outsz, const char *prefix, const char *dataset);	/* "reg", "cat", "rsn" */
int registry_key_bucket(char *out, size_t outsz, const char *prefix, long gen, uint32_t bucket);
int registry_key_cat_list(char *out, size_t outsz, const char *prefix, long gen);
int registry_key_cat(char *out, size_t outsz, const char *prefix, long gen, const char *code);
int registry_key_rsn(char *out, size_t outsz, const char *prefix, long gen);
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
/* "<gen>:<nbuckets>" of P"reg:gen" -> 0, or -1. */
int registry_parse_regptr(const char *s, long *gen, uint32_t *nbuckets);

#endif
