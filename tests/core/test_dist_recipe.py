"""docs/architecture.rst's "Adding a distribution" recipe, exercised: a toy distribution
is added to a copy of the engine sources by exactly the recipe's C edits (one line in
contract.h's FI_DIST_LIST, one section in dists.h), the CPU engine (every SIMD copy) and
the CUDA kernels (emulated with tests/core/cuda_shim.h, as test_gpu_kernel_emulation.py
does) are built from it with the host compilers, and both must give the toy's
documented values, bit for bit.  The recipe's Python step (core/host.py's
``<name>_params``) is checked by the dispatch being generated from the engine's list."""
import ast
import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest

import fastinit
from fastinit.core import host as _host, request as _request
from fastinit.engine import _engine, gpu as _gpu

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORE = _gpu.CORE_DIR

# The recipe's two C edits for the toy ``loc + scale * u``, u = (w >> 8) * 2**-24 (float32
# and narrower: one word per element; float64: two words, u = the first word's 2**-32).
CONTRACT_LINE = "X(FI_TRUNCATED, truncated)"
TOY_ENTRY = " X(FI_TOY, toy)"
TOY_SECTION = r"""
/* ---- toy (tests/core/test_dist_recipe.py): loc + scale * u ---- */
#ifdef FI_FN
static void FI_FN(tile_f32_toy)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                float *restrict res)
{
    const float loc = (float)p->loc, scale = (float)p->scale;
    for (int i = 0; i < cnt; i++) res[i] = fi_affine_f32(loc, scale, (float)(w[i] >> 8) * 0x1p-24f);
}

static void FI_FN(tile_f64_toy)(const fi_params *p, const fi_u32 *restrict w, int cnt,
                                double *restrict res)
{
    for (int i = 0; i < cnt; i++)
        res[i] = fi_affine_f64(p->loc, p->scale, (double)w[2 * i] * 0x1p-32);
}
#else
FI_INLINE void fi_k_block_f32_toy(const fi_params &p, const fi_u32 w[4], float r[4])
{
    const float loc = (float)p.loc, scale = (float)p.scale;
    for (int i = 0; i < 4; i++) r[i] = fi_affine_f32(loc, scale, (float)(w[i] >> 8) * 0x1p-24f);
}

FI_INLINE void fi_k_block_f64_toy(const fi_params &p, const fi_u32 w[4], double r[2])
{
    for (int i = 0; i < 2; i++) r[i] = fi_affine_f64(p.loc, p.scale, (double)w[2 * i] * 0x1p-32);
}
#endif
"""

CPU_DRIVER = r"""
#include "engine.h"
int toy_code(void) { return FI_TOY; }
int n_dists(void) { return FI_NDISTS; }
void toy_fill(void *out, int fmt, double loc, double scale, unsigned long long seed,
              unsigned long long stream, unsigned long long e0, long long n)
{
    double p[FI_NPARAMS] = {0};
    p[0] = loc; p[1] = scale;
    fi_fill(out, fmt, FI_TOY, (const fi_params *)p, seed, stream, e0, n);
}
"""

GPU_DRIVER = r"""
#include "cuda_shim.h"
#include "kernels.cu"
extern "C" void toy_gpu(int fmt, unsigned long long out, long long n, double loc, double scale,
                        unsigned long long seed, unsigned long long stream)
{
    long long A = fmt == FI_F64 ? 2 : 4, nwork = (n + A - 1) / A;
    if (fmt == FI_F32)
        fi_emu_launch(fi_fill_f32_toy, 3, 7, out, 0ull, 1ll, (unsigned long long)nwork, 0ll, 0ll, n,
                      seed, stream, loc, scale, 0., 0., 0., 0., 0., 0., 0.);
    else
        fi_emu_launch(fi_fill_f64_toy, 3, 7, out, 0ull, 1ll, (unsigned long long)nwork, 0ll, 0ll, n,
                      seed, stream, loc, scale, 0., 0., 0., 0., 0., 0., 0.);
}
"""


def _compile_args():
    tree = ast.parse(open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "compile_args"
                                                for t in node.targets):
            return [a for a in ast.literal_eval(node.value) if a != "-fopenmp"]
    raise AssertionError("setup.py has no literal compile_args list")


def _tool(*names):
    for n in names:
        if n and shutil.which(n):
            return shutil.which(n)
    pytest.skip(f"needs one of {names} on PATH")


