"""``python -m fastinit bench --device cuda``: GPU fill speed against torch and CuPy.

Every row fills the same float32 buffer of `numel` elements on the current stream,
timed with CUDA events (best of `repeat`, after a warm-up), and is reported in Gelem/s
and as a fraction of a plain ``fill`` of that buffer, the write-bandwidth limit.
Imports CuPy and torch lazily; without CuPy or a CUDA device, run() raises."""
from ...engine import cuda_errors as _cuda_errors
from .timing import best_of, event_clock


def _require_gpu():
    try:
        import cupy
    except Exception as e:
        raise RuntimeError("the CUDA benchmark needs CuPy (pip install cupy-cuda12x or "
                           f"cupy-cuda13x for your driver's CUDA major version): "
                           f"{type(e).__name__}: {e}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        why = _cuda_errors.explain(str(e)) or f"{type(e).__name__}: {e}"
        raise RuntimeError(f"the CUDA benchmark needs a CUDA device: {why}") from None
    if count == 0:
        raise RuntimeError("the CUDA benchmark needs a CUDA device; none found")
    return cupy


def _torch_cuda():
    try:
        import torch
    except Exception:
        return None
    return torch if torch.cuda.is_available() else None


def _cupy_clock(cupy):
    return event_clock(cupy.cuda.Event, cupy.cuda.get_elapsed_time,
                       cupy.cuda.Device().synchronize)


def _torch_clock(torch):
    return event_clock(lambda: torch.cuda.Event(enable_timing=True),
                       lambda a, b: a.elapsed_time(b), torch.cuda.synchronize)


def run(numel=1 << 28, repeat=5):
    """Benchmark rows (list of dicts: library, op, ms, gelem_s, frac_of_fill) and a
    printable table, as (rows, text)."""
    cupy = _require_gpu()
    import fastinit
    numel = int(numel)
    x = cupy.empty(numel, cupy.float32)
    counter = iter(range(1 << 62))             # a fresh stream per call, like real use
    cases = [("cupy", "fill (write bandwidth)", lambda: x.fill(0.5), "cupy"),
             ("fastinit", "uniform_", lambda: fastinit.uniform_(x, seed=0, stream=next(counter)),
              "cupy"),
             ("fastinit", "normal_", lambda: fastinit.normal_(x, seed=0, stream=next(counter)),
              "cupy"),
             ("fastinit", "truncated_normal_",
              lambda: fastinit.truncated_normal_(x, seed=0, stream=next(counter)), "cupy")]

    gen = cupy.random.default_rng(0)

    def cupy_gen(method):
        f = getattr(gen, method)
        try:
            f(dtype=cupy.float32, out=x)
            return lambda: f(dtype=cupy.float32, out=x)
        except TypeError:                       # older CuPy: no out= (allocates)
            return lambda: f(numel, dtype=cupy.float32)

    cases += [("cupy", "Generator.random", cupy_gen("random"), "cupy"),
              ("cupy", "Generator.standard_normal", cupy_gen("standard_normal"), "cupy")]

    torch = _torch_cuda()
    if torch is not None:
        t = torch.empty(numel, dtype=torch.float32, device="cuda")
        cases += [("torch", "uniform_", lambda: t.uniform_(), "torch"),
                  ("torch", "normal_", lambda: t.normal_(), "torch"),
                  ("torch", "nn.init.trunc_normal_",
                   lambda: torch.nn.init.trunc_normal_(t, 0.0, 1.0, -2.0, 2.0), "torch")]

    rows = []
    for lib, op, fn, timer in cases:
        clock = _torch_clock(torch) if timer == "torch" else _cupy_clock(cupy)
        ms = best_of(fn, repeat, clock) * 1e3
        rows.append({"library": lib, "op": op, "ms": ms,
                     "gelem_s": numel / (ms * 1e-3) / 1e9})
    fill_rate = rows[0]["gelem_s"]
    for r in rows:
        r["frac_of_fill"] = r["gelem_s"] / fill_rate

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    lines = [f"fastinit GPU bench: {name}, {numel:,} float32 elements, best of {repeat} "
             "(CUDA events)",
             f"{'library':10s} {'op':28s} {'ms':>9s} {'Gelem/s':>9s} {'of fill':>8s}"]
    for r in rows:
        lines.append(f"{r['library']:10s} {r['op']:28s} {r['ms']:9.3f} {r['gelem_s']:9.2f} "
                     f"{r['frac_of_fill']:8.2f}")
    if torch is None:
        lines.append("(torch with CUDA not available: torch rows skipped)")
    return rows, "\n".join(lines)
