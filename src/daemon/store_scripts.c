/*
 * store_scripts: the store's Lua scripts — their text, SCRIPT LOAD on every
 * (re)connect, EVALSHA with the loaded SHA (EVAL until it is known) and
 * the one EVAL retry on NOSCRIPT (script cache flushed under us). A screen
 * or an outbox step costs one round trip, atomically.
 */
#include <string.h>

#include <hiredis/hiredis.h>

#include "store_priv.h"

/* The outbox entry into KEYS[k], from STORE_SMS_NARGS ARGV starting at i
 * (order of store_outbox_msg_argv); k and i literal numbers. Written out
 * in each script rather than a Lua function: a closure would be built on
 * every call (Lua folds the "i + n" constants at load). */
#define STORE_LUA_SMS(k, i)						\
	"redis.call('XADD', KEYS[" #k "], '*',\n"			\
	"    'bind', ARGV[" #i "], 'to', ARGV[" #i " + 1],\n"		\
	"    'from', ARGV[" #i " + 2], 'kind', ARGV[" #i " + 3],\n"	\
	"    'lang', ARGV[" #i " + 4], 'body', ARGV[" #i " + 5],\n"	\
	"    'expires_ms', ARGV[" #i " + 6], 'to_ton', ARGV[" #i " + 7],\n" \
	"    'to_npi', ARGV[" #i " + 8], 'op', ARGV[" #i " + 9])\n"

/*
 * The scripts. Every key a script touches comes in KEYS (issue 12: Redis
 * Cluster slots, ACL key patterns), none is built here: the daemon names
 * the keys of a generation (P"reg:<gen>:<bucket>", P"rsn:<gen>",
 * P"cat:<gen>:...", P"pts:<gen>:...") from the generations it caches
 * (store.c, struct store_gens) and passes the generation pointers' values
 * it used in ARGV. A script that reads another value in a pointer answers
 * {'STALE'} before it writes anything; the daemon then reads the
 * generations again and sends the request once more.
 * tests/adapter/test_store_keys.c checks that every key is a KEYS[n].
 */
