"""1 vs 2 host devices: jaxid.inverse_dynamics_batched on a batch of trials, in one run.

python -m benchmarks.devices [--batch 32] [--frames 200] [--rounds 10]

Each device count runs in a fresh process (XLA_FLAGS=--xla_force_host_platform_device_count=N
must be set before JAX starts); both use the same batch, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = """
import json, sys, time
import jax, numpy as np
import jaxid
b, t, rounds = (int(a) for a in sys.argv[1:4])
model = jaxid.load_model("gait_lowerbody")
base = jaxid.sample_trial(model, n_frames=t * 2, seed=0)
trials = [jax.tree.map(lambda x, s=s: x[s % t : s % t + t], base) for s in range(b)]
batch = jax.tree.map(lambda *x: np.stack(x).astype(np.float32), *trials)
run = lambda: jaxid.inverse_dynamics_batched(model, batch, outputs=jaxid.TORQUES)
jax.block_until_ready(run())
times = []
for _ in range(rounds):
  t0 = time.perf_counter()
  jax.block_until_ready(run())
  times.append(time.perf_counter() - t0)
print(json.dumps({"devices": len(jax.devices()), "us_per_frame": min(times) / (b * t) * 1e6}))
"""


def measure(n_devices: int, batch: int, frames: int, rounds: int) -> dict:
  env = dict(
    os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_devices}", JAX_PLATFORMS="cpu"
  )
  out = subprocess.run(
    [sys.executable, "-c", CHILD, str(batch), str(frames), str(rounds)],
    env=env,
    capture_output=True,
    text=True,
    check=True,
  )
  return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--batch", type=int, default=32)
  ap.add_argument("--frames", type=int, default=200)
  ap.add_argument("--rounds", type=int, default=10)
  args = ap.parse_args(argv)
  one, two = (measure(n, args.batch, args.frames, args.rounds) for n in (1, 2))
  print(f"B={args.batch} T={args.frames}, joint torques, {os.cpu_count()} CPU cores")
  print(f"1 host device : {one['us_per_frame']:.2f} us/frame")
  print(f"2 host devices: {two['us_per_frame']:.2f} us/frame")
  print(f"2 vs 1 devices: {one['us_per_frame'] / two['us_per_frame']:.2f}x throughput")
  return 0


if __name__ == "__main__":
  sys.exit(main())
