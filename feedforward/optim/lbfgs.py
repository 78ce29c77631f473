"""L-BFGS: a quasi-Newton method that builds the inverse Hessian's action from the last few steps
and gradient changes (Nocedal, 1980; Liu and Nocedal, 1989), with an optional strong-Wolfe line
search (Nocedal and Wright, *Numerical Optimization*, algorithms 3.5 and 3.6); torch's port of
minFunc and torch7's optim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from feedforward.autograd.grad_mode import enable_grad, no_grad
from feedforward.optim.optimizer import Optimizer, ParamsT, _check_lr
from feedforward.tensor import Tensor

__all__ = ["LBFGS"]

# The numbers of the algorithm follow torch's types: a reduction over the flat vectors (a dot, a
# norm) is a 0-d tensor of the parameters' dtype there and a NumPy scalar here (NumPy's scalars
# treat Python floats as weak, as torch's 0-d tensors do), the losses and lr are Python numbers.
Number = float | int | np.floating


def _cubic_interpolate(
    x1: Number,
    f1: Number,
    g1: Number,
    x2: Number,
    f2: Number,
    g2: Number,
    bounds: tuple[Number, Number] | None = None,
) -> Number:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
    to ``bounds`` (default: between x1 and x2); their midpoint when the cubic has none::

        d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)
        d2 = sqrt(d1^2 - g1 g2)
        x = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)      (x2 the farther point)
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(
    obj_func: Callable[[list[np.ndarray], Number, np.ndarray], tuple[float, np.ndarray]],
    x: list[np.ndarray],
    t: Number,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Number,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Number, int]:
    """A step length t along ``d`` from ``x`` (loss f, gradient g, slope gtd = g.d) meeting the
    strong Wolfe conditions::

        f(x + t d) <= f + c1 t gtd              (sufficient decrease)
        |g(x + t d) . d| <= -c2 gtd             (curvature)

    First a bracket holding such a t is found, extrapolating by cubic interpolation, then
    narrowed ("zoom"); at most ``max_ls`` evaluations of ``obj_func(x, t, d)`` (the loss and
    flat gradient at x + t d). Returns the loss, gradient and t found, and the evaluations used.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break

        # extrapolate: a longer step, chosen between 1.01 t and 10 t by interpolation
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:  # out of evaluations
        bracket = [0, t]
        bracket_f = [f, f_new]
        bracket_g = [g, g_new]

    # zoom: shrink the bracket until a point in it meets the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # A t too close to an end of the bracket makes little progress: after two such in a row
        # (or one outside the bracket) move it to 0.1 of the bracket's width from that end.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease, or not below the low end: t is the new high end
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new.copy()
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # old high becomes new low
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new.copy()
            bracket_gtd[low_pos] = gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _lbfgs_direction(
    flat_grad: np.ndarray,
    prev_flat_grad: np.ndarray,
    d: np.ndarray,
    t: Number,
    old_dirs: list[np.ndarray],
    old_stps: list[np.ndarray],
    ro: list[Number],
    H_diag: Number,
    al: list[Number | None],
    history_size: int,
) -> tuple[np.ndarray, Number]:
    """The L-BFGS direction -H g and the new ``H_diag``, updating the history in place.

    With the last step s = t d and gradient change y = g - g_prev, the pair (y, s) joins the
    history (the oldest dropped past ``history_size``) when y.s > 1e-10, and H_diag = y.s / y.y
    scales the initial inverse Hessian H0 = H_diag I. Then the two-loop recursion, with
    rho_i = 1 / (y_i . s_i), newest pair first::

        q = -g
        for i newest..oldest:  a_i = rho_i s_i.q,      q = q - a_i y_i
        r = H_diag q
        for i oldest..newest:  b_i = rho_i y_i.r,      r = r + (a_i - b_i) s_i
        d = r

    ``al`` (torch's state ``'al'``) receives the a_i.
    """
    y = flat_grad - prev_flat_grad
    s = d * t
    ys = y.dot(s)
    if ys > 1e-10:
        if len(old_dirs) == history_size:
            old_dirs.pop(0)
            old_stps.pop(0)
            ro.pop(0)
        old_dirs.append(y)
        old_stps.append(s)
        ro.append(1.0 / ys)
        H_diag = ys / y.dot(y)

    num_old = len(old_dirs)
    q = np.negative(flat_grad)
    for i in range(num_old - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= old_dirs[i] * q.dtype.type(al[i])
    r = q * H_diag
    for i in range(num_old):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += old_stps[i] * r.dtype.type(al[i] - be_i)
    return r, H_diag


# ---------------------------------------------------------------------- state as torch keeps it


def _to_state(value: Any) -> Any:
    """A value of the algorithm as torch's state holds it: arrays and NumPy scalars as Tensors
    (0-d for the scalars), lists element by element, Python numbers as they are."""
    if isinstance(value, list):
        return [_to_state(v) for v in value]
    if isinstance(value, np.ndarray):  # (the same buffer: torch's state keeps its tensors)
        return Tensor._make(value, False, None)
    if isinstance(value, np.generic):
        return Tensor._make(np.array(value), False, None)
    return value


def _from_state(value: Any) -> Any:
    """The inverse of :func:`_to_state`: Tensors back to arrays (0-d ones to NumPy scalars)."""
    if isinstance(value, list):
        return [_from_state(v) for v in value]
    if isinstance(value, Tensor):
        return value._data[()] if value._data.ndim == 0 else value._data
    return value


class LBFGS(Optimizer):
    """L-BFGS, heavily inspired by minFunc (Schmidt, 2005), as torch's.

    Each ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval`` evaluations of the
    closure); each iteration, from the flat gradient g of all parameters::

        d = -g                                  on the very first iteration
        d = -H g                                after (H from the history, see _lbfgs_direction)
        t = lr * min(1, 1 / sum|g|)             on the very first iteration, else t = lr
        t = a strong-Wolfe step along d         if line_search_fn == "strong_wolfe"
        theta = theta + t d

    It stops early when max|g| <= tolerance_grad, g.d > -tolerance_change, max|t d| <=
    tolerance_change or the loss changed by less than tolerance_change. Without a line search
    the closure is evaluated once per iteration (not after the last).

    State (of the first parameter, as torch keeps it): ``func_evals``, ``n_iter``, ``al``,
    ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad`` and
    ``prev_loss``.

    Args:
        params: tensors to optimize (one param group only).
        lr: learning rate. Default: 1.
        max_iter: iterations per ``step``. Default: 20.
        max_eval: closure evaluations per ``step``. Default: ``max_iter * 5 // 4``.
        tolerance_grad: stop when the largest gradient entry is this small. Default: 1e-7.
        tolerance_change: stop when a step or the loss change is this small. Default: 1e-9.
        history_size: the number of (y, s) pairs kept. Default: 100.
        line_search_fn: ``"strong_wolfe"`` or None (a fixed step). Default: None.

    Example:
        >>> opt = ff.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def _load_value(self, param: Tensor, key: str, value: Any) -> Any:
        """As the base class's, into the history lists too (torch casts their tensors)."""
        if isinstance(value, list):
            return [self._load_value(param, key, v) for v in value]
        return super()._load_value(param, key, value)

    # ------------------------------------------------------------------ the flat vector

    def _gather_flat_grad(self) -> np.ndarray:
        """All gradients as one new vector (zeros for a parameter without one)."""
        return np.concatenate(
            [
                np.zeros(p._data.size, p._data.dtype) if p._grad is None else p._grad._data.ravel()
                for p in self._params
            ]
        )

    def _add_grad(self, step_size: Number, update: np.ndarray) -> None:
        """theta += step_size * update, the update cut into the parameters' shapes."""
        offset = 0
        for p in self._params:
            data = p._data
            piece = update[offset : offset + data.size].reshape(data.shape)
            data += piece * data.dtype.type(step_size)  # alpha in the parameter's dtype
            offset += data.size
        self._bump_versions()

    def _clone_param(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data, strict=True):
            np.copyto(p._data, data)
        self._bump_versions()

    def _bump_versions(self) -> None:
        """Each in-place write is a new version, so autograd sees stale saved tensors."""
        for p in self._params:
            (p._vc or p._version).value += 1

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[np.ndarray], t: Number, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """The loss and flat gradient at x + t d; the parameters are put back to x after."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------------ stepping

    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Perform one optimization step (up to ``max_iter`` iterations).

        Args:
            closure: re-evaluates the model (zeroing and computing the gradients) and returns
                the loss; required, and called with gradients enabled.

        Returns:
            The closure's loss at the start of the step.
        """
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr = group["lr"]
        if isinstance(lr, Tensor):  # a 0-d tensor in torch: a NumPy scalar here
            lr = lr._data.reshape(())[()]
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        # LBFGS's state is global; torch keeps it as the first parameter's (so that
        # load_state_dict casts it to the parameters' dtype)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        opt_cond = np.abs(flat_grad).max() <= tolerance_grad
        if opt_cond:
            return orig_loss

        keys = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")
        d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss = (
            _from_state(state.get(key)) for key in keys
        )
        al = _from_state(state["al"]) if "al" in state else None

        n_iter = 0
        with np.errstate(all="ignore"):  # torch's 0-d tensors divide by zero without a warning
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1

                # the direction
                if state["n_iter"] == 1:
                    d = np.negative(flat_grad)
                    old_dirs, old_stps, ro = [], [], []
                    H_diag = 1
                else:
                    if al is None:
                        al = [None] * history_size
                        state["al"] = al  # (its place among the keys, as torch's)
                    d, H_diag = _lbfgs_direction(
                        flat_grad,
                        prev_flat_grad,
                        d,
                        t,
                        old_dirs,
                        old_stps,
                        ro,
                        H_diag,
                        al,
                        history_size,
                    )
                if prev_flat_grad is None:
                    prev_flat_grad = flat_grad.copy()
                else:
                    np.copyto(prev_flat_grad, flat_grad)
                prev_loss = loss

                # the step length
                if state["n_iter"] == 1:
                    t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
                else:
                    t = lr
                gtd = flat_grad.dot(d)  # the directional derivative
                if gtd > -tolerance_change:
                    break

                ls_func_evals = 0
                if line_search_fn is not None:
                    if line_search_fn != "strong_wolfe":
                        raise RuntimeError("only 'strong_wolfe' is supported")
                    x_init = self._clone_param()

                    def obj_func(x, t, d):
                        return self._directional_evaluate(closure, x, t, d)

                    loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                        obj_func,
                        x_init,
                        t,
                        d,
                        loss,
                        flat_grad,
                        gtd,
                        max_ls=max_eval - current_evals,
                    )
                    self._add_grad(t, d)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                else:
                    self._add_grad(t, d)  # a fixed step
                    if n_iter != max_iter:
                        # not after the last iteration: with stochastic losses it is of no use
                        loss = float(closure())
                        flat_grad = self._gather_flat_grad()
                        opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                        ls_func_evals = 1
                current_evals += ls_func_evals
                state["func_evals"] += ls_func_evals

                # stop?
                if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                    break
                if np.abs(d * t).max() <= tolerance_change:  # too small a step
                    break
                if abs(loss - prev_loss) < tolerance_change:  # too little progress
                    break

        if al is not None:
            state["al"] = _to_state(al)
        state["d"] = _to_state(d)
        state["t"] = _to_state(t)
        state["old_dirs"] = _to_state(old_dirs)
        state["old_stps"] = _to_state(old_stps)
        state["ro"] = _to_state(ro)
        state["H_diag"] = _to_state(H_diag)
        state["prev_flat_grad"] = _to_state(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss
