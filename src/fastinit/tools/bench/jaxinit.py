"""JAX benchmark: fastinit.jax against jax.nn.initializers, both under jax.jit on the CPU.

``rows(side=4096, repeat=3)`` returns one dict per initializer, ``{"name",
"fastinit_ms", "jax_ms", "ratio"}`` (best of ``repeat``, milliseconds; ``ratio =
jax_ms / fastinit_ms``, > 1 means fastinit is faster), for a ``side x side`` float32
weight: glorot_uniform, he_normal (truncated, as JAX's) and normal.

``sharded_rows(...)`` does the same for an array sharded over 8 host CPU devices
(``out_sharding=`` a NamedSharding, jitted on both sides); it needs
``XLA_FLAGS=--xla_force_host_platform_device_count=8`` set before jax is imported, so
:func:`run` starts it in a subprocess (``python -m fastinit.tools.bench.jaxinit --sharded``).
"""
import json
import math
import os
import subprocess
import sys

from .timing import best_of


def _best_ms(fn, repeat):
    return best_of(fn, repeat) * 1e3


_CASES = [("glorot_uniform", lambda m: m.glorot_uniform()),
          ("he_normal", lambda m: m.he_normal()),
          ("normal", lambda m: m.normal(1.0))]


def rows(side=4096, repeat=3, sharding=None):
    import jax
    import jax.numpy as jnp
    from ... import jax as fj

    shape = (side, side)
    key = jax.random.key(0)
    out = []
    for name, build in _CASES:
        ours, theirs = build(fj), build(jax.nn.initializers)
        f = jax.jit(lambda k, i=ours: i(k, shape, jnp.float32, out_sharding=sharding))
        g = jax.jit(lambda k, i=theirs: i(k, shape, jnp.float32, out_sharding=sharding))
        f_ms = _best_ms(lambda: f(key).block_until_ready(), repeat)
        g_ms = _best_ms(lambda: g(key).block_until_ready(), repeat)
        label = f"jax {name} {side}x{side}" + (" sharded x8" if sharding is not None else "")
        out.append({"name": label, "fastinit_ms": f_ms, "jax_ms": g_ms,
                    "ratio": g_ms / f_ms if f_ms > 0 else math.inf})
    return out


def sharded_rows(side=4096, repeat=3):
    import jax
    from jax.sharding import NamedSharding, PartitionSpec as P
    if len(jax.devices()) < 8:
        return []
    mesh = jax.make_mesh((8,), ("x",), devices=jax.devices()[:8])
    with jax.set_mesh(mesh):     # JAX's own sharded init needs the mesh in context
        return rows(side, repeat, NamedSharding(mesh, P("x", None)))


def run(side=4096, repeat=3, sharded=True):
    """Unsharded rows in this process, sharded ones in a child with 8 host devices."""
    out = rows(side, repeat)
    if sharded:
        env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8",
                   JAX_PLATFORMS="cpu")
        r = subprocess.run([sys.executable, "-m", "fastinit.tools.bench.jaxinit", "--sharded",
                            "--side", str(side), "--repeat", str(repeat)],
                           capture_output=True, text=True, env=env)
        if r.returncode == 0:
            out += json.loads(r.stdout.strip().splitlines()[-1])
        else:
            print("sharded jax rows failed:\n" + r.stderr[-2000:], file=sys.stderr)
    return out


def table(rows_):
    lines = [f"{'initializer (jit, float32)':34s} {'fastinit':>9s} {'jax':>9s} {'speed-up':>9s}"]
    for r in rows_:
        lines.append(f"{r['name']:34s} {r['fastinit_ms']:9.1f} {r['jax_ms']:9.1f} "
                     f"{r['ratio']:9.2f}")
    return "\n".join(lines)


if __name__ == "__main__":   # pragma: no cover
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--sharded", action="store_true")
    p.add_argument("--side", type=int, default=4096)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    if a.sharded:
        print(json.dumps(sharded_rows(a.side, a.repeat)))
    else:
        print(table(run(a.side, a.repeat)))
