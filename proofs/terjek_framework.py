"""Claims of Terjék & González-Sánchez, "A Framework for Overparameterized Learning" (arXiv
2205.13507), claims.md §A: the topic modules' CLAIMS, concatenated in the order of claims.md."""

from __future__ import annotations

from proofs.terjek_gd import CLAIMS as GD_CLAIMS
from proofs.terjek_init import CLAIMS as INIT_CLAIMS
from proofs.terjek_lazy import CLAIMS as LAZY_CLAIMS
from proofs.terjek_moments import CLAIMS as MOMENT_CLAIMS
from proofs.terjek_transfer import CLAIMS as TRANSFER_CLAIMS

_BY_ID = {
    c.id: c for c in (*INIT_CLAIMS, *GD_CLAIMS, *LAZY_CLAIMS, *TRANSFER_CLAIMS, *MOMENT_CLAIMS)
}
CLAIMS = tuple(
    _BY_ID[i]
    for i in (
        "terjek.lambda_min.concentrates",
        "terjek.lambda_min.limit",
        "terjek.lambda_min.positive_whp",
        "terjek.kernel.concentration",
        "terjek.gd.linear_rate",
        "terjek.gd.global_optimum",
        "terjek.implicit_regularization",
        "terjek.lazy.distance",
        "terjek.lazy.kernel_drift",
        "terjek.lazy.linearization",
        "terjek.lr_transfer",
        "terjek.generalization",
        "terjek.moments.scaling",
        "terjek.moments.tails",
    )
)
