"""docs/architecture.rst, "Adding a framework adapter": the toy adapter of the recipe
(the page's own code block, run here as written) covers every preset, maps its keys to
``(seed, stream)`` as the recipe says, and draws the catalog's values."""
import os
import re
import textwrap

import numpy as np
import pytest

import fastinit
from fastinit.presets import PRESETS

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "architecture.rst")


def _recipe_block():
    text = open(DOC, encoding="utf-8").read()
    rest = text[text.index("**Adding a framework adapter**"):]
    m = re.search(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", rest)
    return textwrap.dedent(m.group(1))


@pytest.fixture(scope="module")
def toy():
    ns = {"__name__": "toy_adapter"}
    exec(compile(_recipe_block(), "<architecture.rst: toy adapter>", "exec"), ns)
    return ns


def test_the_block_imports_only_what_the_recipe_names():
    imports = sorted(line.strip() for line in _recipe_block().splitlines()
                     if line.startswith(("import ", "from ")))
    assert imports == ["from fastinit.core import seeding", "from fastinit.fans import fans_of",
                       "from fastinit.initializers import variance_scaling",
                       "from fastinit.presets import PRESETS", "import fastinit",
                       "import numpy as np"]


@pytest.mark.parametrize("p", PRESETS, ids=lambda p: p.name)
def test_every_preset_draws_the_catalogs_values(toy, p):
    init = toy["INITIALIZERS"][p.name]
    assert init.__name__ == p.name
    key = toy["ToyKey"](2**64 - 1)
    for stream in range(3):                  # the key's counter is the stream
        got = init((24, 40), key, "float64")
        want = getattr(fastinit, p.name)((24, 40), seed=2**64 - 1, stream=stream,
                                         dtype="float64", in_axis=-1, out_axis=-2)
        np.testing.assert_array_equal(got, want)


def test_keys_and_seeds_map_to_seed_stream(toy):
    with pytest.raises(ValueError, match="seed"):
        toy["ToyKey"](-1)
    with pytest.raises(TypeError, match="seed"):
        toy["ToyKey"](1.5)
    fastinit.seed(11)                        # no key: the global generator, reproducible
    a = toy["glorot_uniform"]((8, 8))
    b = toy["glorot_uniform"]((8, 8))
    fastinit.seed(11)
    np.testing.assert_array_equal(a, fastinit.glorot_uniform((8, 8), in_axis=-1, out_axis=-2))
    np.testing.assert_array_equal(b, fastinit.glorot_uniform((8, 8), in_axis=-1, out_axis=-2))
    assert not (a == b).all()
