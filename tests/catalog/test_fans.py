import math
import os
import random

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from fastinit import fans
from fastinit.fans import calculate_gain, compute_fans, torch_fans


def _shapes(n, lo_rank, hi_rank, seed, max_dim=9):
    rng = random.Random(seed)
    return [tuple(rng.randint(1, max_dim) for _ in range(rng.randint(lo_rank, hi_rank)))
            for _ in range(n)]


def test_torch_fans_match_torch_on_random_shapes():
    torch = pytest.importorskip("torch")
    from torch.nn.init import _calculate_fan_in_and_fan_out as ref
    for shape in _shapes(400, 2, 5, 0):
        assert torch_fans(shape) == ref(torch.empty(shape, device="meta")), shape


@pytest.mark.parametrize("shape", [(), (7,)])
def test_torch_fans_error_for_fewer_than_two_dims(shape):
    torch = pytest.importorskip("torch")
    from torch.nn.init import _calculate_fan_in_and_fan_out as ref
    with pytest.raises(ValueError) as ours:
        torch_fans(shape)
    with pytest.raises(ValueError) as theirs:
        ref(torch.empty(shape))
    assert str(ours.value) == str(theirs.value)


def test_compute_fans_match_keras_on_random_shapes():
    pytest.importorskip("keras")
    from keras.src.initializers.random_initializers import compute_fans as keras_fans
    shapes = _shapes(400, 0, 5, 1) + [(), (1,), (13,)]
    for shape in shapes:
        assert compute_fans(shape) == keras_fans(shape), shape


def test_compute_fans_match_jax_with_axes():
    pytest.importorskip("jax")
    from jax._src.nn.initializers import _compute_fans as jax_fans
    rng = random.Random(2)
    for shape in _shapes(300, 2, 5, 3):
        nd = len(shape)
        axes = list(range(nd))
        rng.shuffle(axes)
        in_axis, out_axis = axes[0], axes[1]
        batch = tuple(axes[2:2 + rng.randint(0, nd - 2)])
        if rng.random() < 0.3 and nd >= 4 and not batch:
            in_axis = (axes[0], axes[2])
        ours = compute_fans(shape, in_axis, out_axis, batch)
        theirs = jax_fans(shape, in_axis, out_axis, batch)
        assert ours == tuple(int(round(t)) for t in theirs), (shape, in_axis, out_axis, batch)
        # negative axes mean the same
        neg = compute_fans(shape, in_axis - nd if isinstance(in_axis, int) else in_axis,
                           out_axis - nd, batch)
        assert neg == ours


def test_compute_fans_small_ranks_and_layouts():
    assert compute_fans(()) == (1, 1)
    assert compute_fans((5,)) == (5, 5)
    assert compute_fans((3, 4)) == (3, 4)
    assert compute_fans((3, 3, 16, 32)) == (144, 288)
    # torch layout through the axes arguments equals torch_fans
    for shape in _shapes(100, 2, 5, 4):
        assert compute_fans(shape, in_axis=1, out_axis=0) == torch_fans(shape)


@pytest.mark.parametrize("bad, err", [
    (dict(shape=(3, -1)), ValueError),
    (dict(shape=(3, 4), in_axis=5), ValueError),
    (dict(shape=(3, 4), in_axis=0, out_axis=0), ValueError),
    (dict(shape=(3, 4, 5), in_axis=0, out_axis=1, batch_axis=0), ValueError),
    (dict(shape=(3, 4), in_axis=1.5), TypeError),
    (dict(shape=(), in_axis=0), ValueError),
])
def test_compute_fans_errors(bad, err):
    with pytest.raises(err):
        compute_fans(**bad)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name in fans.NONLINEARITIES:
        assert calculate_gain(name) == torch.nn.init.calculate_gain(name), name
    for slope in (0, 0.01, 0.2, 1, 3.5, -0.3, 5):
        assert calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)
    assert calculate_gain("tanh") == 5.0 / 3
    assert calculate_gain("relu") == math.sqrt(2.0)
    assert calculate_gain("selu") == 0.75
    assert calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity swish.*relu.*selu"):
        calculate_gain("swish")
    for bad in (True, "0.1", [0.1], float("nan")):
        with pytest.raises(ValueError, match="negative_slope"):
            calculate_gain("leaky_relu", bad)
