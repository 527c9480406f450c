"""fastinit.compat.keras (the Keras private APIs diagnosis uses) and the torch version
counter entry, against the installed frameworks and their fallbacks."""
import importlib.util
import os

import pytest

from fastinit.compat import keras as ck


class Op:
    pass


def test_takes_training_reads_either_attribute():
    a, b, c = Op(), Op(), Op()
    a._call_context_args = {"training"}
    b._call_has_training_arg = True
    assert ck.takes_training(a) and ck.takes_training(b) and not ck.takes_training(c)


def test_attention_output_kernel_absent_is_none():
    assert ck.attention_output_kernel(Op()) is None


def test_graph_runner_on_the_installed_keras():
    os.environ.setdefault("KERAS_BACKEND",
                          "torch" if importlib.util.find_spec("torch") else "jax")
    keras = pytest.importorskip("keras")
    import numpy as np
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    calls = []
    run = ck.graph_runner(model)
    out = run([np.ones((1, 3), "float32")], lambda op: (calls.append(op.name), op)[1])
    assert calls == [model.layers[0].name] and tuple(out.shape) == (1, 2)
    mha = keras.layers.MultiHeadAttention(2, 4)
    mha(np.ones((1, 3, 4), "float32"), np.ones((1, 3, 4), "float32"))
    assert ck.attention_output_kernel(mha) is not None

    class Sub(keras.Model):
        def call(self, x):
            return x
    with pytest.raises(TypeError, match="subclassed"):
        ck.graph_runner(Sub())


def test_torch_version_counter():
    torch = pytest.importorskip("torch")
    from fastinit.compat.torch import version_of
    t = torch.zeros(3)
    v = version_of(t)
    t.add_(1)
    assert v is not None and version_of(t) > v
    assert version_of(object()) is None