static const char *const store_scripts[STORE_NSCRIPTS] = {
	/*
	 * KEYS: rl:m, rl:f, reg:gen, rsn:gen, the record's bucket, rsn:<gen>
	 * (the last two: a pointer key again when there is no such
	 * generation; never read then). ARGV: max requests/hour, max
	 * failures/day (0 = no limit), field, lang, digits ("" unless the
	 * number was typed with its digits only), type letter, dates,
	 * caller (international digits, "" unknown); then what the daemon
	 * read in P"reg:gen" and P"rsn:gen" ("" none), the registry's layout
	 * ("1", "2"; "" no usable registry) and "1" when the reasons'
	 * generation is usable. The dates are the caller's birth date
	 * packed as in the record ((year-1900) << 9 | month << 5 | day),
	 * written as four characters of 6 bits, most significant first, each
	 * '0' + its value (the 3 bytes themselves would hold a NUL, and the
	 * daemon's arguments are C strings), then, when the expiry is
	 * checked, four more for it (0, "0000", when not given: a record
	 * with one does not match); "" when no birth date is given (no
	 * record matches on dates then).
	 * On layout 2 a number and its digits share a bucket: a digits-only
	 * number designates the one record of its bucket whose field is the
	 * type letter, letters, then exactly those digits, and whose dates
	 * match, when exactly one does. The dates are compared here and a
	 * no-match counted here, in the same atomic step as the limits
	 * (DESIGN.md §5): a burst gets no more guesses than the limit, and a
	 * number not in the registry counts and locks like one that is.
	 * dialog.c's rules: a record without a birth date (month 0) matches
	 * an INELIGIBLE person's number typed in full, never a digits-only
	 * one (the caller's month is never 0); the expiry is compared when
	 * checked and the record has one.
	 * A locked document still answers its phone on record when the dates
	 * match. The record is read (read only) before the limits are
	 * counted, so that the reasons' pointer is read only for a record
	 * that has a reason: STALE still comes before any write.
	 * Reply: {'FOUND', record, reason text} (number typed in full)
	 * or {'CANDS', record, reason text} (digits only), the designated
	 * record; {'NONE'} no match (counted); {'LOCKED'}; {'NOGEN'};
	 * {'STALE'} (nothing counted).
	 * Written for Redis's CPU, which bounds the whole service (issue
	 * 11): no closure, every Lua-to-C call counted (string.byte reads
	 * several bytes at once; tonumber, strtod underneath, only off the
	 * common path), the TTLs string literals (a Lua number is formatted
	 * on every redis.call), the record's flags tested with % (a VM
	 * operation; bit.band would be a C call): f % 16 >= 8 expiry,
	 * f % 32 >= 16 reason, f % 64 >= 32 matricule, f % 128 >= 64 phone.
	 */
	[STORE_SC_LOOKUP] =
	"local A = ARGV\n"
	"if (redis.call('GET', KEYS[3]) or '') ~= A[9] then\n"
	"  return {'STALE'}\n"
	"end\n"
	"local ver, tag, pick, pf = A[11], 'FOUND', nil, 0\n"
	/* The caller's dates, a..d the birth (nil: none), e..k the expiry
	 * (nil: not checked); 48 * (64^3 + 64^2 + 64 + 1) = 12782640 takes
	 * the four '0's off. */
	"local a, b, c, d, e, g, h, k = string.byte(A[7], 1, 8)\n"
	"if ver == '2' and A[5] ~= '' then\n"
	"  tag = 'CANDS'\n"
	"  local byte, ok, seen = string.byte, 0, 0\n"
	"  local birth = d and ((a * 64 + b) * 64 + c) * 64 + d - 12782640\n"
	"  local exp = k and ((e * 64 + g) * 64 + h) * 64 + k - 12782640\n"
	"  local all = redis.call('HGETALL', KEYS[5])\n"
	"  local pat = '^' .. A[6] .. '%u*' .. A[5] .. '$'\n"
	"  for i = 1, #all, 2 do\n"
	"    if seen < 4 and string.match(all[i], pat) then\n"
	"      seen = seen + 1\n"
	"      local f, x, y, z, p, q, r = byte(all[i + 1], 1, 7)\n"
	"      if z and (x * 256 + y) * 256 + z == birth and (not exp or\n"
	"          f % 16 < 8 or (r and (p * 256 + q) * 256 + r or 0) == exp) then\n"
	"        ok = ok + 1\n"
	"        pick, pf = all[i + 1], f\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"  if ok ~= 1 then pick, pf = nil, 0 end\n"
	"elseif ver ~= '' then\n"
	"  local v = redis.call('HGET', KEYS[5], A[3])\n"
	"  if v then\n"
	"    local f, x, y, z, p, q, r = string.byte(v, 1, 7)\n"
	"    if z and d and (x * 256 + y) * 256 + z ==\n"
	"        ((a * 64 + b) * 64 + c) * 64 + d - 12782640 then\n"
	"      if not k or f % 16 < 8 or (r and (p * 256 + q) * 256 + r or 0) ==\n"
	"          ((e * 64 + g) * 64 + h) * 64 + k - 12782640 then\n"
	"        pick, pf = v, f\n"
	"      end\n"
	"    elseif f and f % 4 == 2 and (not z or (y % 2 == 0 and z < 32)) then\n"
	"      pick, pf = v, f\n"
	"    end\n"
	"  end\n"
	"end\n"
	/* The reasons' generation matters only to a record with a reason
	 * (case D): read then, still before anything is written. */
	"if pf % 32 >= 16 and (redis.call('GET', KEYS[4]) or '') ~= A[10] then\n"
	"  return {'STALE'}\n"
	"end\n"
	/* The first request of the hour (the common case) is one SET that
	 * creates the counter with its TTL; the others an INCR. No failure
	 * counter (the common case): not locked, whatever the limit. */
	"if not redis.call('SET', KEYS[1], '1', 'EX', '3600', 'NX') then\n"
	"  local n, maxr = redis.call('INCR', KEYS[1]), tonumber(A[1])\n"
	"  if maxr > 0 and n > maxr then return {'LOCKED'} end\n"
	"end\n"
	"local locked = redis.call('GET', KEYS[2])\n"
	"if locked then\n"
	"  local maxf = tonumber(A[2])\n"
	"  locked = maxf > 0 and (tonumber(locked) or 0) >= maxf\n"
	"end\n"
	"if ver == '' then\n"
	"  if locked then return {'LOCKED'} end\n"
	"  return {'NOGEN'}\n"
	"end\n"
	/* Locked: the record still goes to its phone on record, the
	 * international digits of the record's BCD (after the reason and
	 * the matricule) equal to the caller's. */
	"if locked then\n"
	"  if not pick or A[8] == '' or pf % 128 < 64 then return {'LOCKED'} end\n"
	"  local byte = string.byte\n"
	"  local pos = pf % 16 >= 8 and 8 or 5\n"
	"  if pf % 32 >= 16 then pos = pos + 1 + (byte(pick, pos) or 0) end\n"
	"  if pf % 64 >= 32 then\n"
	"    pos = pos + 1 + math.floor(((byte(pick, pos) or 0) + 1) / 2)\n"
	"  end\n"
	"  local nd = byte(pick, pos) or 0\n"
	"  local nb = math.floor((nd + 1) / 2)\n"
	"  if #pick < pos + nb then return {'LOCKED'} end\n"
	/* BCD in hex is the digits themselves; a nibble over 9 a letter. */
	"  local p = string.sub(string.format(string.rep('%02x', nb),\n"
	"      byte(pick, pos + 1, pos + nb)), 1, nd)\n"
	"  if string.find(p, '%D') then return {'LOCKED'} end\n"
	"  if string.sub(p, 1, 2) == '00' then\n"
	"    p = string.sub(p, 3)\n"
	"  elseif string.sub(p, 1, 1) == '0' then\n"
	"    p = '212' .. string.sub(p, 2)\n"
	"  end\n"
	"  if p ~= A[8] then return {'LOCKED'} end\n"
	"elseif not pick then\n"
	"  if not redis.call('SET', KEYS[2], '1', 'EX', '86400', 'NX') then\n"
	"    redis.call('INCR', KEYS[2])\n"
	"  end\n"
	"  return {'NONE'}\n"
	"end\n"
	"if pf % 32 < 16 or A[12] ~= '1' then return {tag, pick, ''} end\n"
	"local pos = pf % 16 >= 8 and 8 or 5\n"
	"local code = string.sub(pick, pos + 1, pos + (string.byte(pick, pos) or 0))\n"
	"return {tag, pick, redis.call('HGET', KEYS[6], code .. ':' .. A[4]) or\n"
	"    redis.call('HGET', KEYS[6], code .. ':fr') or ''}\n",

	/* KEYS: cat:gen, then P"cat:<gen>:<CODE>" of each code of the list.
	 * ARGV: lang, P"cat:gen" as read ("" none), then the codes. */
	[STORE_SC_CATS] =
	"local g = redis.call('GET', KEYS[1]) or ''\n"
	"if g ~= ARGV[2] then return {'STALE'} end\n"
	"if g == '' then return {'NOGEN'} end\n"
	"local out = {'OK'}\n"
	"for i = 2, #KEYS do\n"
	"  local l = redis.call('HMGET', KEYS[i], 'label_' .. ARGV[1],\n"
	"      'label_fr')\n"
	"  local c = ARGV[i + 1]\n"
	"  out[#out + 1] = c\n"
	"  out[#out + 1] = l[1] or l[2] or c\n"
	"end\n"
	"return out\n",

	/* KEYS: cat:gen, P"cat:<gen>:<CODE>" (absent: no usable
	 * generation). ARGV: code, lang, P"cat:gen" as read. */
	[STORE_SC_DOCS] =
	"local g = redis.call('GET', KEYS[1]) or ''\n"
	"if g ~= ARGV[3] then return {'STALE'} end\n"
	"if g == '' then return {'NOGEN'} end\n"
	"if #KEYS < 2 then return {'NONE'} end\n"
	"local h = redis.call('HMGET', KEYS[2], 'label_' .. ARGV[2],\n"
	"    'label_fr', 'docs_' .. ARGV[2], 'docs_fr')\n"
	"if not h[2] then return {'NONE'} end\n"
	"return {'FOUND', h[1] or h[2], h[3] or h[4] or ''}\n",

	/*
	 * KEYS: pw, otpf, otp, outbox, otpn. ARGV: hash, ttl, max failures,
	 * resend (0|1), resend gap s, max codes an hour, tail, then the SMS
	 * (STORE_SMS_NARGS). The code is a hash {h, a, t, tail} so that a
	 * wrong attempt (HINCRBY) keeps its TTL; t is when it was sent.
	 * A live code is not replaced by a re-dial (LIVE, with its tail);
	 * "9" replaces it after the gap (WAIT, seconds left); otpn counts
	 * the codes sent to the person this hour (LIMIT past the cap).
	 */
	[STORE_SC_OTP_ISSUE] =
	"local t = redis.call('GET', KEYS[1])\n"
	"if t then return {'ALREADY', t} end\n"
	"local f = redis.call('GET', KEYS[2])\n"
	"if f then\n"
	"  local maxf = tonumber(ARGV[3]) or 0\n"
	"  if maxf > 0 and (tonumber(f) or 0) >= maxf then return {'LOCKED'} end\n"
	"end\n"
	/* Redis's clock, seconds, as text: written as is; a number only
	 * to compute an age. */
	"local now = redis.call('TIME')[1]\n"
	"local o = redis.call('HMGET', KEYS[3], 'h', 't', 'tail')\n"
	"if o[1] then\n"
	"  if ARGV[4] ~= '1' then return {'LIVE', o[3] or ''} end\n"
	"  local age = tonumber(now) - (tonumber(o[2]) or 0)\n"
	"  local gap = tonumber(ARGV[5]) or 60\n"
	"  if age < gap then return {'WAIT', tostring(gap - age), o[3] or ''} end\n"
	"end\n"
	/* The hour's first code (n == 1) is never past a cap. */
	"local n = redis.call('INCR', KEYS[5])\n"
	"if n == 1 then\n"
	"  redis.call('EXPIRE', KEYS[5], '3600')\n"
	"else\n"
	"  local maxh = tonumber(ARGV[6]) or 0\n"
	"  if maxh > 0 and n > maxh then return {'LIMIT'} end\n"
	"end\n"
	"redis.call('DEL', KEYS[3])\n"
	"redis.call('HSET', KEYS[3], 'h', ARGV[1], 'a', '0', 't', now,\n"
	"    'tail', ARGV[7])\n"
	"redis.call('EXPIRE', KEYS[3], ARGV[2])\n"
	STORE_LUA_SMS(4, 8)
	"return {'SENT'}\n",

	/* KEYS: otp, otpf, pw, provisioning, outbox. ARGV: hash, max
	 * attempts, pw pending s, tail, matricule, msisdn, sealed password,
	 * channel, operator, then the SMS (9). The hashes are keyed
	 * (secret_otp_hash), so a plain comparison leaks nothing useful.
	 * No live code but a password pending: the code was used (a copy
	 * of the MO that used it, on this instance or another): ALREADY. */
	[STORE_SC_OTP_VERIFY] =
	"local h = redis.call('HGET', KEYS[1], 'h')\n"
	"if not h then\n"
	"  local t = redis.call('GET', KEYS[3])\n"
	"  if t then return {'ALREADY', t} end\n"
	"  return {'EXPIRED'}\n"
	"end\n"
	"if h ~= ARGV[1] then\n"
	"  local a = redis.call('HINCRBY', KEYS[1], 'a', 1)\n"
	"  if redis.call('INCR', KEYS[2]) == 1 then\n"
	"    redis.call('EXPIRE', KEYS[2], '86400')\n"
	"  end\n"
	"  local ma = tonumber(ARGV[2]) or 1\n"
	"  if a >= ma then\n"
	"    redis.call('DEL', KEYS[1])\n"
	"    return {'VOID'}\n"
	"  end\n"
	"  return {'WRONG', tostring(ma - a)}\n"
	"end\n"
	"redis.call('DEL', KEYS[1], KEYS[2])\n"
	"local t = redis.call('GET', KEYS[3])\n"
	"if t then return {'ALREADY', t} end\n"
	"redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[3])\n"
	"local now = redis.call('TIME')\n"
	"redis.call('XADD', KEYS[4], '*', 'matricule', ARGV[5],\n"
	"    'msisdn', ARGV[6], 'password_sealed', ARGV[7],\n"
	"    'channel', ARGV[8], 'operator', ARGV[9], 'ts', now[1])\n"
	STORE_LUA_SMS(5, 10)
	"return {'OK'}\n",

	/* KEYS: outbox, its dead letters. ARGV: group. {XLEN, pending (0
	 * before the group), XLEN of the dead letters}. */
	[STORE_SC_DEPTH] =
	"local n = redis.call('XLEN', KEYS[1])\n"
	"local p = redis.pcall('XPENDING', KEYS[1], ARGV[1])\n"
	"local c = 0\n"
	"if type(p) == 'table' and not p.err and p[1] then c = p[1] end\n"
	"return {n, c, redis.call('XLEN', KEYS[2])}\n",

	/*
	 * KEYS: mid, mid:w (the early receipt), and with an entry id the
	 * entry's state hash. ARGV: the entry id store_outbox_dlr read from mid
	 * ("" none), state, ts, ttl. Every key it touches is in KEYS: the id
	 * was read first (a GET), and checked again here. 'moved': mid no
	 * longer holds that id (recorded or re-recorded in between: read it
	 * again); 'early': no id yet, the receipt kept an hour for
	 * STORE_SC_RECORD to apply; 'done'.
	 */
	[STORE_SC_DLR] =
	"local id = redis.call('GET', KEYS[1]) or ''\n"
	"if id ~= ARGV[1] or (id ~= '' and not KEYS[3]) then return 'moved' end\n"
	"if id == '' then\n"
	"  redis.call('SET', KEYS[2], ARGV[2] .. '|' .. ARGV[3], 'EX', '3600')\n"
	"  return 'early'\n"
	"end\n"
	/* Two new fields: the hash is new (a record always writes state or
	 * dlr_ts, and sets the TTL): give it its TTL. */
	"if redis.call('HSET', KEYS[3], 'state', ARGV[2], 'dlr_ts', ARGV[3])\n"
	"    == 2 then\n"
	"  redis.call('EXPIRE', KEYS[3], ARGV[4])\n"
	"end\n"
	"return 'done'\n",

	/* Records of outbox entries, in order (store_outbox_record: those of
	 * one loop turn together). KEYS: the outbox stream, then for each
	 * entry its state hash and, with a message id, the mid key and its
	 * early receipt (mid:w). ARGV: group, ts, state ttl, mid ttl, then
	 * five for each entry: outbox id, state, bind, message_id ("" =
	 * none), settle ("1": a final state). The settle state never
	 * overwrites a receipt's (dlr_ts set); a receipt that came before
	 * the id was known is applied here. Final states (issue 9, piece b)
	 * are XACKed and XDELed in this same script, in one XACK and one
	 * XDEL: a settled secret body does not stay in Redis. An entry's
	 * fields go in one HSET. mid:w is read only when mid did not hold
	 * this entry already (SET ... GET): an early receipt is written only
	 * while mid is absent, and the record that set mid applied and
	 * deleted the one there was. */
	[STORE_SC_RECORD] =
	"local done, k = {}, 2\n"
	"for a = 5, #ARGV - 4, 5 do\n"
	"  local id, mid = ARGV[a], ARGV[a + 3] ~= ''\n"
	"  local state, dts = nil, nil\n"
	"  if ARGV[a + 4] == '1' then done[#done + 1] = id end\n"
	"  if redis.call('HEXISTS', KEYS[k], 'dlr_ts') == 0 then\n"
	"    state = ARGV[a + 1]\n"
	"  end\n"
	"  if mid and redis.call('SET', KEYS[k + 1], id, 'EX', ARGV[4], 'GET') ~=\n"
	"      id then\n"
	"    local w = redis.call('GET', KEYS[k + 2])\n"
	"    if w then\n"
	"      local sep = string.find(w, '|', 1, true)\n"
	"      if sep then\n"
	"        state, dts = string.sub(w, 1, sep - 1), string.sub(w, sep + 1)\n"
	"      end\n"
	"      redis.call('DEL', KEYS[k + 2])\n"
	"    end\n"
	"  end\n"
	"  local h = {}\n"
	"  if state then h[1] = 'state'; h[2] = state end\n"
	"  h[#h + 1] = 'bind'; h[#h + 1] = ARGV[a + 2]\n"
	"  h[#h + 1] = 'ts'; h[#h + 1] = ARGV[2]\n"
	"  if mid then h[#h + 1] = 'message_id'; h[#h + 1] = ARGV[a + 3] end\n"
	"  if dts then h[#h + 1] = 'dlr_ts'; h[#h + 1] = dts end\n"
	"  redis.call('HSET', KEYS[k], unpack(h))\n"
	"  redis.call('EXPIRE', KEYS[k], ARGV[3])\n"
	"  if mid then k = k + 3 else k = k + 1 end\n"
	"end\n"
	"if #done > 0 then\n"
	"  redis.call('XACK', KEYS[1], ARGV[1], unpack(done))\n"
	"  redis.call('XDEL', KEYS[1], unpack(done))\n"
	"end\n"
	"return 1\n",

	/*
	 * KEYS: outbox. ARGV: group, keep-from id ("<ms>-0": entries newer
	 * are kept whatever their state). Trims the stream below the oldest
	 * entry that is not settled: the oldest pending one, and everything
	 * the group has not read yet (after its last-delivered-id). MINID
	 * drops the ids strictly smaller: never that mark or past it.
	 * Returns the entries trimmed (0 before the group exists).
	 */
	/* KEYS: pts:gen, then P"pts:<gen>:<n>" of each region of the list.
	 * ARGV: lang, P"pts:gen" as read ("" none), then each region's n.
	 * The regions in order: {'OK', name...} in lang, else French;
	 * {'NOGEN'} before a load. */
	[STORE_SC_REGIONS] =
	"local g = redis.call('GET', KEYS[1]) or ''\n"
	"if g ~= ARGV[2] then return {'STALE'} end\n"
	"if g == '' then return {'NOGEN'} end\n"
	"local out = {'OK'}\n"
	"for i = 2, #KEYS do\n"
	"  local r = redis.call('HMGET', KEYS[i], 'region_' .. ARGV[1],\n"
	"      'region_fr')\n"
	"  out[#out + 1] = r[1] or r[2] or ARGV[i + 1]\n"
	"end\n"
	"return out\n",

	/* KEYS: pts:gen, P"pts:<gen>:<n>" of the region (absent: no such
	 * region). ARGV: region number (1..), lang, max, P"pts:gen" as read,
	 * the region's n. {'FOUND', region name, point...}, {'NONE'} for a
	 * region gone, {'NOGEN'} before a load. */
	[STORE_SC_POINTS] =
	"local g = redis.call('GET', KEYS[1]) or ''\n"
	"if g ~= ARGV[4] then return {'STALE'} end\n"
	"if g == '' then return {'NOGEN'} end\n"
	"if #KEYS < 2 then return {'NONE'} end\n"
	"local r = redis.call('HMGET', KEYS[2], 'region_' .. ARGV[2],\n"
	"    'region_fr', 'count')\n"
	"local out = {'FOUND', r[1] or r[2] or ARGV[5]}\n"
	"local c = math.min(tonumber(r[3]) or 0, tonumber(ARGV[3]))\n"
	"for k = 1, c do\n"
	"  out[#out + 1] = redis.call('HGET', KEYS[2], 'p' .. k) or ''\n"
	"end\n"
	"return out\n",

	/*
	 * KEYS: sess. ARGV: expected version ("" any), state bytes, ttl s,
	 * "1" end (DEL) else write, floor (unix ms). The stored value is
	 * "<version>:<bytes>" (no prefix: version 0). Reply: the version
	 * written (0 after an end) when the stored version is the expected
	 * one; else -1 - the version found (nothing written).
	 * One per screen of a dialog: the expected version (the daemon's
	 * decimal, digits only) is first looked for as the value's prefix,
	 * which is the common case and parses nothing; only a value that
	 * does not start with it is parsed as before. Each tonumber is a
	 * strtod (~2,000 instructions), a string.format a sprintf: the new
	 * version is the floor, sent as text, unless the stored one is not
	 * below it.
	 */
	[STORE_SC_STATE] =
	"local A = ARGV\n"
	"local v = redis.call('GET', KEYS[1])\n"
	"local e, cur = A[1], 0\n"
	"if e ~= '' and v and string.find(v, e .. ':', 1, true) == 1 then\n"
	"  cur = tonumber(e)\n"
	"else\n"
	"  if v then cur = tonumber(string.match(v, '^(%d+):')) or 0 end\n"
	"  if e ~= '' and tonumber(e) ~= cur then return -1 - cur end\n"
	"end\n"
	"if A[4] == '1' then\n"
	"  if v then redis.call('DEL', KEYS[1]) end\n"
	"  return 0\n"
	"end\n"
	"local f = tonumber(A[5]) or 0\n"
	"if f > cur then\n"
	"  redis.call('SET', KEYS[1], A[5] .. ':' .. A[2], 'EX', A[3])\n"
	"  return f\n"
	"end\n"
	"redis.call('SET', KEYS[1], string.format('%d', cur + 1) .. ':' .. A[2],\n"
	"    'EX', A[3])\n"
	"return cur + 1\n",

	[STORE_SC_TRIM] =
	"local function lt(a, b)\n"
	"  local am, as = string.match(a, '^(%d+)-(%d+)$')\n"
	"  local bm, bs = string.match(b, '^(%d+)-(%d+)$')\n"
	"  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)\n"
	"  return am < bm or (am == bm and as < bs)\n"
	"end\n"
	"local g = redis.pcall('XINFO', 'GROUPS', KEYS[1])\n"
	"if type(g) ~= 'table' or g.err then return 0 end\n"
	"local last = nil\n"
	"for _, grp in ipairs(g) do\n"
	"  local f = {}\n"
	"  for i = 1, #grp, 2 do f[grp[i]] = grp[i + 1] end\n"
	"  if f['name'] == ARGV[1] then last = f['last-delivered-id'] end\n"
	"end\n"
	"if not last then return 0 end\n"
	"local mark = ARGV[2]\n"
	"if lt(last, mark) then mark = last end\n"
	"local p = redis.call('XPENDING', KEYS[1], ARGV[1])\n"
	"if p[2] and lt(p[2], mark) then mark = p[2] end\n"
	"return redis.call('XTRIM', KEYS[1], 'MINID', mark)\n",

	/*
	 * The outbox consumer's heartbeat (store_outbox.c). KEYS:
	 * P"outbox:alive" (hash consumer -> deadline, ms of Redis's clock:
	 * instances' clocks never compare), the outbox. ARGV: consumer, ttl
	 * ms, group, "1" to also list our pending ids (lifting a fence), how
	 * many at most. Reply: Redis's clock, ms; with the list: {clock,
	 * {id...}} (the list empty before the group exists).
	 */
	[STORE_SC_OUTBOX_HB] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"redis.call('HSET', KEYS[1], ARGV[1],\n"
	"    string.format('%d', now + tonumber(ARGV[2])))\n"
	"if ARGV[4] ~= '1' then return now end\n"
	"local ids = {}\n"
	"local p = redis.pcall('XPENDING', KEYS[2], ARGV[3], '-', '+',\n"
	"    tonumber(ARGV[5]), ARGV[1])\n"
	"if type(p) == 'table' and not p.err then\n"
	"  for _, e in ipairs(p) do ids[#ids + 1] = e[1] end\n"
	"end\n"
	"return {now, ids}\n",

	/*
	 * The outbox claim (store_outbox.c). KEYS: outbox, P"outbox:alive".
	 * ARGV: group, this consumer, min idle ms for others' entries, min
	 * idle ms for our own, count, our start (Redis's clock, ms, of our
	 * first heartbeat, before our first read). Our own entries idle that
	 * long come back to us (a lost hand-out), and those handed to our
	 * name before our start at once (a restart under the same name takes
	 * its entries back). Another consumer's entries are claimed only
	 * when its heartbeat is gone (absent or past its deadline); such a
	 * consumer, once it has nothing pending, is removed from the group
	 * (and its heartbeat field). The consumers are listed from the
	 * group (XINFO CONSUMERS of KEYS[1]): no key is named after them.
	 * Reply: {cursor ("0-0"), {ids deleted from the stream while
	 * pending}, {claimed from dead consumers, consumers removed},
	 * {id, fields, deliveries}...}.
	 */
	[STORE_SC_OUTBOX_CLAIM] =
	"local cons = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])\n"
	"if type(cons) ~= 'table' or cons.err then return {'0-0', {}, {0, 0}} end\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local gone, left, dead, removed = {}, tonumber(ARGV[5]), 0, 0\n"
	"local own = tonumber(ARGV[4])\n"
	"if now - tonumber(ARGV[6]) + 1 < own then\n"
	"  own = now - tonumber(ARGV[6]) + 1\n"
	"end\n"
	"local out = {'0-0', gone, {}}\n"
	"local function take(owner, idle)\n"
	"  local n = 0\n"
	"  local p = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', idle,\n"
	"      '-', '+', left, owner)\n"
	"  for _, e in ipairs(p) do\n"
	"    local c = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], idle, e[1])\n"
	"    local x = c[1]\n"
	"    if type(x) == 'table' and type(x[2]) == 'table' then\n"
	"      out[#out + 1] = {x[1], x[2], e[4] + 1}\n"
	"      n = n + 1\n"
	"      left = left - 1\n"
	"    elseif type(x) ~= 'table' or x[1] == e[1] then\n"
	"      gone[#gone + 1] = e[1]\n"
	"      redis.call('XACK', KEYS[1], ARGV[1], e[1])\n"
	"    end\n"
	"  end\n"
	"  return n\n"
	"end\n"
	"for _, c in ipairs(cons) do\n"
	"  local name, pend = nil, 0\n"
	"  for i = 1, #c - 1, 2 do\n"
	"    if c[i] == 'name' then name = c[i + 1]\n"
	"    elseif c[i] == 'pending' then pend = tonumber(c[i + 1]) end\n"
	"  end\n"
	"  if name == ARGV[2] then\n"
	"    if pend > 0 and left > 0 then take(name, string.format('%d', own)) end\n"
	"  elseif name then\n"
	"    local d = tonumber(redis.call('HGET', KEYS[2], name) or '0') or 0\n"
	"    if d <= now then\n"
	"      if pend > 0 and left > 0 then dead = dead + take(name, ARGV[3]) end\n"
	"      local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, name)\n"
	"      if #p == 0 then\n"
	"        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)\n"
	"        redis.call('HDEL', KEYS[2], name)\n"
	"        removed = removed + 1\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"out[3] = {dead, removed}\n"
	"return out\n",
};

