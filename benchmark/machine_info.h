// What a result was produced on, in one line each, for reports: "AMD EPYC 7B13, 2 cores, 23.5 GiB"
// and "grl 0.1.0, LibTorch 1.13.0, MuJoCo 2.2.2".
#pragma once

#include <string>

namespace grl::benchmark {

std::string machine_description();
std::string software_versions();

}  // namespace grl::benchmark
