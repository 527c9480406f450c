"""Spawned by test_torch_distributed.py: ``python torch_dist_worker.py WORLD``.

Every rank joins a gloo group on 127.0.0.1, fills DTensors / FSDP2 / TP models with
fastinit and checks that the gathered ``full_tensor()`` equals the single-process result
bit for bit.  Exit status 0 when every check passed on every rank."""
import datetime
import math
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

nn = torch.nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 10, padding_idx=3)
        self.fc1 = nn.Linear(10, 33)
        self.norm = nn.LayerNorm(33)
        self.fc2 = nn.Linear(33, 7, bias=False)


def _same(dt, ref, what):
    full = dt.full_tensor()
    if not torch.equal(full, ref):
        raise AssertionError(f"rank {dist.get_rank()}: {what}: gathered != single process "
                             f"({int((full != ref).sum())} of {ref.numel()} differ)")


def _functions():
    import fastinit.torch as finit
    return [
        ("normal_", lambda t: finit.normal_(t, 0.5, 2.0, seed=1, stream=4)),
        ("uniform_", lambda t: finit.uniform_(t, -1.0, 3.0, seed=1)),
        ("trunc_normal_", lambda t: finit.trunc_normal_(t, std=0.5, a=-0.4, b=0.9, seed=2)),
        ("xavier_uniform_", lambda t: finit.xavier_uniform_(t, seed=3)),
        ("xavier_normal_", lambda t: finit.xavier_normal_(t, seed=3)),
        ("kaiming_uniform_", lambda t: finit.kaiming_uniform_(t, a=math.sqrt(5), seed=3)),
        ("kaiming_normal_", lambda t: finit.kaiming_normal_(t, seed=3)),
        ("orthogonal_", lambda t: finit.orthogonal_(t, 1.5, seed=5)),
        ("sparse_", lambda t: finit.sparse_(t, 0.3, seed=5)),
        ("eye_", finit.eye_),
        ("constant_", lambda t: finit.constant_(t, 0.25)),
    ]


def check_placements(mesh, shape, placements, dtype=torch.float32):
    from torch.distributed.tensor import distribute_tensor
    for name, fn in _functions():
        if dtype.is_complex and name in ("trunc_normal_", "orthogonal_"):
            continue
        d = distribute_tensor(torch.zeros(shape, dtype=dtype), mesh, placements)
        fn(d)
        _same(d, fn(torch.zeros(shape, dtype=dtype)), f"{name} {shape} {placements} {dtype}")


def check_dirac(mesh, placements):
    import fastinit.torch as finit
    from torch.distributed.tensor import distribute_tensor
    d = distribute_tensor(torch.zeros(6, 5, 3), mesh, placements)
    finit.dirac_(d, 2)
    _same(d, finit.dirac_(torch.zeros(6, 5, 3), 2), f"dirac_ {placements}")


def check_manual_seed(mesh, placements):
    import fastinit.torch as finit
    from torch.distributed.tensor import distribute_tensor
    torch.manual_seed(123)                      # every rank seeds alike, as with torch
    d = finit.normal_(distribute_tensor(torch.zeros(7, 6), mesh, placements))
    torch.manual_seed(123)
    _same(d, finit.normal_(torch.zeros(7, 6)), f"manual_seed {placements}")


def check_fsdp_mlp(mesh):
    import fastinit.torch as finit
    from torch.distributed.fsdp import fully_shard
    with torch.device("meta"):
        m = MLP()
    fully_shard(m.fc1, mesh=mesh)
    fully_shard(m, mesh=mesh)
    m.to_empty(device="cpu")
    finit.init_module(m, seed=3)
    ref = dict(finit.init_module(MLP(), seed=3).named_parameters())
    for n, p in m.named_parameters():
        _same(p, ref[n].detach(), f"FSDP2 MLP {n}")


def check_build_fsdp(mesh):
    """build(..., parallelize=) shards on meta, then each rank draws its shards: equal to
    the unsharded build (the embedding's padding row included)."""
    import fastinit.torch as finit
    from torch.distributed.fsdp import fully_shard

    def shard(m):
        fully_shard(m.fc1, mesh=mesh)
        fully_shard(m, mesh=mesh)

    m = finit.build(MLP, seed=5, parallelize=shard)
    ref = dict(finit.build(MLP, seed=5).named_parameters())
    for n, p in m.named_parameters():
        assert type(p).__name__ == "DTensor", n
        _same(p, ref[n].detach(), f"build FSDP2 {n}")


