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
                            read from the regenerated report, so it names the evidence)
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
    "non-superiority test on its best training loss, with a margin sized to seed noise",
    "C2": "the consequence (the gradient ratio) and the reason the note gives (saturation) "
    "are now judged apart, on 14 KEEL sets, with a Glorot ×4 arm that saturates on purpose",
    "C3": "the growth of the variance is now read over the layers with data sets as blocks "
    "on a suite of its own, Glorot's steadiness by TOST",
    "C4": "speed is now the epochs to a target both arms reach, each arm at its own "
    "validation-chosen learning rate, with shallow nets and SGD added",
    "C5": "speed is now the epochs to a common target at widths 64 to 1,024, each arm at its "
    "own learning rate, with U(±1/√fan_in) and SGD added",
    "C6": "initializers are now compared as variance families, each at its own learning "
    "rate, the matched one against the best other family with a ROPE, plus He et al.'s "
    "30-layer setting",
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
    "differs), by the loss gap at three training sizes on 14 KEEL sets",
    "C12": "PReLU is now compared with LeakyReLU at its initial slope, with the size × "
    "activation interaction on 14 KEEL sets",
    "C13": "centring is now |mean|/std, speed the epochs to a common target, on every "
    "offline data set",
    "C14": "self-normalization is now judged on the upper half of a 32-layer net, against "
    "He-normal weights, with its drift in training compared with ELU's, on 12 KEEL sets",
    "C15": "the chain is now read over 60 data sets × 5 seeds with three learning rates, "
    "by groups and under four alternative analyses, and a pair these data sets cannot "
    "decide is INCONCLUSIVE",
    "C16": "unchanged: the same timing, ratios within each repeat",
    "C17": "unchanged: an exact check",
    "C18": "now a test that can fail: 20 seeds, each slope change matched to a unit's kink "
    "and its predicted jump",
}

REASONS: dict[str, str] = {
    "C2": "the gradients still fade through sigmoid nets, but not for the reason the note "
    "gives: sigmoid units barely saturate at initialization, and an arm made to saturate "
    "more passes more gradient back, so the reason part is CONTRADICTED",
    "C3": "read over the layers, the spread of a sigmoid net's pre-activations does not grow "
    "with depth under N(0, 1) or U(±1/√fan_in) (the bounded sigmoid resets it at every "
    "layer), though the top layer does saturate more under N(0, 1) than under Glorot",
    "C9": "read within each data set's stable range (found on seeds that are not judged) "
    "rather than past divergence, ReLU units do die (half or more of them in 39 % of the "
    "Adam runs), and more die at larger rates with momentum and with Adam; with plain SGD "
    "that part is CONTRADICTED (slightly fewer die at the edge than at the bottom of the "
    "range)",
    "C11": "against LeakyReLU at RReLU's mean slope, the loss gap and the test accuracy are "
    "shown to be practically the same at every training size, which counts against a "
    "regularizing effect",
    "C12": "against LeakyReLU at PReLU's initial slope, PReLU is shown to be practically the "
    "same at every size: it neither overfits the smallest split nor wins at the full one",
}

__all__ = ["CHANGES", "FIRST_REPORT", "PREVIOUS", "REASONS"]
