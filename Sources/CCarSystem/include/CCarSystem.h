// The few Linux system interfaces Glibc's Swift module does not expose: epoll, eventfd and
// accept4. Kept to declarations; the event loop in CarServer/Transport is the only user.
#ifndef CCARSYSTEM_H
#define CCARSYSTEM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

/// accept4 needs _GNU_SOURCE, which must not leak into Swift's view of the C library.
int car_accept4(int fd, int flags);

#endif
