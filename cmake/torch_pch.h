// The one precompiled header: LibTorch is by far the heaviest include in the project.
#pragma once
#include <torch/torch.h>
