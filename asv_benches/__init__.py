"""asv benchmarks for fastinit (configuration: asv.conf.json; how to run: docs/asv.rst).

* ``bench_distributions`` -- the three samplers against NumPy and PyTorch, time and
  peak memory, float32/float64, 1M and 16M elements, one thread and all threads.
* ``bench_initializers`` -- catalog initializers (Glorot, He, LeCun, orthogonal).
* ``bench_ratios`` -- ``track_`` speed-ups over NumPy and PyTorch, measured inside one
  process with best-of-N timings, so a regression shows even on a noisy machine.
"""
