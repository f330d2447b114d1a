"""Batches sharded over a device mesh equal the unsharded run (2 host CPU devices)."""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    import jaxid
    assert len(jax.devices()) == 2, jax.devices()
    from jaxid import pipeline
    model = jaxid.load_model("gait_lowerbody")
    seen = []
    real = pipeline.jit_trial_outputs
    def spy(m, trial, opts):  # what the jitted pipeline receives
        seen.append((getattr(trial.kinematics.qpos, "sharding", None), opts.batch))
        return real(m, trial, opts)
    pipeline.jit_trial_outputs = spy
    sample = jaxid.sample_trial(model, n_frames=60, seed=0)
    trials = [jax.tree.map(lambda x: x[s:s + 8], sample) for s in (0, 20, 40)]
    batch = jax.tree.map(lambda *x: np.stack(x), *trials)  # B = 3: padded to 4
    sharded = jaxid.inverse_dynamics_batched(model, batch, outputs=jaxid.TORQUES)
    plain = jaxid.inverse_dynamics(model, batch, outputs=jaxid.TORQUES)
    # Per-device batches vectorise differently: float32 round-off of the torque scale (~1e3 N),
    # bound 1e-5 of it (~80 ulps), as for vmap vs a single trial.
    atol = 1e-5 * np.abs(plain["joint_torques"]).max()
    for k in plain:
        assert sharded[k].shape == plain[k].shape, (k, sharded[k].shape)
        np.testing.assert_allclose(np.asarray(sharded[k]), np.asarray(plain[k]), rtol=0, atol=atol)
    # The batch really is split over both devices and the model replicated on both.
    qpos_sharding, how = seen[0]
    # vmap's batch axis splits over the devices; unsharded, a CPU batch runs trial by trial
    assert (how, seen[1][1]) == ("vmap", "map"), (how, seen[1][1])
    assert len(qpos_sharding.device_set) == 2 and not qpos_sharding.is_fully_replicated
    assert qpos_sharding.shard_shape((4, 8, model.mj_model.nq))[0] == 2, qpos_sharding
    # the tree backend passes no model arrays (its constants are folded: Model.folded); the
    # MJX backend's model is replicated over the mesh of a sharded trial
    from jaxid import api
    assert jax.tree.leaves(model.folded()) == []
    on_mesh = jax.sharding.NamedSharding(qpos_sharding.mesh, jax.sharding.PartitionSpec())
    placed = jax.tree.leaves(api._placed(model, jax.device_put(batch, on_mesh)))[0].sharding
    assert placed.is_fully_replicated and len(placed.device_set) == 2, placed
    mesh = jax.sharding.Mesh(np.array(jax.devices()), ("trials",))
    again = jaxid.inverse_dynamics_batched(model, batch, mesh=mesh, outputs=("joint_torques",))
    np.testing.assert_allclose(np.asarray(again["joint_torques"]), plain["joint_torques"], rtol=0,
                               atol=atol)
    # Device arrays already placed keep their sharding through validation (no host round trip).
    on_dev = jax.device_put(jax.tree.map(lambda x: np.concatenate([x, x[-1:]]), batch),
                            jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("trials")))
    seen.clear()
    jaxid.inverse_dynamics(model, on_dev, outputs=("joint_torques",))
    assert len(seen[0][0].device_set) == 2 and not seen[0][0].is_fully_replicated, seen[0][0]
    print("SHARDED-OK")
""")


def test_sharded_batch_equals_unsharded():
  env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu")
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  res = subprocess.run(
    [sys.executable, "-c", SCRIPT], env=env, cwd=root, capture_output=True, text=True, timeout=600
  )
  assert res.returncode == 0, res.stderr[-3000:]
  assert "SHARDED-OK" in res.stdout, res.stderr[-3000:]
