// Refusing sizes that cannot fit before allocating them. A typo such as hidden: [100000000] would
// otherwise allocate tens of gigabytes, swap the machine and write a checkpoint of the same size.
#pragma once

#include <cstdint>
#include <string>

namespace grl {

// This machine's physical memory in bytes (sysconf), or 0 when unknown.
std::uint64_t physical_memory_bytes();

// Throws "<what> needs X GiB, more than half of this machine's Y GiB of memory ..." when `bytes`
// exceeds half the physical memory (what else a run holds, the dataset and the activations, needs
// the rest); nothing is checked when the memory size is unknown.
void require_fits_in_memory(std::uint64_t bytes, const std::string& what);

// Trainable parameters take four copies while training with Adam: the weights, their gradients
// and the two moment estimates.
constexpr std::uint64_t kTrainingCopiesPerParameter = 4;

}  // namespace grl
