// The few Linux system interfaces Glibc's Swift module does not expose: epoll, eventfd,
// accept4, pidfd_open and posix_spawn's chdir action. Kept to declarations; the event loop in
// CarServer/Transport and the process spawner in CarIO are the users.
#ifndef CCARSYSTEM_H
#define CCARSYSTEM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <spawn.h>

/// accept4 needs _GNU_SOURCE, which must not leak into Swift's view of the C library.
int car_accept4(int fd, int flags);

/// pidfd_open(2) (Linux 5.3): a descriptor that becomes readable when the process exits; works
/// for any pid, not only our children. -1 with errno set (ENOSYS on an older kernel).
/// The descriptor is close-on-exec.
int car_pidfd_open(int pid, unsigned int flags);

/// pidfd_send_signal(2) (Linux 5.1, syscall 424): signals the process the pidfd refers to, never
/// a later process that reused its pid (ESRCH once it is gone). Signal 0 checks it still exists.
int car_pidfd_send_signal(int pidfd, int sig);

/// posix_spawn_file_actions_addchdir_np (glibc 2.29), hidden behind _GNU_SOURCE.
int car_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child closes every descriptor
/// from `lowest` up, so nothing but its standard streams is inherited, whatever another thread
/// of ours has open without close-on-exec at that moment.
int car_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

int car_set_thread_name(const char *name);

#endif
