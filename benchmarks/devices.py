"""1 vs 2 host devices: jaxid.inverse_dynamics_batched on a batch of trials, in one run.

python -m benchmarks.devices [--batch 32] [--frames 200] [--rounds 10]

Each device count runs in a fresh process (XLA_FLAGS=--xla_force_host_platform_device_count=N
must be set before JAX starts); both use the same batch, and the ratio is printed. Each process
asserts that the outputs are spread over all its devices and that the first and last trial (on
the first and last device) equal MuJoCo C at the harness policy (benchmarks/check.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(batch: int, frames: int, rounds: int) -> dict:
  """Time and check inverse_dynamics_batched on this process's devices (B trials of T frames)."""
  import jax
  import numpy as np

  import jaxid
  from benchmarks.check import check
  from benchmarks.common import stack

  model = jaxid.load_model("gait_lowerbody")
  base = jaxid.sample_trial(model, n_frames=frames * 2, seed=0)
  trials = [
    jax.tree.map(lambda x, s=s: x[s % frames : s % frames + frames], base) for s in range(batch)
  ]
  tr = jax.tree.map(lambda x: x.astype(np.float32), stack(trials))

  def run():
    return jax.block_until_ready(
      jaxid.inverse_dynamics_batched(model, tr, outputs=jaxid.TORQUES, backend="mjx")
    )

  out = run()
  times = []
  for _ in range(rounds):
    t0 = time.perf_counter()
    run()
    times.append(time.perf_counter() - t0)
  n = len(jax.devices())
  placed = len(out["joint_torques"].sharding.device_set)
  assert placed == n, f"outputs on {placed} of {n} devices"
  for i in (0, batch - 1):
    check(model, trials[i], jax.tree.map(lambda x, i=i: np.asarray(x[i]), out))
  return {"devices": n, "placed": placed, "us_per_frame": min(times) / (batch * frames) * 1e6}


def measure(n_devices: int, batch: int, frames: int, rounds: int) -> dict:
  env = dict(
    os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_devices}", JAX_PLATFORMS="cpu"
  )
  cmd = [sys.executable, "-m", "benchmarks.devices", "--child", str(batch), str(frames)]
  out = subprocess.run(
    [*cmd, str(rounds)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
  )
  if out.returncode:
    raise SystemExit(f"{n_devices} devices failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
  return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--batch", type=int, default=32)
  ap.add_argument("--frames", type=int, default=200)
  ap.add_argument("--rounds", type=int, default=10)
  ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
  args = ap.parse_args(argv)
  if args.child:
    print(json.dumps(child(*args.child)))
    return 0
  one, two = (measure(n, args.batch, args.frames, args.rounds) for n in (1, 2))
  print(f"B={args.batch} T={args.frames}, joint torques, {os.cpu_count()} CPU cores")
  print(f"1 host device : {one['us_per_frame']:.2f} us/frame")
  print(f"2 host devices: {two['us_per_frame']:.2f} us/frame (outputs on {two['placed']} devices)")
  print(f"2 vs 1 devices: {one['us_per_frame'] / two['us_per_frame']:.2f}x throughput")
  print("checked: trials 0 and B-1 equal MuJoCo C at the harness policy on both device counts")
  return 0


if __name__ == "__main__":
  sys.exit(main())
