"""The suite run on its own (`pytest --pyargs jaxid_parity.suite`): the harness's plugin."""

pytest_plugins = ("jaxid_parity.plugin",)
