"""JAX keys to fastinit's ``(seed, stream)`` (docs/contract.rst "JAX keys")."""
from typing import Any, Tuple

import jax
import numpy as np


def _key_data(key):
    """The uint32 words of a typed or raw key (traced or not)."""
    dt = getattr(key, "dtype", None)
    if dt is not None and jax.dtypes.issubdtype(dt, jax.dtypes.prng_key):
        data = jax.random.key_data(key)
    else:
        if dt is None or not hasattr(key, "shape"):
            raise TypeError("key must be a jax.random.key or a raw jax.random.PRNGKey "
                            f"array; got {type(key).__name__}")
        data = key
    if data.dtype != np.uint32 or data.ndim != 1 or data.shape[0] not in (2, 4):
        raise TypeError("key must be a single jax.random.key or raw PRNGKey (uint32 words "
                        f"of shape (2,) or (4,)); got dtype={data.dtype}, shape={data.shape}")
    return data


def seed_stream(key: Any) -> Tuple[int, int]:
    """``(seed, stream)`` of a concrete key: its uint32 words ``w``, zero-padded to
    four, give ``seed = w[0] * 2**32 + w[1]`` and ``stream = w[2] * 2**32 + w[3]``.
    ``jax.random.PRNGKey(n)``/``jax.random.key(n)`` (threefry) is ``(n, 0)``.

    >>> seed_stream(jax.random.key(42))
    (42, 0)
    """
    return _words_to_pair(np.asarray(_key_data(key)))


def _words_to_pair(words):
    w = [int(x) for x in words] + [0] * (4 - len(words))
    return (w[0] << 32) | w[1], (w[2] << 32) | w[3]
