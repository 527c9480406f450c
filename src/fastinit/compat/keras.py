"""Keras 3's private APIs used by :mod:`fastinit.diagnosis.keras`, in one place.

Checked against Keras 3.0 -- 3.15 (the tests run on the installed one).  Keras is imported
by the caller; these functions only read attributes of the objects they are given.
"""

CHECKED = ((3, 0), (3, 15))


def graph_runner(model):
    """``run(inputs, operation_fn)`` for a Sequential or functional ``model``:
    ``Functional._run_through_graph``, which calls ``operation_fn(op)(*args, **kwargs)``
    at every node of the layer graph in order (``Functional.call`` runs the model with
    it; a built Sequential keeps its graph in ``_functional``).  Without it, a TypeError
    that says why."""
    import keras
    fn = getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model
    run = getattr(fn, "_run_through_graph", None)
    if run is None or not hasattr(fn, "_nodes_by_depth"):
        raise TypeError(
            "Keras diagnosis needs a built Sequential model (with an Input) or a functional "
            f"model; {type(model).__name__} is neither (a subclassed model has no layer "
            f"graph to walk), or Keras {keras.__version__} changed Functional."
            "_run_through_graph (read against Keras 3.0 -- 3.15)")

    def runner(inputs, operation_fn):
        return run(inputs, operation_fn=operation_fn)
    return runner


def takes_training(op):
    """Whether ``op``'s call takes ``training=``: ``Layer._call_context_args`` (Keras
    >= 3.9), else ``Layer._call_has_training_arg`` (earlier 3.x), else False."""
    names = getattr(op, "_call_context_args", None)
    if names is not None:
        return "training" in names
    return bool(getattr(op, "_call_has_training_arg", False))


def attention_output_kernel(layer):
    """The kernel of a ``MultiHeadAttention``'s output projection
    (``layer._output_dense.kernel``), or None for other layers or when it moved."""
    dense = getattr(layer, "_output_dense", None)
    return getattr(dense, "kernel", None)
