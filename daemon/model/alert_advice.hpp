#pragma once
// What makes a warning understood, checked before it is sent (the preview shows it, it
// never refuses): the five elements a warning needs (who issues it, what is happening,
// where, what to do, until when), no capitals, a headline that fits a screen, an
// instruction that is not the description again, and text that most people can read
// (Gulpease for Italian, Flesch for English: text/readability).
#include <string>
#include <vector>

#include "daemon/model/alert.hpp"

namespace araldo::model {

struct Advice {
  std::string pointer;  // the field, as a JSON Pointer into the alert
  std::string detail;
};

std::vector<Advice> advise(const Alert& alert);

inline constexpr double gulpease_hard_below = 60;  // hard for readers with middle school
inline constexpr double flesch_hard_below = 50;    // "difficult": college level

}  // namespace araldo::model
