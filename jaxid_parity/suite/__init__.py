"""The parity suite: pytest modules checking a candidate against MuJoCo C, the legacy and physics.

Run with the plugin: `pytest -p jaxid_parity.plugin --pyargs jaxid_parity.suite --candidate SPEC`
(or `jaxid check --candidate SPEC`).
"""
