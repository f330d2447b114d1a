"""Errors raised at jaxid's boundary."""


class InputError(ValueError):
  """Bad input: the message names the argument, what was expected and what came."""
