// Maps a file shared and writable, for the contact table's key arena and
// offsets (index/contact-key-files.ts): the keys are read only when a
// probe's hash tag matches, so they can live in the page cache, paged in on
// demand and given back under memory pressure, rather than in anonymous
// memory the size of the list. The whole address range a file may grow to
// is reserved at once, so growing the file never moves the mapping and the
// typed arrays over it stay valid. A file grows by posix_fallocate, not
// ftruncate: a write through the map to a page with no disk block behind
// it gets SIGBUS when the disk is full, where an allocation that fails is
// an error the write that needed the room can report.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "napi-args.h"

/* Reads the (fd, length) arguments both functions on a descriptor take; whether they are a descriptor and a positive length. */
static int fd_and_length(napi_env env, napi_callback_info info, int32_t* fd, int64_t* length) {
  size_t argc = 2;
  napi_value argv[2];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 2 && napi_get_value_int32(env, argv[0], fd) == napi_ok &&
         napi_get_value_int64(env, argv[1], length) == napi_ok && *fd >= 0 && *length > 0;
}

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

/*
 * mapShared(fd, reserveBytes): an ArrayBuffer of reserveBytes over the
 * file, MAP_SHARED, read and write. Only the part below the file's length
 * may be touched (past it the kernel raises SIGBUS): the caller grows the
 * file before it makes views further in. The mapping outlives the
 * descriptor, and goes when the ArrayBuffer is collected.
 */
static napi_value map_shared(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  int64_t reserve = 0;
  if (!fd_and_length(env, info, &fd, &reserve) || reserve % 4096 != 0) {
    napi_throw_type_error(env, NULL, "mapShared(fd: an open descriptor, reserveBytes: a positive multiple of 4096)");
    return NULL;
  }
  void* data = mmap(NULL, (size_t)reserve, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (data == MAP_FAILED) {
    char message[64];
    snprintf(message, sizeof message, "mmap failed: errno %d", errno);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, data, (size_t)reserve, unmap, (void*)(uintptr_t)reserve, &buffer) != napi_ok) {
    munmap(data, (size_t)reserve);
    napi_throw_error(env, NULL, "could not make an ArrayBuffer of the mapping");
    return NULL;
  }
  return buffer;
}

/*
 * releaseShared(buffer, bytes): drops the first `bytes` of a mapShared
 * buffer from the page tables. On a shared file mapping MADV_DONTNEED
 * loses nothing: written pages stay dirty in the page cache, and the next
 * read maps them again. Returns 0, or -errno.
 */
static napi_value release_shared(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void* data = NULL;
  size_t length = 0;
  int64_t bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok || napi_get_value_int64(env, argv[1], &bytes) != napi_ok ||
      bytes < 0 || (size_t)bytes > length) {
    napi_throw_type_error(env, NULL, "releaseShared(buffer: a mapShared ArrayBuffer, bytes: at most its length)");
    return NULL;
  }
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t span = ((size_t)bytes + page - 1) / page * page;
  int32_t result = span == 0 || madvise(data, span, MADV_DONTNEED) == 0 ? 0 : -errno;
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
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
  int error = posix_fallocate(fd, 0, (off_t)bytes);
  napi_value out;
  napi_create_int32(env, -error, &out);
  return out;
}

napi_status register_shared_map(napi_env env, napi_value exports) {
  napi_status status = export_function(env, exports, "mapShared", map_shared);
  if (status == napi_ok) status = export_function(env, exports, "releaseShared", release_shared);
  return status != napi_ok ? status : export_function(env, exports, "allocateShared", allocate_shared);
}
