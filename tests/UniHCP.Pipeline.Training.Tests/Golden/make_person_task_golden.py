#!/usr/bin/python3
"""Golden values for the attribute, pose and ReID losses (UNIHCP-SPEC "Losses"), written independently of
the C# code with Debian's python3-torch:

- attributes: binary cross-entropy, positives weighted exp(1 - r), negatives exp(r) (r = the attribute's
  positive ratio), label -1 unknown and left out; summed over attributes, divided by the batch size;
- pose: mean over batch, joints and pixels of ((prediction - target) x target weight)^2, plus 0.001 x the
  binary cross-entropy of the visibility logits against "the joint is labelled" (target weight > 0);
- ReID: cross-entropy of a bias-free classifier on BatchNorm1d(feature) (training mode, weight 1, shift 0)
  plus the soft-margin batch-hard triplet loss on the raw feature (Euclidean; hardest positive and
  hardest negative per anchor; softplus of their difference; mean).

Run: /usr/bin/python3 make_person_task_golden.py > person_task_golden.json
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(20261127)


def rounded(t):
    return [round(float(v), 6) for v in t.flatten().tolist()]


# Attributes: 4 crops x 5 attributes, some labels unknown.
att_logits = torch.randn(4, 5) * 2
att_labels = torch.tensor([[1, 0, -1, 0, 1], [0, 0, 1, -1, 1], [1, 1, 0, 0, -1], [0, -1, 0, 1, 1]], dtype=torch.float32)
att_ratio = torch.tensor([0.5, 0.1, 0.3, 0.05, 0.9])
att_logits = torch.tensor(rounded(att_logits)).reshape(4, 5)
positive = (att_labels == 1).float()
weight = torch.where(positive == 1, torch.exp(1 - att_ratio), torch.exp(att_ratio)).expand(4, 5).clone()
weight[att_labels == -1] = 0
per_entry = F.binary_cross_entropy_with_logits(att_logits, positive, reduction="none")
att_loss = (per_entry * weight).sum() / 4

# Pose: 2 crops x 3 joints x 4 x 3 heatmaps; one joint unlabelled, one at weight 0.5.
heat_pred = torch.tensor(rounded(torch.rand(2, 3, 4, 3))).reshape(2, 3, 4, 3)
heat_true = torch.tensor(rounded(torch.rand(2, 3, 4, 3))).reshape(2, 3, 4, 3)
vis_logits = torch.tensor(rounded(torch.randn(2, 3))).reshape(2, 3)
target_weight = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.5]])
heat_loss = torch.stack([F.mse_loss(heat_pred[:, j] * target_weight[:, j, None, None], heat_true[:, j] * target_weight[:, j, None, None]) for j in range(3)]).mean()
vis_loss = F.binary_cross_entropy_with_logits(vis_logits, (target_weight > 0).float())
pose_loss = heat_loss + 0.001 * vis_loss

# ReID: 3 identities x 2 images, 8-dimensional features, 3-way classifier.
features = torch.tensor(rounded(torch.randn(6, 8))).reshape(6, 8)
ids = torch.tensor([0, 0, 1, 1, 2, 2])
classifier = torch.tensor(rounded(torch.randn(3, 8) * 0.1)).reshape(3, 8)
bn = torch.nn.BatchNorm1d(8)
bn.train()
normalised = bn(features)
id_loss = F.cross_entropy(normalised @ classifier.t(), ids)
dist = torch.cdist(features, features)
same = ids[:, None] == ids[None, :]
d_ap = torch.stack([dist[i][same[i]].max() for i in range(6)])
d_an = torch.stack([dist[i][~same[i]].min() for i in range(6)])
triplet = F.softplus(d_ap - d_an).mean()

print(json.dumps({
    "attributes": {"logits": rounded(att_logits), "labels": rounded(att_labels), "ratios": rounded(att_ratio), "loss": float(att_loss)},
    "pose": {"heatmaps": rounded(heat_pred), "targets": rounded(heat_true), "visibility": rounded(vis_logits), "weights": rounded(target_weight),
             "heatmap": float(heat_loss), "visibility_bce": float(vis_loss), "loss": float(pose_loss)},
    "reid": {"features": rounded(features), "ids": ids.tolist(), "classifier": rounded(classifier),
             "identity": float(id_loss), "triplet": float(triplet), "loss": float(id_loss + triplet)},
}, indent=1))