static const char *const store_script_names[STORE_NSCRIPTS] = {
	[STORE_SC_LOOKUP] = "LOOKUP",
	[STORE_SC_CATS] = "CATS",
	[STORE_SC_DOCS] = "DOCS",
	[STORE_SC_OTP_ISSUE] = "OTP_ISSUE",
	[STORE_SC_OTP_VERIFY] = "OTP_VERIFY",
	[STORE_SC_DEPTH] = "DEPTH",
	[STORE_SC_DLR] = "DLR",
	[STORE_SC_RECORD] = "RECORD",
	[STORE_SC_TRIM] = "TRIM",
	[STORE_SC_REGIONS] = "REGIONS",
	[STORE_SC_POINTS] = "POINTS",
	[STORE_SC_STATE] = "STATE",
	[STORE_SC_OUTBOX_HB] = "OUTBOX_HB",
	[STORE_SC_OUTBOX_CLAIM] = "OUTBOX_CLAIM",
};

const char *
store_script_text(int script, const char **name)
{
	if (script < 0 || script >= STORE_NSCRIPTS)
		return NULL;
	if (name != NULL)
		*name = store_script_names[script];
	return store_scripts[script];
}

int
store_scripts_load(struct store *st)
{
	const char *argv[3];
	int i;

	for (i = 0; i < STORE_NSCRIPTS; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = store_scripts[i];
		if (store_sys(st, i, 3, argv) != 0)
			return -1;
	}
	return 0;
}

