#pragma once
// The database cannot be reached (or the connection was lost): the API answers 503, the
// dispatcher waits it out. Its own header, so code that never touches SQL can catch it.
#include <stdexcept>

namespace araldo::store {

struct DatabaseUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace araldo::store
