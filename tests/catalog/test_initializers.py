import doctest
import math
import random

import numpy as np
import pytest

import fastinit
from fastinit import initializers as I
from fastinit.catalog import random as R
from fastinit.core import host as _host
from fastinit.fans import compute_fans


def _shapes(n, lo_rank, hi_rank, seed, max_dim=9):
    rng = random.Random(seed)
    return [tuple(rng.randint(1, max_dim) for _ in range(rng.randint(lo_rank, hi_rank)))
            for _ in range(n)]


def test_doctests():
    for mod in (I, fastinit.fans):
        res = doctest.testmod(mod, extraglobs={"fastinit": fastinit, "np": np})
        assert res.failed == 0 and res.attempted > 0


# ---- formulas ------------------------------------------------------------------------------
EXPECTED = {  # name -> (distribution, function of (fan_in, fan_out) giving limit or final std)
    "glorot_uniform": ("uniform", lambda i, o: math.sqrt(6 / (i + o))),
    "glorot_normal": ("truncated", lambda i, o: math.sqrt(2 / (i + o))),
    "he_uniform": ("uniform", lambda i, o: math.sqrt(6 / i)),
    "he_normal": ("truncated", lambda i, o: math.sqrt(2 / i)),
    "lecun_uniform": ("uniform", lambda i, o: math.sqrt(3 / i)),
    "lecun_normal": ("truncated", lambda i, o: math.sqrt(1 / i)),
}
PRESETS = {"glorot_uniform": (1.0, "fan_avg", "uniform"),
           "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
           "he_uniform": (2.0, "fan_in", "uniform"), "he_normal": (2.0, "fan_in", "truncated_normal"),
           "lecun_uniform": (1.0, "fan_in", "uniform"),
           "lecun_normal": (1.0, "fan_in", "truncated_normal")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_formulas_on_random_shapes(name):
    kind, formula = EXPECTED[name]
    scale, mode, dist = PRESETS[name]
    for shape in _shapes(150, 0, 5, hash(name) % 1000):
        fi, fo = compute_fans(shape)
        d, args = R._variance_scaling_args(shape, scale, mode, dist, -2, -1, (), None)
        want = formula(fi, fo)
        if kind == "uniform":
            assert d == _host.UNIFORM
            assert args[0] == pytest.approx(-want, rel=1e-14) and args[1] == pytest.approx(want, rel=1e-14)
        else:
            assert d == _host.TRUNCATED
            mean, std, lo, hi = args
            assert mean == 0 and std * I.TRUNCATED_STD == pytest.approx(want, rel=1e-14)
            assert lo == -2 * std and hi == 2 * std


def test_variance_scaling_matches_keras_formula_on_random_shapes():
    rng = random.Random(5)
    for shape in _shapes(200, 0, 5, 6):
        scale = rng.uniform(0.1, 3)
        mode = rng.choice(["fan_in", "fan_out", "fan_avg"])
        fi, fo = compute_fans(shape)
        denom = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}[mode]
        s = scale / max(1.0, denom)
        d, a = R._variance_scaling_args(shape, scale, mode, "uniform", -2, -1, (), None)
        assert a[1] == pytest.approx(math.sqrt(3.0 * s), rel=1e-14)
        d, a = R._variance_scaling_args(shape, scale, mode, "truncated_normal", -2, -1, (), None)
        assert a[1] == pytest.approx(math.sqrt(s) / 0.87962566103423978, rel=1e-14)
        d, a = R._variance_scaling_args(shape, scale, mode, "normal", -2, -1, (), None)
        assert d == _host.NORMAL and a == (0.0, pytest.approx(math.sqrt(s), rel=1e-14))
    # fan_geo_avg (JAX)
    d, a = R._variance_scaling_args((4, 9), 1.0, "fan_geo_avg", "normal", -2, -1, (), None)
    assert a[1] == pytest.approx(math.sqrt(1 / 6))


