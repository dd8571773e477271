#!/usr/bin/python3
"""Golden values for the parsing loss (UNIHCP-SPEC "Losses": class-presence BCE weight 0.25 with per-class
positive-ratio weights - positives exp(1 - r), negatives exp(r), summed over classes, averaged over images; mask BCE
5.0 and dice 5.0 on sampled points for every class present in an image, averaged over those masks; label 255
ignored), written independently of the C# code with Debian's python3-torch. Points are given (the sampler is
random); values at points are read as detectron2's point_sample does (grid_sample, align_corners False): logits
bilinearly, the label masks nearest.

Run: /usr/bin/python3 make_parsing_golden.py > parsing_golden.json
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(7)


def rounded(t):
    return [round(float(v), 6) for v in t.flatten().tolist()]


B, C, h, w, H, W, N = 2, 4, 6, 5, 12, 10, 7
class_logits = torch.tensor(rounded(torch.randn(B, C) * 2)).reshape(B, C)
mask_logits = torch.tensor(rounded(torch.randn(B, C, h, w) * 2)).reshape(B, C, h, w)
labels = torch.randint(0, 3, (B, H, W))  # classes 0-2 only: class 3 absent everywhere
labels[0, :3, :] = 255
labels[1] = torch.where(labels[1] == 2, torch.tensor(1), labels[1])  # image 1 has no class 2
points = torch.tensor(rounded(torch.rand(B, C, N, 2))).reshape(B, C, N, 2)
ratios = torch.tensor([0.9, 0.6, 0.3, 0.05])

total_presence = 0.0
bces, dices = [], []
for b in range(B):
    known_pixels = labels[b] != 255
    for c in range(C):
        present = bool(((labels[b] == c) & known_pixels).any())
        target = 1.0 if present else 0.0
        weight = torch.exp(1 - ratios[c]) if present else torch.exp(ratios[c])
        total_presence += float(weight * F.binary_cross_entropy_with_logits(class_logits[b, c], torch.tensor(target)))
        if not present:
            continue
        grid = (points[b, c] * 2 - 1).reshape(1, 1, N, 2)
        logit = F.grid_sample(mask_logits[b, c].reshape(1, 1, h, w), grid, mode="bilinear", align_corners=False).flatten()
        mask = (labels[b] == c).float().reshape(1, 1, H, W)
        known = known_pixels.float().reshape(1, 1, H, W)
        t = F.grid_sample(mask, grid, mode="nearest", align_corners=False).flatten()
        k = F.grid_sample(known, grid, mode="nearest", align_corners=False).flatten()
        bce = (F.binary_cross_entropy_with_logits(logit, t, reduction="none") * k).sum() / max(float(k.sum()), 1.0)
        p = torch.sigmoid(logit) * k
        dice = 1 - (2 * (p * t).sum() + 1) / (p.sum() + (t * k).sum() + 1)
        bces.append(float(bce))
        dices.append(float(dice))

presence = total_presence / B
mask_bce = sum(bces) / len(bces)
dice = sum(dices) / len(dices)
print(json.dumps({
    "class_logits": rounded(class_logits), "mask_logits": rounded(mask_logits), "labels": labels.flatten().tolist(),
    "points": rounded(points), "ratios": rounded(ratios), "shape": [B, C, h, w, H, W, N],
    "presence": presence, "mask_bce": mask_bce, "dice": dice, "masks": len(bces),
    "loss": 0.25 * presence + 5 * mask_bce + 5 * dice,
}, indent=1))
