"""Per-layer statistics of one forward and one backward pass, and the verdicts read from them.

Framework-neutral: the torch, Keras and Flax collectors fill :class:`LayerStats` records,
:class:`Report` holds them, and :func:`classify` decides a verdict.  ``python -m fastinit
demo`` decides its verdicts with the same :func:`classify`.

Verdicts, decided in this order (the first that applies wins):

``symmetric``
    a weighted layer's units are identical: every unit has the same incoming weights and
    bias, and on every input the same output *and* the same gradient, so gradient descent
    keeps them identical forever (the symmetry problem of constant initialisation).
    Checked exactly.  A zero-initialised last layer of a residual branch (Fixup, ReZero)
    is not symmetric: its units receive different gradients.
``saturating``
    more than :data:`SATURATED_FRACTION` of a bounded activation's outputs (tanh, sigmoid)
    sit within 1% of its range's ends (``|h| > 0.99`` for tanh; sigmoid rescaled to
    ``[-1, 1]``): the flat parts, where the gradient is nearly zero.
``dead``
    more than :data:`DEAD_FRACTION` of a parameter-free layer's units (a ReLU's, a
    pooling's; or a Keras layer with a fused ReLU) output exactly 0 on every input of the
    batch, although the layer's input is not all zeros: no signal and no gradient pass
    through them.  (A layer fed only zeros -- a signal that vanished or underflowed -- is
    not judged dead.)
``exploding``
    the activation std grows by more than :data:`GROWTH` from the first weighted layer to
    the last (in execution order), or the gradient scale grows by more than that from the
    last weighted layer back to the first, or a statistic is not finite.
``vanishing``
    either of those ratios is below ``1 / GROWTH``.
``stable``
    otherwise.

Standard deviations are population ones (over all elements of a layer's output, divided
by the count), computed in float64.  The *gradient scale* of a layer is its output
gradient's std times ``sqrt(positions)``, ``positions`` being the output's elements per
sample and unit (pixels of a feature map, tokens of a sequence; 1 for a feature vector):
a layer averaged over ``P`` positions downstream (global pooling, a strided layer) gets
gradients ``P`` times smaller per element but ``P`` times as many of them, which says
nothing about vanishing; the scale (the per-unit gradient norm) is what He initialisation
keeps constant across such layers.  For layers of one shape it is the std itself.  A layer's verdict compares its own statistics with
the first weighted layer's activation std and the last weighted layer's gradient std.
"""
import math
from dataclasses import dataclass, field, fields
from typing import Any, List, Optional, Sequence

__all__ = ["GROWTH", "SATURATED_H", "SATURATED_FRACTION", "DEAD_FRACTION", "VERDICTS",
           "LayerStats", "Report", "Verdict", "classify", "ratio"]

GROWTH = 100.0              # exploding above this ratio over depth, vanishing below 1/GROWTH
SATURATED_H = 0.99          # |h| above this (tanh; sigmoid as 2h - 1) counts as saturated
SATURATED_FRACTION = 0.5    # saturating when more than this fraction of outputs is saturated
DEAD_FRACTION = 0.9         # dead when more than this fraction of a layer's units is always 0
VERDICTS = ("symmetric", "saturating", "dead", "exploding", "vanishing", "stable")


def ratio(num: Optional[float], den: Optional[float]) -> float:
    """``num / den`` with ``0 / 0 = 1`` and ``x / 0 = inf``; 1 when either is unknown."""
    if num is None or den is None:
        return 1.0
    if den == 0:
        return math.inf if num > 0 else 1.0
    return num / den


@dataclass(frozen=True)
class Verdict:
    """A verdict: ``kind`` (one of :data:`VERDICTS`), the growth of the activation std
    (last / first) and of the gradient std (first / last) over depth, and what triggered
    it (``saturated`` or ``dead`` fraction, ``where``: the layer)."""
    kind: str
    act_growth: float
    grad_growth: float
    fraction: Optional[float] = None
    where: Optional[str] = None

    def detail(self) -> str:
        return f"act x{self.act_growth:.2g}, grad x{self.grad_growth:.2g} over depth"

    def text(self, word: Optional[str] = None) -> str:
        """One line; ``word`` replaces the kind (the demo says "explodes")."""
        word = word or self.kind
        at = f" in layer {self.where}" if self.where else ""
        if self.kind == "symmetric":
            return f"{word}: every unit identical (the symmetry problem){at}"
        if self.kind == "saturating":
            return (f"{word}: {100 * self.fraction:.0f}% of units at |h|>{SATURATED_H}{at} "
                    f"({self.detail()})")
        if self.kind == "dead":
            return (f"{word}: {100 * self.fraction:.0f}% of units always 0{at} "
                    f"({self.detail()})")
        return f"{word} ({self.detail()})"

    def __str__(self) -> str:
        return self.text()


