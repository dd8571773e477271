#!/usr/bin/python3
"""Golden values for the model's building blocks, computed with standard PyTorch ops only.

Run with Debian's python3-torch (apt-get install python3-torch; /usr/bin/python3, not a pyenv
python) from this folder:  /usr/bin/python3 make_golden.py
It writes golden.json, which the C# tests compare against within 1e-5. The references are written
from the published architecture (UNIHCP-SPEC): PyTorch's own bicubic interpolation, its
nn.MultiheadAttention (sequence-first, as the original decoder uses it) and LayerNorm, the 2-D sine
embedding formula, and the post-norm decoder layer order cross-attention, self-attention, FFN.
"""
import json
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(20230321)
out = {}


def put(name, t):
    t = t.detach().float().contiguous()
    out[name] = {"shape": list(t.shape), "data": [round(v, 9) for v in t.flatten().tolist()]}


# 1. Position table resampling: a learnable G x G table, resampled to other token grids.
G, C = 8, 6
table = torch.randn(1, G * G, C)
put("pos.table", table)
for h, w in [(8, 8), (5, 7), (12, 10)]:
    grid = table.reshape(1, G, G, C).permute(0, 3, 1, 2)
    resized = F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)
    put(f"pos.resampled.{h}x{w}", resized.permute(0, 2, 3, 1).reshape(1, h * w, C))


# 2. 2-D sine embedding of normalised points (anchor mode): width/2 features per axis, temperature
#    10000, scale 2 pi, sin/cos interleaved, y part first.
def sine2d(points, width):
    feats = width // 2
    scaled = points * (2 * math.pi)
    dim_t = torch.arange(feats, dtype=torch.float32)
    dim_t = 10000 ** (2 * (dim_t // 2) / feats)
    px = scaled[..., 0, None] / dim_t
    py = scaled[..., 1, None] / dim_t
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=-1).flatten(-2)
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=-1).flatten(-2)
    return torch.cat((py, px), dim=-1)


points = torch.rand(7, 2)
put("sine.points", points)
put("sine.16", sine2d(points, 16))
put("sine.256", sine2d(points, 256))
h, w = 3, 5
ys = (torch.arange(h, dtype=torch.float32) + 0.5) / h
xs = (torch.arange(w, dtype=torch.float32) + 0.5) / w
yy, xx = torch.meshgrid(ys, xs, indexing="ij")
put("sine.grid.3x5", sine2d(torch.stack([xx.flatten(), yy.flatten()], -1), 16))

# 3. Multi-head attention with nn.MultiheadAttention's layout, sequence-first.
E, HEADS, B, LQ, LK, FFN = 16, 4, 2, 5, 9, 32
mha = nn.MultiheadAttention(E, HEADS)
with torch.no_grad():
    mha.in_proj_bias.normal_()
    mha.out_proj.bias.normal_()
q = torch.randn(B, LQ, E)
k = torch.randn(B, LK, E)
v = torch.randn(B, LK, E)
for name, value in mha.state_dict().items():
    put(f"mha.{name}", value)
put("mha.query", q)
put("mha.key", k)
put("mha.value", v)
put("mha.output", mha(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), need_weights=False)[0].transpose(0, 1))

# 4. One decoder layer, post-norm: cross-attention, self-attention, FFN.
cross, cross_norm = nn.MultiheadAttention(E, HEADS), nn.LayerNorm(E)
self_attn, self_norm = nn.MultiheadAttention(E, HEADS), nn.LayerNorm(E)
linear1, linear2, ffn_norm = nn.Linear(E, FFN), nn.Linear(FFN, E), nn.LayerNorm(E)
with torch.no_grad():
    for module in (cross, self_attn):
        module.in_proj_bias.normal_()
    for norm in (cross_norm, self_norm, ffn_norm):
        norm.weight.normal_(1.0, 0.2)
        norm.bias.normal_(0.0, 0.2)
tgt = torch.randn(B, LQ, E)
memory = torch.randn(B, LK, E)
query_pos = torch.randn(1, LQ, E)
key_pos = torch.randn(1, LK, E)


def seq(x):
    return x.transpose(0, 1)


x = seq(tgt)
x = cross_norm(x + cross(seq(tgt + query_pos), seq(memory + key_pos), seq(memory), need_weights=False)[0])
qk = x + seq(query_pos.expand(B, -1, -1))
x = self_norm(x + self_attn(qk, qk, x, need_weights=False)[0])
x = ffn_norm(x + linear2(F.relu(linear1(x))))
for prefix, module in [("cross.multihead_attn", cross), ("cross.norm", cross_norm), ("self.self_attn", self_attn),
                       ("self.norm", self_norm), ("ffn.linear1", linear1), ("ffn.linear2", linear2), ("ffn.norm", ffn_norm)]:
    for name, value in module.state_dict().items():
        put(f"layer.{prefix}.{name}", value)
put("layer.tgt", tgt)
put("layer.memory", memory)
put("layer.query_pos", query_pos)
put("layer.key_pos", key_pos)
put("layer.output", seq(x))

with open("golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "values": out}, f, separators=(",", ":"))
print(f"wrote golden.json with {len(out)} tensors (torch {torch.__version__})")
