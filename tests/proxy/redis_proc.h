/*
 * redis_proc.h — a throwaway redis-server for tests and benchmarks: started
 * from Debian's binary on a free loopback port (and a unix socket) in a
 * temporary directory, killed with the test process (PR_SET_PDEATHSIG).
 */
#ifndef LARCH_TESTS_REDIS_PROC_H
#define LARCH_TESTS_REDIS_PROC_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct redis_proc {
  pid_t pid;
  int port;
  char dir[64];
  char sock[128];    /* unix socket path */
  char password[32]; /* requirepass, "" for none */
} redis_proc;

/* Starts redis-server (port 0 picks a free one; password may be NULL) and
 * waits until it answers PING, at most 5 s. */
bool redis_proc_start(redis_proc *p, int port, const char *password);
/* Starts it again on the same port, socket and directory. */
bool redis_proc_restart(redis_proc *p);
/* Kills the server (SIGKILL) and reaps it; the directory stays. */
void redis_proc_kill(redis_proc *p);
/* SIGSTOP / SIGCONT: a server that hangs. */
void redis_proc_pause(redis_proc *p);
void redis_proc_resume(redis_proc *p);
/* Runs one command on a fresh blocking connection; true when the reply is
 * not an error. An integer reply is stored in *int_out (may be NULL). */
bool redis_proc_cmd(const redis_proc *p, const char *cmd, long long *int_out);
/* Kills the server and removes the directory. */
void redis_proc_cleanup(redis_proc *p);
/* "redis://127.0.0.1:PORT" in buf. */
const char *redis_proc_url(const redis_proc *p, char *buf, size_t n);

#endif
