"""fastinit.torch.lsuv_ on an FSDP2 model on 2 gloo ranks, each with half the batch,
gives the single-process bits (the ranks run in lsuv_dist_worker.py)."""
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsuv_dist_worker.py")


@pytest.mark.slow
def test_fsdp2_two_ranks_equal_single_process():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, WORKER], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert "OK lsuv fsdp2" in proc.stdout