def classify(act_std: Sequence[float], grad_std: Optional[Sequence[float]], *,
             symmetric: bool = False, saturated: Optional[float] = None,
             dead: Optional[float] = None, where: Optional[str] = None) -> Verdict:
    """The verdict for activation stds ``act_std`` and gradient stds ``grad_std`` listed
    from the first layer to the last (``grad_std`` may be None: no backward pass), given
    whether a layer is ``symmetric``, the largest ``saturated`` fraction of a bounded
    activation (None: there is none) and the largest ``dead`` fraction of units."""
    act_growth = ratio(act_std[-1], act_std[0]) if len(act_std) else 1.0
    grad_growth = ratio(grad_std[0], grad_std[-1]) if grad_std is not None and len(grad_std) \
        else 1.0
    if symmetric:
        return Verdict("symmetric", act_growth, grad_growth, where=where)
    if saturated is not None and saturated > SATURATED_FRACTION:
        return Verdict("saturating", act_growth, grad_growth, saturated, where)
    if dead is not None and dead > DEAD_FRACTION:
        return Verdict("dead", act_growth, grad_growth, dead, where)
    stats = list(act_std) + list(grad_std if grad_std is not None else [])
    if not all(s is None or math.isfinite(s) for s in stats) \
            or not (math.isfinite(act_growth) and math.isfinite(grad_growth)) \
            or act_growth > GROWTH or grad_growth > GROWTH:
        return Verdict("exploding", act_growth, grad_growth)
    if act_growth < 1 / GROWTH or grad_growth < 1 / GROWTH:
        return Verdict("vanishing", act_growth, grad_growth)
    return Verdict("stable", act_growth, grad_growth)


@dataclass
class LayerStats:
    """One call of one layer.  ``weighted``: the layer has a weight of 2 or more
    dimensions (its fans and std are given); ``free``: it has no parameters at all (an
    activation, a pooling), the layers whose units can be *dead*.  ``units``: the size of
    the unit axis (features; channels for channel-first convolutions); ``positions``: the
    output's elements per sample and unit (pixels, tokens; 1 for a plain feature vector).  ``symmetric``:
    weighted, more than one unit, all units with the same weights and bias
    (``weight_identical``), and on every input the same output and the same gradient.  Fractions: ``zero_fraction`` of exact zeros among all outputs,
    ``dead_fraction`` of units that are 0 on every input (free layers whose input is not
    all zeros),
    ``saturated_fraction`` of outputs within 1% of a bounded activation's range ends."""
    index: int
    name: str
    kind: str
    shape: tuple
    out_mean: float
    out_std: float
    zero_fraction: float
    units: int = 0
    positions: int = 1
    weighted: bool = False
    free: bool = False
    units_identical: bool = False
    weight_identical: bool = False
    dead_fraction: Optional[float] = None
    saturated_fraction: Optional[float] = None
    grad_std: Optional[float] = None
    grad_identical: Optional[bool] = None
    fan_in: Optional[int] = None
    fan_out: Optional[int] = None
    weight_std: Optional[float] = None
    weight_grad_std: Optional[float] = None
    tied_to: Optional[str] = None
    verdict: Optional[Verdict] = field(default=None, repr=False)

    @property
    def grad_scale(self) -> Optional[float]:
        """``grad_std * sqrt(positions)``: the gradient's size per unit and sample, which
        the depth growth compares (see the module docstring)."""
        return None if self.grad_std is None else self.grad_std * math.sqrt(self.positions)

    @property
    def symmetric(self) -> bool:
        return bool(self.weighted and self.units > 1 and self.units_identical
                    and self.weight_identical and self.grad_identical is not False)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.2g}" if 1e-3 <= abs(v) < 1e4 else f"{v:.1e}"


def _pct(v: Optional[float]) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _json(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, tuple):
        return list(v)
    return v


