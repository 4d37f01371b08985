// Reads a FilterBatchRequest of the fast form (bare recipients) in one
// native pass: its channel, the byte ranges of its scope fields and of each
// recipient. On the filter port's FilterBatch(1,000) load the same loop in
// JavaScript (batch-decoder.ts) took a sixth of the main thread. It takes
// only the plain case: anything else (the full form, an unknown field, a
// wire type a field never has, a varint longer than five bytes, bytes that
// run short, more recipients than the caller has room or a batch for)
// returns -1, and the JavaScript decoder reads the message instead, with
// its own errors: the two never disagree on what a message holds.

#include <stdint.h>
#include "napi-args.h"

#define F_CHANNEL 1
#define F_RECIPIENTS 6
#define WIRE_VARINT 0
#define WIRE_LEN 2
/* scope: the channel, then start and end of sender, account, campaign_ref and default_country. */
#define SCOPE_LENGTH 9

/* A varint of at most five bytes (32 bits) from *pos; 0 when it is longer, or runs past end. */
static int varint32(const uint8_t* src, size_t end, size_t* pos, uint32_t* out) {
  uint32_t result = 0;
  for (int i = 0; i < 5; i++) {
    if (*pos >= end) return 0;
    uint8_t b = src[(*pos)++];
    result |= (uint32_t)(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      /* A fifth byte above 0x0f would carry bits past 32: the JavaScript says what such a message is. */
      if (i == 4 && b > 0x0f) return 0;
      *out = result;
      return 1;
    }
  }
  return 0;
}

/* The recipients' count, or -1: see scanBatch. */
static int32_t scan(const uint8_t* src, size_t src_length, int32_t* spans, size_t capacity, int32_t* scope) {
  scope[0] = 0;
  for (int i = 1; i < SCOPE_LENGTH; i++) scope[i] = -1;
  int32_t count = 0;
  size_t pos = 0;
  while (pos < src_length) {
    uint32_t tag;
    if (!varint32(src, src_length, &pos, &tag)) return -1;
    uint32_t field = tag >> 3;
    uint32_t wire = tag & 7;
    if (field == F_CHANNEL && wire == WIRE_VARINT) {
      uint32_t channel;
      if (!varint32(src, src_length, &pos, &channel)) return -1;
      scope[0] = (int32_t)channel;
      continue;
    }
    uint32_t length;
    if (wire != WIRE_LEN || field < 2 || field > F_RECIPIENTS || !varint32(src, src_length, &pos, &length) || length > src_length - pos) return -1;
    if (field == F_RECIPIENTS) {
      if ((size_t)count >= capacity) return -1;
      spans[2 * count] = (int32_t)pos;
      spans[2 * count + 1] = (int32_t)(pos + length);
      count++;
    } else {
      /* The last one sent counts, as in the JavaScript. */
      scope[2 * (field - 2) + 1] = (int32_t)pos;
      scope[2 * (field - 2) + 2] = (int32_t)(pos + length);
    }
    pos += length;
  }
  return count;
}

/*
 * scanBatch(src, spans, scope, maxBatch): fills spans with each recipient's
 * [start, end) and scope as SCOPE_LENGTH says (-1 for a field not sent);
 * returns the number of recipients, or -1 for the JavaScript to decode.
 */
static napi_value scan_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  const uint8_t* src;
  int32_t* spans;
  int32_t* scope;
  size_t src_length, spans_length, scope_length;
  uint32_t max_batch;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      !typed_array(env, argv[0], napi_uint8_array, (void**)&src, &src_length) || !typed_array(env, argv[1], napi_int32_array, (void**)&spans, &spans_length) ||
      !typed_array(env, argv[2], napi_int32_array, (void**)&scope, &scope_length) || scope_length < SCOPE_LENGTH ||
      napi_get_value_uint32(env, argv[3], &max_batch) != napi_ok) {
    napi_throw_type_error(env, NULL, "scanBatch(src: Uint8Array, spans: Int32Array, scope: Int32Array(9), maxBatch: uint32)");
    return NULL;
  }
  size_t capacity = spans_length / 2 < max_batch ? spans_length / 2 : max_batch;
  napi_value result;
  /* Offsets past INT32_MAX do not fit the spans: such a message is the JavaScript's (gRPC's 32 MB bound keeps it away). */
  napi_create_int32(env, src_length > INT32_MAX ? -1 : scan(src, src_length, spans, capacity, scope), &result);
  return result;
}

napi_status register_batch_scan(napi_env env, napi_value exports) {
  return export_function(env, exports, "scanBatch", scan_batch);
}
