"""Spawned by test_torch_stacks.py: ``python torchtitan_dist_worker.py WORLD LAYOUT``.

torchtitan 0.3.0's Llama-3 debug model, built on meta, parallelised by torchtitan's own
``parallelize_llama`` (LAYOUT ``fsdp``: FSDP2 over WORLD ranks; ``tp``: tensor parallel;
``fsdp_tp``: FSDP2 x TP on a 2 x 2 mesh) on gloo, ``to_empty``, then
``fastinit.torch.init_module``: every gathered parameter must equal the unsharded
model's, bit for bit, untied and with ``enable_weight_tying``.  torchtitan assumes CUDA
without a GPU: its module-level ``device_type`` is set to ``cpu`` here.  Prints one
``OK <layout> tie=<bool> n/n`` line per case; exit status 0 when all are equal."""
import dataclasses
import datetime
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def build(tie, layout, world):
    from torchtitan.config import configs
    from torchtitan.distributed import ParallelDims
    from torchtitan.models.llama3 import llama3_configs, parallelize_llama
    cfg = llama3_configs["debugmodel"](attn_backend="flex")
    if tie:
        cfg = dataclasses.replace(cfg, enable_weight_tying=True)
    with torch.device("meta"):
        model = cfg.build()
    if layout != "plain":
        dp, tp = {"fsdp": (world, 1), "tp": (1, world), "fsdp_tp": (2, 2)}[layout]
        # "partial_dtensor": FSDP2 + TP as DTensors (the default "spmd_types" backend
        # wants every parameter distributed over the full mesh first)
        par = configs.ParallelismConfig(data_parallel_shard_degree=dp,
                                        tensor_parallel_degree=tp,
                                        spmd_backend="partial_dtensor")
        dims = ParallelDims.from_config(par, world)
        dims.build_mesh()
        model = parallelize_llama(model, parallel_dims=dims, training=configs.TrainingConfig(),
                                  parallelism=par, compile_config=configs.CompileConfig(),
                                  ac_config=None, dump_folder="/tmp")
    model.to_empty(device="cpu")
    return model


def worker(rank, world, port, layout):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=120))
    torch.set_num_threads(1)
    import torchtitan.distributed.parallel_dims as parallel_dims
    import torchtitan.tools.utils as utils
    utils.device_type = parallel_dims.device_type = "cpu"
    import fastinit.torch as finit
    try:
        for tie in (False, True):
            sharded = finit.init_module(build(tie, layout, world), seed=0)
            ref = dict(finit.init_module(build(tie, "plain", world), seed=0).named_parameters())
            names = [n for n, _ in sharded.named_parameters()]
            assert set(names) == set(ref), set(names) ^ set(ref)
            equal = 0
            for name, p in sharded.named_parameters():
                full = p.full_tensor() if hasattr(p, "full_tensor") else p
                equal += torch.equal(full.detach(), ref[name].detach())
            if equal != len(names):
                raise AssertionError(f"{layout} tie={tie}: {equal}/{len(names)} equal")
            if rank == 0:
                print(f"OK {layout} tie={tie} {equal}/{len(names)}", flush=True)
    finally:
        dist.destroy_process_group()


def main():
    world, layout = int(sys.argv[1]), sys.argv[2]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    mp.spawn(worker, args=(world, port, layout), nprocs=world)


if __name__ == "__main__":
    main()
