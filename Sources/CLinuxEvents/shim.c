#define _GNU_SOURCE
#include "CLinuxEvents.h"
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>

int damc_block_signals(const int *signals, int count, sigset_t *set) {
    sigemptyset(set);
    for (int i = 0; i < count; i++) sigaddset(set, signals[i]);
    return sigprocmask(SIG_BLOCK, set, NULL);
}

int damc_accept_nonblocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int damc_exit_with_parent(int signal) {
    return prctl(PR_SET_PDEATHSIG, signal);
}

int damc_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}

int damc_watch_directory(const char *directory) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return -1;
    if (inotify_add_watch(fd, directory, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void damc_wait_readable(int fd, int milliseconds) {
    struct pollfd target = { .fd = fd, .events = POLLIN, .revents = 0 };
    if (poll(&target, 1, milliseconds) > 0) {
        char buffer[4096];
        while (read(fd, buffer, sizeof buffer) > 0) {}
    }
}

long damc_splice(int from, int to, unsigned long length) {
    return (long)splice(from, NULL, to, NULL, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

int damc_splice_pipe(int fds[2], int size) {
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    if (size > 0) (void)fcntl(fds[1], F_SETPIPE_SZ, size);
    return 0;
}

int damc_accept_blocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC);
}

struct damc_thread_start { void (*body)(void *); void *context; };

static void *damc_thread_main(void *raw) {
    struct damc_thread_start start = *(struct damc_thread_start *)raw;
    free(raw);
    start.body(start.context);
    return NULL;
}

int damc_spawn_thread(void (*body)(void *), void *context, unsigned long stack_bytes) {
    struct damc_thread_start *start = malloc(sizeof *start);
    if (start == NULL) return 12; /* ENOMEM */
    start->body = body;
    start->context = context;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (stack_bytes > 0) pthread_attr_setstacksize(&attributes, stack_bytes);
    pthread_t thread;
    int status = pthread_create(&thread, &attributes, damc_thread_main, start);
    pthread_attr_destroy(&attributes);
    if (status != 0) free(start);
    return status;
}
