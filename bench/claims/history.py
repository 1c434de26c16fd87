"""The verdicts of the first claims report, and what has changed since, claim by claim.

The first ``reports/claims.md`` (harness commit 19c7236, 2026-11-27) judged the claims with
the original designs: mostly six to twelve data sets, EQUIVALENT whenever the bootstrap
interval fell inside the ROPE, and comparisons read even where too few data sets could
never reach significance. The redesign (this version) changed the shared rules (TOST for
EQUIVALENT, INCONCLUSIVE where a comparison cannot decide) and most experiments. The claims
report sets each verdict beside the earlier one and, where it changed, says why in one
sentence.

Public:
    FIRST_REPORT            where the earlier verdicts come from
    PREVIOUS                claim id → its verdict in the first report
    CHANGES                 claim id → what changed in its experiment or rule (one sentence)
    REASONS                 claim id → why its verdict moved, where it did (one sentence;
                            no numbers: the section holds them)
"""

from __future__ import annotations

FIRST_REPORT = "the first claims report (harness commit 19c7236, 2026-11-27)"

PREVIOUS: dict[str, str] = {
    "C1": "PARTLY",
    "C2": "SUPPORTED",
    "C3": "SUPPORTED",
    "C4": "SUPPORTED",
    "C5": "PARTLY",
    "C6": "PARTLY",
    "C7": "SUPPORTED",
    "C8": "SUPPORTED",
    "C9": "CONTRADICTED",
    "C10": "PARTLY",
    "C11": "INCONCLUSIVE",
    "C12": "PARTLY",
    "C13": "PARTLY",
    "C14": "PARTLY",
    "C15": "PARTLY",
    "C16": "SUPPORTED",
    "C17": "SUPPORTED",
    "C18": "SUPPORTED",
}

CHANGES: dict[str, str] = {
    "C1": "the collapse is now checked exactly and the deeper linear net is judged by a "
    "non-superiority test on its best training loss, with a margin sized to seed noise, "
    "each arm's rate bracketed on that loss",
    "C2": "the consequence (the gradient ratio) and the reason the note gives (saturation) "
    "are now judged apart, both at initialization and after training; the arm with a "
    "scaled gain is gone (it changed saturation and scale at once)",
    "C3": "the pre-activation variance is now read over the layers at three widths, "
    "Glorot's steadiness by TOST, and the top layer's saturation at its peak during "
    "training, where it can occur",
    "C4": "speed is now the epochs to a target both arms reach, each arm at its own "
    "validation-chosen learning rate, with shallow nets and SGD added",
    "C5": "speed is now the epochs to a common target at widths 64 to 1,024, each arm at its "
    "own bracketed learning rate, with U(±1/√fan_in) and SGD added, only arms that learn "
    "(above chance on validation) compared",
    "C6": "initializers are now compared as variance families, each at its own learning "
    "rate, the matched one against the best other family with a ROPE, plus He et al.'s "
    "30-layer setting, on the 43 real tables with bracketed rates; data sets where "
    "neither family learns are left out",
    "C7": "unchanged: an exact check of PyTorch's default bounds",
    "C8": "the training rows are now labelled better or worse, not judged, since the note "
    "never claims the gains improve training; the exact gain check decides",
    "C9": "the trend over learning rates past divergence is replaced by three parts read "
    "within each data set's own stable range, found on seeds that are not judged and "
    "bounded by collapse as well as divergence, for three optimizers, with diverged runs "
    "both left out and counted as dead",
    "C10": "it now reads every offline data set, judges 'always' data set by data set, "
    "adds slope 0.18 and the C9 reading of dead units, with the stuck share beside the dead "
    "one and a test of revival",
    "C11": "RReLU is now compared with LeakyReLU at its mean slope (only the noise "
    "differs), by the loss gap at three training sizes on 14 KEEL sets, rates bracketed",
    "C12": "PReLU (one slope per layer, and one per unit) is now compared with LeakyReLU at "
    "its initial slope: overfitting at the smallest size, accuracy on the largest real "
    "tables trained whole, the size × activation interaction; its learned slopes shown",
    "C13": "centring is now |mean|/std, speed the epochs to a common target, on every "
    "offline data set; smoothness at 0 is a definition, not judged",
    "C14": "self-normalization is now judged on the upper half of a 32-layer net, against "
    "He-normal weights, with its drift in training compared with ELU's, on 12 KEEL sets",
    "C15": "the chain is now read over 60 data sets × 5 seeds with three learning rates, "
    "by groups and under four alternative analyses, and a pair these data sets cannot "
    "decide is INCONCLUSIVE",
    "C16": "each ratio now has a 95 % interval over the repeats, and 'ELU is slow' is "
    "judged against the other activations' spread instead of a fixed band",
    "C17": "unchanged: an exact check",
    "C18": "now a test that can fail: 20 seeds, each slope change matched to a unit's kink "
    "and its predicted jump",
}

REASONS: dict[str, str] = {
    "C2": "the gradients still fade through sigmoid nets, but not for the reason the note "
    "gives: sigmoid units saturate no more than tanh units, at initialization or after "
    "training, so the reason part is CONTRADICTED",
    "C3": "read over the layers, the spread of a sigmoid net's pre-activations does not grow "
    "with depth under N(0, 1) or U(±1/√fan_in) (the bounded sigmoid resets it at every "
    "layer); the top layer's saturation is judged apart, its own rows in the section",
    "C9": "read within each data set's stable range (found on seeds that are not judged) "
    "rather than past divergence, ReLU units do die; whether more die at larger rates "
    "depends on the optimizer (the section's rows)",
}
"""Why a verdict moved, where the new design alone does not say it. No numbers: the
claim's section holds them, rebuilt from the store."""

__all__ = ["CHANGES", "FIRST_REPORT", "PREVIOUS", "REASONS"]
