"""Sharded fastinit.jax arrays on 8 host CPU devices.  Run by
test_jax_initializers.test_sharded_on_8_host_devices in a subprocess with
XLA_FLAGS=--xla_force_host_platform_device_count=8 (the device count is fixed when jax
starts, so it cannot share a process with the other tests)."""
import numpy as np
import pytest

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding, PartitionSpec as P

import fastinit
import fastinit.jax as fj

if len(jax.devices()) != 8:   # pragma: no cover - run without the XLA flag
    pytest.skip("needs 8 host devices", allow_module_level=True)

KEY = jax.random.key(5)


def _mesh(shape, names):
    return jax.make_mesh(shape, names, axis_types=(jax.sharding.AxisType.Explicit,) * len(names))


CASES = [
    ((8,), ("x",), (64, 24), P("x", None)),
    ((8,), ("x",), (64, 24), P(None, "x")),
    ((8,), ("x",), (64, 24), P()),
    ((2, 4), ("a", "b"), (32, 40), P("a", "b")),
    ((2, 4), ("a", "b"), (32, 40), P("b", "a")),
    ((2, 4), ("a", "b"), (32, 40), P(("a", "b"), None)),
    ((2, 4), ("a", "b"), (32, 40), P("a", None)),
    ((4, 2), ("a", "b"), (3, 16, 8), P(None, "a", "b")),
]
INITS = [fj.glorot_uniform(), fj.he_normal(), fj.normal(0.3), fj.uniform(2.0),
         fj.truncated_normal(1.0, lower=-1.0, upper=0.5)]


@pytest.mark.parametrize("mesh_shape, names, shape, spec", CASES)
@pytest.mark.parametrize("i", range(len(INITS)))
def test_sharded_equals_whole(mesh_shape, names, shape, spec, i):
    sharding = NamedSharding(_mesh(mesh_shape, names), spec)
    x = INITS[i](KEY, shape, out_sharding=sharding)
    assert x.sharding == sharding and x.shape == shape
    whole = np.asarray(INITS[i](KEY, shape))
    np.testing.assert_array_equal(np.asarray(x), whole)
    for shard in x.addressable_shards:
        np.testing.assert_array_equal(np.asarray(shard.data), whole[shard.index])


@pytest.mark.parametrize("mesh_shape, names, shape, spec", CASES)
@pytest.mark.parametrize("axis_type", ["Explicit", "Auto"])
@pytest.mark.parametrize("route", ["ffi", "pure_callback"])
def test_sharded_under_jit(mesh_shape, names, shape, spec, axis_type, route, monkeypatch):
    if route == "pure_callback":
        monkeypatch.setattr(fj.ffi, "available", lambda: False)
    t = getattr(jax.sharding.AxisType, axis_type)
    sharding = NamedSharding(jax.make_mesh(mesh_shape, names, axis_types=(t,) * len(names)),
                             spec)
    init = fj.glorot_normal()
    x = jax.jit(lambda k: init(k, shape, out_sharding=sharding))(KEY)
    assert x.sharding.is_equivalent_to(sharding, len(shape))
    np.testing.assert_array_equal(np.asarray(x), np.asarray(init(KEY, shape)))


def test_each_shard_filled_from_its_offset(monkeypatch):
    calls = []
    real = fastinit.variance_scaling

    def spy(shape, *a, **k):
        calls.append((tuple(shape), k.get("global_shape"), k.get("start")))
        return real(shape, *a, **k)
    monkeypatch.setattr(fastinit, "variance_scaling", spy)
    sharding = NamedSharding(_mesh((2, 4), ("a", "b")), P("a", "b"))
    x = fj.lecun_uniform()(KEY, (16, 32), out_sharding=sharding)
    assert len(calls) == 8
    assert {c[0] for c in calls} == {(8, 8)} and {c[1] for c in calls} == {(16, 32)}
    assert {c[2] for c in calls} == {(r, c) for r in (0, 8) for c in (0, 8, 16, 24)}
    np.testing.assert_array_equal(np.asarray(x), fastinit.lecun_uniform((16, 32), seed=5,
                                                                        stream=0))


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.complex64])
def test_sharded_dtypes(dtype):
    sharding = NamedSharding(_mesh((8,), ("x",)), P(None, "x"))
    for init in [fj.variance_scaling(1.0, "fan_avg", "uniform"), fj.normal(1.0)]:
        x = init(KEY, (8, 16), dtype, out_sharding=sharding)
        assert x.dtype == dtype
        np.testing.assert_array_equal(np.asarray(x), np.asarray(init(KEY, (8, 16), dtype)))


