#!/usr/bin/python3
"""Golden values for the detection matcher and losses (UNIHCP-SPEC "Losses": Hungarian matching on
focal-style class 2.0 + L1 5.0 + GIoU 2.0 costs; sigmoid focal 2.0 (alpha 0.25, gamma 2) over all
queries, L1 5.0 and GIoU 2.0 on the matched ones, normalised by the number of boxes; unmatched
predictions lying more than 0.7 (intersection over their own area) in an ignore region are not
penalised), written independently of the C# code with Debian's python3-torch and python3-scipy.

Run: /usr/bin/python3 make_detection_golden.py > detection_golden.json
"""
import json

import torch
from scipy.optimize import linear_sum_assignment

ALPHA, GAMMA = 0.25, 2.0
W_CLASS, W_L1, W_GIOU = 2.0, 5.0, 2.0
IGNORE_IOA = 0.7


def xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def area(b):
    return (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)


def intersection(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    return wh[..., 0] * wh[..., 1]


def giou(a, b):
    inter = intersection(a, b)
    union = area(a)[:, None] + area(b)[None, :] - inter
    iou = inter / union
    lt = torch.min(a[:, None, :2], b[None, :, :2])
    rb = torch.max(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    enclosing = wh[..., 0] * wh[..., 1]
    return iou - (enclosing - union) / enclosing


def match(logits, boxes, targets):
    p = logits.sigmoid()
    neg = (1 - ALPHA) * p ** GAMMA * -torch.log(1 - p + 1e-8)
    pos = ALPHA * (1 - p) ** GAMMA * -torch.log(p + 1e-8)
    cost = W_L1 * torch.cdist(boxes, targets, p=1) + W_CLASS * (pos - neg)[:, None] - W_GIOU * giou(xyxy(boxes), xyxy(targets))
    queries, truths = linear_sum_assignment(cost.numpy())
    order = truths.argsort()
    return queries[order].tolist()


def focal(logits, targets):
    p = logits.sigmoid()
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    pt = p * targets + (1 - p) * (1 - targets)
    alpha = ALPHA * targets + (1 - ALPHA) * (1 - targets)
    return alpha * ce * (1 - pt) ** GAMMA


def layer_loss(logits, boxes, images):
    n = max(sum(len(i["boxes"]) for i in images), 1)
    cls = l1 = g = 0.0
    matches = []
    for b, image in enumerate(images):
        truth = torch.tensor(image["boxes"], dtype=torch.float64).reshape(-1, 4)
        ignore = torch.tensor(image["ignore"], dtype=torch.float64).reshape(-1, 4)
        q = match(logits[b], boxes[b], truth) if len(truth) else []
        matches.append(q)
        target = torch.zeros_like(logits[b])
        target[q] = 1
        weight = torch.ones_like(logits[b])
        if len(ignore):
            pred = xyxy(boxes[b])
            ioa = (intersection(pred, ignore) / area(pred)[:, None]).max(1).values
            inside = ioa > IGNORE_IOA
            inside[q] = False
            weight[inside] = 0
        cls += (focal(logits[b], target) * weight).sum().item()
        if q:
            l1 += (boxes[b][q] - truth).abs().sum().item()
            g += (1 - giou(xyxy(boxes[b][q]), xyxy(truth)).diagonal()).sum().item()
    cls, l1, g = cls / n, l1 / n, g / n
    return {"class": cls, "l1": l1, "giou": g, "total": W_CLASS * cls + W_L1 * l1 + W_GIOU * g, "matches": matches}


def main():
    torch.manual_seed(7)
    queries = 12
    images = [
        {"boxes": [[0.30, 0.40, 0.10, 0.30], [0.70, 0.55, 0.12, 0.35], [0.50, 0.50, 0.40, 0.60]],
         "ignore": [[0.00, 0.00, 0.20, 0.20]]},
        {"boxes": [[0.25, 0.60, 0.08, 0.25]], "ignore": []},
    ]
    logits = torch.randn(2, queries, dtype=torch.float64) * 2
    centres = torch.rand(2, queries, 2, dtype=torch.float64)
    sizes = torch.rand(2, queries, 2, dtype=torch.float64) * 0.4 + 0.05
    boxes = torch.cat([centres, sizes], -1)
    # Two predictions deliberately inside image 0's ignore region: one unpenalised unless matched.
    boxes[0, 0] = torch.tensor([0.08, 0.08, 0.10, 0.10])
    boxes[0, 1] = torch.tensor([0.10, 0.10, 0.12, 0.14])
    out = {
        "images": images,
        "logits": logits.tolist(),
        "boxes": boxes.tolist(),
        "loss": layer_loss(logits, boxes, images),
        "giou_pairs": {
            "a": [[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]],
            "b": [[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0], [0.0, 0.0, 1.0, 1.0]],
        },
    }
    a = torch.tensor(out["giou_pairs"]["a"], dtype=torch.float64)
    bb = torch.tensor(out["giou_pairs"]["b"], dtype=torch.float64)
    out["giou_pairs"]["giou"] = giou(a, bb).diagonal().tolist()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
