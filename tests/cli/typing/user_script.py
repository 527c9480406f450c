"""A user's script, checked with ``mypy --strict`` by tests/cli/test_typing.py: the
public API carries type hints (and a py.typed marker), so calls type-check."""
import numpy as np

import fastinit
from fastinit.fans import calculate_gain, compute_fans


def build() -> list[np.ndarray]:
    fastinit.seed(0)
    w = fastinit.glorot_uniform((784, 256), seed=0)
    b = fastinit.zeros((256,))
    h = fastinit.he_normal((3, 3, 64, 128), seed=1, dtype="float64")
    v = fastinit.variance_scaling((64, 32), 2.0, "fan_in", "uniform", seed=2)
    o = fastinit.orthogonal((32, 32), gain=calculate_gain("relu"), seed=3)
    fastinit.normal_(w, 0.0, 0.02, seed=4, stream=1)
    fastinit.truncated_normal_(h, std=0.02, low=-0.04, high=0.04, seed=5)
    part = fastinit.normal((2, 4), seed=7, global_shape=(4, 4), start=(2, 0))
    raw = fastinit.random_raw(8, seed=1)
    fan_in, fan_out = compute_fans((3, 3, 64, 128))
    assert fan_in > 0 and fan_out > 0
    return [w, b, h, v, o, part, raw]



if __name__ == "__main__":
    print([a.shape for a in build()])
