"""A user's script over the framework adapters, checked with ``mypy --strict`` by
tests/cli/test_typing.py when JAX and Keras are installed."""
import jax

import fastinit.jax as fj
import fastinit.keras as fk


def jax_params() -> list[jax.Array]:
    init = fj.glorot_uniform(in_axis=0, out_axis=1)
    w: jax.Array = init(jax.random.key(0), (8, 4))
    b = fj.normal(0.02)(jax.random.key(1), (4,))
    z = fj.zeros(jax.random.key(2), (4,))
    seed, stream = fj.seed_stream(jax.random.key(3))
    assert seed >= 0 and stream >= 0
    return [w, b, z]


def keras_initializers() -> list[object]:
    return [fk.GlorotUniform(seed=1), fk.HeNormal(seed=2, stream=3),
            fk.VarianceScaling(2.0, "fan_in", "uniform", seed=4), fk.Constant(0.5),
            fk.Orthogonal(gain=1.0, seed=5)]


if __name__ == "__main__":
    print([a.shape for a in jax_params()], len(keras_initializers()))
