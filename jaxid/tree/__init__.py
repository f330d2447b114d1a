"""The model-specialised tree backend: a straight-line RNEA generated from the MjModel.

unsupported(mj_model) -> str | None   the feature it cannot compute, else None
tree_of(mj_model) -> Tree             the folded constants (cached per MjModel)
frame(tree, kin, loads, body_ids, outputs) -> dict   one frame's contract outputs
"""

from jaxid.tree.constants import Tree, build, tree_of
from jaxid.tree.frame import frame
from jaxid.tree.support import unsupported

__all__ = ["Tree", "build", "frame", "tree_of", "unsupported"]
