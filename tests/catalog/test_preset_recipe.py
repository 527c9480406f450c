"""docs/architecture.rst, "Adding a preset": a toy row added to fastinit/presets.py the
documented way gives a catalog function pair, a ``fastinit.jax`` builder, a
``fastinit.keras`` class and a torch scheme that all draw ``variance_scaling`` with the
row's (scale, mode, distribution)."""
import importlib

import numpy as np
import pytest

import fastinit
from fastinit import presets
from fastinit.catalog import schemes
from fastinit.presets import Preset

TOYS = [
    Preset("toy_uniform", 2.0, "fan_in", "uniform", ("toy_kaiming_uniform",),
           "Toy uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / fan_in)``",
           ">>> fastinit.toy_uniform((4, 5), seed=0).shape\n(4, 5)"),
    Preset("toy_normal", 1.0, "fan_avg", "truncated_normal", (),
           "Toy normal: truncated normal with final std ``sqrt(2 / (fan_in + fan_out))``",
           ">>> fastinit.toy_normal((4, 5), seed=0).shape\n(4, 5)"),
]
SHAPE = (48, 24)


@pytest.fixture(params=TOYS, ids=lambda p: p.name)
def toy(request, monkeypatch):
    """The toy row, added to the table as a new row of fastinit/presets.py would be
    (the adapters are imported first: their one-line names unpack the real table)."""
    for adapter in ("fastinit.jax", "fastinit.keras", "fastinit.torch"):
        try:
            importlib.import_module(adapter)
        except ImportError:
            pass
    monkeypatch.setattr(presets, "PRESETS", presets.PRESETS + (request.param,))
    return request.param


def _reference(p, **kw):
    return fastinit.variance_scaling(SHAPE, p.scale, p.mode, p.distribution, **kw)


def test_the_row_is_found(toy):
    assert presets.preset(toy.name) is toy
    with pytest.raises(KeyError, match="no preset named"):
        presets.preset("no_such_preset")


def test_catalog_pair(toy):
    new, fill = schemes.pair(toy)             # what fastinit.initializers names in one line
    assert new.__name__ == toy.name and fill.__name__ == toy.name + "_"
    assert toy.summary.split(":")[0] in new.__doc__
    want = _reference(toy, seed=5, stream=2)
    np.testing.assert_array_equal(new(SHAPE, seed=5, stream=2), want)
    np.testing.assert_array_equal(fill(np.empty(SHAPE, np.float32), seed=5, stream=2), want)


def test_jax_builder(toy):
    jax = pytest.importorskip("jax")
    import fastinit.jax as fj
    from fastinit.jax.initializers import _preset
    builder = _preset(toy.name)               # fastinit.jax's one line for the row
    assert builder.__name__ == toy.name
    key = jax.random.key(5)
    got = np.asarray(builder()(key, SHAPE, np.float32))
    want = np.asarray(fj.variance_scaling(toy.scale, toy.mode, toy.distribution)(
        key, SHAPE, np.float32))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, _reference(toy, seed=5), rtol=1e-6, atol=1e-7)


def test_keras_class(toy):
    keras = pytest.importorskip("keras")
    import fastinit.keras as fk
    cls = fk._preset_class(toy.name)          # fastinit.keras's one line for the row
    try:
        assert cls.__name__ == toy.keras_name and issubclass(cls, fk.VarianceScaling)
        got = keras.ops.convert_to_numpy(cls(seed=5)(SHAPE, "float32"))
        want = keras.ops.convert_to_numpy(fk.VarianceScaling(
            toy.scale, toy.mode, toy.distribution, seed=5)(SHAPE, "float32"))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(got, _reference(toy, seed=5), rtol=1e-6, atol=1e-7)
    finally:   # the class registered itself for serialisation; leave the registry as it was
        keras.saving.get_custom_objects().pop(f"fastinit>{toy.keras_name}", None)


def test_torch_scheme(toy):
    torch = pytest.importorskip("torch")
    from fastinit.torch.module import _scheme
    scheme = _scheme(toy)                     # fastinit.torch.SCHEMES's entry for the row
    out, inp = SHAPE                          # torch's layout: (out, in)
    t = scheme(torch.empty(out, inp), seed=5)
    # torch semantics: *_normal is a plain normal, the fans of an (out, in) weight
    dist = "uniform" if toy.distribution == "uniform" else "normal"
    want = fastinit.variance_scaling(SHAPE, toy.scale, toy.mode, dist, in_axis=-1,
                                     out_axis=-2, seed=5)
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-6, atol=1e-7)


def test_a_row_torch_cannot_express_is_refused_by_name():
    pytest.importorskip("torch")
    from fastinit.torch.module import _scheme
    row = Preset("toy_fan_out", 1.0, "fan_out", "uniform", (), "Toy", "")
    with pytest.raises(ValueError, match="toy_fan_out"):
        _scheme(row)
