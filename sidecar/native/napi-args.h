// What the addon's C files share: reading a typed-array argument, putting a
// function on the addon's exports, and each file's registration of its own.

#ifndef DNC_NAPI_ARGS_H
#define DNC_NAPI_ARGS_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>

/* Whether value is a typed array of type want; its data and element count when it is. Throws nothing. */
static inline int typed_array(napi_env env, napi_value value, napi_typedarray_type want, void** data, size_t* length) {
  bool is_typed = false;
  napi_typedarray_type type;
  return napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed &&
         napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) == napi_ok && type == want;
}

/* exports[name] = a function running cb: each file registers its functions so, and the addon's init stays a list. */
static inline napi_status export_function(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_status status = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  return status != napi_ok ? status : napi_set_named_property(env, exports, name, fn);
}

napi_status register_huge_pages(napi_env env, napi_value exports);
napi_status register_batch_scan(napi_env env, napi_value exports);
napi_status register_file_pages(napi_env env, napi_value exports);
napi_status register_shared_map(napi_env env, napi_value exports);

#endif
