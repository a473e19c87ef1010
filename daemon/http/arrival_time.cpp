#include "daemon/http/arrival_time.hpp"

#include <sys/socket.h>
#include <time.h>

#include <cstring>

namespace araldo::http {

bool enable_arrival_times(int fd) {
  const int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

std::optional<std::chrono::steady_clock::time_point> peek_arrival_time(int fd) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT) != 1) return std::nullopt;
  for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp;
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    // The stamp is on the real-time clock; carry its age over to the steady clock.
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const auto age = std::chrono::seconds(now.tv_sec - stamp.tv_sec) +
                     std::chrono::nanoseconds(now.tv_nsec - stamp.tv_nsec);
    const auto steady_now = std::chrono::steady_clock::now();
    if (age < std::chrono::nanoseconds::zero()) return steady_now;
    return steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
  }
  return std::nullopt;
}

}  // namespace araldo::http
