#pragma once
// araldoctl's exit status, for crontabs and scripts (README, "araldoctl"):
namespace araldo::ctl {

enum Exit : int {
  ok = 0,                 // accepted / done / the log is intact
  refused = 1,            // the server answered no (4xx), or the log is broken
  usage = 2,              // bad flags, a file that cannot be read, no key
  deliveries_failed = 3,  // --wait: every delivery is final, some failed or expired
  unreachable = 4,        // no answer, or 503 after every retry
  timed_out = 5,          // --wait: deliveries still open at the deadline
};

}  // namespace araldo::ctl