def test_aliases_are_the_same_functions():
    assert I.xavier_uniform is I.glorot_uniform and I.xavier_normal_ is I.glorot_normal_
    assert I.kaiming_uniform is I.he_uniform and I.kaiming_normal_ is I.he_normal_
    assert I.eye is I.identity and fastinit.glorot_uniform is I.glorot_uniform


# ---- statistics on >= 1e6 samples --------------------------------------------------------------
@pytest.mark.parametrize("name, fans_shape", [
    ("glorot_uniform", (1000, 1000)), ("he_uniform", (500, 2000)), ("lecun_uniform", (2000, 500)),
    ("glorot_normal", (1000, 1000)), ("he_normal", (500, 2000)), ("lecun_normal", (2000, 500)),
])
def test_sample_statistics(name, fans_shape):
    x = getattr(fastinit, name)(fans_shape, seed=11).astype(np.float64)
    assert x.size >= 10 ** 6
    kind, formula = EXPECTED[name]
    target = formula(*compute_fans(fans_shape))
    if kind == "uniform":
        assert np.abs(x).max() <= target
        assert np.abs(x).max() > 0.999 * target
        assert x.std() == pytest.approx(target / math.sqrt(3), rel=5e-3)
    else:
        assert x.std() == pytest.approx(target, rel=5e-3)
        assert np.abs(x).max() <= 2 * target / I.TRUNCATED_STD * (1 + 1e-6)
    assert abs(x.mean()) < 5e-3 * target


def test_plain_distribution_statistics():
    n = (1000, 1000)
    u = fastinit.uniform(n, -3.0, 5.0, seed=1, dtype="float64")
    assert u.min() >= -3 and u.max() < 5 and u.mean() == pytest.approx(1.0, abs=0.01)
    z = fastinit.normal(n, 2.0, 0.5, seed=2)
    assert z.mean() == pytest.approx(2.0, abs=2e-3) and z.std() == pytest.approx(0.5, rel=3e-3)
    t = fastinit.truncated_normal(n, 0.0, 1.0, -1.0, 1.0, seed=3)
    assert t.min() >= -1 and t.max() <= 1
    # std of N(0,1) truncated to [-1, 1]
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    z1 = math.erf(1 / math.sqrt(2))
    assert t.std() == pytest.approx(math.sqrt(1 - 2 * phi / z1), rel=3e-3)


# ---- forms, seeds, shards -----------------------------------------------------------------
def test_in_place_equals_new_form_and_seed_semantics():
    for name in ["glorot_uniform", "he_normal", "lecun_normal", "glorot_normal"]:
        new = getattr(fastinit, name)((30, 20), seed=4, stream=9)
        out = np.empty((30, 20), np.float32)
        assert getattr(fastinit, name + "_")(out, seed=4, stream=9) is out
        np.testing.assert_array_equal(new, out)
        assert not np.array_equal(new, getattr(fastinit, name)((30, 20), seed=4, stream=10))
    fastinit.seed(123)
    a = fastinit.he_uniform((8, 8))
    b = fastinit.he_uniform((8, 8))
    fastinit.seed(123)
    np.testing.assert_array_equal(a, fastinit.he_uniform((8, 8)))
    np.testing.assert_array_equal(b, fastinit.he_uniform((8, 8)))
    np.testing.assert_array_equal(a, fastinit.he_uniform((8, 8), seed=123, stream=0))


def test_shard_fans_come_from_global_shape():
    whole = fastinit.glorot_normal((16, 12), seed=2, dtype="float64")
    part = fastinit.glorot_normal((5, 12), seed=2, dtype="float64", global_shape=(16, 12),
                                  start=(3, 0))
    np.testing.assert_array_equal(whole[3:8], part)
    out = np.empty((16, 4))
    fastinit.he_uniform_(out, seed=2, global_shape=(16, 12), start=(0, 8))
    np.testing.assert_array_equal(out, fastinit.he_uniform((16, 12), seed=2, dtype="float64")[:, 8:])


