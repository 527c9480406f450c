"""``bench --diagnose``: what :func:`fastinit.diagnose` and :func:`fastinit.torch.lsuv_`
cost, measured in the same run as what they are compared with.

* ``diagnose`` against one plain forward + backward of the same model and batch (the same
  seeded cotangent, ``torch.autograd.grad`` to the parameters, no hooks);
* ``lsuv_``: forward passes through the whole model, single-layer calls, and its time in
  plain forward passes (``torch.no_grad``).

Models: a deep ReLU MLP, a ResNet without batch norm, and (with transformers installed) a
small GPT-2 from its config; ``scale`` < 1 shrinks them (tests)."""
from __future__ import annotations

import math
import time
from typing import Any, Dict, List

from .timing import best_of


def _models(scale: float) -> List[tuple]:
    import torch
    nn = torch.nn
    out = []
    width, depth = max(8, int(512 * scale)), max(2, int(50 * scale))
    batch = max(2, int(256 * scale))
    torch.manual_seed(0)
    mlp = nn.Sequential(*[m for _ in range(depth) for m in (nn.Linear(width, width),
                                                             nn.ReLU(inplace=True))])
    out.append((f"MLP {depth}x{width}, ReLU, batch {batch}", mlp, torch.randn(batch, width)))

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)

        def forward(self, x):
            return torch.relu(x + self.c2(torch.relu(self.c1(x))))
    c, side, blocks = max(4, int(32 * scale)), max(8, int(32 * scale)), max(2, int(8 * scale))
    resnet = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(),
                           *[Block(c) for _ in range(blocks)], nn.AdaptiveAvgPool2d(1),
                           nn.Flatten(), nn.Linear(c, 10))
    out.append((f"ResNet (no BN) {blocks} blocks, {c} ch, {side}x{side}, batch 16", resnet,
                torch.randn(16, 3, side, side)))
    try:
        import transformers
    except ImportError:
        return out
    d = max(32, int(256 * scale))
    cfg = transformers.GPT2Config(vocab_size=1000, n_positions=128, n_embd=d,
                                  n_layer=max(2, int(6 * scale)), n_head=4, use_cache=False)
    gpt = transformers.GPT2LMHeadModel(cfg)
    seq = max(8, int(128 * scale))
    out.append((f"GPT-2 {cfg.n_layer} layers, d={d}, 8x{seq} tokens", gpt,
                torch.randint(0, 1000, (8, seq))))
    return out


def rows(repeat: int = 3, scale: float = 1.0) -> List[Dict[str, Any]]:
    import torch
    import fastinit
    import fastinit.torch as ft
    from ...diagnosis.torch import GRAD_STREAM, cotangent
    result = []
    for name, model, x in _models(scale):
        model.eval()
        params = [p for p in model.parameters()]

        def plain():
            out = model(x)
            out = out.logits if hasattr(out, "logits") else out
            v = cotangent(out.shape, out.dtype, out.device, 0, GRAD_STREAM)
            torch.autograd.grad(out, params, v)

        def forward():
            with torch.no_grad():
                model(x)
        t_plain = best_of(plain, repeat)
        t_diag = best_of(lambda: fastinit.diagnose(model, x), repeat)
        t_fwd = best_of(forward, repeat)
        t0 = time.perf_counter()
        fit = ft.lsuv_(model, x, seed=0)
        t_lsuv = time.perf_counter() - t0
        result.append({"model": name, "plain_ms": 1e3 * t_plain, "diagnose_ms": 1e3 * t_diag,
                       "diagnose_ratio": t_diag / t_plain, "forward_ms": 1e3 * t_fwd,
                       "lsuv_ms": 1e3 * t_lsuv, "lsuv_in_forwards": t_lsuv / t_fwd,
                       "lsuv_passes": fit.passes, "lsuv_layer_calls": fit.module_calls,
                       "lsuv_layers": len(fit.units), "lsuv_converged": fit.converged})
    return result


def table(rows: List[Dict[str, Any]]) -> str:
    lines = [f"{'model':44s} {'fwd+bwd':>8s} {'diagnose':>9s} {'ratio':>6s}   "
             f"{'lsuv_':>8s} {'= fwds':>7s} {'passes':>6s} {'layer calls':>11s}"]
    for r in rows:
        lines.append(f"{r['model']:44s} {r['plain_ms']:8.1f} {r['diagnose_ms']:9.1f} "
                     f"{r['diagnose_ratio']:6.2f}   {r['lsuv_ms']:8.1f} "
                     f"{r['lsuv_in_forwards']:7.1f} {r['lsuv_passes']:6d} "
                     f"{r['lsuv_layer_calls']:11d}")
    ok = all(math.isfinite(r["diagnose_ratio"]) for r in rows)
    lines.append("ms, best of the repeats (lsuv_: one run); ratio = diagnose / (forward + "
                 "backward)" + ("" if ok else " (some rows failed)"))
    return "\n".join(lines)
