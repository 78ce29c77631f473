"""``gradcheck``: compare backward's gradients with finite differences, as torch's does."""

from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple | list) else (x,)


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad=True,
    fast_mode: bool = False,
    **_ignored,
) -> bool:
    """Check ``func``'s backward against central differences (f(x+eps) - f(x-eps)) / (2 eps).

    For every input that requires grad and every output, the full Jacobian is built both ways:
    column by column numerically (perturbing one input element at a time), row by row
    analytically (one backward per output element). They must agree within
    ``|analytical - numerical| <= atol + rtol * |numerical|``. Use float64 inputs: float32
    rounding swamps a finite difference.
    """
    from feedforward.autograd.engine import grad as autograd_grad
    from feedforward.autograd.grad_mode import enable_grad, no_grad
    from feedforward.tensor import Tensor

    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff:
        if inputs[i]._data.dtype != np.float64:
            import warnings

            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating "
                "point. gradcheck is meant for float64 inputs.",
                stacklevel=2,
            )

    def outputs():
        with enable_grad():
            return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]

    outs = outputs()
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue
        n_out = out._data.size
        for i in diff:
            x = inputs[i]
            n_in = x._data.size
            numerical = np.zeros((n_in, n_out))
            flat = x._data.reshape(-1)  # a view: perturbing it perturbs x
            with no_grad():
                for j in range(n_in):
                    orig = flat[j]
                    flat[j] = orig + eps
                    plus = _as_tuple(func(*inputs))[k]._data.astype(np.float64).reshape(-1)
                    flat[j] = orig - eps
                    minus = _as_tuple(func(*inputs))[k]._data.astype(np.float64).reshape(-1)
                    flat[j] = orig
                    numerical[j] = (plus - minus) / (2 * eps)
            analytical = np.zeros((n_in, n_out))
            for m in range(n_out):
                out = outputs()[k]
                seed = np.zeros(out.shape, dtype=out._data.dtype)
                seed.reshape(-1)[m] = 1
                (g,) = autograd_grad(out, x, Tensor._make(seed, False, None), allow_unused=True)
                if g is not None:
                    analytical[:, m] = g._data.reshape(-1)
            bad = np.abs(analytical - numerical) > atol + rtol * np.abs(numerical)
            if bad.any():
                if not raise_exception:
                    return False
                j, m = np.argwhere(bad)[0]
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i},\n"
                    f"numerical:{numerical.T}\nanalytical:{analytical.T}\n"
                    f"first mismatch at input element {j}, output element {m}: "
                    f"numerical {numerical[j, m]:.8g} vs analytical {analytical[j, m]:.8g}"
                )
    return True
