"""The named variance-scaling presets, written once.

Each row is ``(name, scale, mode, distribution, aliases, summary, example)``; the
catalog (:mod:`fastinit.initializers`), :mod:`fastinit.jax`, :mod:`fastinit.keras` and
the torch schemes (:data:`fastinit.torch.SCHEMES`) are all built from :data:`PRESETS`.
``distribution`` is in the Keras/JAX sense: the ``*_normal`` presets draw a truncated
normal (``torch.nn.init``'s ``xavier_normal_``/``kaiming_normal_`` draw a plain normal, so
the torch schemes map ``truncated_normal`` to torch's normal).

Adding a preset is adding one row here, then one line naming it in each adapter and
its names in ``fastinit.initializers.__all__`` (docs/architecture.rst, "Adding a preset";
tests/catalog/test_preset_recipe.py adds a toy row that way).
"""
from typing import NamedTuple, Tuple

__all__ = ["Preset", "PRESETS", "TRUNCATED_STD", "preset"]

# std of N(0, 1) truncated to [-2, 2]: the truncated_normal presets divide by it so the
# final std is sqrt(variance) (jax/_src/nn/initializers.py uses the same constant)
TRUNCATED_STD = 0.87962566103423978


class Preset(NamedTuple):
    name: str                 # the catalog / jax name (snake_case)
    scale: float
    mode: str                 # fan_in / fan_out / fan_avg / fan_geo_avg
    distribution: str         # uniform / truncated_normal / normal
    aliases: Tuple[str, ...]  # other names of the same preset
    summary: str              # what it draws, in the fan terms
    example: str              # a doctest for the catalog's return-new form

    @property
    def keras_name(self) -> str:
        """The Keras class name: ``glorot_uniform`` -> ``GlorotUniform``."""
        return "".join(part.capitalize() for part in self.name.split("_"))


PRESETS: Tuple[Preset, ...] = (
    Preset("glorot_uniform", 1.0, "fan_avg", "uniform", ("xavier_uniform",),
           "Glorot/Xavier uniform: ``U[-limit, limit)``, "
           "``limit = sqrt(6 / (fan_in + fan_out))``",
           ">>> x = fastinit.glorot_uniform((300, 100), seed=0)\n"
           ">>> bool(abs(x).max() <= (6 / 400) ** 0.5)\nTrue"),
    Preset("glorot_normal", 1.0, "fan_avg", "truncated_normal", ("xavier_normal",),
           "Glorot/Xavier normal as in Keras/JAX: truncated normal with final std "
           "``sqrt(2 / (fan_in + fan_out))``",
           ">>> x = fastinit.glorot_normal((3, 4), seed=0); x.shape\n(3, 4)"),
    Preset("he_uniform", 2.0, "fan_in", "uniform", ("kaiming_uniform",),
           "He/Kaiming uniform: ``U[-limit, limit)``, ``limit = sqrt(6 / fan_in)``",
           ">>> x = fastinit.he_uniform((600, 10), seed=0)\n"
           ">>> bool(abs(x).max() <= 0.1)\nTrue"),
    Preset("he_normal", 2.0, "fan_in", "truncated_normal", ("kaiming_normal",),
           "He/Kaiming normal as in Keras/JAX: truncated normal with final std "
           "``sqrt(2 / fan_in)``",
           ">>> fastinit.he_normal((3, 3, 8, 16), seed=0).shape\n(3, 3, 8, 16)"),
    Preset("lecun_uniform", 1.0, "fan_in", "uniform", (),
           "LeCun uniform: ``U[-limit, limit)``, ``limit = sqrt(3 / fan_in)``",
           ">>> x = fastinit.lecun_uniform((300, 10), seed=0)\n"
           ">>> bool(abs(x).max() <= 0.1)\nTrue"),
    Preset("lecun_normal", 1.0, "fan_in", "truncated_normal", (),
           "LeCun normal as in Keras/JAX: truncated normal with final std "
           "``sqrt(1 / fan_in)``",
           ">>> fastinit.lecun_normal((4, 5), seed=0, dtype=\"float64\").dtype.name\n"
           "'float64'"),
)
"""The presets, in the order the catalog lists them."""


def preset(name: str) -> Preset:
    """The row named ``name``, looked up in :data:`PRESETS` when called (the adapters'
    builders use it, so a row added to the table is found)."""
    for p in PRESETS:
        if p.name == name:
            return p
    raise KeyError(f"no preset named {name!r} in fastinit.presets.PRESETS")
