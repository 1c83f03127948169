"""The multi-D claim's endpoint differences and its reversed-widths foil."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.shah.multid import FINALS, endpoint_excess, reversed_widths


def test_endpoint_excess_and_reversed_widths():
    measured = {key: np.array([1.0, 1.5]) for key in FINALS}
    assert endpoint_excess(measured) == {
        "cnf_excess": 0.5,
        "unf_excess": 0.5,
        "cnf_excess_5d": 0.5,
        "unf_excess_5d": 0.5,
    }
    assert reversed_widths(measured)["cnf_excess"] == -0.5
