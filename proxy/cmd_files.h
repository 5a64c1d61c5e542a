/*
 * cmd_files.h — file-system helpers shared by larch subcommands (private to
 * the larch binary).
 */
#ifndef LARCH_CMD_FILES_H
#define LARCH_CMD_FILES_H

/* Calls fn(file, arg) for path itself when it is a file (whatever its name),
 * or, when it is a folder, for every file below it whose name ends in ext,
 * recursively, in byte order of the names (deterministic). Hidden entries
 * (".name") are skipped. Returns 0, or -1 after printing an error for a path
 * that cannot be read. */
int lr_cli_walk(const char *path, const char *ext, void (*fn)(const char *file, void *arg),
                void *arg);

#endif /* LARCH_CMD_FILES_H */
