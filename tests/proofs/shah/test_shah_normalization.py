"""Total masses of the flows' densities: closed forms at init, and after short training."""

from __future__ import annotations

from ntkcheck.models.flows import CNF, UNF, clenshaw_curtis
from ntkcheck.proofs.shah.normalization import (
    cnf_total_mass,
    coarse_and_unbounded,
    measure_density,
    unf_total_mass,
)


def test_total_masses_match_their_closed_forms_at_init():
    cnf = CNF(20, seed=0)
    assert abs(cnf_total_mass(cnf, grid_points=20001) - float(cnf.total_mass().detach())) < 1e-6
    unf = UNF(-0.5, 32, seed=0)
    unf.rule = clenshaw_curtis(50)
    assert abs(unf_total_mass(unf, grid_points=2001) - 1.0) < 1e-4


def test_masses_after_short_runs_and_the_foil():
    mass = measure_density(n=60, unf_width=8, unf_steps=3, cnf_width=6, cnf_steps=3)
    assert abs(mass["unf_mass_cc"] - 1) < 1e-3
    assert abs(mass["cnf_mass_grid"] - mass["cnf_mass_closed_form"]) < 1e-3
    assert mass["unf_grid"].shape == mass["unf_density"].shape == (400,)
    foiled = coarse_and_unbounded(mass)
    assert foiled["unf_mass_cc"] == mass["unf_mass_right_sum"]
    assert foiled["cnf_mass_closed_form"] == 1.0
