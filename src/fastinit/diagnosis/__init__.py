"""Does *my* initialisation vanish or explode?  :func:`diagnose` runs one forward and one
backward pass of a torch, Keras 3 or Flax model and reports, per layer in execution order,
the output and gradient statistics and a verdict (:mod:`fastinit.diagnosis.report` holds
the records, thresholds and verdicts, shared with ``python -m fastinit demo``).
LSUV, the data-dependent fix, is ``fastinit.torch.lsuv_``, ``fastinit.keras.lsuv`` and
``fastinit.jax.lsuv`` (Flax).

The frameworks are imported only when a model of theirs is diagnosed.
"""
from ..core.seeding import check_u64
from .kinds import framework_of
from .lsuv import LSUVResult, UnitResult
from .report import (DEAD_FRACTION, GROWTH, SATURATED_FRACTION, SATURATED_H, VERDICTS,
                     LayerStats, Report, Verdict, classify)

__all__ = ["diagnose", "Report", "LayerStats", "Verdict", "classify", "LSUVResult",
           "UnitResult", "VERDICTS", "GROWTH", "SATURATED_H", "SATURATED_FRACTION",
           "DEAD_FRACTION"]


def diagnose(model, inputs, *, seed=0, loss=None, train=False, variables=None) -> Report:
    """One forward and one backward pass of ``model`` on ``inputs``; per layer, in execution
    order: output mean/std, fraction of exact zeros, dead units, saturated outputs, the
    weight's fans and std; output-gradient and weight-gradient std.  Returns a
    :class:`Report` (``print(report)``, ``report.to_dict()``, ``report.plot()``) with a
    verdict for the model and each layer (thresholds in :mod:`fastinit.diagnosis.report`).

    ``model``: a torch ``nn.Module``, a Keras 3 model (Sequential or functional), a Flax
    NNX module, or a Flax linen module with its ``variables``.  ``inputs``: one batch -- an
    array/tensor, a tuple of positional arguments or (torch) a dict of keyword arguments.
    ``seed``: the backward pass starts from a unit-variance cotangent, element ``e`` of
    output ``i`` being ``fastinit.normal(..., seed=seed, stream=2**63 + i)``; no labels
    needed.  ``loss``: a callable ``loss(output) -> scalar`` to differentiate instead.
    ``train``: run in training mode (batch-norm batch statistics; torch: dropout from
    ``torch.manual_seed(seed)`` inside a forked RNG state, buffers restored after); the
    default is inference mode.  The model's parameters, buffers, ``.grad`` and mode are
    left as they were.

    >>> import torch, fastinit
    >>> net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> report = fastinit.diagnose(net, torch.ones(4, 8))
    >>> report.verdict.kind in fastinit.diagnosis.VERDICTS
    True
    """
    seed = check_u64(seed, "seed")
    if loss is not None and not callable(loss):
        raise TypeError(f"loss must be a callable loss(output) -> scalar, got {loss!r}")
    if not isinstance(train, bool):
        raise TypeError(f"train must be True or False, got {train!r}")
    kind = framework_of(model)
    if variables is not None and kind != "flax.linen":
        raise TypeError(f"variables= is for Flax linen modules; a {kind} model holds its own")
    if kind == "torch":
        from .torch import diagnose as run
        return run(model, inputs, seed=seed, loss=loss, train=train)
    if kind == "keras":
        from .keras import diagnose as run
        return run(model, inputs, seed=seed, loss=loss, train=train)
    from .flax import diagnose as run
    return run(model, inputs, seed=seed, loss=loss, train=train, variables=variables)
