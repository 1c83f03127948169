"""Balaji et al., "Understanding Overparameterization in Generative Adversarial Networks" (ICLR
2021, arXiv 2104.05605): a one-hidden-layer generator against a linear discriminator is a
mean-matching game, simultaneous GDA reaches its global saddle point at a linear rate once the
generator is wide (k ≫ m), and wider GANs generate better samples.

Registered through the ``ntkcheck.claims`` entry point as ``balaji``; topic modules: ``game``
(mean matching, saddle point), ``jacobian`` (J and its singular values at init), ``gda``
(convergence, the k < m floor, the envelope, laziness), ``linear`` (the rate formula),
``regimes`` (step-size regimes) and ``study`` (sample quality vs width at CPU scale).
"""

from ntkcheck.proofs.balaji import game, gda, jacobian, lazy, linear, regimes, study

# In the order of the tutorial (docs/tutorials/balaji.md).
CLAIMS = (
    game.MEAN_MATCHING,
    game.SADDLE_POINT,
    jacobian.JACOBIAN,
    jacobian.SIGMA_MIN_INIT,
    gda.CONVERGES,
    gda.UNDERPARAMETERIZED,
    linear.RATE_FORMULA,
    gda.ENVELOPE,
    lazy.LAZY,
    regimes.STEP_SIZES,
    study.QUALITY,
)
