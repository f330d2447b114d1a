"""jaxid: differentiable, batched inverse dynamics of human gait on MuJoCo MJX."""

from jaxid.api import inverse_dynamics
from jaxid.errors import InputError
from jaxid.model import FOOT_NAMES, Model, load_model
from jaxid.pipeline import ALL_OUTPUTS, TORQUES, run_inverse_dynamics_jax
from jaxid.sample import sample_trial
from jaxid.types import Kinematics, Loads, Trial

__all__ = [
    "ALL_OUTPUTS",
    "FOOT_NAMES",
    "InputError",
    "Kinematics",
    "Loads",
    "Model",
    "TORQUES",
    "Trial",
    "inverse_dynamics",
    "load_model",
    "run_inverse_dynamics_jax",
    "sample_trial",
]
