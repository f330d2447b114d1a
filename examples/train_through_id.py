"""Train a network through inverse dynamics: Flax NNX + Optax + jaxid.

The setting: joint angles from motion capture carry a calibration error (a per-joint offset and
gain, as from marker misplacement and soft-tissue motion) plus smooth noise, and the joint
torques computed from them are wrong. A small NNX network looks at each frame's measured hinge
kinematics (qpos, qvel, qacc) and outputs corrections to them; jaxid turns the corrected
kinematics and the measured ground reaction forces into joint torques and root residuals; the
loss is the torque error against reference torques plus the residual magnitude. Gradients flow
from the loss through jaxid's lax.scan over frames into the network.

  net(measured hinge kinematics) -> corrections -> jaxid.inverse_dynamics -> torques, residuals

Data: jaxid.sample_trial walking trials (different seeds). Their exact kinematics give the
reference torques (from MuJoCo C in float64, standing in for a trusted offline pipeline; they
equal jaxid's joint_torques to 1e-12). The measured kinematics are the same trials with the
calibration error and noise applied to the hinge dofs only: the free joint's position and
quaternion stay as they are, so the quaternion stays valid.

The train step is one jax.jit: jax.vmap over the trials of a minibatch, jax.value_and_grad, an Optax
Adam update, compiled with jaxid.XLA_OPTIONS (jaxid's XLA option, which JAX takes on a top-level jit
only: docs/performance.md). It compiles once; every later step, epoch and the held-out evaluation
reuse that program. On CPU the compile dominates the run (see docs/ml.md).

  python examples/train_through_id.py             # train, print the loss per epoch
  python examples/train_through_id.py --bench     # also time train step vs forward pass
  python examples/train_through_id.py --no-cache  # do not use the on-disk compilation cache

Compiled programs are cached on disk (JAX's persistent compilation cache) in
$JAX_COMPILATION_CACHE_DIR, default .cache/jax in the repository (the test suite's cache), so a
second run skips the compile.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import optax
from flax import nnx

import jaxid

# Calibration error of the (simulated) motion capture: the same for every trial.
OFFSET_DEG = 4.0  # std of the per-joint angle offset
GAIN = 0.15  # per-joint gain error drawn from U(-GAIN, GAIN)
# Smooth noise, different in every trial: a sum of sinusoids per hinge dof.
NOISE_DEG = 0.25  # amplitude of each sinusoid
NOISE_HZ = (0.5, 2.5)  # frequency range
N_SINES = 3

RES_WEIGHT = 0.1  # weight of the residual term in the loss
# Scales of the network's inputs (divided) and outputs (multiplied): qpos, qvel, qacc.
IN_SCALE = (1.0, 5.0, 50.0)  # rad, rad/s, rad/s^2
OUT_SCALE = (0.1, 1.0, 10.0)


@dataclasses.dataclass(frozen=True)
class Config:
  n_frames: int = 48  # frames per trial (dt = 0.01 s)
  batch: int = 8  # trials per minibatch
  n_train: int = 32  # training trials
  n_test: int = 8  # held-out trials (seeds not used in training)
  hidden: int = 64
  epochs: int = 40
  lr: float = 3e-3
  seed: int = 0


def hinge_indices(mj_model: mujoco.MjModel) -> tuple[np.ndarray, np.ndarray]:
  """(qpos indices, dof indices) of the hinge and slide joints: the dofs the network corrects."""
  scalar = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))
  joints = [j for j in range(mj_model.njnt) if int(mj_model.jnt_type[j]) in scalar]
  return mj_model.jnt_qposadr[joints], mj_model.jnt_dofadr[joints]


def calibration_error(n: int) -> tuple[np.ndarray, np.ndarray]:
  """The systematic (offset rad, gain) of each of n hinge dofs: fixed, not drawn per trial."""
  rng = np.random.default_rng(2024)
  return rng.normal(0.0, np.radians(OFFSET_DEG), n), rng.uniform(-GAIN, GAIN, n)


def smooth_noise(rng: np.random.Generator, t: np.ndarray, n: int):
  """Noise (T, n) and its first and second time derivatives: sums of random sinusoids."""
  amp = np.radians(NOISE_DEG)
  w = 2 * np.pi * rng.uniform(*NOISE_HZ, size=(N_SINES, n))
  phi = rng.uniform(0, 2 * np.pi, size=(N_SINES, n))
  arg = t[:, None, None] * w + phi  # (T, N_SINES, n)
  x = amp * np.sin(arg).sum(1)
  dx = amp * (w * np.cos(arg)).sum(1)
  ddx = -amp * (w**2 * np.sin(arg)).sum(1)
  return x, dx, ddx


def measure(kin: jaxid.Kinematics, hinge, seed: int, dt: float = 0.01) -> jaxid.Kinematics:
  """What motion capture would report: hinge dofs with calibration error and smooth noise."""
  qadr, vadr = hinge
  offset, gain = calibration_error(len(qadr))
  t = np.arange(kin.qpos.shape[0]) * dt
  x, dx, ddx = smooth_noise(np.random.default_rng(10_000 + seed), t, len(qadr))
  qpos, qvel, qacc = kin.qpos.copy(), kin.qvel.copy(), kin.qacc.copy()
  qpos[:, qadr] = (1 + gain) * qpos[:, qadr] + offset + x
  qvel[:, vadr] = (1 + gain) * qvel[:, vadr] + dx
  qacc[:, vadr] = (1 + gain) * qacc[:, vadr] + ddx
  return jaxid.Kinematics(qpos, qvel, qacc)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Batch:
  """Measured trials (B, T, ...): kinematics and loads; reference torques (B, T, nv)."""

  trial: jaxid.Trial
  ref_torques: jax.Array


def reference_torques(mj_model: mujoco.MjModel, body_ids, trial: jaxid.Trial) -> np.ndarray:
  """(T, nv) joint torques of a trial from MuJoCo C in float64: the trusted offline pipeline.

  tau = qfrc_inverse - J' (foot wrenches at their COP + ext_forces at xipos): the same quantity
  as jaxid's joint_torques (equal to 1e-12 in float64), without compiling anything.
  """
  d = mujoco.MjData(mj_model)
  kin, ld = trial.kinematics, trial.loads
  out = np.zeros((kin.qpos.shape[0], mj_model.nv))
  for t in range(kin.qpos.shape[0]):
    d.qpos, d.qvel, d.qacc = kin.qpos[t], kin.qvel[t], kin.qacc[t]
    mujoco.mj_inverse(mj_model, d)
    qfrc = np.zeros(mj_model.nv)
    for side, b in zip("lr", body_ids, strict=True):
      cop = getattr(ld, f"cop_{side}")[t]
      if np.abs(cop).sum() > 0:  # the contact rule of jaxid/contract.py
        grf, moment = getattr(ld, f"grf_{side}")[t], getattr(ld, f"moment_{side}")[t]
        mujoco.mj_applyFT(mj_model, d, grf, moment, cop, b, qfrc)
    for b in np.flatnonzero(np.abs(ld.ext_forces[t]).sum(-1)):
      w = ld.ext_forces[t, b]
      mujoco.mj_applyFT(mj_model, d, w[:3], w[3:], d.xipos[b], int(b), qfrc)
    out[t] = d.qfrc_inverse - qfrc
  return out


def make_data(model: jaxid.Model, seeds, n_frames: int, dtype) -> Batch:
  """Sample trials: their measured kinematics, the measured loads and the reference torques."""
  hinge = hinge_indices(model.mj_model)
  measured, ref = [], []
  for s in seeds:
    tr = jaxid.sample_trial(model, n_frames=n_frames, seed=int(s))
    ref.append(reference_torques(model.mj_model, model.body_ids, tr))
    measured.append(tr.replace(kinematics=measure(tr.kinematics, hinge, int(s))))
  trials = jax.tree.map(lambda *x: np.stack(x).astype(dtype), *measured)
  return Batch(trials, np.stack(ref).astype(dtype))


class Corrector(nnx.Module):
  """Per-frame MLP: measured hinge (qpos, qvel, qacc) -> corrections to the same values."""

  def __init__(self, n_dofs: int, hidden: int, *, rngs: nnx.Rngs, param_dtype=jnp.float32):
    kw = dict(rngs=rngs, param_dtype=param_dtype)
    self.n = n_dofs
    self.hidden1 = nnx.Linear(3 * n_dofs, hidden, **kw)
    self.hidden2 = nnx.Linear(hidden, hidden, **kw)
    # Small output weights: the untrained network starts near "no correction".
    self.out = nnx.Linear(hidden, 3 * n_dofs, kernel_init=nnx.initializers.normal(1e-2), **kw)

  def __call__(self, qpos, qvel, qacc):
    """Hinge values (..., n) each; returns their corrections (dq, dqvel, dqacc)."""
    scaled = [v / s for v, s in zip((qpos, qvel, qacc), IN_SCALE, strict=True)]
    x = jnp.concatenate(scaled, axis=-1)
    h = nnx.gelu(self.hidden1(x))
    h = nnx.gelu(self.hidden2(h))
    y = self.out(h)
    return tuple(y[..., i * self.n : (i + 1) * self.n] * s for i, s in enumerate(OUT_SCALE))


def correct(net: Corrector, kin: jaxid.Kinematics, hinge) -> jaxid.Kinematics:
  """Measured kinematics plus the network's corrections on the hinge dofs only."""
  qadr, vadr = hinge
  dq, dv, da = net(kin.qpos[..., qadr], kin.qvel[..., vadr], kin.qacc[..., vadr])
  return jaxid.Kinematics(
    qpos=kin.qpos.at[..., qadr].add(dq),
    qvel=kin.qvel.at[..., vadr].add(dv),
    qacc=kin.qacc.at[..., vadr].add(da),
  )


