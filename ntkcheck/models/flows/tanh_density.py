"""The constrained flows' log-density, its gradient contracted in a few skinny matmuls.

The masked tanh flow (:class:`~ntkcheck.models.flows.masked.MaskedCNF`; the 1-D
:class:`~ntkcheck.models.flows.cnf.CNF` is d = 1) has D = d·m hidden units k, unit k in block
i(k) = k // m, pre-activations P = x Wᵀ + b (N, D), output weights A (d, D), c = 1/√m, and

    f_i = c Σ_k A_ik tanh P_k,      S_i = Σ_{k: i(k) = i} A_{i,k} W_{k,i} sech² P_k,
    log p(x) = Σ_i (−f_i²/2 − ½ log 2π + log c + log S_i)            (Gaussian base).

Autograd through tanh, log sech² and a logsumexp makes about a dozen passes
over the N×D units each way; training the flows at m = 1600 spends most of its time there.
Here one exponential gives both, e = exp(−2|P|), r = 1/(1 + e):

    tanh P = sign(P)·(2r − 1),      sech² P = 4e r²     (no overflow; sech² relative-exact),

and the gradient never forms the N×D matrix ∂ log p/∂P. With F = −g f and V = g/S (N, d) for the
upstream gradient g (N,), Sg = sech² P, T = tanh P, Q = Sg ⊙ T, Z = [x, 1], a_k = A_{i(k),k}
W_{k,i(k)}:

    ∂/∂P_nk = c Sg_nk Σ_i F_ni A_ik − 2 Q_nk V_{n,i(k)} a_k,
    ∂/∂[W, b]_kj = c Σ_i A_ik (Sgᵀ(F ⊗ Z))_{k,i,j} − 2 a_k (Qᵀ(V ⊗ Z))_{k,i(k),j},
    ∂/∂A_ik = c (Tᵀ F)_{k,i},
    plus, for the diagonal entries (i = i(k)), W_{k,i} (Sgᵀ V)_{k,i} in ∂/∂A_ik and
    A_{i,k} (Sgᵀ V)_{k,i} in ∂/∂W_{k,i}.

Rows where some S_i < 1e-280 (every unit of a block saturated, |P| ≳ 350, where sech² would
underflow) are evaluated and differentiated through the logsumexp reference
(:func:`tanh_flow_log_prob_reference`) instead, and so is a gradient taken with
``create_graph`` (second derivatives, ``torch.func.grad``): exact at every order, at the
reference's speed.

References: De Cao et al. 2019, "Block Neural Autoregressive Flow" (log-derivative of a
monotone tanh network); Shah et al. 2022, arXiv 2106.10535 (the CNF).
"""

from __future__ import annotations

import math
from typing import Any

import torch

TINY = 1e-280  # S_i below this: its largest term may be subnormal (sech² P < 1e-292)
_CHUNK = 1 << 16  # units per row chunk of the elementwise pass (stays in cache)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def log_sech2(s: torch.Tensor) -> torch.Tensor:
    """log sech²(s) = 2·(log 2 − |s| − log1p(e^{−2|s|})): no overflow or cancellation for any s.

    (softplus would cut log1p(e^{−2|s|}) to 0 once 2|s| > 20, an error up to 2e-9.)
    """
    a = s.abs()
    return 2.0 * (math.log(2.0) - a - torch.log1p(torch.exp(-2.0 * a)))


def tanh_log_derivative(
    w: torch.Tensor, a: torch.Tensor, pre: torch.Tensor, c: float
) -> torch.Tensor:
    """log ∂f_i/∂x_i for f_i = c·Σ_r a_ir tanh(pre_ir), ∂pre_ir/∂x_i = w_ir (one block per i).

    Shapes: w, a (d, m) (diagonal blocks, entries > 0); pre (N, d, m) -> (N, d).
    """
    return math.log(c) + torch.logsumexp(torch.log(a) + torch.log(w) + log_sech2(pre), dim=-1)


