"""The named presets of the catalog, built from :data:`fastinit.presets.PRESETS`:
for each row a return-new function ``name(shape, ...)`` and an in-place ``name_(array,
...)``, both :func:`~fastinit.variance_scaling` with the row's fixed (scale, mode,
distribution), as ``jax/_src/nn/initializers.py`` does with ``variance_scaling``.  The
two templates below carry the real signatures (``help()``, sphinx and mypy see them);
the :class:`NewPreset`/:class:`FillPreset` protocols give the module attributes their
types."""
from __future__ import annotations

from typing import Any, Callable, Optional, Protocol, Tuple

from ..presets import Preset
from .edge import Array, Axes, Seed, Shape
from .random import variance_scaling, variance_scaling_

MODULE = "fastinit.initializers"     # where the public names live (docs, pickling)


class NewPreset(Protocol):
    """A preset's return-new form."""
    def __call__(self, shape: Shape, *, seed: Seed = None, stream: int = 0,
                 dtype: Any = None, xp: Any = None, device: Any = None, like: Any = None,
                 in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                 fans: Any = None, threads: Optional[int] = None, global_shape: Any = None,
                 start: Any = None, chunks: Any = None) -> Array: ...


class FillPreset(Protocol):
    """A preset's in-place form."""
    def __call__(self, array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                 in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                 threads: Optional[int] = None, global_shape: Any = None,
                 start: Any = None) -> Array: ...


def _named(fn: Callable[..., Array], name: str, doc: str) -> Any:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = MODULE
    return fn


def make_new(p: Preset) -> NewPreset:
    """The return-new function of preset ``p``."""
    def preset(shape: Shape, *, seed: Seed = None, stream: int = 0, dtype: Any = None,
               xp: Any = None, device: Any = None, like: Any = None, in_axis: Axes = -2,
               out_axis: Axes = -1, batch_axis: Axes = (), fans: Any = None,
               threads: Optional[int] = None, global_shape: Any = None, start: Any = None,
               chunks: Any = None) -> Array:
        return variance_scaling(shape, p.scale, p.mode, p.distribution,  # type: ignore[arg-type]
                                in_axis, out_axis, batch_axis, seed=seed, stream=stream,
                                dtype=dtype, xp=xp, device=device, like=like, fans=fans,
                                threads=threads, global_shape=global_shape, start=start,
                                chunks=chunks)
    call = f"variance_scaling({p.scale:g}, {p.mode!r}, {p.distribution!r})"
    example = "\n".join("    " + line for line in p.example.split("\n"))
    doc = f"{p.summary}\n    (``{call}``).\n\n{example}\n    "
    return _named(preset, p.name, doc)


def make_fill(p: Preset) -> FillPreset:
    """The in-place function of preset ``p``."""
    def preset_(array: Array, *, seed: Seed = None, stream: int = 0, fans: Any = None,
                in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                threads: Optional[int] = None, global_shape: Any = None,
                start: Any = None) -> Array:
        return variance_scaling_(array, p.scale, p.mode, p.distribution,  # type: ignore[arg-type]
                                 in_axis, out_axis, batch_axis, seed=seed, stream=stream,
                                 fans=fans, threads=threads, global_shape=global_shape,
                                 start=start)
    return _named(preset_, p.name + "_",
                  f"In-place :func:`{p.name}`: fills ``array`` and returns it.")


def pair(p: Preset) -> Tuple[NewPreset, FillPreset]:
    """Both call forms of preset ``p``."""
    return make_new(p), make_fill(p)
