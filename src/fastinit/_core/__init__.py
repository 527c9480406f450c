"""The compiled engine (_engine) and the C/CUDA headers it shares with the GPU kernels."""
