"""Fans and gains (docs/contract.rst, "Fans").

* :func:`compute_fans` -- Keras/JAX layout by default: last axis is "out", second to
  last "in", the receptive field is the product of the other (non-batch) axes.
  ``in_axis``/``out_axis``/``batch_axis`` choose others, as in
  ``jax.nn.initializers.variance_scaling``.  Keras small-rank rules: a 0-d shape has
  ``fan_in = fan_out = 1``, a 1-d shape ``(n,)`` has ``fan_in = fan_out = n``.
* :func:`torch_fans` -- PyTorch layout ``(out, in, *kernel)`` with PyTorch's error for
  fewer than two dimensions.
* :func:`calculate_gain` -- ``torch.nn.init.calculate_gain``.
"""
import math
import numbers
from typing import Any, Optional, Tuple

from .core import checks as _checks

__all__ = ["compute_fans", "fans_of", "torch_fans", "calculate_gain", "NONLINEARITIES"]

NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu")


def _axes(axis: Any, ndim: int, name: str) -> Tuple[int, ...]:
    """A tuple of non-negative axes from an int or a sequence of ints."""
    items = (axis,) if isinstance(axis, numbers.Integral) else axis
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {axis!r}") from None
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{name} must be an int or a sequence of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}={axis!r} is out of range for a shape of rank {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}={axis!r} names an axis twice")
    return tuple(out)


def fans_of(shape: Tuple[int, ...], in_axis: Any = -2, out_axis: Any = -1,
            batch_axis: Any = (), *, small_rank: str = "keras") -> Tuple[int, int]:
    """The one fan computation of the catalog and every adapter (``shape`` parsed).

    ``fan_in = prod(shape[in_axis]) * receptive``, ``fan_out = prod(shape[out_axis]) *
    receptive``, ``receptive`` = product of the axes that are neither in, out nor batch.
    ``small_rank`` says what a 0-d or 1-d shape gives under the default ``in_axis``:
    ``"keras"`` the Keras rules (``(1, 1)``, ``(n, n)``; also needs the default
    ``out_axis`` and no batch axes), ``"jax"`` the ValueError of ``jax.nn.initializers``.
    """
    nd = len(shape)
    default_in = (not isinstance(in_axis, bool) and isinstance(in_axis, numbers.Integral)
                  and in_axis == -2)
    if nd <= 1 and default_in:
        if small_rank == "jax":
            raise ValueError(
                f"Can't compute input and output sizes of a {nd}-dimensional weights tensor "
                "with default in_axis. Must be at least 2D or specify in_axis explicitly.")
        default_out = (not isinstance(out_axis, bool) and isinstance(out_axis, numbers.Integral)
                       and out_axis == -1)
        if default_out and isinstance(batch_axis, (tuple, list)) and len(batch_axis) == 0:
            n = shape[0] if nd == 1 else 1     # Keras rules for constants and vectors
            return n, n
    if nd == 0:
        raise ValueError("fans can not be computed for a 0-d shape with explicit axes")
    ins = _axes(in_axis, nd, "in_axis")
    outs = _axes(out_axis, nd, "out_axis")
    batch = _axes(batch_axis, nd, "batch_axis")
    if (set(ins) & set(outs)) or (set(ins) & set(batch)) or (set(outs) & set(batch)):
        raise ValueError(f"in_axis={in_axis!r}, out_axis={out_axis!r} and "
                         f"batch_axis={batch_axis!r} must name different axes of {shape}")
    used = set(ins) | set(outs) | set(batch)
    receptive = math.prod(shape[i] for i in range(nd) if i not in used)
    fan_in = math.prod(shape[i] for i in ins) * receptive
    fan_out = math.prod(shape[i] for i in outs) * receptive
    return fan_in, fan_out


def compute_fans(shape: Any, in_axis: Any = -2, out_axis: Any = -1,
                 batch_axis: Any = ()) -> Tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` in the Keras/JAX layout.

    ``fan_in = prod(shape[in_axis]) * receptive``, ``fan_out = prod(shape[out_axis]) *
    receptive``, ``receptive`` = product of the axes that are neither in, out nor batch.

    >>> compute_fans((3, 3, 16, 32))      # a Keras Conv2D kernel
    (144, 288)
    >>> compute_fans((5,)), compute_fans(())
    ((5, 5), (1, 1))
    """
    return fans_of(_checks.shape(shape), in_axis, out_axis, batch_axis)


def torch_fans(shape: Any) -> Tuple[int, int]:
    """``(fan_in, fan_out)`` in PyTorch's layout ``(out, in, *kernel)``, exactly as
    ``torch.nn.init._calculate_fan_in_and_fan_out``.

    >>> torch_fans((32, 16, 3, 3))        # a torch Conv2d weight
    (144, 288)
    """
    shape = _checks.shape(tuple(shape))
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer "
                         "than 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """Recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``:
    1 for linear/conv*/conv_transpose*/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    ``sqrt(2 / (1 + negative_slope**2))`` for leaky_relu (``param``, default 0.01),
    3/4 for selu.

    >>> calculate_gain("relu") == 2 ** 0.5, calculate_gain("tanh")
    (True, 1.6666666666666667)
    """
    if nonlinearity in NONLINEARITIES[:8]:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
            if not math.isfinite(slope):
                raise ValueError(f"negative_slope {param} not a valid number")
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}; nonlinearity must be one of "
                     f"{', '.join(NONLINEARITIES)}")
