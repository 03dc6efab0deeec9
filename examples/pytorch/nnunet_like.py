"""A worked example: an nnU-Net-shaped 3D U-Net, trained briefly, analysed by protoseg.

The network is written from scratch with the module tree of nnU-Net's
PlainConvUNet (dynamic-network-architectures), so its module paths are the ones
a real nnU-Net checkpoint has:

    encoder.stages[i][0].convs[j]   ConvDropoutNormReLU: Conv3d, InstanceNorm3d, LeakyReLU
    decoder.transpconvs[s]          ConvTranspose3d (kernel = stride = 2)
    decoder.stages[s].convs[j]      ConvDropoutNormReLU on [up-sampled, skip]
    decoder.seg_layers[s]           Conv3d 1x1x1 to the K classes (only the last runs
                                    without deep supervision)

It trains on a few synthetic 32^3 volumes (an ellipsoid "lesion" with a brighter
core: K = 3 classes, background / rim / core, in noise and a smooth bias field),
exports every case with export_features.export_cases (float16 features keyed by
module path, nnU-Net's softmax "probabilities", the "label"), runs
`go run ./cmd/protoseg analyze --cases` on them, and checks analyze's layer SA
against ProtoSeg written here in numpy/torch (trilinear up-sampling,
align_corners=False; prototypes under B = 1 - probabilities[0] and 1 - B; SAM =
the nearer prototype in squared Euclidean distance, ties background; Dice with
label > 0).

Run from the repository root (about a minute on 2 CPU cores):

    /usr/bin/python3 examples/pytorch/nnunet_like.py --out /tmp/nnunet_like

The same export from the command line, with the weights this script saves:

    /usr/bin/python3 examples/pytorch/export_features.py \\
        --model examples/pytorch/nnunet_like.py:model --weights /tmp/nnunet_like/nnunet_like.pt \\
        --data examples/pytorch/nnunet_like.py:cases --module-types ConvDropoutNormReLU \\
        --per-case --half --out /tmp/nnunet_like/cases
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_features import export_cases  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Small stand-ins for nnU-Net's plans: 4 stages, 2 convs each, stride 2 from stage 1.
FEATURES = (8, 16, 32, 48)
CLASSES = 3
SIZE = 32
N_CASES, N_TRAIN = 6, 4


class ConvDropoutNormReLU(nn.Module):
    """Conv -> InstanceNorm -> LeakyReLU, as dynamic_network_architectures names it."""

    def __init__(self, cin, cout, stride=1, dims=3):
        super().__init__()
        conv = nn.Conv3d if dims == 3 else nn.Conv2d
        norm = nn.InstanceNorm3d if dims == 3 else nn.InstanceNorm2d
        self.conv = conv(cin, cout, 3, stride=stride, padding=1)
        self.norm = norm(cout, eps=1e-5, affine=True)
        self.nonlin = nn.LeakyReLU(0.01, inplace=True)
        self.all = nn.Sequential(self.conv, self.norm, self.nonlin)

    def forward(self, x):
        return self.all(x)


class StackedConvBlocks(nn.Module):
    def __init__(self, n, cin, cout, stride=1, dims=3):
        super().__init__()
        self.convs = nn.Sequential(ConvDropoutNormReLU(cin, cout, stride, dims),
                                   *[ConvDropoutNormReLU(cout, cout, 1, dims) for _ in range(n - 1)])

    def forward(self, x):
        return self.convs(x)


class PlainConvEncoder(nn.Module):
    def __init__(self, cin, features, n_conv=2, dims=3):
        super().__init__()
        stages = []
        for i, c in enumerate(features):
            stages.append(nn.Sequential(StackedConvBlocks(n_conv, cin, c, 1 if i == 0 else 2, dims)))
            cin = c
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        skips = []
        for s in self.stages:
            x = s(x)
            skips.append(x)
        return skips


class UNetDecoder(nn.Module):
    def __init__(self, features, classes, n_conv=2, deep_supervision=False, dims=3):
        super().__init__()
        tconv = nn.ConvTranspose3d if dims == 3 else nn.ConvTranspose2d
        conv = nn.Conv3d if dims == 3 else nn.Conv2d
        self.deep_supervision = deep_supervision
        below, stages, transpconvs, seg_layers = features[-1], [], [], []
        for skip in reversed(features[:-1]):
            transpconvs.append(tconv(below, skip, 2, stride=2))
            stages.append(StackedConvBlocks(n_conv, 2 * skip, skip, 1, dims))
            seg_layers.append(conv(skip, classes, 1))
            below = skip
        self.stages = nn.ModuleList(stages)
        self.transpconvs = nn.ModuleList(transpconvs)
        self.seg_layers = nn.ModuleList(seg_layers)

    def forward(self, skips):
        x, outs = skips[-1], []
        for s in range(len(self.stages)):
            x = self.transpconvs[s](x)
            x = self.stages[s](torch.cat((x, skips[-(s + 2)]), 1))
            if self.deep_supervision:
                outs.append(self.seg_layers[s](x))
            elif s == len(self.stages) - 1:
                outs.append(self.seg_layers[-1](x))
        outs = outs[::-1]  # full resolution first, as nnU-Net returns them
        return outs if self.deep_supervision else outs[0]


class PlainConvUNet(nn.Module):
    def __init__(self, cin=1, features=FEATURES, classes=CLASSES, dims=3, deep_supervision=False):
        super().__init__()
        self.encoder = PlainConvEncoder(cin, features, dims=dims)
        self.decoder = UNetDecoder(features, classes, deep_supervision=deep_supervision, dims=dims)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def model():
    """The untrained network (load weights with load_state_dict or --weights)."""
    torch.manual_seed(0)
    return PlainConvUNet()


def synthetic_case(rng, size=SIZE):
    """One volume 1 x S x S x S and its label S x S x S (0 background, 1 rim, 2 core)."""
    z, y, x = np.mgrid[:size, :size, :size].astype(np.float64)
    c = rng.uniform(0.32, 0.68, 3) * size
    r = rng.uniform(0.16, 0.28, 3) * size
    d = ((z - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((x - c[2]) / r[2]) ** 2
    label = np.zeros((size,) * 3, np.uint8)
    label[d < 1] = 1
    label[d < rng.uniform(0.2, 0.4)] = 2
    bias = 0.3 * np.sin(z / size * np.pi * rng.uniform(0.5, 1.5) + rng.uniform(0, 6)) \
        + 0.3 * np.cos(x / size * np.pi * rng.uniform(0.5, 1.5))
    image = np.choose(label, [0.0, 1.0, 2.0]) + bias + rng.normal(0, 0.45, label.shape)
    return image[None].astype(np.float32), label


def cases(n=N_CASES, seed=0):
    """{name: (image 1 x D x H x W, label D x H x W)}, the same every call."""
    rng = np.random.default_rng(seed)
    return {f"case_{i:03d}": synthetic_case(rng) for i in range(n)}


def train(net, data, steps, lr=0.01):
    """Adam on cross-entropy + soft Dice of the foreground classes (nnU-Net's loss, briefly)."""
    x = torch.from_numpy(np.stack([im for im, _ in data]))
    y = torch.from_numpy(np.stack([lb for _, lb in data]).astype(np.int64))
    onehot = F.one_hot(y, CLASSES).permute(0, 4, 1, 2, 3).float()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for step in range(steps):
        opt.zero_grad()
        logits = net(x)
        p = torch.softmax(logits, 1)
        inter = (p * onehot).sum((0, 2, 3, 4))
        dice = (2 * inter + 1e-5) / (p.sum((0, 2, 3, 4)) + onehot.sum((0, 2, 3, 4)) + 1e-5)
        loss = F.cross_entropy(logits, y) + 1 - dice[1:].mean()
        loss.backward()
        opt.step()
        if step % 10 == 0 or step == steps - 1:
            print(f"  step {step:3d}  loss {loss.item():.3f}  dice rim/core {dice[1].item():.3f}/{dice[2].item():.3f}", flush=True)
    net.eval()
    return net


def protoseg_sa(f, prob, label):
    """ProtoSeg SA of one case's layer, written independently of protoseg-go:
    f C x [D x] H x W, prob K x [D x] H x W, label [D x] H x W."""
    b = 1 - prob[0].astype(np.float64)
    mode = "trilinear" if b.ndim == 3 else "bilinear"
    up = F.interpolate(torch.from_numpy(f.astype(np.float64))[None], size=b.shape, mode=mode,
                       align_corners=False)[0].numpy()
    x, w = up.reshape(up.shape[0], -1), b.reshape(-1)
    if w.sum() <= 0:
        sam = np.zeros(w.shape, bool)
    elif (1 - w).sum() <= 0:
        sam = np.ones(w.shape, bool)
    else:
        ct, cb = x @ w / w.sum(), x @ (1 - w) / (1 - w).sum()
        dt = ((x - ct[:, None]) ** 2).sum(0)
        db = ((x - cb[:, None]) ** 2).sum(0)
        sam = dt < db  # ties background
    g = label.reshape(-1) > 0
    den = sam.sum() + g.sum()
    return 1.0 if den == 0 else 2.0 * (sam & g).sum() / den


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/nnunet_like", help="folder for weights, cases, report")
    ap.add_argument("--steps", type=int, default=60, help="training steps (Adam, full batch of the training cases)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--no-go", action="store_true", help="stop after the export (no `protoseg analyze`)")
    ap.add_argument("--check-case", default="case_004", help="case of the reported independent check")
    ap.add_argument("--check-layer", default="encoder.stages.2.0.convs.1", help="layer of the reported independent check")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    data = cases()
    names = sorted(data)
    net = model()
    print(f"training on {names[:N_TRAIN]} ({a.steps} steps; {', '.join(names[N_TRAIN:])} held out)")
    train(net, [data[n] for n in names[:N_TRAIN]], a.steps)
    weights = os.path.join(a.out, "nnunet_like.pt")
    torch.save(net.state_dict(), weights)
    t_train = time.time() - t0

    case_dir = os.path.join(a.out, "cases")
    blocks = [n for n, m in net.named_modules() if isinstance(m, ConvDropoutNormReLU)]
    paths = export_cases(net, data, case_dir, modules=blocks, half=True)
    size = sum(os.path.getsize(p) for p in paths)
    print(f"trained in {t_train:.1f} s; wrote {len(paths)} case files ({size / 1e6:.1f} MB, {len(blocks)} layers, "
          f"float16) to {case_dir} in {time.time() - t0 - t_train:.1f} s")
    if a.no_go:
        return

    report_dir = os.path.join(a.out, "report")
    t1 = time.time()
    res = subprocess.run(["go", "run", "./cmd/protoseg", "analyze", "--cases", case_dir, "--out", report_dir],
                         cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"protoseg analyze failed ({res.returncode}):\n{res.stderr}")
    with open(os.path.join(a.out, "report.json"), "w") as fh:
        fh.write(res.stdout)
    rep = json.loads(res.stdout)
    print(f"protoseg analyze --cases: {time.time() - t1:.1f} s (with go run's build); report in {report_dir}/index.html")
    if [lay["name"] for lay in rep["layers"]] != blocks:
        sys.exit(f"FAIL: layer names {[lay['name'] for lay in rep['layers']]} are not the module paths {blocks}")
    if rep["case_names"] != names:
        sys.exit(f"FAIL: case names {rep['case_names']}")

    print(f"\n{'layer':32s} {'shape':>16s}  mean SA  per case ({', '.join(n[-3:] for n in names)})")
    for lay in rep["layers"]:
        shape = "x".join(map(str, lay["shape"]))
        print(f"{lay['name']:32s} {shape:>16s}  {lay['mean_sa']:.4f}   " + " ".join(f"{v:.3f}" for v in lay["sa"]))
    pred = []
    for name in names:
        z = np.load(os.path.join(case_dir, name + ".npz"))
        s, g = z["probabilities"][0] < 0.5, z["label"] > 0
        pred.append(2.0 * (s & g).sum() / max(s.sum() + g.sum(), 1))
    print(f"{'the output (1 - p0 > 0.5), Dice':49s}  {np.mean(pred):.4f}   " + " ".join(f"{v:.3f}" for v in pred))
    for cl in rep.get("classes") or []:
        print(f"class {cl['class']}: mean SA per layer " + " ".join(f"{v['mean_sa']:.3f}" for v in cl["layers"]))

    # Independent ProtoSeg on every case and layer, from the files as written.
    worst, reported = (0.0, None, None), None
    for ci, name in enumerate(names):
        z = np.load(os.path.join(case_dir, name + ".npz"))
        prob, label = z["probabilities"], z["label"]
        for lay in rep["layers"]:
            mine = protoseg_sa(z[lay["name"]], prob, label)
            d = abs(mine - lay["sa"][ci])
            if d > worst[0]:
                worst = (d, name, lay["name"])
            if name == a.check_case and lay["name"] == a.check_layer:
                reported = (mine, lay["sa"][ci])
    if reported:
        print(f"\nindependent check, {a.check_case} / {a.check_layer}: numpy/torch SA {reported[0]:.6f}, "
              f"analyze {reported[1]:.6f}, difference {abs(reported[0] - reported[1]):.2e}")
    print(f"all {len(names)} cases x {len(blocks)} layers: max |SA(numpy/torch) - SA(analyze)| = {worst[0]:.2e}"
          + (f" ({worst[1]}, {worst[2]})" if worst[1] else ""))
    print(f"total {time.time() - t0:.1f} s")
    if worst[0] > 1e-4:
        sys.exit("FAIL: independent SA differs from analyze's by more than 1e-4")


if __name__ == "__main__":
    main()
