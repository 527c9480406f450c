"""The fence around other projects' private APIs and version-dependent layouts.

Everything fastinit uses from torch, JAX or Hugging Face transformers that is private
(a leading underscore, an undocumented module) or that changed between versions is
reached through one module per framework here -- :mod:`.torch`, :mod:`.jax`,
:mod:`.transformers`, :mod:`.keras` (the layer-graph walk of :mod:`fastinit.diagnosis`) --
never directly from the adapters.  Each entry says which
versions it was checked against, checks what it can when first used (an attribute or
signature present, a version in range) and has a stated fallback (a public equivalent,
a slower path) or a clear error naming the version.  ``tests/core/test_compat.py``
exercises every entry against the installed frameworks and their fallbacks.

The XLA FFI's C ABI (structs read by ctypes) is fenced in :mod:`fastinit.jax.ffi`
itself: it checks the API version and struct sizes XLA hands it and falls back to
``jax.pure_callback`` (with a warning) when they are not the ones it knows.

These modules import their framework lazily (inside the functions), so importing them
costs nothing.
"""
