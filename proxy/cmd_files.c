/*
 * cmd_files.c — deterministic recursive folder walks for subcommands.
 */
#include "cmd_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int walk(const char *path, const char *ext, void (*fn)(const char *, void *), void *arg,
                int depth) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "larch: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (depth == 0 || ends_with(path, ext)) fn(path, arg);
    return 0;
  }
  if (depth > 64) return 0; /* symlink loops */
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "larch: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = lr_xrealloc(names, cap * sizeof *names);
    }
    names[n++] = lr_xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_names);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(path) + strlen(names[i]) + 2;
    char *child = lr_xmalloc(len);
    snprintf(child, len, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names[i]);
    if (walk(child, ext, fn, arg, depth + 1) != 0) rc = -1;
    free(child);
    free(names[i]);
  }
  free(names);
  return rc;
}

int lr_cli_walk(const char *path, const char *ext, void (*fn)(const char *file, void *arg),
                void *arg) {
  return walk(path, ext, fn, arg, 0);
}