int
store_scripts_loaded(struct store *st, int script, const redisReply *r)
{
	if (script < 0 || script >= STORE_NSCRIPTS ||
	    r->type != REDIS_REPLY_STRING || r->len != 40)
		return -1;
	memcpy(st->sha[script], r->str, 41);
	memcpy(st->evalsha[script], "$7\r\nEVALSHA\r\n$40\r\n", 18);
	memcpy(st->evalsha[script] + 18, r->str, 40);
	memcpy(st->evalsha[script] + 58, "\r\n", 2);
	st->evalsha_len[script] = 60;
	return 0;
}

void
store_scripts_argv(const struct store *st, struct store_req *req)
{
	if (!req->retried && st->sha[req->script][0] != '\0') {
		req->argv[0] = "EVALSHA";
		req->argv[1] = st->sha[req->script];
	} else {
		req->argv[0] = "EVAL";
		req->argv[1] = store_scripts[req->script];
	}
	req->argvlen[0] = strlen(req->argv[0]);
	req->argvlen[1] = strlen(req->argv[1]);
}

size_t
store_scripts_head(const struct store *st, const struct store_req *req,
    const char **head)
{
	if (req->retried || st->evalsha_len[req->script] == 0)
		return 0;
	*head = st->evalsha[req->script];
	return st->evalsha_len[req->script];
}

int
store_scripts_noscript(struct store_req *req, const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ERROR || req->script < 0 ||
	    req->retried || strncmp(r->str, "NOSCRIPT", 8) != 0)
		return 0;
	req->retried = 1;
	return 1;
}
