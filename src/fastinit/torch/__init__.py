"""Drop-in ``torch.nn.init`` with fastinit's reproducible sampling::

    import fastinit.torch as init
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5), seed=0)

Same names, signatures, fan layout ``(out, in, *kernel)``, formulas, dtypes and error
types as ``torch.nn.init``, plus keyword-only ``seed=None, stream=0``.  As in torch,
``xavier_normal_``/``kaiming_normal_`` draw from a plain (untruncated) normal, and
``trunc_normal_``'s ``a``/``b`` are absolute bounds.

* Seeding: ``seed=None`` takes a 64-bit seed from torch's default generator (or
  ``generator=``), consuming from it, so ``torch.manual_seed(n)`` makes runs and ranks
  reproducible; an explicit ``seed`` does not touch torch's generators.
* DTensor (FSDP2, tensor parallel, any mesh and placement): each rank fills only its
  local shard, as the slice of the whole tensor it holds, so ``full_tensor()`` equals the
  single-process result bit for bit.
* complex64/complex128: filled through ``torch.view_as_real`` (real and imaginary parts
  are consecutive elements); ``normal_`` gives each part ``std / sqrt(2)``, as torch.
* Integer tensors: the deterministic fills (``constant_``, ``zeros_``, ``ones_``,
  ``eye_``, ``dirac_``) work, the random ones raise NotImplementedError, as torch.

Fills run under ``torch.no_grad()``; CPU tensors are filled in place, CUDA tensors by
fastinit's GPU backend; meta tensors are left alone.  :func:`init_module` runs a whole
model's own init code through fastinit (see :class:`InitMode`), :func:`build` constructs a
model with its init captured and draws each parameter once, and :func:`plan` shows what
either does, parameter by parameter.
"""
from .nn_init import (__all__ as _nn_init_all, calculate_gain, constant_, dirac_, eye_,  # noqa: F401
                      kaiming_normal_, kaiming_uniform_, normal_, ones_, orthogonal_, sparse_,
                      trunc_normal_, uniform_, xavier_normal_, xavier_uniform_, zeros_)
from .mode import InitMode
from .module import SCHEMES, init_mode, init_module
from .lsuv import lsuv_
from .plan import Plan, plan
from .build import build

__all__ = [*_nn_init_all, "init_module", "InitMode", "init_mode", "SCHEMES", "lsuv_", "plan",
           "Plan", "build"]
