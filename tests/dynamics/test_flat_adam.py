"""FlatAdam gives torch.optim.Adam's numbers bit for bit."""

from __future__ import annotations

import pytest
import torch

from ntkcheck.dynamics.flat_adam import FlatAdam
from ntkcheck.errors import InvalidInputError

# Shapes with vector bodies and scalar tails of every length (a 1-element bias is all tail),
# so entries move between torch's two code paths when concatenated.
SHAPES = [(37, 3), (128,), (1,), (16, 16), (5, 7, 2), (1, 33)]


def _params(seed: int, dtype: torch.dtype) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=gen, dtype=dtype).requires_grad_(True) for s in SHAPES]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("betas", [(0.5, 0.999), (0.5, 0.9), (0.9, 0.999)])
def test_flat_adam_matches_torch_adam_bitwise(dtype, betas):
    ours, theirs = _params(0, dtype), _params(0, dtype)
    flat = FlatAdam(ours, lr=1e-3, betas=betas)
    reference = torch.optim.Adam(theirs, lr=1e-3, betas=betas)
    gen = torch.Generator().manual_seed(1)
    for step in range(200):
        # gradients spanning many binades (tiny, huge, exact zeros), as in training
        grads = [
            torch.randn(s, generator=gen, dtype=dtype)
            * 10.0 ** torch.randint(-8, 4, s, generator=gen)
            * (torch.rand(s, generator=gen) > 0.05)
            for s in SHAPES
        ]
        flat.zero_grad()
        reference.zero_grad(set_to_none=True)
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = g.clone(), g.clone()
        flat.step()
        reference.step()
        for p, q in zip(ours, theirs):
            assert torch.equal(p, q), f"step {step + 1}: FlatAdam differs from torch.optim.Adam"
    assert flat.steps == 200


def test_flat_adam_trains_through_autograd():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    twin = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    twin.load_state_dict(model.state_dict())
    flat = FlatAdam(model.parameters(), lr=1e-2, betas=(0.5, 0.999))
    reference = torch.optim.Adam(twin.parameters(), lr=1e-2, betas=(0.5, 0.999))
    x = torch.randn(64, 3)
    for _ in range(50):
        for net, opt in ((model, flat), (twin, reference)):
            opt.zero_grad()
            net(x).pow(2).mean().backward()
            opt.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        assert torch.equal(p, q)


def test_flat_adam_errors():
    with pytest.raises(InvalidInputError, match="got no parameters"):
        FlatAdam([], lr=1e-3, betas=(0.5, 0.999))
    mixed = [torch.zeros(2, requires_grad=True), torch.zeros(2, dtype=torch.float64)]
    with pytest.raises(InvalidInputError, match="one dtype and device"):
        FlatAdam(mixed, lr=1e-3, betas=(0.5, 0.999))
    params = _params(0, torch.float32)
    opt = FlatAdam(params, lr=1e-3, betas=(0.5, 0.999))
    params[0].grad = torch.zeros_like(params[0])
    with pytest.raises(InvalidInputError, match=r"parameters \[1, 2, 3, 4, 5\] have no gradient"):
        opt.step()