def test_fans_override_and_axes():
    w = fastinit.he_uniform((10, 10), seed=1, fans=(600, 1))
    assert np.abs(w).max() <= 0.1
    x = np.empty((10, 10), np.float32)
    fastinit.he_uniform_(x, seed=1, fans=(600, 1))
    np.testing.assert_array_equal(w, x)
    # torch layout via axes: (out, in, kh, kw)
    a = fastinit.variance_scaling((8, 4, 3, 3), 2.0, "fan_in", "uniform", in_axis=1, out_axis=0,
                                  seed=3)
    assert np.abs(a).max() <= math.sqrt(6 / 36)


def test_constants():
    assert fastinit.zeros((2, 3)).dtype == np.float32 and not fastinit.zeros((2, 3)).any()
    assert (fastinit.ones((2, 3), dtype="float64") == 1).all()
    assert (fastinit.constant((4,), 0.25, dtype="float16") == 0.25).all()
    x = np.empty((3, 3))
    assert fastinit.constant_(x, 7.0) is x and (x == 7).all()
    fastinit.zeros_(x)
    assert not x.any()
    fastinit.ones_(x)
    assert (x == 1).all()


# ---- orthogonal, identity, dirac, sparse ---------------------------------------------------------
@pytest.mark.parametrize("shape", [(64, 64), (32, 100), (100, 32), (3, 3, 16, 32), (8, 4, 5),
                                   (2, 3, 4, 5, 6)])
@pytest.mark.parametrize("gain", [1.0, 1.7])
def test_orthogonal_rows_or_columns_orthonormal(shape, gain):
    w = fastinit.orthogonal(shape, gain, seed=5).astype(np.float64)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])          # Keras: all but the last axis are rows
    g = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(g, gain ** 2 * np.eye(g.shape[0]), atol=1e-5)
    # torch layout
    t = fastinit.orthogonal(shape, gain, column_axis=0, seed=5).astype(np.float64)
    m = t.reshape(shape[0], -1)
    g = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(g, gain ** 2 * np.eye(g.shape[0]), atol=1e-5)
    out = np.empty(shape, np.float32)
    np.testing.assert_array_equal(fastinit.orthogonal_(out, gain, seed=5), w.astype(np.float32))


def test_orthogonal_is_qr_of_fastinit_normal():
    a = fastinit.normal((4, 6), seed=9, dtype="float64").T    # drawn (min, max), transposed
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    np.testing.assert_array_equal(fastinit.orthogonal((6, 4), seed=9, dtype="float64"), q)
    np.testing.assert_array_equal(fastinit.orthogonal((4, 6), seed=9, dtype="float64"), q.T)
    # float32 outputs: the QR runs in float32 (as torch's does), on the float32 normal
    a32 = fastinit.normal((4, 6), seed=9, dtype="float32").T
    q32, r32 = np.linalg.qr(a32)
    np.testing.assert_array_equal(fastinit.orthogonal((6, 4), seed=9), q32 * np.sign(np.diag(r32)))


def test_identity_and_dirac():
    np.testing.assert_array_equal(fastinit.identity((3, 5), 2.0), 2 * np.eye(3, 5))
    np.testing.assert_array_equal(fastinit.eye_(np.empty((4, 2))), np.eye(4, 2))
    w = fastinit.dirac((4, 2, 3, 3), groups=2)
    assert w.sum() == 4 and w[0, 0, 1, 1] == 1 and w[1, 1, 1, 1] == 1 and w[2, 0, 1, 1] == 1


def test_sparse_zero_count_and_reproducible():
    for rows, cols, s in [(10, 7, 0.3), (100, 20, 0.5), (9, 3, 0.0), (50, 4, 0.99)]:
        w = fastinit.sparse((rows, cols), s, 0.05, seed=1, stream=3)
        assert ((w == 0).sum(axis=0) == math.ceil(s * rows)).all()
        np.testing.assert_array_equal(w, fastinit.sparse((rows, cols), s, 0.05, seed=1, stream=3))
        full = fastinit.normal((rows, cols), 0.0, 0.05, seed=1, stream=3)
        np.testing.assert_array_equal(w[w != 0], full[w != 0])
        out = np.empty((rows, cols), np.float32)
        np.testing.assert_array_equal(fastinit.sparse_(out, s, 0.05, seed=1, stream=3), w)
    a = fastinit.sparse((40, 5), 0.5, seed=1, stream=0)
    b = fastinit.sparse((40, 5), 0.5, seed=1, stream=1)
    assert not np.array_equal(a == 0, b == 0)


