"""Every threshold the statistics and the doctor use, in one place, with the reasoning.

The defaults were chosen so that standard healthy networks (ReLU MLPs with Kaiming init, tanh
MLPs with Xavier init, MLPs with BatchNorm, the Fashion-MNIST MLP on normalised pixels) get no
warning, while the classic pathologies (N(0, 1) weights under tanh, deep sigmoid stacks, dead
ReLUs, an over-confident last layer, a learning rate 100x off, raw 0-255 pixels) cross them by
a wide margin. ``tests/diagnostics/test_doctor.py`` checks both sides of each.

Override any of them by passing a modified copy to the doctor::

    from dataclasses import replace
    doctor(model, data, loss_fn, thresholds=replace(THRESHOLDS, dead_fraction=0.5))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Thresholds", "THRESHOLDS"]


@dataclass(frozen=True)
class Thresholds:
    """The thresholds, grouped by what they decide. Each field's comment gives the reasoning."""

    # ---------------------------------------------------------------- statistics definitions

    # |a| below this counts as "near zero". Activations of a well-scaled network are O(1), so
    # 0.01 is two orders of magnitude below the typical value: such units carry no signal.
    near_zero: float = 1e-2
    # |tanh(x)| > 0.97 means |x| > 2.09, where the derivative 1 - tanh^2 is below 0.06: the
    # unit passes back less than 6% of its gradient (Karpathy's makemore part 3 uses 0.97 too).
    tanh_saturated: float = 0.97
    # sigmoid(x) < 0.03 or > 0.97 means |x| > 3.48, where the derivative s(1 - s) is below
    # 0.03, an eighth of its maximum 0.25.
    sigmoid_low: float = 0.03
    sigmoid_high: float = 0.97
    # A ReLU-family unit is dead when its output was never positive over this many recorded
    # batches. One batch is not enough (a unit can be silent on 64 samples by chance); with
    # ten batches a live unit that fires on even 1% of samples is silent with p < 0.002.
    dead_window: int = 10

    # ---------------------------------------------------------------- doctor: inputs

    # Inputs are "not normalised" when some feature has |mean| above this or std above
    # input_std_high. Standardised features have 0 / 1; pixels scaled to [0, 1] stay below
    # 1 / 0.5 (fine for training); raw 0-255 pixels have means up to ~200 and stds ~100.
    input_mean_high: float = 3.0
    input_std_high: float = 5.0
    # ... or when the overall std is below this: the inputs are so small that the first
    # layer's output is dominated by its bias (e.g. values divided by 255 twice gives ~1e-3).
    input_std_low: float = 1e-2

    # ---------------------------------------------------------------- doctor: initial loss

    # The initial loss is "high" when it exceeds this multiple of the loss of an uninformative
    # prediction (all-zero logits: ln C for cross-entropy over C classes). The excess over
    # ln C is E[-ln(C * p_correct)], so twice ln C means the correct class gets, in geometric
    # mean, probability 1/C^2 instead of 1/C: the softmax is confidently wrong. Healthy inits
    # give logits with std ~1 and a loss of about ln C + std^2 / 2, well below 2 ln C for C > 2.
    init_loss_ratio: float = 2.0
    # ... and by at least this many nats, so that 2-class problems (ln 2 = 0.69) need a real
    # excess before they are flagged.
    init_loss_excess: float = 0.5

    # ---------------------------------------------------------------- doctor: activations

    # A tanh/sigmoid layer is saturated when more than this fraction of its outputs sits in
    # the flat tails at initialisation. Xavier-initialised tanh nets have ~10% there in the
    # first layer, Kaiming's tanh gain 5/3 ~20% (by design: it keeps deeper layers from
    # shrinking); N(0, 1) weights push 80-95% of the units into the tails. (Saturation that
    # grows during training is the network becoming decisive, not a bug: only init is checked.)
    saturated_fraction: float = 0.4
    # A ReLU-family layer has too many dead units when more than this fraction never fired
    # over the probe window, at init or after the short run. Kaiming-initialised nets have
    # ~0% in the first layers and up to ~15% in the last layers of deep stacks (the
    # representation narrows with depth); a large negative bias or a learning-rate blow-up
    # kills most of them.
    dead_fraction: float = 0.4
    # Activation scale drift: the std of a hidden Linear layer's output divided by the std
    # of the first Linear layer's output, outside [1 / drift, drift]. A good init gain keeps
    # the std roughly constant with depth (a factor 2 over a deep stack is normal); a gain off
    # by sqrt(2) (Xavier under ReLU) shrinks it by 2 every two layers, reaching 10x in ~7.
    scale_drift: float = 10.0

    # ---------------------------------------------------------------- doctor: gradients

    # Vanishing / exploding gradients: the gradient-to-data ratio std(grad) / std(weight) of
    # the Linear weights differs by more than this factor between the first and the last
    # layer (two orders of magnitude). Healthy nets stay within ~10x; ten sigmoid layers shrink
    # the gradient by ~4x per layer, 1e5 or more overall.
    grad_spread: float = 100.0
    # ... or the ratio is beyond these absolute bounds on any weight. Above 10, a single SGD
    # step with lr 0.1 would be as large as the weights; below 1e-7 even lr 1 moves nothing.
    grad_to_data_high: float = 10.0
    grad_to_data_low: float = 1e-7

    # ---------------------------------------------------------------- doctor: learning rate

    # The update-to-data ratio log10(std(lr * update) / std(param)), median over the short
    # run, max over the weight matrices. Karpathy's guide is about -3 (each step changes the
    # weights by a thousandth); Adam's first steps at lr 1e-3 sit nearer -2. Two orders of
    # magnitude either side of -3 is "far": above -1 the weights are rewritten every few
    # steps; below -5 it would take 100,000 steps to move them at all.
    update_ratio_guide: float = -3.0
    update_ratio_high: float = -1.0
    # ... or any single step above this (0: a step as large as the weights themselves). Healthy
    # first steps reach about -1 (SGD at lr 0.1 on the output layer, Adam's sign-like first
    # step); a far too high lr rewrites the weights once, kills units, and then looks quiet.
    update_ratio_peak: float = 0.0
    update_ratio_low: float = -5.0
    # The suggested learning rate moves the first step's ratio to this value (-2.5: inside the
    # healthy band, a little above the guide since early updates are the largest).
    update_ratio_target: float = -2.5
    # The loss is measured on the probe window (the same batches, dropout off) before and after
    # the short run, so the comparison has no batch-sampling noise.
    # Loss rising: the loss after the run above the loss before it by this factor.
    loss_rise: float = 1.1
    # Diverged: the loss after the run above this multiple of the loss before, or non-finite.
    loss_diverge: float = 3.0
    # No progress: the loss fell by less than this fraction over the run. Any working
    # learning rate takes a few percent off the loss in 50 steps; lr 1e-7 moves it by 1e-5.
    min_progress: float = 0.02

    # ---------------------------------------------------------------- doctor: train/eval mode

    # BatchNorm with fewer samples than this per batch has noisy batch statistics (their
    # relative error is ~1/sqrt(batch)): 16 is where Wu & He (Group Norm, 2018) see the error
    # of BatchNorm start to climb.
    batchnorm_min_batch: int = 16
    # Eval mode forgotten: fraction of predictions (argmax, or outputs moving by more than 10%
    # of their std for regression) that change between train and eval mode. Above the first
    # value it is reported as info; above the second, as a warning (dropout-level noise).
    eval_mode_info: float = 0.01
    eval_mode_warning: float = 0.2

    def as_dict(self) -> dict[str, float]:
        """The thresholds as a plain dict (for reports and JSON)."""
        return asdict(self)


THRESHOLDS = Thresholds()
