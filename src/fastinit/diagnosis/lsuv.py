"""Layer-sequential unit-variance initialisation (LSUV, Mishkin & Matas 2016), the part
every framework shares: the per-layer rescaling loop and the result.

For each weighted layer, in execution order, after an orthonormal pre-initialisation and
with its bias zeroed: measure the std of the layer's output on the given batch, multiply
the weight by ``target_std / std``, measure again; stop when ``|std - target_std| <= tol``
or after ``max_iter`` rescales.  A layer whose output std is 0 or not finite is left as it
is (reported as not converged).  The framework adapters re-run only the layer being fitted
(its inputs do not change while it is fitted), so a whole model costs two forward passes:
one that fits every layer as the forward reaches it, one that checks the result."""
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

__all__ = ["LSUVResult", "UnitResult", "fit_unit", "check_args"]


@dataclass
class UnitResult:
    """One layer: its output std before and after fitting (after: measured by the final
    check pass over the whole model), the rescales applied and their product."""
    name: str
    std_before: float
    std_fitted: float
    iterations: int
    scale: float
    std_after: Optional[float] = None

    def converged(self, target: float, tol: float) -> bool:
        s = self.std_after if self.std_after is not None else self.std_fitted
        return s is not None and math.isfinite(s) and abs(s - target) <= tol


@dataclass
class LSUVResult:
    """What an ``lsuv`` call did: ``units`` (:class:`UnitResult`, in execution order),
    ``passes``: forward passes through the whole model, ``module_calls``: extra calls of
    single layers while fitting them; ``skipped``: weighted layers never called;
    ``tied``: layers whose weight is another's (fitted there), by name."""
    target_std: float
    tol: float
    units: List[UnitResult] = field(default_factory=list)
    passes: int = 0
    module_calls: int = 0
    skipped: List[str] = field(default_factory=list)
    tied: Dict[str, str] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """Every fitted layer's output std is within ``tol`` of the target."""
        return all(u.converged(self.target_std, self.tol) for u in self.units)

    def __str__(self) -> str:
        w = max([len(u.name) for u in self.units] + [5])
        lines = [f"LSUV: target std {self.target_std:g} +- {self.tol:g}; {len(self.units)} "
                 f"layers, {self.passes} forward passes, {self.module_calls} single-layer "
                 f"calls; {'all' if self.converged else 'NOT all'} within tolerance",
                 f"{'layer':<{w}}  {'std before':>10}  {'std after':>10}  {'rescales':>8}  "
                 f"{'scale':>9}"]
        for u in self.units:
            after = u.std_after if u.std_after is not None else u.std_fitted
            lines.append(f"{u.name:<{w}}  {u.std_before:>10.4g}  {after:>10.4g}  "
                         f"{u.iterations:>8}  {u.scale:>9.4g}")
        if self.skipped:
            lines.append(f"not called by the forward pass (left as they were): "
                         f"{', '.join(self.skipped)}")
        for name, owner in self.tied.items():
            lines.append(f"{name}: weight tied to {owner}'s, fitted there only")
        return "\n".join(lines)

    __repr__ = __str__

    def to_dict(self) -> dict:
        return {"target_std": self.target_std, "tol": self.tol, "passes": self.passes,
                "module_calls": self.module_calls, "converged": self.converged,
                "skipped": list(self.skipped), "tied": dict(self.tied),
                "units": [dict(u.__dict__, converged=u.converged(self.target_std, self.tol))
                          for u in self.units]}


def check_args(target_std, tol, max_iter):
    """The shared arguments, checked, as ``(float, float, int)``."""
    import numbers
    for name, v in (("target_std", target_std), ("tol", tol)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
                or v <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    return float(target_std), float(tol), int(max_iter)


def fit_unit(name: str, measure: Callable[[], float], scale: Callable[[float], None],
             target: float, tol: float, max_iter: int) -> UnitResult:
    """Rescale one layer: ``measure()`` returns its output std with the current weight,
    ``scale(f)`` multiplies its weight by ``f``."""
    std = before = measure()
    total, it = 1.0, 0
    while it < max_iter and math.isfinite(std) and std > 0 and abs(std - target) > tol:
        f = target / std
        scale(f)
        total *= f
        std = measure()
        it += 1
    return UnitResult(name, before, std, it, total)