def check_fsdp_transformer(mesh):
    try:
        import transformers
    except ImportError:
        return
    import fastinit.torch as finit
    from torch.distributed.fsdp import fully_shard
    transformers.logging.set_verbosity_error()
    cfg = transformers.LlamaConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                   num_key_value_heads=1, intermediate_size=24, vocab_size=37,
                                   tie_word_embeddings=False)
    with torch.device("meta"):
        m = transformers.LlamaForCausalLM(cfg)
    for layer in m.model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(m, mesh=mesh)
    m.to_empty(device="cpu")
    finit.init_module(m, seed=8)
    ref = dict(finit.init_module(transformers.LlamaForCausalLM(cfg), seed=8).named_parameters())
    for n, p in m.named_parameters():
        _same(p, ref[n].detach(), f"FSDP2 Llama {n}")


def check_fsdp_tp(mesh2):
    import fastinit.torch as finit
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor.parallel import (ColwiseParallel, RowwiseParallel,
                                                   parallelize_module)
    with torch.device("meta"):
        m = MLP()
    parallelize_module(m, mesh2["tp"], {"fc1": ColwiseParallel(), "fc2": RowwiseParallel()})
    fully_shard(m, mesh=mesh2["dp"])
    m.to_empty(device="cpu")
    finit.init_module(m, seed=4)
    ref = dict(finit.init_module(MLP(), seed=4).named_parameters())
    strided = 0
    for n, p in m.named_parameters():
        strided += any("Strided" in type(pl).__name__ for pl in p.placements)
        _same(p, ref[n].detach(), f"FSDP2+TP {n} {p.placements}")
    assert strided, "expected FSDP2's strided sharding on the TP-sharded weights"


def check_catalog(mesh, placements):
    """The framework-neutral catalog (fastinit.xxx_) takes DTensors too."""
    import fastinit
    from torch.distributed.tensor import distribute_tensor
    d = distribute_tensor(torch.zeros(9, 7), mesh, placements)
    fastinit.normal_(d, 0.0, 2.0, seed=6)
    _same(d, fastinit.normal_(torch.zeros(9, 7), 0.0, 2.0, seed=6), f"fastinit.normal_ {placements}")
    d = distribute_tensor(torch.zeros(9, 7), mesh, placements)
    fastinit.glorot_uniform_(d, seed=6)
    _same(d, fastinit.glorot_uniform_(torch.zeros(9, 7), seed=6),
          f"fastinit.glorot_uniform_ {placements}")
    d = distribute_tensor(torch.zeros(9, 7, dtype=torch.float64), mesh, placements)
    fastinit.orthogonal_(d, seed=6)
    _same(d, fastinit.orthogonal_(torch.zeros(9, 7, dtype=torch.float64), seed=6),
          f"fastinit.orthogonal_ {placements}")
    d = distribute_tensor(torch.zeros(9, 7), mesh, placements)
    fastinit.constant_(d, 0.5)
    _same(d, torch.full((9, 7), 0.5), f"fastinit.constant_ {placements}")


def worker(rank, world, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=120))
    torch.set_num_threads(1)
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard
    try:
        mesh = init_device_mesh("cpu", (world,))
        if world == 2:
            check_placements(mesh, (9, 7), [Shard(0)])          # uneven: 5 + 4 rows
            check_placements(mesh, (6, 7), [Shard(1)])          # uneven: 4 + 3 columns
            check_placements(mesh, (5, 6), [Replicate()])
            check_placements(mesh, (5, 3), [Shard(1)], torch.complex64)
            check_dirac(mesh, [Shard(1)])
            check_manual_seed(mesh, [Shard(0)])
            check_fsdp_mlp(mesh)
            check_build_fsdp(mesh)
            check_fsdp_transformer(mesh)
            check_catalog(mesh, [Shard(1)])
        else:
            check_placements(mesh, (3, 5), [Shard(0)])          # rank 3 holds nothing
            mesh2 = init_device_mesh("cpu", (2, 2), mesh_dim_names=("dp", "tp"))
            check_placements(mesh2, (7, 9), [Shard(0), Shard(1)])
            check_placements(mesh2, (11, 4), [Shard(0), Shard(0)])
            check_placements(mesh2, (6, 5), [Replicate(), Shard(1)])
            check_dirac(mesh2, [Shard(0), Shard(1)])
            check_fsdp_tp(mesh2)
            check_catalog(mesh2, [Shard(0), Shard(1)])
    finally:
        dist.destroy_process_group()


def main():
    world = int(sys.argv[1])
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    mp.spawn(worker, args=(world, port), nprocs=world)
    print(f"OK world={world}")


if __name__ == "__main__":
    main()
