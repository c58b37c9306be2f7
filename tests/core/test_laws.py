"""The three law forms: values, analytic gradients, closed-form compute-optimal allocation, closure of Eq. 3."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.core.laws import FORMS, ScalingLaw, log_loss_and_jacobian
from l2l.testing import Shift, translate_law

RNG = np.random.default_rng(7)
LOG_N = np.log(RNG.uniform(2e7, 3e9, 25))
LOG_D = np.log(RNG.uniform(5e8, 1e11, 25))
THETAS = {
    "l2l": np.array([18.0, 20.7, 0.45, 0.43, 0.48]),
    "chinchilla": np.array([8.0, 9.4, 0.6, 0.46, 0.47]),
    "kaplan": np.array([18.0, 20.7, 0.43, 0.48]),
}


def test_values_match_the_papers_equations() -> None:
    n, d = 1e9, 2e10
    assert_allclose(
        ScalingLaw("l2l", 7e7, 9.68e8, 1.57, 0.43, 0.48).predict(n, d),
        1.57 + ((7e7 / n) ** (0.43 / 0.48) + 9.68e8 / d) ** 0.48,
        rtol=1e-13,
    )
    assert_allclose(
        ScalingLaw("chinchilla", 3.02e3, 1.19e4, 1.59, 0.46, 0.47).predict(n, d),
        1.59 + 3.02e3 / n**0.46 + 1.19e4 / d**0.47,
        rtol=1e-13,
    )
    assert_allclose(
        ScalingLaw("kaplan", 7e7, 9.68e8, 0.0, 0.43, 0.48).predict(n, d),
        ((7e7 / n) ** (0.43 / 0.48) + 9.68e8 / d) ** 0.48,
        rtol=1e-13,
    )


@pytest.mark.parametrize("form", FORMS)
def test_jacobian_matches_finite_differences(form: str) -> None:
    theta = THETAS[form]
    _, jac = log_loss_and_jacobian(form, theta, LOG_N, LOG_D)
    assert jac is not None
    h = 1e-6
    for k in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        num = (
            log_loss_and_jacobian(form, up, LOG_N, LOG_D, jacobian=False)[0]
            - log_loss_and_jacobian(form, down, LOG_N, LOG_D, jacobian=False)[0]
        ) / (2 * h)
        assert_allclose(jac[:, k], num, atol=1e-8)


@pytest.mark.parametrize("form", FORMS)
def test_stacked_parameters_broadcast(form: str) -> None:
    stack = np.stack([THETAS[form], THETAS[form] + 0.05])
    m, jac = log_loss_and_jacobian(form, stack, LOG_N, LOG_D)
    assert m.shape == (2, 25)
    assert jac is not None
    assert jac.shape == (2, 25, len(THETAS[form]))
    single, _ = log_loss_and_jacobian(form, THETAS[form], LOG_N, LOG_D, jacobian=False)
    assert_allclose(m[0], single, rtol=1e-15)


def test_no_overflow_at_extreme_parameters() -> None:
    theta = np.array([80.0, -20.0, -9.0, 3.0, 1e-3])
    m, jac = log_loss_and_jacobian("l2l", theta, LOG_N, LOG_D)
    assert np.all(np.isfinite(m))
    assert jac is not None
    assert np.all(np.isfinite(jac))


@pytest.mark.parametrize(
    "law",
    [
        ScalingLaw("l2l", 7e7, 9.68e8, 1.57, 0.43, 0.48),
        ScalingLaw("chinchilla", 3.02e3, 1.19e4, 1.59, 0.46, 0.47),
        ScalingLaw("kaplan", 7e7, 9.68e8, 0.0, 0.43, 0.48),
    ],
)
def test_compute_optimal_is_the_minimum_along_the_isoflop(law: ScalingLaw) -> None:
    c = 1e21
    n_opt, d_opt = law.compute_optimal(c)
    assert_allclose(6 * n_opt * d_opt, c, rtol=1e-12)
    sizes = n_opt * np.geomspace(0.5, 2, 40001)
    brute = sizes[np.argmin(law.predict(sizes, c / (6 * sizes)))]
    assert_allclose(n_opt, brute, rtol=1e-4)


def test_translated_law_is_the_law_pushed_through_the_power_law() -> None:
    src = ScalingLaw("l2l", 5.96e7, 8.2e8, 2.0, 0.43, 0.48)
    shift = Shift(K=0.63, kappa=1.11, E1=0.89)
    tgt = translate_law(src, shift)
    n = np.exp(LOG_N)
    d = np.exp(LOG_D)
    assert_allclose(tgt.predict(n, d), shift.apply(src.predict(n, d), src.E), rtol=1e-12)
    # the compute-optimal size is unchanged by translation (α/β and A^(α/β)/B are preserved)
    assert_allclose(tgt.compute_optimal(1e21)[0], src.compute_optimal(1e21)[0], rtol=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_gradient_row_sums_equal_the_jacobian_contracted(form: str) -> None:
    """``Pass.vjp`` (J^T ψ without forming J) is the Jacobian's contraction, for a stack of parameters."""
    from l2l.core.laws import evaluate

    rng = np.random.default_rng(11)
    stack = THETAS[form] + rng.normal(0, 0.3, (7, len(THETAS[form])))
    psi = rng.normal(size=(7, len(LOG_N)))
    jac = evaluate(form, stack, LOG_N, LOG_D).jacobian()
    want = np.einsum("sn,snp->sp", psi, jac)
    got = evaluate(form, stack, LOG_N, LOG_D).vjp(psi)
    assert_allclose(got, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())


def test_float32_in_float32_out() -> None:
    m, jac = log_loss_and_jacobian("l2l", THETAS["l2l"].astype(np.float32), LOG_N, LOG_D)
    assert m.dtype == np.float32
    assert jac is not None
    assert jac.dtype == np.float32
    assert_allclose(m, log_loss_and_jacobian("l2l", THETAS["l2l"], LOG_N, LOG_D)[0], rtol=1e-5)


def test_a_large_stack_goes_in_row_blocks_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import l2l.core.laws as laws

    stack = THETAS["l2l"] + np.random.default_rng(2).normal(0, 0.2, (23, 5))
    m_whole, jac_whole = log_loss_and_jacobian("l2l", stack, LOG_N, LOG_D)
    monkeypatch.setattr(laws, "BLOCK_ELEMENTS", 4 * len(LOG_N))  # blocks of 4 rows
    m_blocks, jac_blocks = log_loss_and_jacobian("l2l", stack, LOG_N, LOG_D)
    assert_allclose(m_blocks, m_whole, rtol=1e-15)
    assert_allclose(jac_blocks, jac_whole, rtol=1e-15)
