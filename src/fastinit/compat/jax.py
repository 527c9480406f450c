"""JAX's version-dependent names, in one place.

Read against jax/jaxlib 0.10.2 (the one CI installs).  The XLA FFI's C ABI is fenced in
:mod:`fastinit.jax.ffi`, which checks what XLA hands it at run time; this module only
says where the Python-level entry points live in the installed jax.
"""
import os


def version(module="jaxlib"):
    """``(major, minor, patch)`` of the installed ``jaxlib`` (or ``jax``); None when it
    cannot be imported."""
    try:
        mod = __import__(module)
    except ImportError:
        return None
    parts = []
    for p in str(mod.__version__).split(".")[:3]:
        digits = "".join(c for c in p if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


def is_tracer(x):
    """True for a value being traced (``jax.core.Tracer``, public through jax 0.10)."""
    import jax
    tracer = getattr(getattr(jax, "core", None), "Tracer", None)
    if tracer is None:      # pragma: no cover - a jax that moved it
        raise ImportError(f"this jax ({jax.__version__}) has no jax.core.Tracer; "
                          "fastinit.jax needs it to tell traced keys from concrete ones")
    return isinstance(x, tracer)


def shard_map():
    """``jax.shard_map`` (top level in recent jax, which deprecates the experimental one);
    on older jax ``jax.experimental.shard_map``'s."""
    import jax
    fn = getattr(jax, "shard_map", None)
    if fn is not None:
        return fn
    from jax.experimental.shard_map import shard_map as fn   # pragma: no cover - old jax
    return fn


def ffi():
    """The module with ``register_ffi_target``/``ffi_call``: ``jax.ffi`` (recent jax), else
    ``jax.extend.ffi`` (older); None where neither has both."""
    import jax
    for mod in (getattr(jax, "ffi", None), getattr(getattr(jax, "extend", None), "ffi", None)):
        if mod is not None and hasattr(mod, "register_ffi_target") and hasattr(mod, "ffi_call"):
            return mod
    return None


def ffi_setting():
    """``FASTINIT_JAX_FFI``: ``"0"`` never use the FFI custom call, ``"auto"`` (default)
    use it where its checks pass."""
    return os.environ.get("FASTINIT_JAX_FFI", "auto")
