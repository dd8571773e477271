#!/usr/bin/python3
"""Golden values for Adafactor as the UniHCP release configures it (UNIHCP-SPEC "Losses": beta1 0.9, beta2 clipped at
0.999, no parameter scaling, decoupled weight decay), written independently of the C# code with python3-torch from
the algorithm of Shazeer & Stern (2018) as common implementations run it: beta2_t = min(1 - t^-0.8, 0.999); second
moments factored into row and column means for matrices (full for vectors) of grad^2 + 1e-30; update = grad /
sqrt(v_hat), clipped to RMS 1; times the learning rate; first moment (beta1) over the updates; weight decay
p -= lr * wd * p before the update is subtracted.

Run: /usr/bin/python3 make_adafactor_golden.py > adafactor_golden.json
"""
import json

import torch

torch.manual_seed(11)


def rounded(t):
    return [round(float(v), 6) for v in t.flatten().tolist()]


LR, WD, BETA1, CLIP_BETA2, DECAY, EPS = 0.01, 0.05, 0.9, 0.999, -0.8, 1e-30
matrix = torch.tensor(rounded(torch.randn(3, 4))).reshape(3, 4)
vector = torch.tensor(rounded(torch.randn(5))).reshape(5)
grads = [(torch.tensor(rounded(torch.randn(3, 4))).reshape(3, 4), torch.tensor(rounded(torch.randn(5))).reshape(5)) for _ in range(3)]
start = {"matrix": rounded(matrix), "vector": rounded(vector)}

state = {}
params = {"matrix": matrix.clone(), "vector": vector.clone()}
for step, (gm, gv) in enumerate(grads, start=1):
    for name, g in (("matrix", gm), ("vector", gv)):
        p = params[name]
        s = state.setdefault(name, {})
        beta2 = min(1.0 - step ** DECAY, CLIP_BETA2)
        sq = g * g + EPS
        if p.dim() >= 2:
            row = s.get("row", torch.zeros(p.shape[0]))
            col = s.get("col", torch.zeros(p.shape[1]))
            row = beta2 * row + (1 - beta2) * sq.mean(dim=1)
            col = beta2 * col + (1 - beta2) * sq.mean(dim=0)
            s["row"], s["col"] = row, col
            v_hat = torch.outer(row, col) / row.mean()
        else:
            v = s.get("v", torch.zeros_like(p))
            v = beta2 * v + (1 - beta2) * sq
            s["v"] = v
            v_hat = v
        update = g / v_hat.sqrt()
        rms = update.pow(2).mean().sqrt()
        update = update / max(1.0, float(rms))
        update = update * LR
        m = s.get("m", torch.zeros_like(p))
        m = BETA1 * m + (1 - BETA1) * update
        s["m"] = m
        p = p - LR * WD * p
        p = p - m
        params[name] = p

print(json.dumps({
    "lr": LR, "weight_decay": WD, "start": start,
    "grads": [{"matrix": rounded(gm), "vector": rounded(gv)} for gm, gv in grads],
    "after": {"matrix": rounded(params["matrix"]), "vector": rounded(params["vector"])},
}, indent=1))