def _diagonal(
    weight: torch.Tensor, output: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Block index i(k) (D,), W_{k,i(k)} and A_{i(k),k} (D,) of the masked layers."""
    d = weight.shape[1]
    units = torch.arange(weight.shape[0], device=weight.device)
    block = units // (weight.shape[0] // d)
    return block, weight[units, block], output[block, units]


def tanh_flow_log_prob_reference(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, output: torch.Tensor, c: float
) -> torch.Tensor:
    """log p(x) by plain autograd ops (tanh, logsumexp of log sech²): the oracle of
    :func:`tanh_flow_log_prob`, and its path for saturated rows.

    Shapes: x (N, d); weight (D, d), bias (D,), output (d, D) with the masks applied, D = d·m.
    """
    n, d = x.shape
    pre = torch.addmm(bias, x, weight.T)
    f = c * (torch.tanh(pre) @ output.T)
    _, w, a = _diagonal(weight, output)
    log_det = tanh_log_derivative(w.view(d, -1), a.view(d, -1), pre.view(n, d, -1), c)
    return -0.5 * (f**2).sum(-1) - d * _HALF_LOG_2PI + log_det.sum(-1)


def tanh_flow_log_prob(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, output: torch.Tensor, c: float
) -> torch.Tensor:
    """log p(x) of the masked tanh flow (module docstring): x (N, d) -> (N,).

    ``weight`` (D, d), ``bias`` (D,) and ``output`` (d, D) with their masks applied (zeros above
    the block diagonal), D = d·m; diagonal entries of weight and output must be > 0. Same value
    and gradient as :func:`tanh_flow_log_prob_reference` to rounding, several times faster.
    """
    return _TanhFlowLogProb.apply(x, weight, bias, output, c)[0]


def _units(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, with_product: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """T = tanh P, Sg = sech² P and (``with_product``) Q = Sg ⊙ T, each (N, D), P = x Wᵀ + b,
    computed in row chunks that stay in cache."""
    n, units = x.shape[0], weight.shape[0]
    tanh, sech2 = x.new_empty(n, units), x.new_empty(n, units)
    product = x.new_empty(n, units) if with_product else None
    rows = max(1, _CHUNK // units)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        pre = torch.addmm(bias, x[start:stop], weight.T)
        sign = pre.sign()
        e = pre.abs_().mul_(-2.0).exp_()
        r = e.add(1.0).reciprocal_()
        t = torch.mul(r, 2.0, out=tanh[start:stop]).sub_(1.0).mul_(sign)
        s = torch.mul(r, r, out=sech2[start:stop]).mul_(e).mul_(4.0)
        if product is not None:
            torch.mul(s, t, out=product[start:stop])
    return tanh, sech2, product


class _TanhFlowLogProb(torch.autograd.Function):
    @staticmethod
    def forward(
        x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, output: torch.Tensor, c: float
    ) -> tuple[torch.Tensor, ...]:
        d = x.shape[1]
        block, w, a = _diagonal(weight, output)
        grad = any(t.requires_grad for t in (x, weight, bias, output))
        tanh, sech2, product = _units(x, weight, bias, with_product=grad)
        f = (tanh @ output.T).mul_(c)
        # S = Sg @ B with B (D, d) block-diagonal: B[k, i(k)] = a_k w_k.
        s = sech2 @ torch.zeros_like(weight).index_put_((torch.arange(len(block)), block), a * w)
        saturated = (s < TINY).any(-1)
        log_p = -0.5 * (f**2).sum(-1) - d * (_HALF_LOG_2PI - math.log(c)) + s.log().sum(-1)
        if bool(saturated.any()):
            reference = tanh_flow_log_prob_reference(x[saturated], weight, bias, output, c)
            log_p[saturated] = reference
        return log_p, f, s, tanh, sech2, product, saturated

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: tuple) -> None:
        x, weight, bias, output_weight, c = inputs
        _, f, s, tanh, sech2, product, saturated = output
        ctx.save_for_backward(x, weight, bias, output_weight, f, s, tanh, sech2, product, saturated)
        ctx.c = c
        ctx.mark_non_differentiable(*(t for t in output[1:] if t is not None))
        # Only log p is differentiable: no zero (N, D) gradients for the saved units.
        ctx.set_materialize_grads(False)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor, *_: Any) -> tuple[torch.Tensor | None, ...]:
        if g is None:
            return None, None, None, None, None
        x, weight, bias, output, f, s, tanh, sech2, q, saturated = ctx.saved_tensors
        if torch.is_grad_enabled():
            # create_graph (higher derivatives, torch.func.grad): the saved units carry no
            # graph, so differentiate the reference, whose own graph is exact at every order.
            return (*_reference_gradient(ctx, x, weight, bias, output, g, create_graph=True), None)
        if q is None:  # torch.func transforms hide requires_grad from forward
            q = sech2 * tanh
        c = ctx.c
        n, d = x.shape
        block, w, a = _diagonal(weight, output)
        aw = a * w
        units = torch.arange(len(block))
        fit = (~saturated).to(g.dtype)[:, None]
        big_f = -(g[:, None] * f) * fit  # F = −g f (N, d); saturated rows: the reference
        v = torch.where(fit > 0, g[:, None] / s, 0.0)  # V = g / S (N, d)
        z = torch.cat([x, x.new_ones(n, 1)], dim=1)  # (N, d + 1)
        # Skinny products as (cols, N) @ (N, D): BLAS reads the row-major units contiguously
        # (3x faster than (D, N) @ (N, cols) on the transposed view).
        sg = (torch.cat([(big_f[:, :, None] * z[:, None, :]).reshape(n, -1), v], 1).T @ sech2).T
        sg_fz, sg_v = sg[:, : d * (d + 1)].reshape(-1, d, d + 1), sg[:, d * (d + 1) :]
        q_vz = ((v[:, :, None] * z[:, None, :]).reshape(n, -1).T @ q).T.reshape(-1, d, d + 1)
        # ∂/∂[W, b]_k = c Σ_i A_ik sg_fz[k, i] − 2 a_k q_vz[k, i(k)]   (D, d + 1)
        grad_wb = (
            c * torch.einsum("ik,kij->kj", output, sg_fz) - 2.0 * aw[:, None] * q_vz[units, block]
        )
        sg_v_diag = sg_v[units, block]
        grad_w = grad_wb[:, :d].clone()
        grad_w[units, block] += a * sg_v_diag
        grad_b = grad_wb[:, d]
        grad_a = c * (big_f.T @ tanh)
        grad_a[block, units] += w * sg_v_diag

        grad_x = None
        if ctx.needs_input_grad[0]:
            # ∂/∂x_nj = Σ_k (∂/∂P_nk) W_kj, contracted through Sg and Q.
            h1 = (output.T[:, :, None] * weight[:, None, :]).reshape(len(block), -1)  # A_ik W_kj
            h2 = x.new_zeros(len(block), d, d)
            h2[units, block] = aw[:, None] * weight  # 1[i(k) = i'] a_k W_kj
            grad_x = c * torch.einsum("ni,nij->nj", big_f, (sech2 @ h1).view(n, d, d))
            grad_x -= 2.0 * torch.einsum(
                "ni,nij->nj", v, (q @ h2.view(len(block), -1)).view(n, d, d)
            )

        if bool(saturated.any()):
            grads = _reference_gradient(ctx, x[saturated], weight, bias, output, g[saturated])
            grad_w, grad_b, grad_a = (
                mine if theirs is None else mine + theirs
                for mine, theirs in zip((grad_w, grad_b, grad_a), grads[1:])
            )
            if grad_x is not None:
                grad_x[saturated] += grads[0]
        return grad_x, grad_w, grad_b, grad_a, None


def _reference_gradient(
    ctx: Any,
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    output: torch.Tensor,
    g: torch.Tensor,
    create_graph: bool = False,
) -> tuple[torch.Tensor | None, ...]:
    """Σ_n g_n ∇ log p(x_n) (for x, weight, bias, output) by autograd through the reference;
    with ``create_graph`` as a differentiable function of the inputs, else on detached copies
    (None for an input that needs no gradient)."""
    inputs = (x, weight, bias, output)
    if not create_graph:
        inputs = tuple(t.detach().requires_grad_(True) for t in inputs)
    wanted = [i for i, t in enumerate(inputs) if t.requires_grad and ctx.needs_input_grad[i]]
    with torch.enable_grad():
        log_p = tanh_flow_log_prob_reference(*inputs, ctx.c)
        found = torch.autograd.grad(
            log_p, [inputs[i] for i in wanted], g, create_graph=create_graph, allow_unused=True
        )
    grads: list[torch.Tensor | None] = [None] * 4
    for i, grad in zip(wanted, found):
        grads[i] = grad
    return tuple(grads)
