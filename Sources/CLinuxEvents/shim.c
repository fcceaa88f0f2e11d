#define _GNU_SOURCE
#include "CLinuxEvents.h"
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>

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
