// Linux event APIs that Glibc's Swift overlay does not expose
// (shared/notes/swift-on-linux.md): epoll, timerfd, eventfd, signalfd.
// DAMCRuntime is the only user; nothing here has logic of its own.
#ifndef DAMC_CLINUXEVENTS_H
#define DAMC_CLINUXEVENTS_H

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <signal.h>

/// The epoll_event data union as a plain 64-bit value (Swift sees the
/// packed struct awkwardly).
static inline uint64_t damc_epoll_event_data(const struct epoll_event *event) { return event->data.u64; }
static inline uint32_t damc_epoll_event_events(const struct epoll_event *event) { return event->events; }
static inline void damc_epoll_event_set(struct epoll_event *event, uint32_t events, uint64_t data) {
    event->events = events;
    event->data.u64 = data;
}

/// sigaddset and friends can be macros; these are functions.
int damc_block_signals(const int *signals, int count, sigset_t *set);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (accept4 needs _GNU_SOURCE).
int damc_accept_nonblocking(int listener);

/// prctl(PR_SET_PDEATHSIG, signal) (prctl is variadic): the kernel sends
/// `signal` to this process when its parent exits. Test harnesses and labs
/// use it so that no daemon outlives the process that started it.
int damc_exit_with_parent(int signal);

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED;
/// struct ucred needs _GNU_SOURCE). Returns 0 on success.
int damc_peer_uid(int fd, unsigned int *uid);

/// An inotify descriptor (non-blocking) that becomes readable when a file
/// in `directory` is created, written or closed; -1 on failure. Tests wait
/// on it between checks, so they react to daemons' activity at once.
int damc_watch_directory(const char *directory);

/// Waits until `fd` is readable or `milliseconds` pass, then drains it.
void damc_wait_readable(int fd, int milliseconds);

/// splice(2) between a socket and a pipe (needs _GNU_SOURCE): moves up to
/// `length` bytes without copying them through user space. Returns the
/// count moved, 0 at end of input, or -1 with errno.
long damc_splice(int from, int to, unsigned long length);
/// A pipe for splice(2), close-on-exec and non-blocking on both ends,
/// enlarged to `size` bytes when the system allows. Returns 0 on success.
int damc_splice_pipe(int fds[2], int size);
/// A blocking accept4(2) (close-on-exec), for forwarding threads.
int damc_accept_blocking(int listener);
/// Starts a detached thread with a small stack that runs `body(context)`.
/// Returns 0 on success (pthread_create's error otherwise).
int damc_spawn_thread(void (*body)(void *), void *context, unsigned long stack_bytes);
#endif
