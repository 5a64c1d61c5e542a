/*
 * redis_proc.c — see redis_proc.h.
 */
#include "redis_proc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static bool ping(const redis_proc *p) { return redis_proc_cmd(p, "PING", NULL); }

static bool spawn(redis_proc *p) {
  char port[16], log[128];
  snprintf(port, sizeof port, "%d", p->port);
  snprintf(log, sizeof log, "%s/redis.log", p->dir);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    const char *argv[32];
    int n = 0;
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";
    argv[n++] = p->sock;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--dir";
    argv[n++] = p->dir;
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    argv[n++] = "--enable-debug-command";
    argv[n++] = "yes";
    if (p->password[0]) {
      argv[n++] = "--requirepass";
      argv[n++] = p->password;
    }
    argv[n] = NULL;
    execvp("redis-server", (char *const *)argv);
    _exit(127);
  }
  p->pid = pid;
  for (int i = 0; i < 500; i++) {
    if (ping(p)) return true;
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      p->pid = 0;
      return false;
    }
    sleep_ms(10);
  }
  redis_proc_kill(p);
  return false;
}

bool redis_proc_start(redis_proc *p, int port, const char *password) {
  memset(p, 0, sizeof *p);
  snprintf(p->dir, sizeof p->dir, "/tmp/larch-redis-XXXXXX");
  if (!mkdtemp(p->dir)) return false;
  snprintf(p->sock, sizeof p->sock, "%s/redis.sock", p->dir);
  if (password) snprintf(p->password, sizeof p->password, "%s", password);
  for (int attempt = 0; attempt < 5; attempt++) {
    p->port = port ? port : free_port();
    if (p->port > 0 && spawn(p)) return true;
  }
  return false;
}

bool redis_proc_restart(redis_proc *p) {
  redis_proc_kill(p);
  for (int attempt = 0; attempt < 20; attempt++) {
    if (spawn(p)) return true;
    sleep_ms(50); /* the port may linger briefly */
  }
  return false;
}

void redis_proc_kill(redis_proc *p) {
  if (p->pid <= 0) return;
  kill(p->pid, SIGKILL);
  waitpid(p->pid, NULL, 0);
  p->pid = 0;
}

void redis_proc_pause(redis_proc *p) {
  if (p->pid > 0) kill(p->pid, SIGSTOP);
}

void redis_proc_resume(redis_proc *p) {
  if (p->pid > 0) kill(p->pid, SIGCONT);
}

bool redis_proc_cmd(const redis_proc *p, const char *cmd, long long *int_out) {
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", p->port, tv);
  if (!c || c->err) {
    if (c) redisFree(c);
    return false;
  }
  redisSetTimeout(c, tv);
  bool ok = true;
  if (p->password[0]) {
    redisReply *a = redisCommand(c, "AUTH %s", p->password);
    ok = a && a->type != REDIS_REPLY_ERROR;
    if (a) freeReplyObject(a);
  }
  /* split on spaces: the commands used here have no quoted arguments */
  char copy[256];
  const char *argv[16];
  int argc = 0;
  snprintf(copy, sizeof copy, "%s", cmd);
  for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && argc < 16;
       t = strtok_r(NULL, " ", &save))
    argv[argc++] = t;
  redisReply *r = ok ? redisCommandArgv(c, argc, argv, NULL) : NULL;
  ok = r && r->type != REDIS_REPLY_ERROR;
  if (ok && int_out && r->type == REDIS_REPLY_INTEGER) *int_out = r->integer;
  if (r) freeReplyObject(r);
  redisFree(c);
  return ok;
}

void redis_proc_cleanup(redis_proc *p) {
  redis_proc_kill(p);
  if (!p->dir[0]) return;
  char path[160];
  snprintf(path, sizeof path, "%s/redis.log", p->dir);
  unlink(path);
  unlink(p->sock);
  rmdir(p->dir);
  p->dir[0] = 0;
}

const char *redis_proc_url(const redis_proc *p, char *buf, size_t n) {
  snprintf(buf, n, "redis://127.0.0.1:%d", p->port);
  return buf;
}
