"""Tools built on the library, apart from it: the benchmarks, the demo, the self-test."""
