"""Sample gait trials: normative walking kinematics with loads that balance them.

Kinematics are periodic functions of the gait phase. The sagittal hip, knee and ankle curves are
Fourier fits of the mean natural-cadence curves of D. A. Winter (2009), *Biomechanics and Motor
Control of Human Movement*, 4th ed., Wiley, appendix A (read off at 5 % of the cycle, to about a
degree); the frontal and transverse curves and the pelvis's list have the amplitudes and
timing of J. Perry and J. M. Burnfield (2010), *Gait Analysis: Normal and Pathological
Function*, 2nd ed.; the pelvis's rotation is its welded trunk's, against the legs. The pelvis translation is solved from the loads it must
produce: its vertical motion makes the total vertical ground reaction force the sum of two
double-humped single-foot curves (shaped like Winter's vertical GRF at natural cadence), and its
horizontal motion (iterated through MuJoCo C's mj_inverse) puts the centre of pressure of the
whole support on a heel-to-toe path under the stance feet; the stance foot is held in place
sideways by its hip adduction.

Velocities and accelerations come from central differences of that analytic motion with
MuJoCo's mj_differentiatePos, so the free joint's quaternion is handled on the manifold. Loads
are built from the motion: MuJoCo C's mj_inverse (float64) gives the wrench the world must exert
on the floating base; in each frame it is shared between the feet in stance (vertical forces in
the ratio of the two feet's GRF curves, horizontal forces pointing from each foot towards the
centre of mass), and each foot's centre of pressure and free moment solve the moment balance
exactly (least change from the heel-to-toe COP path). The root residual of a sample trial is
therefore float64 round-off. Measured figures and known limits: docs/model.md.

Modules, one concern each:

- curves: the gait's constants and the normative curves it is built from (Winter 2009, Perry &
  Burnfield 2010): joint angles, one foot's vertical GRF, the heel-to-toe COP path.
- gait: the analytic motion (pelvis and legs at the gait phase) and the pelvis solve that makes
  its loads gait-like.
- loads: the root wrench from mj_inverse, shared between the stance feet (force split, COP and
  free moment solve).
- trial: sample_trial, the motion and its loads as a Trial.
"""

from jaxid.sample.curves import GRAVITY, SPEED, STANCE, STRIDE_S
from jaxid.sample.trial import sample_trial

__all__ = ["GRAVITY", "SPEED", "STANCE", "STRIDE_S", "sample_trial"]
