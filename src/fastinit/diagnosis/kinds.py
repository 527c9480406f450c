"""Which framework a model belongs to, from its class alone (no framework imported)."""


def framework_of(model) -> str:
    """"torch", "keras", "flax.nnx" or "flax.linen", from the model's class; a clear
    error for anything else."""
    for cls in type(model).__mro__:
        mod = cls.__module__ or ""
        if mod.startswith("torch."):
            return "torch"
        if mod.startswith("keras.") or mod == "keras":
            return "keras"
        if mod.startswith("flax.nnx") or mod.startswith("flax.experimental.nnx"):
            return "flax.nnx"
        if mod.startswith("flax.linen"):
            return "flax.linen"
    raise TypeError("model must be a torch.nn.Module, a Keras 3 model or a Flax NNX/linen "
                    f"module, got {type(model).__module__}.{type(model).__name__}")
