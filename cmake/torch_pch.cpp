// Carrier translation unit for the precompiled <torch/torch.h> (see cmake/Dependencies.cmake).
namespace slime { int torch_pch_anchor = 0; }
