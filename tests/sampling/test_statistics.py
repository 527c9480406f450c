"""Distribution checks on 2**20 samples per distribution and dtype: mean, variance and
Kolmogorov-Smirnov against the exact CDF."""
import math

import numpy as np
import pytest

scipy_stats = pytest.importorskip("scipy.stats")

import fastinit

N = 1 << 20


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_uniform_statistics(dtype):
    x = fastinit.uniform(N, -2.0, 3.0, seed=101, dtype=dtype).astype(np.float64)
    assert abs(x.mean() - 0.5) < 5 * math.sqrt(25 / 12 / N) + (0.02 if dtype == "bfloat16" else 0)
    assert abs(x.var() - 25 / 12) < 0.01 + (0.02 if dtype == "bfloat16" else 0)
    if dtype in ("float32", "float64"):
        assert scipy_stats.kstest(x, scipy_stats.uniform(-2, 5).cdf).pvalue > 1e-4


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_normal_statistics(dtype):
    x = fastinit.normal(N, 1.0, 2.0, seed=202, dtype=dtype).astype(np.float64)
    tol = 0.02 if dtype == "bfloat16" else 0
    assert abs(x.mean() - 1.0) < 5 * 2 / math.sqrt(N) + tol
    assert abs(x.std() - 2.0) < 0.01 + tol
    if dtype in ("float32", "float64"):
        assert scipy_stats.kstest(x, scipy_stats.norm(1, 2).cdf).pvalue > 1e-4
        # both halves of each Box-Muller pair are normal on their own
        assert scipy_stats.kstest(x[0::2], scipy_stats.norm(1, 2).cdf).pvalue > 1e-4
        assert scipy_stats.kstest(x[1::2], scipy_stats.norm(1, 2).cdf).pvalue > 1e-4
        assert abs(np.corrcoef(x[0::2], x[1::2])[0, 1]) < 5 / math.sqrt(N / 2)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("a,b", [(-2.0, 2.0), (0.5, 3.0), (-np.inf, -1.0), (3.0, 6.0)])
def test_truncated_statistics(dtype, a, b):
    mean, std = 0.5, 1.5
    x = fastinit.truncated_normal(N, mean, std, a, b, seed=303, dtype=dtype).astype(np.float64)
    dist = scipy_stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    tol = 0.03 if dtype in ("bfloat16", "float16") else 0
    assert abs(x.mean() - dist.mean()) < 6 * dist.std() / math.sqrt(N) + tol
    assert abs(x.std() - dist.std()) < 0.01 * dist.std() + tol
    assert x.min() >= a and x.max() <= b
    if dtype in ("float32", "float64"):
        assert scipy_stats.kstest(x, dist.cdf).pvalue > 1e-4
