"""The du2019 paper package's whole test suite: ntkcheck's contract for each of its claims."""

from ntkcheck.testing import claim_contract

test_contract = claim_contract("du2019")
