// Takes a file's read-only shared mappings out of the process's page
// tables: LMDB reads its B-trees through a map of the data file, so a bulk
// import (which reads back each page it appended to) or an index rebuild
// (which walks every contact and entry key) left hundreds of megabytes of
// the file mapped in, counted in the sidecar's RSS for as long as it ran,
// though they are clean page cache the kernel can reclaim. MADV_DONTNEED on
// a shared file mapping drops only the mapping: the pages stay in the page
// cache, and the next read maps them again. Writable or private mappings
// (where it would discard data) are left alone.

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "napi-args.h"

#define PATH_BYTES 4096

/*
 * releaseFilePages(path): for each mapping of the file at path (as
 * /proc/self/maps names it) that is shared and not writable, drops its
 * pages from the page tables. Returns how many mappings it released, or
 * -errno when /proc/self/maps could not be read or madvise refused one
 * (the others are released all the same).
 */
static napi_value release_file_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[PATH_BYTES];
  size_t path_length = 0;
  // The length is asked first: a path too long for the buffer would come back cut at a character's end.
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &path_length) != napi_ok || path_length == 0 || path_length >= sizeof path ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok || path[0] != '/') {
    napi_throw_type_error(env, NULL, "releaseFilePages(path: an absolute path of at most 4095 bytes)");
    return NULL;
  }
  int32_t result = 0;
  int error = 0;
  FILE* maps = fopen("/proc/self/maps", "re");
  if (maps == NULL) {
    result = -errno;
  } else {
    char line[PATH_BYTES + 256];
    while (fgets(line, sizeof line, maps) != NULL) {
      size_t n = strlen(line);
      // A line longer than the buffer names no path this can match: skip the rest of it.
      if (n > 0 && line[n - 1] != '\n' && !feof(maps)) {
        int c;
        while ((c = fgetc(maps)) != EOF && c != '\n') {
        }
        continue;
      }
      if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
      unsigned long start, end, offset, inode;
      unsigned int major, minor;
      char perms[5];
      int name_at = -1;
      if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms, &offset, &major, &minor, &inode, &name_at) != 7 || name_at < 0) continue;
      if (strcmp(line + name_at, path) != 0) continue;
      if (perms[0] != 'r' || perms[1] != '-' || perms[3] != 's' || end <= start) continue;
      if (madvise((void*)start, end - start, MADV_DONTNEED) != 0) {
        if (error == 0) error = errno;
        continue;
      }
      result++;
    }
    fclose(maps);
    if (error != 0) result = -error;
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

napi_status register_file_pages(napi_env env, napi_value exports) {
  return export_function(env, exports, "releaseFilePages", release_file_pages);
}
