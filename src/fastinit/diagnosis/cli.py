"""``python -m fastinit diagnose package.module:factory --input 8x3x224x224 [--lsuv]
[--plot out.png]``: build a model from a factory, feed it seeded inputs of the given shapes,
print :func:`fastinit.diagnose`'s report (and, with ``--lsuv``, fit the model by LSUV and
print the report again)."""
import argparse
import importlib
import json
import sys

from .. import initializers
from ..core.seeding import check_u64

__all__ = ["main", "parse_input", "load_factory"]

INPUT_STREAM = 0    # input i is fastinit.normal(shape, seed=seed, stream=INPUT_STREAM + i)


def parse_input(text):
    """``"8x3x224x224"`` -> ``((8, 3, 224, 224), "float32", None)``;
    ``"2x16:int64:50257"`` -> ``((2, 16), "int64", 50257)``: integers in ``[0, 50257)``."""
    shape_text, _, rest = text.partition(":")
    try:
        shape = tuple(int(d) for d in shape_text.lower().split("x"))
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise argparse.ArgumentTypeError(f"--input wants a shape like 8x3x224x224, got {text!r}")
    dtype, _, high = rest.partition(":")
    dtype = dtype or "float32"
    if dtype not in ("float32", "float64", "int64", "int32"):
        raise argparse.ArgumentTypeError(f"--input dtype must be float32, float64, int64 or "
                                         f"int32, got {dtype!r}")
    if dtype.startswith("int"):
        if not high.isdigit() or int(high) < 1:
            raise argparse.ArgumentTypeError(f"--input {text!r}: an integer input needs its "
                                             "bound, e.g. 2x16:int64:50257 (values in [0, 50257))")
        return shape, dtype, int(high)
    if high:
        raise argparse.ArgumentTypeError(f"--input {text!r}: only integer inputs take a bound")
    return shape, dtype, None


def make_input(spec, seed, index):
    """The seeded NumPy array of one ``--input``: standard normal floats, or integers
    uniform in ``[0, high)`` (``floor(high * u)``, u from ``fastinit.uniform``)."""
    import numpy as np
    shape, dtype, high = spec
    stream = INPUT_STREAM + index
    if high is None:
        return initializers.normal(shape, seed=seed, stream=stream, dtype=dtype)
    u = initializers.uniform(shape, seed=seed, stream=stream, dtype="float64")
    return np.minimum(np.floor(u * high), high - 1).astype(dtype)


def load_factory(text):
    """``package.module:attr`` (``attr`` may be dotted): the object, called without
    arguments when it is a class or function, else used as it is (a model instance)."""
    mod_name, sep, attr = text.partition(":")
    if not sep or not mod_name or not attr:
        raise ValueError(f"factory must look like package.module:factory, got {text!r}")
    try:
        obj = importlib.import_module(mod_name)
    except ImportError as e:
        raise ValueError(f"factory {text!r}: can not import {mod_name!r} ({e})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"factory {text!r}: {mod_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if isinstance(obj, type) or (callable(obj) and type(obj).__name__ in
                                 ("function", "builtin_function_or_method", "partial")):
        obj = obj()
    return obj


def _convert(arrays, framework):
    if framework == "torch":
        import torch
        return tuple(torch.from_numpy(a) for a in arrays)
    if framework.startswith("flax"):
        import jax.numpy as jnp
        return tuple(jnp.asarray(a) for a in arrays)
    return tuple(arrays)


def _lsuv(model, inputs, framework, seed):
    if framework == "torch":
        from ..torch import lsuv_
        return lsuv_(model, inputs, seed=seed)
    if framework == "keras":
        from ..keras import lsuv
        return lsuv(model, inputs, seed=seed)
    if framework == "flax.nnx":
        from ..jax import lsuv
        return lsuv(model, inputs, seed=seed)
    raise ValueError("--lsuv supports torch, Keras and Flax NNX models (a linen module "
                     "needs its variables: call fastinit.jax.lsuv from Python)")


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m fastinit diagnose",
        description="Diagnose a model's initialisation: per-layer activation and gradient "
                    "statistics from one forward and one backward pass, and a verdict "
                    "(symmetric, saturating, dead, exploding, vanishing or stable).")
    p.add_argument("factory", help="package.module:factory, called without arguments "
                                   "(or a model object)")
    p.add_argument("--input", action="append", type=parse_input, required=True,
                   metavar="SHAPE[:DTYPE[:HIGH]]",
                   help="one model input, e.g. 8x3x224x224 (standard normal float32) or "
                        "2x16:int64:50257 (token ids in [0, 50257)); repeat for several")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs and cotangent "
                                                       "(default 0)")
    p.add_argument("--train", action="store_true", help="run in training mode")
    p.add_argument("--lsuv", action="store_true",
                   help="then fit the model by LSUV on the same inputs and diagnose it again")
    p.add_argument("--plot", metavar="FILE.png", help="activation/gradient std against "
                                                     "depth (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="print report.to_dict() as JSON")
    return p


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    from . import diagnose
    from .kinds import framework_of
    try:
        seed = check_u64(args.seed, "--seed")
        if args.plot:
            import matplotlib  # noqa: F401   fail before the work, not after
        model = load_factory(args.factory)
        framework = framework_of(model)
        inputs = _convert([make_input(s, seed, i) for i, s in enumerate(args.input)],
                          framework)
        inputs = inputs[0] if len(inputs) == 1 else inputs
        reports = [diagnose(model, inputs, seed=seed, train=args.train)]
        fit = None
        if args.lsuv:
            fit = _lsuv(model, inputs, framework, seed)
            reports.append(diagnose(model, inputs, seed=seed, train=args.train))
    except ImportError as e:
        print(f"error: {e} (--plot needs matplotlib)" if args.plot and "matplotlib" in str(e)
              else f"error: {e}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:   # the model's own complaint (shapes, dtypes)
        shapes = ", ".join("x".join(map(str, s[0])) for s in args.input)
        print(f"error: the model failed on --input {shapes}: {e}", file=sys.stderr)
        return 2
    if args.json:
        out = {"report": reports[0].to_dict()}
        if fit is not None:
            out.update(lsuv=fit.to_dict(), after_lsuv=reports[1].to_dict())
        print(json.dumps(out, indent=1, allow_nan=False))
    else:
        print(reports[0])
        if fit is not None:
            print(f"\n{fit}\n\nafter LSUV:\n{reports[1]}")
    if args.plot:
        fig = reports[0].plot(label="as built")
        if len(reports) > 1:
            reports[1].plot(ax=fig.axes[:2], label="after LSUV")
            fig.axes[1].legend(fontsize=8)
        fig.suptitle(" -> ".join(f"{r.verdict.kind}" for r in reports), fontsize=9)
        fig.savefig(args.plot, dpi=100)
        if not args.json:
            print(f"\nwrote {args.plot}")
    return 0
