"""One refit, as a pure function: labelled leads in, a versioned model and its report out.

A fixed share of leads (by a hash of the lead id, so the split never changes as outcomes
arrive) is held out: the model never learns from them, and its ROC AUC and calibration are
measured on them — beside the rules' AUC on the same leads, so marketing can see whether
learning beats the agreed rules. The holdout rolls: it is the newest held-out outcomes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from services.scoring import learner
from services.scoring.config import RuleSet
from services.scoring.features import lead_features
from services.scoring.model_store import StoredModel
from services.scoring.repository import Example
from services.scoring.scorer import score_lead
from shared.events import Lead


def in_holdout(lead_id: str, percent: int) -> bool:
    bucket = int.from_bytes(hashlib.sha256(lead_id.encode()).digest()[:4], "big") % 100
    return bucket < percent


def model_version(model: learner.LogisticModel, learned: int, data: str) -> str:
    """Names the weights and the data they were measured on, so every refit is a new row."""
    raw = json.dumps([model.intercept, sorted(model.weights.items()), data]).encode()
    return f"logreg-{learned}-{hashlib.sha256(raw).hexdigest()[:10]}"


def train(
    examples: Sequence[Example], rules: RuleSet, *, now: datetime, holdout_limit: int = 2000
) -> StoredModel | None:
    """Fit on the non-held-out leads and report on the newest held-out ones.

    None while there are too few outcomes, or only one kind, to learn anything.
    """
    learning = rules.learning
    train_rows: list[list[str]] = []
    train_labels: list[int] = []
    holdout: list[tuple[Lead, dict[str, str], int]] = []
    for ex in sorted(examples, key=lambda e: e.updated_at, reverse=True):
        lead = Lead.model_validate(ex.lead)
        features = lead_features(lead, touches=ex.touches, extra_fields=learning.extra_fields)
        if in_holdout(ex.lead_id, learning.holdout_percent):
            if len(holdout) < holdout_limit:
                holdout.append((lead, dict(features), ex.label))
        else:
            train_rows.append(list(features))
            train_labels.append(ex.label)
    if len(train_labels) < learning.min_outcomes or len(set(train_labels)) < 2:
        return None
    model = learner.fit(
        train_rows, train_labels, l2=learning.l2, min_count=learning.min_feature_count
    )
    labels = [label for _, _, label in holdout]
    probabilities = [model.probability(features) for _, features, _ in holdout]
    rules_scores = [float(score_lead(lead, rules).rules_score) for lead, _, _ in holdout]
    auc = learner.roc_auc(probabilities, labels)
    rules_auc = learner.roc_auc(rules_scores, labels)
    data_through = max(e.updated_at for e in examples)
    data = f"{len(examples)}@{data_through.isoformat()}/{rules.config_version}"
    return StoredModel(
        version=model_version(model, len(train_labels), data),
        created_at=now,
        config_version=rules.config_version,
        model=model,
        outcomes_learned=len(train_labels),
        holdout_size=len(holdout),
        auc=None if auc is None else round(auc, 4),
        rules_auc=None if rules_auc is None else round(rules_auc, 4),
        calibration=[asdict(b) for b in learner.calibration(probabilities, labels)],
        examples=len(examples),
        data_through=data_through,
    )
