"""Catalog benchmark: fastinit.torch against torch.nn.init on the same tensors.

``rows(numel=..., repeat=...)`` returns one dict per initializer:
``{"name", "fastinit_ms", "torch_ms", "ratio"}`` (best of ``repeat`` runs, milliseconds;
``ratio = torch_ms / fastinit_ms``, so > 1 means fastinit is faster).  The random fills use
a square float32 tensor of about ``numel`` elements (default 4096 x 4096); orthogonal uses
a square matrix of side ``min(1024, that side)``.
"""
import math

from .timing import best_of


def _best_ms(fn, repeat):
    return best_of(fn, repeat) * 1e3


def rows(numel=4096 * 4096, repeat=3):
    import torch
    import torch.nn.init as tinit
    from ... import torch as finit

    side = max(1, math.isqrt(int(numel)))
    big = torch.empty(side, side, dtype=torch.float32)
    oside = min(1024, side)
    small = torch.empty(oside, oside, dtype=torch.float32)
    cases = [
        ("xavier_uniform_", big, lambda t: finit.xavier_uniform_(t, seed=0),
         lambda t: tinit.xavier_uniform_(t)),
        ("kaiming_normal_", big, lambda t: finit.kaiming_normal_(t, seed=0),
         lambda t: tinit.kaiming_normal_(t)),
        ("trunc_normal_", big, lambda t: finit.trunc_normal_(t, std=0.02, seed=0),
         lambda t: tinit.trunc_normal_(t, std=0.02)),
        ("orthogonal_", small, lambda t: finit.orthogonal_(t, seed=0),
         lambda t: tinit.orthogonal_(t)),
    ]
    out = []
    for name, tensor, fast, ref in cases:
        f_ms = _best_ms(lambda: fast(tensor), repeat)
        t_ms = _best_ms(lambda: ref(tensor), repeat)
        out.append({"name": name, "fastinit_ms": f_ms, "torch_ms": t_ms,
                    "ratio": t_ms / f_ms if f_ms > 0 else math.inf})
    return out


if __name__ == "__main__":   # pragma: no cover
    for r in rows():
        print(f"{r['name']:18s} fastinit {r['fastinit_ms']:9.2f} ms  torch {r['torch_ms']:9.2f} ms"
              f"  x{r['ratio']:.2f}")
