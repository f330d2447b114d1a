"""The bundled sample trial's gait figures and plot (docs/model.md, docs/img/sample_gait.png).

Joint moments through MuJoCo C (float64): qfrc_inverse minus J' (foot wrenches), the definition
of jaxid's joint_torques. Prints the figures docs/model.md quotes and writes the plot:

  python examples/sample_gait.py [docs/img/sample_gait.png]
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mujoco
import numpy as np

import jaxid
from jaxid import sample as sample_lib
from jaxid.sample import curves
from jaxid_parity import oracle


def joint_moments(model, trial):
  """MuJoCo C (float64): qfrc_inverse minus J' (foot wrenches), per frame (T, nv)."""
  return oracle.run(model.mj_model, trial.kinematics, trial.loads, model.body_names)[
    "joint_torques"
  ]


def main(path="docs/img/sample_gait.png"):
  model = jaxid.load_model("gait_lowerbody")
  m = model.mj_model
  trial = jaxid.sample_trial(model, n_frames=200, seed=0)
  mass = m.body_mass.sum()
  bw = mass * 9.81
  tau = joint_moments(model, trial)
  ld = trial.loads
  phase0 = np.random.default_rng(0).uniform(0, 1)  # sample_trial's first draw for seed 0
  t = np.arange(200) * 0.01
  phase = 100 * ((phase0 + t / sample_lib.STRIDE_S) % 1.0)  # right heel strike at 0 %
  order = np.argsort(phase)
  print(f"root residual (max |qfrc|, N, N m): {np.abs(tau[:, :6]).max():.2e}")
  for n in ("hip_flexion", "hip_adduction", "knee_angle", "ankle_angle", "subtalar_angle"):
    x = tau[:, [m.joint(f"{n}_{s}").dofadr[0] for s in "lr"]] / mass
    print(f"{n:15s} moment per kg: min {x.min():+.2f}  max {x.max():+.2f}")
  for s in "lr":
    g = getattr(ld, f"grf_{s}") / bw
    print(
      f"grf_{s} / BW: vertical max {g[:, 2].max():.3f}, fore-aft {g[:, 0].min():+.3f}"
      f" .. {g[:, 0].max():+.3f}, lateral {g[:, 1].min():+.3f} .. {g[:, 1].max():+.3f},"
      f" free moment max {np.abs(getattr(ld, f'moment_{s}')[:, 2]).max() / mass:.3f} N m/kg"
    )
  fz_r = ld.grf_r[:, 2] / bw  # the right foot's stance that starts in the trial
  on = np.flatnonzero(np.diff((fz_r > 0).astype(int)) == 1)[0] + 1
  off = on + np.flatnonzero(fz_r[on:] == 0)[0]
  f, p = fz_r[on:off], phase[on:off]
  peaks = [j for j in range(1, len(f) - 1) if f[j - 1] < f[j] >= f[j + 1]]
  valley = peaks[0] + np.argmin(f[peaks[0] : peaks[-1] + 1])
  print(
    "vertical GRF, right stance / BW: peaks "
    + ", ".join(f"{f[j]:.3f} at {p[j]:.0f} %" for j in peaks)
    + f"; valley {f[valley]:.3f} at {p[valley]:.0f} %"
  )
  d = mujoco.MjData(m)
  com = np.zeros((len(t), 3))
  for i, q in enumerate(trial.kinematics.qpos):
    d.qpos = q
    mujoco.mj_kinematics(m, d)
    mujoco.mj_comPos(m, d)
    com[i] = d.subtree_com[1]
  print(f"centre of mass excursion: vertical {np.ptp(com[:, 2]) * 100:.1f} cm,", end=" ")
  print(f"sideways {np.ptp(com[:, 1]) * 100:.1f} cm")
  fig, ax = plt.subplots(2, 4, figsize=(14, 6), constrained_layout=True)
  names = [
    ("hip_flexion", "hip flexion", "flexor"),
    ("knee_angle", "knee flexion", "flexor"),
    ("ankle_angle", "ankle dorsiflexion", "dorsiflexor"),
  ]
  for c, (n, label, positive) in enumerate(names):
    adr, dof = m.joint(f"{n}_r").qposadr[0], m.joint(f"{n}_r").dofadr[0]
    ax[0, c].plot(
      phase[order],
      np.degrees(trial.kinematics.qpos[order, adr]),
      "k.",
      ms=3,
      label="sample (right leg)",
    )
    ax[0, c].plot(
      curves.PERCENT,
      curves.WINTER_DEG[n],
      "o",
      mfc="none",
      color="C3",
      label="Winter (2009), read off",
    )
    ax[0, c].set_title(f"{label} (deg)")
    ax[1, c].plot(phase[order], tau[order, dof] / mass, "k.", ms=3)
    ax[1, c].axhline(0, color="0.7", lw=0.5)
    ax[1, c].set_title(f"{label.split()[0]} moment (N m/kg, + {positive})")
  ax[0, 0].legend(fontsize=7)
  fz = ld.grf_r[:, 2] / bw
  ax[0, 3].plot(phase[order], fz[order], "k.", ms=3)
  ax[0, 3].set_title("vertical GRF, right foot (BW)")
  ax[1, 3].plot(phase[order], ld.grf_r[order, 0] / bw, "k.", ms=3, label="fore-aft")
  ax[1, 3].plot(phase[order], ld.grf_r[order, 1] / bw, "b.", ms=3, label="lateral (+ left)")
  ax[1, 3].plot(
    phase[order], ld.moment_r[order, 2] / mass, "g.", ms=3, label="free moment (N m/kg)"
  )
  ax[1, 3].legend(fontsize=7)
  ax[1, 3].set_title("right foot: horizontal GRF (BW), free moment", fontsize=9)
  for a in ax.flat:
    a.set_xlabel("% gait cycle (right heel strike at 0)")
    a.axvline(100 * sample_lib.STANCE, color="0.8", lw=0.8)
  fig.suptitle(
    "jaxid.sample_trial(gait_lowerbody, n_frames=200, seed=0): 1.3 m/s, stride 1.1 s;"
    " moments through MuJoCo C; toe-off at 62 % (grey line)"
  )
  fig.savefig(path, dpi=90)
  print("wrote", path)


if __name__ == "__main__":
  main(*sys.argv[1:])
