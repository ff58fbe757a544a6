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
// `bytes` is a double so that products of absurd sizes (a width of 2^31 squared, a batch of 2^62
// rows) cannot wrap around to a small number.
void require_fits_in_memory(double bytes, const std::string& what);

// Trainable float32 parameters take four copies while training with Adam: the weights, their
// gradients and the two moment estimates.
constexpr double kTrainingBytesPerParameter = 4 * sizeof(float);

}  // namespace grl