def test_orthogonal_and_constants_sharded():
    sharding = NamedSharding(_mesh((2, 4), ("a", "b")), P("a", "b"))
    for init in [fj.orthogonal(), fj.delta_orthogonal()]:
        shape = (16, 24) if init.__qualname__.startswith("orthogonal") else (3, 8, 8)
        s = sharding if len(shape) == 2 else NamedSharding(sharding.mesh, P(None, "a", "b"))
        x = init(KEY, shape, out_sharding=s)
        assert x.sharding == s
        np.testing.assert_array_equal(np.asarray(x), np.asarray(init(KEY, shape)))
    for init in [fj.zeros, fj.ones, fj.constant(3.0)]:
        x = init(KEY, (16, 24), out_sharding=sharding)
        assert x.sharding == sharding
        np.testing.assert_array_equal(np.asarray(x), np.asarray(init(KEY, (16, 24))))


def test_partition_spec_with_mesh_and_jit():
    mesh = _mesh((2, 4), ("a", "b"))
    whole = np.asarray(fj.he_uniform()(KEY, (16, 32)))
    with jax.set_mesh(mesh):
        x = fj.he_uniform()(KEY, (16, 32), out_sharding=P("b", "a"))
        assert x.sharding == NamedSharding(mesh, P("b", "a"))
        np.testing.assert_array_equal(np.asarray(x), whole)
        y = jax.jit(lambda k: fj.he_uniform()(k, (16, 32), out_sharding=P("a", "b")))(KEY)
        assert y.sharding.is_equivalent_to(NamedSharding(mesh, P("a", "b")), 2)
        np.testing.assert_array_equal(np.asarray(y), whole)
        for init in [fj.zeros, fj.ones, fj.constant(2.0)]:
            c = init(KEY, (16, 32), out_sharding=P("a", "b"))
            assert c.sharding == NamedSharding(mesh, P("a", "b"))
            np.testing.assert_array_equal(np.asarray(c), np.asarray(init(KEY, (16, 32))))
        o = jax.jit(lambda k: fj.orthogonal()(k, (16, 32), out_sharding=P("a", "b")))(KEY)
        np.testing.assert_array_equal(np.asarray(o), np.asarray(fj.orthogonal()(KEY, (16, 32))))
    with pytest.raises(ValueError, match="divide evenly"):
        jax.jit(lambda k: fj.he_uniform()(k, (15, 32), out_sharding=NamedSharding(
            mesh, P("a", "b"))))(KEY)
    with pytest.raises(ValueError, match="jax.set_mesh"):
        fj.he_uniform()(KEY, (16, 32), out_sharding=P("a"))
    with pytest.raises(TypeError, match="out_sharding"):
        fj.he_uniform()(KEY, (16, 32), out_sharding="a")


def test_x64_default_float():
    with jax.enable_x64(True):
        sharding = NamedSharding(_mesh((8,), ("x",)), P("x"))
        x = fj.normal(1.0)(jax.random.PRNGKey(2), (16,), out_sharding=sharding)
        assert x.dtype == jnp.float64
        np.testing.assert_array_equal(np.asarray(x),
                                      fastinit.normal((16,), seed=2, dtype="float64"))
