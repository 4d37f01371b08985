// Backs a typed array's memory with 2 MB pages (transparent huge pages):
// the contact table's slots, Bloom filter, arena and offsets are hundreds of
// megabytes read at random, and with 4 KB pages nearly every lookup of a
// varied batch missed the TLB (engine-only FilterBatch at 10M contacts,
// 256 batches in turn: about a fifth faster once collapsed). Only whole
// 2 MB pages inside the array are advised; memory around them is untouched.

#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include "napi-args.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define HUGE_PAGE ((uintptr_t)2 * 1024 * 1024)

/*
 * adviseHugePages(array, collapse): asks for huge pages over the array's
 * whole 2 MB pages, and with collapse != 0 has the kernel move what is
 * already there onto them now (MADV_COLLAPSE, Linux 6.1). Returns how many
 * pages it advised, -1 when the kernel refused the advice, -2 when it
 * refused the collapse (the advice stands).
 */
static napi_value advise_huge_pages(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length;
  void* data;
  uint32_t collapse = 0;
  if (argc != 2 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      (type != napi_uint8_array && type != napi_uint32_array) || napi_get_value_uint32(env, argv[1], &collapse) != napi_ok) {
    napi_throw_type_error(env, NULL, "adviseHugePages(array: Uint8Array | Uint32Array, collapse: number)");
    return NULL;
  }
  size_t bytes = type == napi_uint32_array ? length * 4 : length;
  uintptr_t start = ((uintptr_t)data + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uintptr_t end = ((uintptr_t)data + bytes) & ~(HUGE_PAGE - 1);
  int32_t result = 0;
  if (end > start) {
    result = (int32_t)((end - start) / HUGE_PAGE);
    if (madvise((void*)start, end - start, MADV_HUGEPAGE) != 0) result = -1;
    else if (collapse != 0 && madvise((void*)start, end - start, MADV_COLLAPSE) != 0) result = -2;
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

napi_status register_huge_pages(napi_env env, napi_value exports) {
  return export_function(env, exports, "adviseHugePages", advise_huge_pages);
}