def trial_loss(
  model: jaxid.Model, net: Corrector, trial: jaxid.Trial, ref_torques, hinge, remat: bool = False
):
  """One trial (T, ...): torque MSE on the hinge dofs + RES_WEIGHT * mean squared residual."""
  kin = correct(net, trial.kinematics, hinge)
  out = jaxid.inverse_dynamics(
    model, trial.replace(kinematics=kin), outputs=jaxid.TORQUES, remat=remat
  )
  vadr = hinge[1]
  torque_mse = jnp.mean((out["joint_torques"][:, vadr] - ref_torques[:, vadr]) ** 2)
  residual_ms = jnp.mean(out["residuals"] ** 2)
  return torque_mse + RES_WEIGHT * residual_ms, (torque_mse, residual_ms)


def batch_loss(model, net, batch: Batch, hinge, remat: bool = False):
  """Mean trial loss over a minibatch: jax.vmap over the leading trial axis."""
  loss, (mse, res) = jax.vmap(lambda tr, ref: trial_loss(model, net, tr, ref, hinge, remat))(
    batch.trial, batch.ref_torques
  )
  return jnp.mean(loss), {
    "torque_rmse": jnp.sqrt(jnp.mean(mse)),
    "residual_rms": jnp.sqrt(jnp.mean(res)),
  }


