"""Hugging Face transformers' private flags and version-dependent tables, in one place.

Read against transformers 5.25 (the one CI installs); the fallbacks are for others
(the declared minimum is 4.40).
transformers is never imported here: only looked up in ``sys.modules``, so a model that
is not a Hugging Face one costs nothing.
"""
import sys

# the flag transformers sets on modules and tensors it has initialised (or loaded from a
# checkpoint), so its init functions skip them: private, read by name
INITIALISED_FLAG = "_is_hf_initialized"


def version():
    """``(major, minor)`` of the loaded transformers, or None when it is not loaded."""
    mod = sys.modules.get("transformers")
    if mod is None:
        return None
    major, minor = str(getattr(mod, "__version__", "0.0")).split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def pretrained_class():
    """``transformers.PreTrainedModel`` when transformers is loaded, else None."""
    mod = sys.modules.get("transformers")
    return getattr(mod, "PreTrainedModel", None) if mod is not None else None


def clear_initialised_flags(model):
    """Remove :data:`INITIALISED_FLAG` from ``model``'s modules, parameters and buffers,
    so its own init runs again (construction marks everything initialised).  The flag
    lives in the instance ``__dict__`` (5.25); where it is absent this does nothing."""
    for m in model.modules():
        m.__dict__.pop(INITIALISED_FLAG, None)
    for t in list(model.parameters()) + list(model.buffers()):
        t.__dict__.pop(INITIALISED_FLAG, None)


def initialize(model):
    """Run the model's own weight init with the flags cleared: ``initialize_weights()``
    (transformers 5), else ``init_weights()`` (older 4.x, which also re-ties weights); a
    clear error when neither exists."""
    fn = getattr(model, "initialize_weights", None)
    if not callable(fn):
        fn = getattr(model, "init_weights", None)
    if not callable(fn):
        raise TypeError(f"{type(model).__name__} has neither initialize_weights() nor "
                        f"init_weights() (transformers {version()}): fastinit cannot run "
                        "its own init")
    clear_initialised_flags(model)
    fn()

