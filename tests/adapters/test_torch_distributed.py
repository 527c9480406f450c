"""DTensor / FSDP2 / tensor parallel on gloo (CPU): every rank fills only its shard and
the gathered tensor equals the single-process result bit for bit.  The ranks run in a
separate script (torch.multiprocessing spawn), one run per world size."""
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_dist_worker.py")


@pytest.mark.slow
@pytest.mark.parametrize("world", [2, 4])
def test_sharded_fills_equal_single_process(world):
    args = [sys.executable, WORKER, str(world)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"OK world={world}" in proc.stdout