def make_train_step(
  model: jaxid.Model, graphdef, tx: optax.GradientTransformation, remat: bool = False
):
  """train_step(params, opt_state, batch) -> (params, opt_state, metrics); not yet jitted.

  The functional NNX pattern: the network's structure (graphdef) is static, its parameters a
  pytree that jax.jit, jax.grad and Optax see directly. metrics: loss (before the update),
  torque_rmse (N m), residual_rms, grads. remat: jaxid's per-frame checkpointing, for long
  trials (docs/ml.md).
  """
  hinge = hinge_indices(model.mj_model)

  def train_step(params, opt_state, batch: Batch):
    def loss_fn(p):
      return batch_loss(model, nnx.merge(graphdef, p), batch, hinge, remat)

    (loss, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    return params, opt_state, {"loss": loss, **metrics, "grads": grads}

  return train_step


def init(model: jaxid.Model, cfg: Config, n_steps: int, dtype=jnp.float32):
  """(graphdef, params, tx, opt_state): a fresh network and Adam with cosine decay."""
  n = len(hinge_indices(model.mj_model)[0])
  net = Corrector(n, cfg.hidden, rngs=nnx.Rngs(cfg.seed), param_dtype=dtype)
  graphdef, params = nnx.split(net, nnx.Param)
  tx = optax.adam(optax.cosine_decay_schedule(cfg.lr, max(n_steps, 1), alpha=0.05))
  return graphdef, params, tx, tx.init(params)


def take(data: Batch, idx) -> Batch:
  """The trials idx of data, on device."""
  return jax.tree.map(lambda x: jnp.asarray(x[idx]), data)


def minibatches(data: Batch, batch: int, rng: np.random.Generator):
  """Shuffled minibatches of `batch` trials (the remainder is dropped: one shape, one compile)."""
  idx = rng.permutation(data.ref_torques.shape[0])
  for i in range(0, len(idx) - batch + 1, batch):
    yield take(data, idx[i : i + batch])


def evaluate(step, params, opt_state, data: Batch, batch: int) -> dict:
  """Mean metrics over data with the compiled train step, its parameter update discarded.

  Same shapes as training, so no second program compiles; the gradient it computes is waste,
  cheaper here than compiling a forward-only program.
  """
  out = []
  for i in range(0, data.ref_torques.shape[0] - batch + 1, batch):
    out.append(step(params, opt_state, take(data, slice(i, i + batch)))[2])
  return {
    k: float(np.mean([float(m[k]) for m in out])) for k in ("loss", "torque_rmse", "residual_rms")
  }


def bench(model, graphdef, params, opt_state, step, data: Batch, batch: int, reps: int = 50):
  """Time the ID forward pass, the model's loss forward pass and the train step on a minibatch.

  The calls are interleaved and each one timed alone; the minimum (the cost without
  interference) and the median are reported, so the ratios stay meaningful on a shared machine.
  """
  hinge = hinge_indices(model.mj_model)
  mb = take(data, slice(0, batch))

  def id_eager(tr):
    return jaxid.inverse_dynamics(model, tr, outputs=jaxid.TORQUES)

  jit = functools.partial(jax.jit, compiler_options=jaxid.XLA_OPTIONS)
  id_fwd = jit(id_eager)
  loss_fwd = jit(lambda p, b: batch_loss(model, nnx.merge(graphdef, p), b, hinge)[0])
  grad_only = jit(jax.grad(lambda p, b: batch_loss(model, nnx.merge(graphdef, p), b, hinge)[0]))
  rows = {
    "jaxid forward (TORQUES)": (id_fwd, (mb.trial,)),
    "  same, called eagerly [1]": (id_eager, (mb.trial,)),
    "loss forward (net + jaxid)": (loss_fwd, (params, mb)),
    "loss gradient": (grad_only, (params, mb)),
    "train step (grad + Adam)": (step, (params, opt_state, mb)),
  }
  first, times = {}, {k: [] for k in rows}
  for name, (fn, args) in rows.items():
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first[name] = time.perf_counter() - t0
  for _ in range(reps):
    for name, (fn, args) in rows.items():
      t0 = time.perf_counter()
      jax.block_until_ready(fn(*args))
      times[name].append(time.perf_counter() - t0)
  best = {k: float(np.min(v)) for k, v in times.items()}
  med = {k: float(np.median(v)) for k, v in times.items()}
  base = best["jaxid forward (TORQUES)"]
  print(
    f"\ncost on one minibatch ({batch} trials x {mb.ref_torques.shape[1]} frames,"
    f" {jax.default_backend()}, {mb.ref_torques.dtype}; {reps} calls each):"
  )
  print(f"  {'':28s} {'min ms':>8s} {'ratio':>6s} {'median ms':>10s} {'first call s':>13s}")
  for name in rows:
    print(
      f"  {name:28s} {1e3 * best[name]:8.1f} {best[name] / base:5.1f}x {1e3 * med[name]:10.1f}"
      f" {first[name]:13.1f}"
    )
  print("  [1] outside jit: input validation on the host, plus the distances its COP check uses")


def main(argv=None) -> dict:
  p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  p.add_argument("--epochs", type=int, default=Config.epochs)
  p.add_argument("--frames", type=int, default=Config.n_frames)
  p.add_argument("--batch", type=int, default=Config.batch)
  p.add_argument("--x64", action="store_true", help="float64 (jax_enable_x64) instead of float32")
  p.add_argument("--remat", action="store_true", help="checkpoint each frame (long trials)")
  p.add_argument("--bench", action="store_true", help="time train step vs forward pass")
  p.add_argument("--no-cache", action="store_true", help="no persistent compilation cache")
  a = p.parse_args(argv)
  if not a.no_cache:
    cache = os.environ.get(
      "JAX_COMPILATION_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache" / "jax")
    )
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
  if a.x64:
    jax.config.update("jax_enable_x64", True)
  dtype = np.float64 if a.x64 else np.float32
  cfg = Config(n_frames=a.frames, batch=a.batch, epochs=a.epochs)
  t_start = time.perf_counter()

  model = jaxid.load_model("gait_lowerbody")
  train = make_data(model, range(cfg.n_train), cfg.n_frames, dtype)
  test = make_data(model, range(1000, 1000 + cfg.n_test), cfg.n_frames, dtype)
  print(
    f"data: {cfg.n_train} training + {cfg.n_test} held-out trials x {cfg.n_frames} frames,"
    f" {time.perf_counter() - t_start:.1f} s"
  )

  steps_per_epoch = cfg.n_train // cfg.batch
  graphdef, params, tx, opt_state = init(model, cfg, cfg.epochs * steps_per_epoch, dtype)
  step = jax.jit(
    make_train_step(model, graphdef, tx, remat=a.remat), compiler_options=jaxid.XLA_OPTIONS
  )
  rng = np.random.default_rng(cfg.seed)

  t0 = time.perf_counter()
  before = evaluate(step, params, opt_state, test, cfg.batch)
  print(f"train step compiled in {time.perf_counter() - t0:.1f} s")
  start = evaluate(step, params, opt_state, train, cfg.batch)
  print(f"untrained: loss {start['loss']:10.4f}  torque rmse {start['torque_rmse']:7.3f} N m")
  for epoch in range(1, cfg.epochs + 1):
    losses = []
    for mb in minibatches(train, cfg.batch, rng):
      params, opt_state, m = step(params, opt_state, mb)
      losses.append(m)
    loss = float(np.mean([float(m["loss"]) for m in losses]))
    rmse = float(np.mean([float(m["torque_rmse"]) for m in losses]))
    res = float(np.mean([float(m["residual_rms"]) for m in losses]))
    print(
      f"epoch {epoch:3d}  loss {loss:10.4f}  torque rmse {rmse:7.3f} N m  residual rms {res:7.3f}"
    )
  end = evaluate(step, params, opt_state, train, cfg.batch)
  after = evaluate(step, params, opt_state, test, cfg.batch)
  total = time.perf_counter() - t_start
  print()
  for name, (b, e) in (("training", (start, end)), ("held-out", (before, after))):
    print(
      f"{name} loss {b['loss']:.3f} -> {e['loss']:.3f} ({b['loss'] / e['loss']:.1f}x lower);"
      f" torque rmse {b['torque_rmse']:.2f} -> {e['torque_rmse']:.2f} N m;"
      f" residual rms {b['residual_rms']:.2f} -> {e['residual_rms']:.2f}"
    )
  print(f"total {total:.1f} s")
  if a.bench:
    bench(model, graphdef, params, opt_state, step, train, cfg.batch)
  return {"train": (start, end), "test": (before, after), "seconds": total}


if __name__ == "__main__":
  main(sys.argv[1:])