class Report:
    """What :func:`fastinit.diagnose` found: ``layers`` (:class:`LayerStats`, in
    execution order), ``depth`` (the weighted layers among them, whose first and last
    decide the growth over depth), ``verdict`` (the model's :class:`Verdict`), and the
    run's facts (``framework``, ``inputs``: shapes, ``seed``, ``loss``)."""

    def __init__(self, layers: List[LayerStats], *, framework: str, model: str,
                 inputs: Any, seed: int, loss: Optional[str] = None,
                 notes: Sequence[str] = ()):
        self.layers = list(layers)
        self.framework, self.model, self.inputs = framework, model, inputs
        self.seed, self.loss, self.notes = seed, loss, list(notes)
        self.depth = [s for s in self.layers if s.weighted] or list(self.layers)
        acts = [s.out_std for s in self.depth]
        grads = [s.grad_scale for s in self.depth]
        has_grad = any(g is not None for g in grads)
        grads = grads if has_grad and all(g is not None for g in grads) else \
            ([g for g in grads if g is not None] if has_grad else None)
        sym = next((s for s in self.layers if s.symmetric), None)
        sat = [s for s in self.layers if s.saturated_fraction is not None]
        worst_sat = max(sat, key=lambda s: s.saturated_fraction, default=None)
        dead = [s for s in self.layers if s.dead_fraction is not None]
        worst_dead = max(dead, key=lambda s: s.dead_fraction, default=None)
        where = None
        if sym is not None:
            where = sym.name
        elif worst_sat is not None and worst_sat.saturated_fraction > SATURATED_FRACTION:
            where = worst_sat.name
        elif worst_dead is not None:
            where = worst_dead.name
        self.verdict = classify(
            acts, grads, symmetric=sym is not None,
            saturated=None if worst_sat is None else worst_sat.saturated_fraction,
            dead=None if worst_dead is None else worst_dead.dead_fraction, where=where)
        first_act = acts[0] if acts else None
        last_grad = grads[-1] if grads else None
        for s in self.layers:
            s.verdict = classify([first_act, s.out_std] if first_act is not None
                                 else [s.out_std],
                                 None if s.grad_std is None or last_grad is None
                                 else [s.grad_scale, last_grad],
                                 symmetric=s.symmetric, saturated=s.saturated_fraction,
                                 dead=s.dead_fraction)

    @property
    def act_growth(self) -> float:
        """Activation std of the last weighted layer over the first's."""
        return self.verdict.act_growth

    @property
    def grad_growth(self) -> float:
        """Gradient std at the first weighted layer over the last's."""
        return self.verdict.grad_growth

    def __getitem__(self, name: str) -> LayerStats:
        for s in self.layers:
            if s.name == name:
                return s
        raise KeyError(f"no layer named {name!r} in this report")

    def table(self) -> str:
        head = ("#", "layer", "kind", "out std", "grad std", "zeros", "dead", "sat",
                "w std", "fan in/out", "verdict")
        rows = []
        for s in self.layers:
            fans = "-" if s.fan_in is None else f"{s.fan_in}/{s.fan_out}"
            w = _fmt(s.weight_std) + (f" (= {s.tied_to})" if s.tied_to else "")
            rows.append((str(s.index), s.name, s.kind, _fmt(s.out_std), _fmt(s.grad_std),
                         _pct(s.zero_fraction), _pct(s.dead_fraction),
                         _pct(s.saturated_fraction), w, fans, s.verdict.kind))
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        right = {0, 3, 4, 5, 6, 7, 8}
        lines = []
        for r in [head] + rows:
            lines.append("  ".join(c.rjust(w) if i in right else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        shapes = ", ".join("x".join(map(str, s)) for s in self.inputs)
        head = (f"{self.model} ({self.framework}): {len(self.layers)} layer calls, "
                f"{len(self.depth)} weighted; inputs {shapes}; seed {self.seed}; "
                f"backward: {self.loss or 'seeded unit-normal cotangent'}")
        out = [head, "", self.table(), "", f"verdict: {self.verdict}"]
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out)

    __repr__ = __str__

    def to_dict(self) -> dict:
        """Plain lists, dicts, strings and numbers (non-finite floats as "inf", "-inf",
        "nan"), ready for ``json.dumps``."""
        layers = []
        for s in self.layers:
            d = {f.name: _json(getattr(s, f.name)) for f in fields(s) if f.name != "verdict"}
            d["symmetric"] = s.symmetric
            d["verdict"] = s.verdict.kind
            layers.append(d)
        return {"model": self.model, "framework": self.framework,
                "inputs": [list(s) for s in self.inputs], "seed": self.seed,
                "loss": self.loss, "verdict": self.verdict.kind,
                "verdict_text": self.verdict.text(),
                "act_growth": _json(self.act_growth), "grad_growth": _json(self.grad_growth),
                "thresholds": {"growth": GROWTH, "saturated_h": SATURATED_H,
                               "saturated_fraction": SATURATED_FRACTION,
                               "dead_fraction": DEAD_FRACTION},
                "notes": list(self.notes), "layers": layers}

    def plot(self, path: Optional[str] = None, *, ax: Any = None, label: Optional[str] = None):
        """Activation std and gradient scale of the weighted layers against depth, on log axes
        (needs matplotlib).  Draws on ``ax`` (a pair of axes) when given, else on a new
        figure; writes a PNG to ``path`` when given.  Returns the figure."""
        try:
            import matplotlib
            if ax is None:
                matplotlib.use("Agg") if path is not None else None
            import matplotlib.pyplot as plt
        except ImportError:
            raise RuntimeError("Report.plot needs matplotlib: pip install matplotlib") from None
        if ax is None:
            fig, ax = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
        else:
            fig = ax[0].figure
        from matplotlib.ticker import MaxNLocator
        depth = list(range(1, len(self.depth) + 1))
        for a, key, title in ((ax[0], "out_std", "activation std"),
                              (ax[1], "grad_scale", "gradient scale (std x sqrt(positions))")):
            y = [getattr(s, key) for s in self.depth]
            y = [v if v is not None and v > 0 and math.isfinite(v) else float("nan") for v in y]
            a.semilogy(depth, y, marker=".", label=label or self.verdict.kind)
            a.set_xlabel("weighted layer (execution order)")
            a.xaxis.set_major_locator(MaxNLocator(integer=True))
            a.set_title(title)
            a.grid(True, which="major", alpha=0.3)
        ax[1].legend(fontsize=8, loc="best")
        if path is not None:
            fig.suptitle(f"{self.model}: {self.verdict.text()}", fontsize=9)
            fig.savefig(path, dpi=100)
        return fig
