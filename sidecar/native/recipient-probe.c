// Keys and looks up a FilterBatch's canonical E.164 recipients in one pass
// over the request bytes, natively: on the filter's hot path the JS keying
// loop cost about as much as the HTTP/2 stack around it. It reads the intern
// table's typed arrays in place and mirrors, bit for bit, the JS it stands in
// for: packCanonicalE164 (phone-normaliser.ts), hashBytes (contact-key.ts) and
// lookupHashed (byte-intern-table.ts). A recipient it cannot vouch for is
// left to the JS normaliser (-2), so it never decides what the JS would not.

#include <stdint.h>
#include "napi-args.h"

#define DEFERRED (-2)
#define ABSENT (-1)
#define DAMAGED (-3)
#define PHONE_KIND 1
#define MAX_E164_DIGITS 15
#define PHONE_KEY_BYTES 9
#define RULE_FIELDS 4
#define CALLING_CODES 1000
#define ID_BITS 28
#define ID_MASK ((1u << ID_BITS) - 1)
#define BLOOM_BLOCK_WORDS 16
#define LONG_KEY 255

static uint32_t hash_bytes(const uint8_t* b, size_t n) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x01000193u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  return h ^ (h >> 12);
}

static uint32_t bloom_block(uint32_t hash, uint32_t block_mask) {
  uint32_t g = (hash ^ (hash >> 16)) * 0x85ebca6bu;
  return ((g ^ (g >> 13)) & block_mask) * BLOOM_BLOCK_WORDS;
}

static uint32_t bloom_bits(uint32_t hash) {
  uint32_t g = (hash ^ (hash >> 15)) * 0x2c1b3c6du;
  return (g ^ (g >> 12)) >> 5;
}

/*
 * The key of "+digits" at src[0..n) into key, or 0 when the JS fast path
 * would not vouch for it (or would need its prefix patterns to): rules holds,
 * per calling code, [known, possible lengths, first digits of a literal
 * prefix, lengths a prefix pattern can match].
 */
static size_t canonical_key(const uint8_t* src, size_t n, const int32_t* rules, uint8_t* key) {
  if (n < 2 || src[0] != '+') return 0;
  const uint8_t* d = src + 1;
  size_t total = n - 1;
  if (total > MAX_E164_DIGITS || total < 4 || d[0] == '0') return 0;
  for (size_t i = 0; i < total; i++)
    if (d[i] < '0' || d[i] > '9') return 0;
  int cc = 0;
  for (size_t cc_len = 1; cc_len <= 3; cc_len++) {
    cc = cc * 10 + (d[cc_len - 1] - '0');
    const int32_t* r = rules + cc * RULE_FIELDS;
    if (r[0] == 0) continue;
    uint32_t nsn = (uint32_t)(total - cc_len);
    uint32_t bit = 1u << nsn;
    if (((uint32_t)r[1] & bit) == 0) return 0;
    if (((uint32_t)r[2] & (1u << (d[cc_len] - '0'))) != 0 || ((uint32_t)r[3] & bit) != 0) return 0;
    size_t o = 0;
    key[o++] = PHONE_KIND;
    size_t i = 0;
    for (; i + 1 < total; i += 2) key[o++] = (uint8_t)(((d[i] - 47) << 4) | (d[i + 1] - 47));
    if (i < total) key[o++] = (uint8_t)((d[i] - 47) << 4);
    return o;
  }
  return 0;
}

typedef struct {
  const uint8_t* arena;
  size_t arena_length;
  const uint32_t* offsets;
  size_t offsets_length;
  const uint32_t* slots;
  uint32_t mask;
  const uint32_t* bloom;
  uint32_t bloom_mask;
  uint32_t id_base;
} table_view;

/*
 * 1 when id's key is key[0, n), 0 when it is not, DAMAGED when the slot's id
 * or its key lies outside the arrays: state that the load's checks refused,
 * so changed since (the key files are plain files). Read as "not equal", it
 * would let a listed contact through unchecked.
 */
