"""Check `protoseg analyze` against an independent numpy ProtoSeg.

Builds a small PyTorch net with a ConvTranspose decoder (channels-first features
smaller than the mask), exports features with export_features.py, runs
`go run ./cmd/protoseg analyze` and compares its layer SA with ProtoSeg written
here: features up-sampled by F.interpolate(bilinear, align_corners=False),
prototypes from B, SAM = logit > 0 (ties background), Dice with empty/empty = 1.
Run from the repository root: /usr/bin/python3 examples/pytorch/check.py
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from export_features import export  # noqa: E402


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.act1 = torch.nn.ReLU()
        self.enc2 = torch.nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.act2 = torch.nn.ReLU()
        self.up = torch.nn.ConvTranspose2d(12, 6, 2, stride=2)
        self.act3 = torch.nn.ReLU()
        self.head = torch.nn.Conv2d(6, 2, 1)

    def forward(self, x):
        return self.head(self.act3(self.up(self.act2(self.enc2(self.act1(self.enc1(x)))))))


def dice(s, g):
    den = s.sum() + g.sum()
    return 1.0 if den == 0 else 2.0 * (s * g).sum() / den


def layer_sa(f, b, g):
    """f [N, C, h, w], b and g [N, H, W] -> SA per image."""
    up = F.interpolate(torch.from_numpy(f).double(), size=b.shape[1:], mode="bilinear", align_corners=False).numpy()
    out = []
    for i in range(f.shape[0]):
        x, w = up[i].reshape(up.shape[1], -1), b[i].reshape(-1).astype(np.float64)
        gi = (g[i].reshape(-1) > 0.5).astype(np.float64)
        if w.sum() <= 0:
            sam = np.zeros_like(w)
        elif (1 - w).sum() <= 0:
            sam = np.ones_like(w)
        else:
            ct, cb = x @ w / w.sum(), x @ (1 - w) / (1 - w).sum()
            logit = (ct - cb) @ x - (ct @ ct - cb @ cb) / 2
            sam = (logit > 0).astype(np.float64)
        out.append(dice(sam, gi))
    return np.array(out)


def main():
    torch.manual_seed(0)
    net = Net()
    n, hw = 6, 24
    yy, xx = np.mgrid[:hw, :hw]
    imgs, gts = [], []
    rng = np.random.default_rng(0)
    for i in range(n):
        cy, cx, r = rng.uniform(7, 17), rng.uniform(7, 17), rng.uniform(3, 7)
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(np.float32)
        img = np.stack([disc + 0.4 * rng.standard_normal((hw, hw)) for _ in range(3)]).astype(np.float32)
        imgs.append(img)
        gts.append(disc)
    images = torch.from_numpy(np.stack(imgs))
    # A short training run, so that B is a real (imperfect) segmentation.
    target = torch.from_numpy(np.stack(gts)).long()
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(net(images), target)
        loss.backward()
        opt.step()
    with tempfile.TemporaryDirectory() as d:
        names = export(net, images, d, gt=np.stack(gts))
        # B as the binarised output, so that prototypes need no soft weights.
        b = (np.load(os.path.join(d, "B.npy")) > 0.5).astype(np.float32)
        np.save(os.path.join(d, "B.npy"), b)
        res = subprocess.run(["go", "run", "./cmd/protoseg", "analyze", "--features", os.path.join(d, "F.npz"),
                              "--output", os.path.join(d, "B.npy"), "--gt", os.path.join(d, "G.npy")],
                             capture_output=True, text=True, check=True)
        rep = json.loads(res.stdout)
        feats = np.load(os.path.join(d, "F.npz"))
        worst = 0.0
        for layer in rep["layers"]:
            want = layer_sa(feats[layer["name"]], b, np.stack(gts))
            diff = np.abs(np.array(layer["sa"]) - want).max()
            worst = max(worst, diff)
            print(f"{layer['name']:6s} shape {layer['shape']} mean SA {layer['mean_sa']:.4f} max|dSA| {diff:.2e}")
        print(f"layers {names}; B foreground fraction {b.mean():.3f}; max |dSA| = {worst:.2e}")
        if not any(0 < layer["mean_sa"] < 1 for layer in rep["layers"]):
            sys.exit("FAIL: every layer SA is 0 or 1: the check compares nothing")
        if worst > 1e-4:
            sys.exit("FAIL: max |dSA| > 1e-4")


if __name__ == "__main__":
    main()
