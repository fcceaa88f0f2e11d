// libsystemd through pkg-config (apt libsystemd-dev): sd_notify and the
// watchdog query. Only the non-variadic entry points are used.
#include <systemd/sd-daemon.h>