static int key_equals(const table_view* t, uint32_t id, const uint8_t* key, size_t n) {
  if (id < t->id_base || id - t->id_base >= t->offsets_length) return DAMAGED;
  size_t off = t->offsets[id - t->id_base];
  if (off >= t->arena_length) return DAMAGED;
  if (t->arena[off] == LONG_KEY) return 0;
  if (off + 1 + t->arena[off] > t->arena_length) return DAMAGED;
  if (t->arena[off] != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (t->arena[off + 1 + i] != key[i]) return 0;
  return 1;
}

static int32_t lookup(const table_view* t, const uint8_t* key, size_t n, uint32_t hash) {
  uint32_t block = bloom_block(hash, t->bloom_mask);
  uint32_t bits = bloom_bits(hash);
  if ((t->bloom[block + ((bits >> 5) & 15)] & (1u << (bits & 31))) == 0 ||
      (t->bloom[block + ((bits >> 14) & 15)] & (1u << ((bits >> 9) & 31))) == 0 ||
      (t->bloom[block + ((bits >> 23) & 15)] & (1u << ((bits >> 18) & 31))) == 0)
    return ABSENT;
  uint32_t tag = (hash >> ID_BITS) << ID_BITS;
  uint32_t i = hash & t->mask;
  for (;;) {
    uint32_t s = t->slots[i];
    if (s == 0) return ABSENT;
    if (((s ^ tag) & ~ID_MASK) == 0) {
      uint32_t id = (s & ID_MASK) - 1;
      int equal = key_equals(t, id, key, n);
      if (equal == DAMAGED) return DAMAGED;
      if (equal) return (int32_t)id;
    }
    i = (i + 1) & t->mask;
  }
}

static int typed(napi_env env, napi_value value, napi_typedarray_type want, void** data, size_t* length, const char* name) {
  if (typed_array(env, value, want, data, length)) return 1;
  napi_throw_type_error(env, NULL, name);
  return 0;
}

#define ARGS 13

/*
 * probe(src, spans, count, rules, keys, hashes, ids, arena, offsets, slots,
 * bloom, idBase, hits, every): ids[i] becomes recipient i's contact id,
 * ABSENT, or DEFERRED; hits lists, in order, the recipients found or
 * deferred (every recipient when every is not 0), and the count of them is
 * returned: most of a batch is absent, and the caller's verdict loop then
 * visits the rest alone.
 */
static napi_value probe(napi_env env, napi_callback_info info) {
  size_t argc = ARGS + 1;
  napi_value argv[ARGS + 1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != ARGS + 1) {
    napi_throw_type_error(env, NULL, "probe takes 14 arguments");
    return NULL;
  }
  const uint8_t* src;
  const int32_t* spans;
  const int32_t* rules;
  uint8_t* keys;
  uint32_t* hashes;
  int32_t* ids;
  int32_t* hits;
  uint32_t every;
  size_t hits_length;
  size_t src_length, spans_length, rules_length, keys_length, hashes_length, ids_length, slots_length, bloom_length;
  uint32_t count, id_base;
  table_view t;
  if (!typed(env, argv[0], napi_uint8_array, (void**)&src, &src_length, "src: a Uint8Array") ||
      !typed(env, argv[1], napi_int32_array, (void**)&spans, &spans_length, "spans: an Int32Array") ||
      napi_get_value_uint32(env, argv[2], &count) != napi_ok ||
      !typed(env, argv[3], napi_int32_array, (void**)&rules, &rules_length, "rules: an Int32Array") ||
      !typed(env, argv[4], napi_uint8_array, (void**)&keys, &keys_length, "keys: a Uint8Array") ||
      !typed(env, argv[5], napi_uint32_array, (void**)&hashes, &hashes_length, "hashes: a Uint32Array") ||
      !typed(env, argv[6], napi_int32_array, (void**)&ids, &ids_length, "ids: an Int32Array") ||
      !typed(env, argv[7], napi_uint8_array, (void**)&t.arena, &t.arena_length, "arena: a Uint8Array") ||
      !typed(env, argv[8], napi_uint32_array, (void**)&t.offsets, &t.offsets_length, "offsets: a Uint32Array") ||
      !typed(env, argv[9], napi_uint32_array, (void**)&t.slots, &slots_length, "slots: a Uint32Array") ||
      !typed(env, argv[10], napi_uint32_array, (void**)&t.bloom, &bloom_length, "bloom: a Uint32Array") ||
      napi_get_value_uint32(env, argv[11], &id_base) != napi_ok ||
      !typed(env, argv[12], napi_int32_array, (void**)&hits, &hits_length, "hits: an Int32Array") ||
      napi_get_value_uint32(env, argv[13], &every) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "count, idBase and every: unsigned 32-bit integers");
    return NULL;
  }
  if (rules_length < CALLING_CODES * RULE_FIELDS || spans_length < 2 * (size_t)count || keys_length < PHONE_KEY_BYTES * (size_t)count ||
      hashes_length < count || ids_length < count || hits_length < count || slots_length == 0 || (slots_length & (slots_length - 1)) != 0 ||
      bloom_length < BLOOM_BLOCK_WORDS || (bloom_length & (bloom_length - 1)) != 0) {
    napi_throw_range_error(env, NULL, "probe: an array is shorter than count needs, or a table array is not a power of two");
    return NULL;
  }
  t.mask = (uint32_t)slots_length - 1;
  t.bloom_mask = (uint32_t)(bloom_length / BLOOM_BLOCK_WORDS) - 1;
  t.id_base = id_base;

  // Key every recipient and ask for its Bloom block first, so the cache misses of a large table overlap.
  for (uint32_t i = 0; i < count; i++) {
    int32_t start = spans[2 * i];
    int32_t end = spans[2 * i + 1];
    size_t n = 0;
    if (start >= 0 && end >= start && (size_t)end <= src_length)
      n = canonical_key(src + start, (size_t)(end - start), rules, keys + (size_t)i * PHONE_KEY_BYTES);
    if (n == 0) {
      ids[i] = DEFERRED;
      continue;
    }
    uint32_t hash = hash_bytes(keys + (size_t)i * PHONE_KEY_BYTES, n);
    hashes[i] = hash;
    ids[i] = (int32_t)n;
    __builtin_prefetch(t.bloom + bloom_block(hash, t.bloom_mask));
  }
  uint32_t hit_count = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (ids[i] != DEFERRED) ids[i] = lookup(&t, keys + (size_t)i * PHONE_KEY_BYTES, (size_t)ids[i], hashes[i]);
    if (ids[i] == DAMAGED) {
      napi_throw_range_error(env, "ERR_DNC_INDEX_DAMAGED", "probe: a contact slot names a key outside the key arrays: the index is damaged");
      return NULL;
    }
    if (every != 0 || ids[i] != ABSENT) hits[hit_count++] = (int32_t)i;
  }
  napi_value result;
  napi_create_uint32(env, hit_count, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  if (export_function(env, exports, "probe", probe) != napi_ok || register_huge_pages(env, exports) != napi_ok ||
      register_batch_scan(env, exports) != napi_ok || register_file_pages(env, exports) != napi_ok ||
      register_shared_map(env, exports) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
