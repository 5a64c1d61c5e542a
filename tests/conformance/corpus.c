/*
 * corpus.c — finding and unpacking the Cedar integration tests for the
 * conformance runner: the hand-written tests under tests/<suite>/N.json and
 * the generated corpus shipped as corpus-tests.tar.gz, unpacked into the
 * build directory at test time (never into the source tree).
 */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

void file_list_free(file_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  *l = (file_list){0};
}

lr_status list_test_files(const char *dir, bool corpus, file_list *out) {
  DIR *d = opendir(dir);
  if (!d) return LR_ERR;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (!ends_with(name, ".json")) continue;
    /* the corpus keeps <sha>.entities.json beside <sha>.json */
    if (corpus && ends_with(name, ".entities.json")) continue;
    if (out->n == cap) {
      cap = cap ? cap * 2 : 64;
      out->items = lr_xrealloc(out->items, cap * sizeof *out->items);
    }
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = lr_xmalloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    out->items[out->n++] = path;
  }
  closedir(d);
  qsort(out->items, out->n, sizeof *out->items, cmp_str);
  return LR_OK;
}

static bool is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Runs argv[0] with argv, waits, returns its exit status (or -1). */
static int run_command(char *const argv[]) {
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

lr_status unpack_corpus(const char *tarball, const char *work_dir, char *root, size_t root_cap) {
  /* <work_dir>/corpus/corpus-tests/… ; a stamp file marks a complete unpack
   * so an interrupted run is redone rather than trusted. */
  char dir[4096], stamp[4200], tmp[4200];
  snprintf(dir, sizeof dir, "%s/corpus", work_dir);
  snprintf(stamp, sizeof stamp, "%s/.unpacked", dir);
  snprintf(root, root_cap, "%s", dir);
  struct stat st_tar, st_stamp;
  if (stat(tarball, &st_tar) != 0) return LR_ERR;
  if (stat(stamp, &st_stamp) == 0 && st_stamp.st_mtime >= st_tar.st_mtime && is_dir(dir))
    return LR_OK;
  snprintf(tmp, sizeof tmp, "%s.tmp", dir);
  char *rm_tmp[] = {"rm", "-rf", tmp, NULL};
  char *rm_dir[] = {"rm", "-rf", dir, NULL};
  if (run_command(rm_tmp) != 0 || run_command(rm_dir) != 0) return LR_ERR;
  mkdir(work_dir, 0755);
  if (mkdir(tmp, 0755) != 0) return LR_ERR;
  char *tar[] = {"tar", "xzf", (char *)tarball, "-C", tmp, NULL};
  if (run_command(tar) != 0) return LR_ERR;
  if (rename(tmp, dir) != 0) return LR_ERR;
  FILE *f = fopen(stamp, "w");
  if (!f) return LR_ERR;
  fputs("unpacked\n", f);
  fclose(f);
  return LR_OK;
}
