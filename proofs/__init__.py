"""The built-in papers, installed as ``ntkcheck.proofs``: one package per paper, its claims
beside the measurements that test them, each registered through the ``ntkcheck.claims`` entry
point exactly as a third-party paper package would be (see docs/own-theorem.md).

- :mod:`ntkcheck.proofs.terjek`: Terjék & González-Sánchez, "A Framework for
  Overparameterized Learning" (arXiv 2205.13507): deep MLPs.
- :mod:`ntkcheck.proofs.balaji`: Balaji et al., "Understanding Overparameterization in
  Generative Adversarial Networks" (ICLR 2021, arXiv 2104.05605): GAN generators and GDA.
- :mod:`ntkcheck.proofs.shah`: Shah, Deshpande & Goyal, "Learning and Generalization in
  Overparameterized Normalizing Flows" (AISTATS 2022, arXiv 2106.10535): CNF and UNF.
"""
