// Maps a file shared and writable, for the contact table's key arena and
// offsets (index/contact-key-files.ts): the keys are read only when a
// probe's hash tag matches, so they can live in the page cache, paged in on
// demand and given back under memory pressure, rather than in anonymous
// memory the size of the list. The whole address range a file may grow to
// is reserved at once, so growing the file never moves the mapping and the
// views made before stay valid. JavaScript never holds the reservation
// itself, only views as long as the file (viewShared): past the file's
// end a touch is SIGBUS, and anything that walks a whole ArrayBuffer (a
// copy, a test's printing of it) would reach there. A file grows by
// posix_fallocate, not ftruncate: a write through the map to a page with
// no disk block behind it gets SIGBUS when the disk is full, where an
// allocation that fails is an error the write that needed the room can
// report.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "napi-args.h"

/* Node 20's largest ArrayBuffer. */
#define MAX_VIEW_BYTES ((uint64_t)1 << 32)

/* One mapping, unmapped once its handle and every view of it are collected. */
typedef struct {
  void* base;
  size_t reserve;
  size_t refs;
} mapping;

/* A handle's or a view's finalizer: finalizers run on the JavaScript thread, one at a time. */
static void drop_ref(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  mapping* m = hint;
  if (--m->refs == 0) {
    munmap(m->base, m->reserve);
    free(m);
  }
}

/* Reads (fd, length) arguments; whether they are a descriptor and a positive length. */
static int fd_and_length(napi_env env, napi_callback_info info, int32_t* fd, int64_t* length) {
  size_t argc = 2;
  napi_value argv[2];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 2 && napi_get_value_int32(env, argv[0], fd) == napi_ok &&
         napi_get_value_int64(env, argv[1], length) == napi_ok && *fd >= 0 && *length > 0;
}

/* Reads (handle, bytes) arguments: the mapping, and a length within its reservation; NULL, `usage` thrown, when they are not. */
static mapping* handle_and_bytes(napi_env env, napi_callback_info info, int64_t* bytes, const char* usage) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || napi_get_value_external(env, argv[0], &data) != napi_ok ||
      napi_get_value_int64(env, argv[1], bytes) != napi_ok || *bytes < 0 || (uint64_t)*bytes > ((mapping*)data)->reserve) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return data;
}

static napi_value errno_result(napi_env env, int error) {
  napi_value out;
  napi_create_int32(env, -error, &out);
  return out;
}

/*
 * mapShared(fd, reserveBytes): a handle (an External) to a MAP_SHARED,
 * read and write mapping of the file over reserveBytes. The mapping
 * outlives the descriptor. Throws when the kernel refuses it.
 */
static napi_value map_shared(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  int64_t reserve = 0;
  if (!fd_and_length(env, info, &fd, &reserve) || reserve % 4096 != 0) {
    napi_throw_type_error(env, NULL, "mapShared(fd: an open descriptor, reserveBytes: a positive multiple of 4096)");
    return NULL;
  }
  mapping* m = malloc(sizeof *m);
  void* base = m == NULL ? MAP_FAILED : mmap(NULL, (size_t)reserve, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    char message[64];
    snprintf(message, sizeof message, "mmap failed: errno %d", m == NULL ? ENOMEM : errno);
    free(m);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  m->base = base;
  m->reserve = (size_t)reserve;
  m->refs = 1;
  napi_value handle;
  if (napi_create_external(env, m, drop_ref, m, &handle) != napi_ok) {
    munmap(base, (size_t)reserve);
    free(m);
    napi_throw_error(env, NULL, "could not make a handle of the mapping");
    return NULL;
  }
  return handle;
}

/*
 * viewShared(handle, bytes): an ArrayBuffer over the mapping's first
 * `bytes`, which the caller has made sure the file holds.
 */
static napi_value view_shared(napi_env env, napi_callback_info info) {
  int64_t bytes = 0;
  mapping* m = handle_and_bytes(env, info, &bytes, "viewShared(handle: a mapShared handle, bytes: at most its reservation)");
  if (m == NULL) return NULL;
  napi_value buffer;
  if (bytes == 0) {
    napi_create_arraybuffer(env, 0, NULL, &buffer);
    return buffer;
  }
  // Past V8's largest ArrayBuffer Node refuses the buffer and runs its finalizer itself: asked here, never there.
  if ((uint64_t)bytes > MAX_VIEW_BYTES) {
    napi_throw_range_error(env, NULL, "viewShared: a view may be at most 4 GiB");
    return NULL;
  }
  m->refs++;
  // A failure here leaves the count one high: the mapping then stays until the process ends, never goes early.
  if (napi_create_external_arraybuffer(env, m->base, (size_t)bytes, drop_ref, m, &buffer) != napi_ok) {
    napi_throw_error(env, NULL, "could not make an ArrayBuffer over the mapping");
    return NULL;
  }
  return buffer;
}

/*
 * releaseShared(handle, bytes): drops the mapping's first `bytes` from the
 * page tables. On a shared file mapping MADV_DONTNEED loses nothing:
 * written pages stay dirty in the page cache, and the next read maps them
 * again. Returns 0, or -errno.
 */
static napi_value release_shared(napi_env env, napi_callback_info info) {
  int64_t bytes = 0;
  mapping* m = handle_and_bytes(env, info, &bytes, "releaseShared(handle: a mapShared handle, bytes: at most its reservation)");
  if (m == NULL) return NULL;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t span = ((size_t)bytes + page - 1) / page * page;
  return errno_result(env, span == 0 || madvise(m->base, span, MADV_DONTNEED) == 0 ? 0 : errno);
}

/* allocateShared(fd, bytes): gives the file disk blocks, and the length, up to `bytes`. Returns 0, or -errno. */
static napi_value allocate_shared(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  int64_t bytes = 0;
  if (!fd_and_length(env, info, &fd, &bytes)) {
    napi_throw_type_error(env, NULL, "allocateShared(fd: an open descriptor, bytes: a positive length)");
    return NULL;
  }
  // posix_fallocate returns the error rather than setting errno.
  return errno_result(env, posix_fallocate(fd, 0, (off_t)bytes));
}

napi_status register_shared_map(napi_env env, napi_value exports) {
  napi_status status = export_function(env, exports, "mapShared", map_shared);
  if (status == napi_ok) status = export_function(env, exports, "viewShared", view_shared);
  if (status == napi_ok) status = export_function(env, exports, "releaseShared", release_shared);
  return status != napi_ok ? status : export_function(env, exports, "allocateShared", allocate_shared);
}
