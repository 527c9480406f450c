"""Speed rows for whole models and DTensors: fastinit.torch against torch's own init,
on the same tensors, in the same run (``python -m fastinit bench --models``).

* Hugging Face GPT-2 (124 M) and a ~1 B-parameter Llama-style model built on the meta
  device and materialised with ``to_empty``: ``init_module`` vs the model's own
  ``init_weights()``;
* a plain torch model (Linear/LayerNorm/Embedding stack): ``init_module`` vs every
  module's ``reset_parameters()``;
* a 2-rank gloo DTensor (``Shard(0)``): ``fastinit.torch.normal_`` vs torch's DTensor
  ``normal_`` (slowest rank's time).
"""
import json
import os
import socket

from .timing import best_of


def _best(fn, repeat):
    """Best of ``repeat`` after one warm-up run (pages touched, pools started)."""
    return best_of(fn, repeat)


def _row(name, params, ours, theirs):
    return {"name": name, "params_m": params / 1e6, "fastinit_s": ours, "torch_s": theirs,
            "ratio": theirs / ours if ours > 0 else None}


def _hf_row(name, cls, cfg, repeat):
    import torch
    import fastinit.torch as finit
    from ...compat import transformers as _hf
    with torch.device("meta"):
        model = cls(cfg)
    model.to_empty(device="cpu")
    model.tie_weights()
    n = sum(p.numel() for p in model.parameters())

    def theirs():
        _hf.clear_initialised_flags(model)     # else the model's init skips every module
        model.init_weights()
    ours = lambda: finit.init_module(model, seed=0)   # noqa: E731
    row = _row(name, n, _best(ours, repeat), _best(theirs, repeat))
    del model
    return row


def hf_rows(repeat=3, big=True):
    try:
        import transformers
    except ImportError:
        return []
    transformers.logging.set_verbosity_error()
    rows = [_hf_row("GPT-2 124M (HF, from meta)", transformers.GPT2LMHeadModel,
                    transformers.GPT2Config(), repeat)]
    if big:
        cfg = transformers.LlamaConfig(hidden_size=2048, intermediate_size=5632,
                                       num_hidden_layers=22, num_attention_heads=32,
                                       num_key_value_heads=4, vocab_size=32000,
                                       tie_word_embeddings=False)
        rows.append(_hf_row("Llama-style 1.1B (HF, from meta)", transformers.LlamaForCausalLM,
                            cfg, max(1, repeat - 1)))
    return rows


def plain_row(repeat=3, width=1024, depth=8, vocab=32000):
    import torch
    import fastinit.torch as finit
    nn = torch.nn
    layers = [nn.Embedding(vocab, width)]
    for _ in range(depth):
        layers += [nn.Linear(width, 4 * width), nn.Linear(4 * width, width), nn.LayerNorm(width)]
    model = nn.Sequential(*layers)
    n = sum(p.numel() for p in model.parameters())

    def theirs():
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    ours = lambda: finit.init_module(model, seed=0)   # noqa: E731
    return _row("plain torch model (reset_parameters)", n, _best(ours, repeat),
                _best(theirs, repeat))


def _dtensor_worker(rank, world, port, shape, repeat, out):
    import torch
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // world))
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor
    import fastinit.torch as finit
    mesh = init_device_mesh("cpu", (world,))
    d = distribute_tensor(torch.zeros(shape), mesh, [Shard(0)])
    d.normal_()                           # torch's RNG tracker set up outside the timing

    def timed(fn):
        dist.barrier()
        t = _best(fn, repeat)
        worst = torch.tensor([t])
        dist.all_reduce(worst, op=dist.ReduceOp.MAX)
        return float(worst)
    ours = timed(lambda: finit.normal_(d, 0.0, 0.02, seed=0))
    theirs = timed(lambda: d.normal_(0.0, 0.02))
    if rank == 0:
        with open(out, "w") as f:
            json.dump([ours, theirs], f)
    dist.destroy_process_group()


def dtensor_row(world=2, shape=(8192, 4096), repeat=5):
    import tempfile
    import torch
    if not torch.distributed.is_available():
        return None
    import torch.multiprocessing as mp
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t.json")
        mp.spawn(_dtensor_worker, args=(world, port, shape, repeat, out), nprocs=world)
        with open(out) as f:
            ours, theirs = json.load(f)
    return _row(f"DTensor normal_ {shape[0]}x{shape[1]}, {world} gloo ranks",
                shape[0] * shape[1], ours, theirs)


def rows(repeat=3, big=True, dtensor=True):
    out = hf_rows(repeat, big) + [plain_row(repeat)]
    if dtensor:
        r = dtensor_row()
        if r is not None:
            out.append(r)
    return out


def table(rs):
    lines = [f"{'model init (seconds, best of N)':42s} {'params':>8s} {'fastinit':>9s} "
             f"{'torch':>9s} {'speed-up':>9s}"]
    for r in rs:
        lines.append(f"{r['name']:42s} {r['params_m']:7.0f}M {r['fastinit_s']:9.3f} "
                     f"{r['torch_s']:9.3f} {r['ratio']:9.2f}")
    return "\n".join(lines)
