"""The flows and data sets the Shah claims share."""

from __future__ import annotations

import torch

from ntkcheck.models.flows import CNF, UNF, AutoregressiveUNF, MaskedCNF
from ntkcheck.proofs.shah.common import cnf_data, make_cnf, make_unf, unf_data


def test_flow_factories_and_data_scaling():
    assert isinstance(make_cnf(1, 4, 0), CNF) and isinstance(make_cnf(2, 4, 0), MaskedCNF)
    x = unf_data(100, 0, "checkerboard")
    assert float(torch.linalg.vector_norm(x, dim=1).max()) <= 0.5 + 1e-12
    assert isinstance(make_unf(x.min(0).values, 4, 0), AutoregressiveUNF)
    assert isinstance(make_unf(x[:1, 0], 4, 0), UNF)
    z = cnf_data(200, 0)
    assert abs(float(z.mean())) < 1e-12 and abs(float(z.std(unbiased=False)) - 1) < 1e-12