@pytest.fixture(scope="module")
def toy_src(tmp_path_factory):
    """A copy of the engine sources with the recipe applied (and nothing else)."""
    # engine.c is compiled into the extension, not installed with the headers: take the
    # sources from the checkout (the README's "pip install . && python -m pytest")
    src = os.path.join(ROOT, "src", "fastinit", "engine")
    if not os.path.exists(os.path.join(src, "engine.c")):
        src = CORE
    if not os.path.exists(os.path.join(src, "engine.c")):
        pytest.skip("needs the engine's C sources (a source checkout)")
    d = tmp_path_factory.mktemp("toy_engine")
    for name in os.listdir(src):
        if name.endswith((".h", ".c", ".cu")) and name != "_engine.c":
            shutil.copy(os.path.join(src, name), d / name)
    contract = (d / "contract.h").read_text()
    assert contract.count(CONTRACT_LINE) == 1
    (d / "contract.h").write_text(contract.replace(CONTRACT_LINE, CONTRACT_LINE + TOY_ENTRY))
    (d / "dists.h").write_text((d / "dists.h").read_text() + TOY_SECTION)
    return d


def _expected(fmt_name, n, loc, scale, seed, stream):
    if fmt_name == "float32":
        w = fastinit.random_raw(n, seed=seed, stream=stream)
        u = (w >> 8).astype(np.float32) * np.float32(2.0 ** -24)
        return np.float32(loc) + np.float32(scale) * u
    w = fastinit.random_raw(2 * n, seed=seed, stream=stream)[0::2]
    return loc + scale * (w.astype(np.float64) * 2.0 ** -32)


CASES = [("float32", 0, 1001), ("float64", 1, 777)]


def test_toy_distribution_on_the_cpu_engine(toy_src, tmp_path):
    cc = _tool(os.environ.get("CC"), "cc", "gcc", "clang")
    lib = tmp_path / "toy_cpu.so"
    (tmp_path / "driver.c").write_text(CPU_DRIVER)
    cmd = [cc, *_compile_args(), "-shared", "-fPIC", f"-I{toy_src}",
           str(toy_src / "engine.c"), str(tmp_path / "driver.c"), "-o", str(lib)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    so = ctypes.CDLL(str(lib))
    assert so.toy_code() == len(_engine.DIST_NAMES) and so.n_dists() == len(_engine.DIST_NAMES) + 1
    so.toy_fill.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_double,
                            ctypes.c_ulonglong, ctypes.c_ulonglong, ctypes.c_ulonglong,
                            ctypes.c_longlong]
    so.fi_set_simd.argtypes = [ctypes.c_int]
    for level in range(3):
        if not so.fi_simd_supported(level):
            continue
        assert so.fi_set_simd(level) == level
        for fmt_name, fmt, n in CASES:
            out = np.zeros(n, fmt_name)
            so.toy_fill(out.ctypes.data, fmt, -0.5, 3.0, 9, 4, 0, n)
            want = _expected(fmt_name, n, -0.5, 3.0, 9, 4)
            assert out.tobytes() == want.astype(fmt_name).tobytes(), (level, fmt_name)


def test_toy_distribution_on_the_emulated_gpu_kernels(toy_src, tmp_path):
    cxx = _tool(os.environ.get("CXX"), "g++", "c++", "clang++")
    lib = tmp_path / "toy_gpu.so"
    (tmp_path / "driver.cpp").write_text(GPU_DRIVER)
    cmd = [cxx, "-std=c++17", "-O2", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared",
           f"-I{HERE}", f"-I{toy_src}", str(tmp_path / "driver.cpp"), "-o", str(lib)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    so = ctypes.CDLL(str(lib))
    so.toy_gpu.argtypes = [ctypes.c_int, ctypes.c_ulonglong, ctypes.c_longlong, ctypes.c_double,
                           ctypes.c_double, ctypes.c_ulonglong, ctypes.c_ulonglong]
    for fmt_name, fmt, n in CASES:
        out = np.zeros(n, fmt_name)
        so.toy_gpu(fmt, out.ctypes.data, n, -0.5, 3.0, 9, 4)
        want = _expected(fmt_name, n, -0.5, 3.0, 9, 4)
        assert out.tobytes() == want.astype(fmt_name).tobytes(), fmt_name


def test_python_side_is_generated_from_the_engine_list():
    """The recipe's third place: core/host.py's ``<name>_params``, found by name from the
    engine's list; the kernel names and the module constants come from it too."""
    assert _engine.DIST_NAMES == ("uniform", "normal", "truncated")
    assert _request._PARAMS == tuple(getattr(_host, f"{n}_params") for n in _engine.DIST_NAMES)
    for code, name in enumerate(_engine.DIST_NAMES):
        assert getattr(_engine, name.upper()) == code
        assert _gpu.kernel_name(_engine.F32, code) == f"fi_fill_f32_{name}"
    with pytest.raises(ValueError, match="unknown distribution"):
        _request.kernel_params(len(_engine.DIST_NAMES), _engine.F32, (0.0, 1.0))
