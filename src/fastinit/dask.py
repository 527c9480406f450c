"""Lazy Dask arrays from the catalog::

    import fastinit.dask
    w = fastinit.dask.glorot_uniform((100_000, 4096), chunks=(8192, 4096), seed=0)

Each function is the catalog's return-new form with ``xp=dask.array`` and a ``chunks=``
argument (default ``"auto"``); ``fastinit.glorot_uniform(shape, xp=dask.array,
chunks=...)`` is the same thing.  Random initializers build a graph of
``da.map_blocks`` tasks, each filling its chunk as a shard of the whole tensor
(``global_shape``/``start`` from the block's array-location), so ``.compute()`` equals the
NumPy result bit for bit whatever the chunks.  ``seed=None`` is resolved once, when the
graph is built, so computing the graph twice gives the same values.

``orthogonal``, ``sparse``, ``identity``/``eye`` and ``dirac`` are computed eagerly on the
host (NumPy) and wrapped with ``da.from_array``: a QR does not split into chunks.
"""
import functools

import dask.array as _da

from . import initializers as _catalog

__all__ = ["zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform",
           "xavier_normal", "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal",
           "lecun_uniform", "lecun_normal", "orthogonal", "identity", "eye", "dirac", "sparse"]


def _on_dask(fn):
    @functools.wraps(fn)
    def wrapper(*args, chunks="auto", **kwargs):
        for k in ("xp", "like", "device"):
            if kwargs.get(k) is not None:
                raise TypeError(f"fastinit.dask.{fn.__name__} does not take {k}= (it makes Dask arrays)")
            kwargs.pop(k, None)
        return fn(*args, xp=_da, chunks=chunks, **kwargs)
    wrapper.__doc__ = (f"Lazy Dask version of :func:`fastinit.{fn.__name__}` "
                       f"(``chunks=`` as in ``dask.array``).\n\n{fn.__doc__ or ''}")
    return wrapper


for _name in __all__:
    globals()[_name] = _on_dask(getattr(_catalog, _name))
del _name
