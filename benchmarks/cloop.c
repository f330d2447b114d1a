// The C-loop peer: mj_inverse over a trial's frames with no Python per frame.
//
// tau[t] = qfrc_inverse - J' xfrc, with each foot's load applied at its COP (mj_applyFT of the
// negated grf and free moment: J(cop)' grf + Jr' moment equals J(xipos)' of jaxid's xfrc wrench)
// and ext_forces at each body's xipos. Built at bench time by benchmarks/cloop.py against the
// MuJoCo that the mujoco Python package loads, so the mjModel/mjData pointers are that library's.
#include <string.h>

#include <mujoco/mujoco.h>

// qpos (T, nq), qvel (T, nv), qacc (T, nv); grf, cop, moment (T, 2, 3); ext (T, nbody, 6) or
// NULL; feet (2,) body ids; tau (T, nv) output.
void jaxid_cloop_torques(const mjModel* m, mjData* d, int T, const mjtNum* qpos,
                         const mjtNum* qvel, const mjtNum* qacc, const mjtNum* grf,
                         const mjtNum* cop, const mjtNum* moment, const mjtNum* ext,
                         const int* feet, mjtNum* tau) {
  int nq = m->nq, nv = m->nv, nbody = m->nbody;
  for (int t = 0; t < T; t++) {
    memcpy(d->qpos, qpos + t * nq, sizeof(mjtNum) * nq);
    memcpy(d->qvel, qvel + t * nv, sizeof(mjtNum) * nv);
    memcpy(d->qacc, qacc + t * nv, sizeof(mjtNum) * nv);
    mj_inverse(m, d);
    mjtNum* out = tau + t * nv;
    memcpy(out, d->qfrc_inverse, sizeof(mjtNum) * nv);
    for (int s = 0; s < 2; s++) {
      const mjtNum* c = cop + (t * 2 + s) * 3;
      if (mju_abs(c[0]) + mju_abs(c[1]) + mju_abs(c[2]) > 0) {  // contact: sum(|cop|) > 0
        mjtNum f[3], q[3];
        mju_scl3(f, grf + (t * 2 + s) * 3, -1);
        mju_scl3(q, moment + (t * 2 + s) * 3, -1);
        mj_applyFT(m, d, f, q, c, feet[s], out);
      }
    }
    if (ext) {
      for (int b = 1; b < nbody; b++) {
        const mjtNum* w = ext + (t * nbody + b) * 6;
        int nz = 0;
        for (int k = 0; k < 6; k++) nz |= w[k] != 0;
        if (nz) {
          mjtNum f[3], q[3];
          mju_scl3(f, w, -1);
          mju_scl3(q, w + 3, -1);
          mj_applyFT(m, d, f, q, d->xipos + 3 * b, b, out);
        }
      }
    }
  }
}
