// pause: the process that holds a pod sandbox's namespaces. It does nothing but wait:
// SIGINT and SIGTERM end it (exit 0), SIGCHLD reaps orphans it inherits as PID 1.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void Stop(int sig) {
  (void)sig;
  _exit(0);
}

static void Reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char** argv) {
  if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
    puts("curve pause 1");
    return 0;
  }
  if (getpid() != 1) fputs("pause: warning: not running as PID 1\n", stderr);

  struct sigaction stop = {0};
  stop.sa_handler = Stop;
  sigemptyset(&stop.sa_mask);
  struct sigaction reap = {0};
  reap.sa_handler = Reap;
  reap.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigemptyset(&reap.sa_mask);
  if (sigaction(SIGINT, &stop, NULL) != 0 || sigaction(SIGTERM, &stop, NULL) != 0 ||
      sigaction(SIGCHLD, &reap, NULL) != 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
}
