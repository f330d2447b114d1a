"""MJX_RunID: the original per-frame inverse dynamics loop over MuJoCo MJX, as the user wrote it.

This is the reference that the parity tests compare jaxid against. It is rebuilt from the
migration guide (../shared/seed/jax-migration-guide.md) with every anti-pattern of the guide's
"Before" checklist kept in working code; each is marked by a comment of the form

  # ANTI-PATTERN <n>: <checklist item>

so that tests/test_legacy.py and docs/legacy.md can point at it. Do not fix them: the loop is
slow, not traceable and not differentiable on purpose. What it computes per frame t:

  1. qpos, qvel, qacc of frame t into the MJX data (frame 0 makes the data and the jitted
     helpers; later frames reuse the previous frame's data through .replace);
  2. jitted mjx.kinematics, so xpos / xipos are those of frame t;
  3. xfrc_applied = ext_forces[t], plus, for each foot in contact (Python sum(|cop|) > 0), the
     wrench [grf, (cop - xipos) x grf + moment] (jaxid.contract.foot_wrench) added by a jitted
     helper whose foot body id is static, so a foot's first stance frame compiles it mid-trial;
  4. jitted mjx.inverse: joint_forces = qfrc_inverse (which ignores xfrc_applied, see
     docs/legacy.md), contact_force = _impl.cfrc_ext (all zeros after mjx.inverse), and the
     mass matrix from the private _impl.M (the guide's _impl.qM, renamed in this MJX).

Run ``python -m jaxid_legacy.MJX_RunID`` for the bundled model's sample trial with per-frame times.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from mujoco import mjx

from jaxid import contract
from jaxid.diagnostics import count_compiles
from jaxid.model import FOOT_NAMES, body_ids


def _plural(n: int) -> str:
  return f"{n} compilation{'s' * (int(n) != 1)}"


def _get(obj, name):
  """A field of a jaxid Kinematics / Loads dataclass, or of a plain dict."""
  return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def run_inverse_dynamics_loop(
  mj_model, kinematics, loads, body_names=FOOT_NAMES, verbose=True
) -> dict[str, np.ndarray]:
  """Inverse dynamics of a trial, one frame at a time, as the original MJX_RunID.py did.

  mj_model: mujoco.MjModel (contact disabled, e.g. jaxid.load_model(...).mj_model); it is put
    on device in the current default precision (float32, or float64 under jax.enable_x64).
  kinematics: qpos [T, nq], qvel [T, nv], qacc [T, nv] (jaxid.types.Kinematics or a dict).
  loads: grf_l/r, cop_l/r, moment_l/r [T, 3] and ext_forces [T, nbody, 6] or None
    (jaxid.types.Loads or a dict).
  body_names: the left and right foot bodies. verbose: print each frame's time.

  Returns float64 NumPy arrays, frame-major: the contract keys (joint_forces, distance_calcn_l/r,
  moment_calcn_l/r, contact_force, mass_matrix), frame_durations [T] (s), and
  compile_counts [T] (int) / compile_seconds [T]: the XLA compilations during each frame.
  """
  qpos_matrix = np.asarray(_get(kinematics, "qpos"))
  qvel_matrix = np.asarray(_get(kinematics, "qvel"))
  qacc_matrix = np.asarray(_get(kinematics, "qacc"))
  grf_l_matrix, grf_r_matrix = _get(loads, "grf_l"), _get(loads, "grf_r")
  cop_l_matrix, cop_r_matrix = _get(loads, "cop_l"), _get(loads, "cop_r")
  moment_l_matrix, moment_r_matrix = _get(loads, "moment_l"), _get(loads, "moment_r")
  ext_forces = _get(loads, "ext_forces")
  num_timesteps = qpos_matrix.shape[0]
  nv, nbody = mj_model.nv, mj_model.nbody
  if ext_forces is None:
    ext_forces = np.zeros((num_timesteps, nbody, 6))
  calcn_l_id, calcn_r_id = body_ids(mj_model, tuple(body_names))

  # Preallocated outputs, filled frame by frame.
  joint_forces_all = np.zeros((num_timesteps, nv))
  distance_calcn_l_all = np.zeros(num_timesteps)
  distance_calcn_r_all = np.zeros(num_timesteps)
  moment_calcn_l_all = np.zeros((num_timesteps, 3))
  moment_calcn_r_all = np.zeros((num_timesteps, 3))
  contact_force_all = np.zeros((num_timesteps, nbody, 6))
  mass_matrix_all = np.zeros((num_timesteps, nv, nv))
  frame_durations = []
  compile_counts = []
  compile_seconds = []
  previous_mjx_data = None  # the MJX data carried from one frame to the next

  with count_compiles() as compiles:  # XLA compilations, cache hits included
    # ANTI-PATTERN 1: Python for loop with if t == 0
    for t in range(num_timesteps):
      # ANTI-PATTERN 2: time.time() calls
      frame_start = time.time()
      compiles_before, compile_s_before = compiles.count, compiles.seconds

      if t == 0:
        # First frame: model and data on device, jitted helpers.
        mjx_model = mjx.put_model(mj_model)
        mjx_data = mjx.make_data(mjx_model)
        jit_kinematics = jax.jit(mjx.kinematics)
        jit_inverse = jax.jit(mjx.inverse)

        def apply_foot_wrench(data, cop, grf, moment, body_id):
          xipos = data.xipos[body_id]  # MuJoCo applies xfrc_applied at the body's COM
          wrench = contract.foot_wrench(cop, grf, moment, xipos)
          return data.replace(xfrc_applied=data.xfrc_applied.at[body_id].add(wrench))

        jit_apply_foot_wrench = jax.jit(apply_foot_wrench, static_argnames=("body_id",))
        current_mjx_data = mjx_data.replace(
          qpos=qpos_matrix[t], qvel=qvel_matrix[t], qacc=qacc_matrix[t]
        )
      else:
        current_mjx_data = previous_mjx_data.replace(
          qpos=qpos_matrix[t], qvel=qvel_matrix[t], qacc=qacc_matrix[t]
        )

      # Positions of this frame: xpos (body origins) and xipos (body COMs).
      current_mjx_data = jit_kinematics(mjx_model, current_mjx_data)
      current_mjx_data = current_mjx_data.replace(xfrc_applied=jnp.asarray(ext_forces[t]))

      cop_l = jnp.asarray(cop_l_matrix[t])
      grf_l = jnp.asarray(grf_l_matrix[t])
      # ANTI-PATTERN 5: Python sum() instead of jnp.sum()
      if sum(jnp.abs(cop_l)) > 0.0:
        ankle_pos_l = current_mjx_data.xpos[calcn_l_id]
        current_mjx_data = jit_apply_foot_wrench(
          current_mjx_data, cop_l, grf_l, jnp.asarray(moment_l_matrix[t]), body_id=calcn_l_id
        )
        distance_ankle_l_to_cop = contract.foot_distance(cop_l, ankle_pos_l)
        moment_calcn_l = contract.foot_moment(cop_l, grf_l, ankle_pos_l)
        # ANTI-PATTERN 3: float() conversions
        distance_calcn_l_all[t] = float(distance_ankle_l_to_cop)
        moment_calcn_l_all[t] = [float(m) for m in moment_calcn_l]

      cop_r = jnp.asarray(cop_r_matrix[t])
      grf_r = jnp.asarray(grf_r_matrix[t])
      # ANTI-PATTERN 5: Python sum() instead of jnp.sum()
      if sum(jnp.abs(cop_r)) > 0.0:
        ankle_pos_r = current_mjx_data.xpos[calcn_r_id]
        current_mjx_data = jit_apply_foot_wrench(
          current_mjx_data, cop_r, grf_r, jnp.asarray(moment_r_matrix[t]), body_id=calcn_r_id
        )
        distance_ankle_r_to_cop = contract.foot_distance(cop_r, ankle_pos_r)
        moment_calcn_r = contract.foot_moment(cop_r, grf_r, ankle_pos_r)
        # ANTI-PATTERN 3: float() conversions
        distance_calcn_r_all[t] = float(distance_ankle_r_to_cop)
        moment_calcn_r_all[t] = [float(m) for m in moment_calcn_r]

      current_mjx_data = jit_inverse(mjx_model, current_mjx_data)
      joint_forces_all[t] = np.array(current_mjx_data.qfrc_inverse)

      # ANTI-PATTERN 4: try/except blocks
      try:
        contact_force_all[t] = np.array(current_mjx_data._impl.cfrc_ext).reshape(nbody, 6)
      except AttributeError:
        contact_force_all[t] = np.array(jnp.zeros((mjx_model.nbody * 6,))).reshape(nbody, 6)

      # ANTI-PATTERN 6: _impl attribute access (the guide's _impl.qM is _impl.M in this MJX)
      qM = current_mjx_data._impl.M
      if qM.ndim == 1:  # sparse layout (nv >= 60, or a TPU): MJX's own dense reconstruction
        qM = mjx.full_m(mjx_model, current_mjx_data)
      mass_matrix_all[t] = np.array(qM)

      previous_mjx_data = current_mjx_data
      # ANTI-PATTERN 2: time.time() calls
      frame_duration = time.time() - frame_start
      n_compiles = compiles.count - compiles_before
      # ANTI-PATTERN 8: modifying arrays in place (append)
      frame_durations.append(frame_duration)
      compile_counts.append(n_compiles)
      compile_seconds.append(compiles.seconds - compile_s_before)
      if verbose:
        note = f"  ({_plural(n_compiles)})" if n_compiles else ""
        # ANTI-PATTERN 7: print() statements in loop
        print(f"Frame {t}: {frame_duration * 1000:.1f} ms{note}", flush=True)

  return {
    "joint_forces": joint_forces_all,
    "distance_calcn_l": distance_calcn_l_all,
    "distance_calcn_r": distance_calcn_r_all,
    "moment_calcn_l": moment_calcn_l_all,
    "moment_calcn_r": moment_calcn_r_all,
    "contact_force": contact_force_all,
    "mass_matrix": mass_matrix_all,
    "frame_durations": np.array(frame_durations, dtype=np.float64),
    "compile_counts": np.array(compile_counts, dtype=np.int64),
    "compile_seconds": np.array(compile_seconds, dtype=np.float64),
  }


def summarize(results: dict[str, np.ndarray]) -> str:
  """Frame 0, the steady per-frame time, and the frames after 0 that compiled."""
  ms = results["frame_durations"] * 1000.0
  counts = results["compile_counts"]
  quiet = ms[1:][counts[1:] == 0]
  steady = float(np.median(quiet)) if quiet.size else float("nan")
  lines = [
    f"frames: {ms.size}, total {ms.sum() / 1000:.2f} s",
    f"frame 0: {ms[0]:.1f} ms ({_plural(counts[0])}, "
    f"{results['compile_seconds'][0]:.2f} s compiling)",
    f"steady (median of frames without compilation): {steady:.1f} ms",
  ]
  for t in np.flatnonzero(counts[1:]) + 1:
    lines.append(
      f"spike: frame {t}: {ms[t]:.1f} ms ({_plural(counts[t])}, "
      f"{results['compile_seconds'][t] * 1000:.0f} ms compiling)"
    )
  return "\n".join(lines)


def main(argv=None) -> dict[str, np.ndarray]:
  import jaxid

  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--frames", type=int, default=200, help="frames of the sample trial")
  parser.add_argument("--seed", type=int, default=0, help="sample trial seed")
  parser.add_argument("--x64", action="store_true", help="run with jax_enable_x64")
  args = parser.parse_args(argv)
  model = jaxid.load_model("gait_lowerbody")
  trial = jaxid.sample_trial(model, n_frames=args.frames, seed=args.seed)
  with jax.enable_x64(args.x64):
    results = run_inverse_dynamics_loop(
      model.mj_model, trial.kinematics, trial.loads, model.body_names
    )
  print(summarize(results))
  return results


if __name__ == "__main__":
  main()
