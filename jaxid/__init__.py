"""jaxid: differentiable, batched inverse dynamics of human gait on MuJoCo MJX."""

from jaxid import _quiet  # noqa: F401  (first: imports MJX without its warp prints)
from jaxid.api import inverse_dynamics, inverse_dynamics_batched
from jaxid.contract import ALL_OUTPUTS, TORQUES
from jaxid.errors import InputError
from jaxid.model import FOOT_NAMES, Model
from jaxid.models import load_model, prune_for_inverse
from jaxid.pipeline import XLA_OPTIONS, run_inverse_dynamics_jax
from jaxid.sample import sample_trial
from jaxid.types import Kinematics, Loads, Trial
from jaxid.validate import InputWarning

__all__ = [
  "ALL_OUTPUTS",
  "FOOT_NAMES",
  "TORQUES",
  "XLA_OPTIONS",
  "InputError",
  "InputWarning",
  "Kinematics",
  "Loads",
  "Model",
  "Trial",
  "inverse_dynamics",
  "inverse_dynamics_batched",
  "load_model",
  "prune_for_inverse",
  "run_inverse_dynamics_jax",
  "sample_trial",
]
