"""Spawned by test_lsuv_distributed.py: ``python lsuv_dist_worker.py``.

Two gloo ranks on 127.0.0.1 fit an FSDP2 model by ``fastinit.torch.lsuv_``, each on its
half of a batch; the gathered weights must equal, bit for bit, those of one process that
fits the same model on the whole batch.  Exit status 0 when every rank agrees."""
import datetime
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

nn = torch.nn


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 32), nn.ReLU(inplace=True), nn.Linear(32, 32),
                         nn.ReLU(inplace=True), nn.LayerNorm(32), nn.Linear(32, 5))


def batch():
    import fastinit
    return torch.from_numpy(fastinit.normal((8, 12), seed=3)) * 2 + 0.5


def single():
    import fastinit.torch as ft
    m = model()
    res = ft.lsuv_(m, batch(), seed=1)
    return {k: v.detach().clone() for k, v in m.state_dict().items()}, res


def worker(rank, world, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=120))
    torch.set_num_threads(1)
    try:
        import fastinit.torch as ft
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard
        mesh = init_device_mesh("cpu", (world,))
        m = model()
        for layer in (m[0], m[2], m[5]):
            fully_shard(layer, mesh=mesh)
        fully_shard(m, mesh=mesh)
        x = batch().chunk(world)[rank]
        res = ft.lsuv_(m, x, seed=1)
        ref, ref_res = single()
        got = {k: (v.full_tensor() if hasattr(v, "full_tensor") else v)
               for k, v in m.state_dict().items()}
        assert got.keys() == ref.keys(), (got.keys(), ref.keys())
        for k in ref:
            if not torch.equal(got[k], ref[k]):
                raise AssertionError(f"rank {rank}: {k}: FSDP2 != single process "
                                     f"(max diff {float((got[k] - ref[k]).abs().max()):.3g})")
        assert res.converged and [u.std_after for u in res.units] == \
            [u.std_after for u in ref_res.units], (res, ref_res)
    finally:
        dist.destroy_process_group()


def main():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    mp.spawn(worker, args=(2, port), nprocs=2)
    print("OK lsuv fsdp2")


if __name__ == "__main__":
    main()