# ---- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, err, match", [
    (lambda: fastinit.variance_scaling((3, 3), mode="fan_sum", seed=1), ValueError, "mode"),
    (lambda: fastinit.variance_scaling((3, 3), distribution="cauchy", seed=1), ValueError, "distribution"),
    (lambda: fastinit.variance_scaling((3, 3), scale=0.0, seed=1), ValueError, "scale"),
    (lambda: fastinit.variance_scaling((3, 3), scale=-1.0, seed=1), ValueError, "scale"),
    (lambda: fastinit.variance_scaling((3, 3), scale="1", seed=1), TypeError, "scale"),
    (lambda: fastinit.glorot_uniform((3, -2), seed=1), ValueError, "shape"),
    (lambda: fastinit.glorot_uniform((3, 3), seed=1, dtype="int32"), TypeError, "dtype"),
    (lambda: fastinit.glorot_uniform_(np.zeros((3, 3), np.int64), seed=1), TypeError, "dtype"),
    (lambda: fastinit.he_normal((3, 3), seed=1, fans=(0, 0)), ValueError, "fan"),
    (lambda: fastinit.he_normal((3, 3), seed=1, fans=5), TypeError, "fans"),
    (lambda: fastinit.he_normal((3,), in_axis=1, seed=1), ValueError, "in_axis"),
    (lambda: fastinit.orthogonal((5,), seed=1), ValueError, "2 dimensions"),
    (lambda: fastinit.orthogonal_(np.empty(4), seed=1), ValueError, "2 dimensions"),
    (lambda: fastinit.identity((2, 2, 2)), ValueError, "2-dimensional"),
    (lambda: fastinit.dirac((4, 4)), ValueError, "3-, 4- or 5"),
    (lambda: fastinit.dirac((5, 4, 3), groups=2), ValueError, "groups"),
    (lambda: fastinit.dirac((4, 4, 3), groups=0), ValueError, "groups"),
    (lambda: fastinit.sparse((4, 4), 1.5, seed=1), ValueError, "sparsity"),
    (lambda: fastinit.sparse((4, 4), -0.1, seed=1), ValueError, "sparsity"),
    (lambda: fastinit.sparse((4, 4, 4), 0.1, seed=1), ValueError, "2-dimensional"),
    (lambda: fastinit.constant((2,), "x"), TypeError, "value"),
    (lambda: fastinit.glorot_uniform_([1.0, 2.0], seed=1), TypeError, "array"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_presets_come_from_one_table():
    """Every adapter's preset is the row of fastinit/presets.py it is named after."""
    from fastinit.presets import PRESETS as ROWS
    for p in ROWS:
        for name in (p.name, *p.aliases):
            assert getattr(fastinit, name).__name__ == p.name
            assert getattr(fastinit, name + "_").__name__ == p.name + "_"
            assert name in I.__all__ and name + "_" in I.__all__
        assert PRESETS[p.name] == (p.scale, p.mode, p.distribution)
        assert p.summary.split(":")[0] in getattr(fastinit, p.name).__doc__
    import inspect
    sig = inspect.signature(fastinit.glorot_uniform)
    assert list(sig.parameters)[:2] == ["shape", "seed"] and "chunks" in sig.parameters
    jax = pytest.importorskip("jax")  # noqa: F841
    import fastinit.jax as fj
    for p in ROWS:
        assert getattr(fj, p.name).__name__ == p.name
    keras = pytest.importorskip("keras")  # noqa: F841
    import fastinit.keras as fk
    for p in ROWS:
        cls = getattr(fk, p.keras_name)
        assert cls.__name__ == p.keras_name and cls._SETTINGS == (p.scale, p.mode, p.distribution)
