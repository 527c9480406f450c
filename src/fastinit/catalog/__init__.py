"""The catalog's implementation, split by kind (the public module is
:mod:`fastinit.initializers`, which re-exports every public name from here):

* ``edge`` -- the two call forms (return-new, in place) down to a backend;
* ``random`` -- uniform, normal, truncated normal and variance scaling;
* ``schemes`` -- the named presets, built from :data:`fastinit.presets.PRESETS`;
* ``structured`` -- constants, orthogonal, identity, dirac and sparse.
"""
