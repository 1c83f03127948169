"""Shared sympy symbols of the three papers' bounds (one place, so names never drift)."""

from __future__ import annotations

import sympy as sp

m = sp.Symbol("m", positive=True, integer=True)  # hidden width
k = sp.Symbol("k", positive=True, integer=True)  # GAN generator hidden width
n = sp.Symbol("n", positive=True, integer=True)  # training points
d = sp.Symbol("d", positive=True, integer=True)  # input dimension
L = sp.Symbol("L", positive=True, integer=True)  # hidden layers
t = sp.Symbol("t", nonnegative=True, integer=True)  # step
T = sp.Symbol("T", positive=True, integer=True)  # last step
eta = sp.Symbol("eta", positive=True)  # learning rate (discriminator rate in GDA)
mu = sp.Symbol("mu", positive=True)  # generator learning rate in GDA
lam0 = sp.Symbol("lambda_0", positive=True)  # λ_min of the kernel at init
delta = sp.Symbol("delta", positive=True)  # failure probability
c = sp.Symbol("c", positive=True)  # a named constant of a lineage bound
alpha = sp.Symbol("alpha", nonnegative=True)  # σ_min of the GAN Jacobian at init
beta = sp.Symbol("beta", positive=True)  # σ_max of the GAN Jacobian at init
L0 = sp.Symbol("L_0", positive=True)  # loss at init
rho = sp.Symbol("rho", positive=True)  # spectral radius of linearized GDA
