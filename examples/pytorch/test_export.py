"""Tests of export_features.py: the per-case files (keys, shapes, dtypes, no batch
axis, compression, values) and the F.npz mode, through the functions and the CLI.

    /usr/bin/python3 examples/pytorch/test_export.py

Needs numpy and torch; where either is missing (CI machines have only Go) it says
so and exits 0. Small untrained networks on 16^3 / 24^2 inputs, 1 thread: seconds.
"""
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIP examples/pytorch/test_export.py: {e.name} is not installed for {sys.executable}")
    sys.exit(0)

import subprocess  # noqa: E402
import tempfile  # noqa: E402
import unittest  # noqa: E402
import zipfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_features import export, export_cases  # noqa: E402
from nnunet_like import ConvDropoutNormReLU, PlainConvUNet  # noqa: E402


def tiny2d():
    """A 2D PlainConvUNet with one logit (sigmoid output) and deep supervision."""
    torch.manual_seed(1)
    return PlainConvUNet(cin=2, features=(4, 8), classes=1, dims=2, deep_supervision=True)


def images2d():
    return torch.from_numpy(np.random.default_rng(2).standard_normal((3, 2, 24, 24)).astype(np.float32))


def masks2d():
    return (images2d()[:, 0] > 0).float().numpy()


def cases3d(n=2, size=16, classes=3):
    rng = np.random.default_rng(3)
    return [(f"c{i}", rng.standard_normal((1, size, size, size)).astype(np.float32),
             rng.integers(0, classes, (size, size, size)).astype(np.int64)) for i in range(n)]


def reference(net, image, modules):
    """The hooked outputs of a plain batch-of-one forward, and the logits."""
    named, got, hooks = dict(net.named_modules()), {}, []
    for m in modules:
        hooks.append(named[m].register_forward_hook(
            lambda _m, _i, o, m=m: got.setdefault(m, o.detach().clone())))
    net.eval()
    with torch.no_grad():
        out = net(torch.from_numpy(image)[None])
    for h in hooks:
        h.remove()
    return got, out[0] if isinstance(out, (list, tuple)) else out


class PerCase(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.net = PlainConvUNet(features=(4, 8, 16), classes=3)
        self.blocks = [n for n, m in self.net.named_modules() if isinstance(m, ConvDropoutNormReLU)]
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def check_case(self, path, image, label, half, compressed=True):
        z = np.load(path)
        keys = list(z.files)
        want = self.blocks + ["probabilities"] + (["label"] if label is not None else [])
        self.assertEqual(keys, want, "features in run order by module path, then probabilities, label")
        with zipfile.ZipFile(path) as zf:
            kinds = {i.compress_type for i in zf.infolist()}
        self.assertEqual(kinds, {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED})
        ref, logits = reference(self.net, image, self.blocks)
        spatial = tuple(logits.shape[2:])
        self.assertEqual(spatial, image.shape[1:])
        for m in self.blocks:
            f = z[m]
            self.assertEqual(f.dtype, np.float16 if half else np.float32, m)
            # No batch axis: C x D x H x W, the hooked output without its batch of one.
            self.assertEqual(f.shape, tuple(ref[m].shape[1:]), m)
            self.assertEqual(f.ndim, len(spatial) + 1, m)
            self.assertTrue(all(a <= b for a, b in zip(f.shape[1:], spatial)), m)
            tol = 2e-3 * max(1.0, float(ref[m].abs().max())) if half else 1e-5
            np.testing.assert_allclose(f.astype(np.float32), ref[m][0].numpy(), atol=tol, err_msg=m)
        p = z["probabilities"]
        self.assertEqual((p.dtype, p.shape), (np.dtype(np.float32), (3,) + spatial))
        self.assertTrue(p.min() >= 0 and p.max() <= 1)
        np.testing.assert_allclose(p.sum(0), 1, atol=1e-5)
        np.testing.assert_allclose(p, torch.softmax(logits[0], 0).numpy(), atol=1e-5)
        if label is not None:
            g = z["label"]
            self.assertEqual((g.dtype, g.shape), (np.dtype(np.uint8), spatial))
            np.testing.assert_array_equal(g, label)

    def test_float16_compressed(self):
        cs = cases3d()
        paths = export_cases(self.net, cs, self.dir, modules=self.blocks, half=True)
        self.assertEqual([os.path.basename(p) for p in paths], ["c0.npz", "c1.npz"])
        for (name, image, label), path in zip(cs, paths):
            self.check_case(path, image, label, half=True)

    def test_float32_stored_dict_without_label(self):
        cs = {name: image for name, image, _ in cases3d(1)}
        (path,) = export_cases(self.net, cs, self.dir, modules=ConvDropoutNormReLU, compress=False)
        self.check_case(path, cs["c0"], None, half=False, compressed=False)

    def test_dict_with_labels_and_torch_inputs(self):
        cs = {name: (torch.from_numpy(image), torch.from_numpy(label)[None]) for name, image, label in cases3d(1)}
        (path,) = export_cases(self.net, cs, self.dir, modules=self.blocks, half=True)
        image, label = cs["c0"]
        self.check_case(path, image.numpy(), label[0].numpy(), half=True)

    def test_default_modules_in_run_order(self):
        (path,) = export_cases(self.net, cases3d(1), self.dir)
        keys = np.load(path).files
        # Conv, then LeakyReLU of each block; transpconvs before the decoder stage they feed.
        self.assertEqual(keys[:2], ["encoder.stages.0.0.convs.0.conv", "encoder.stages.0.0.convs.0.nonlin"])
        self.assertLess(keys.index("decoder.transpconvs.0"), keys.index("decoder.stages.0.convs.0.conv"))
        self.assertGreater(keys.index("decoder.transpconvs.0"), keys.index("encoder.stages.2.0.convs.1.nonlin"))
        self.assertEqual(keys[-3:], ["decoder.seg_layers.1", "probabilities", "label"])
        # The conv output is taken before the in-place LeakyReLU changes the next tensor.
        ref, _ = reference(self.net, cases3d(1)[0][1], ["encoder.stages.0.0.convs.0.conv"])
        np.testing.assert_allclose(np.load(path)["encoder.stages.0.0.convs.0.conv"],
                                   ref["encoder.stages.0.0.convs.0.conv"][0].numpy(), atol=1e-5)

    def test_single_logit_deep_supervision_2d(self):
        net = tiny2d()
        imgs = images2d().numpy()
        cs = [(f"s{i}", imgs[i]) for i in range(2)]
        paths = export_cases(net, cs, self.dir, modules=ConvDropoutNormReLU, half=True)
        for (_, image), path in zip(cs, paths):
            z = np.load(path)
            p = z["probabilities"]
            self.assertEqual(p.shape, (2, 24, 24))
            _, logits = reference(net, image, [])
            np.testing.assert_allclose(p[1], torch.sigmoid(logits[0, 0]).numpy(), atol=1e-6)
            np.testing.assert_allclose(p[0], 1 - p[1], atol=1e-6)
            self.assertEqual(z["decoder.stages.0.convs.1"].shape, (4, 24, 24))
            self.assertEqual(z["encoder.stages.1.0.convs.0"].shape, (8, 12, 12))

    def test_errors(self):
        (name, image, label), = cases3d(1)
        with self.assertRaisesRegex(ValueError, "label shaped"):
            export_cases(self.net, [(name, image, label[:8])], self.dir, modules=self.blocks)
        with self.assertRaisesRegex(ValueError, "integers"):
            export_cases(self.net, [(name, image, label + 0.5)], self.dir, modules=self.blocks)
        with self.assertRaisesRegex(ValueError, "plain file name"):
            export_cases(self.net, [("a/b", image)], self.dir, modules=self.blocks)
        with self.assertRaisesRegex(ValueError, "no module named"):
            export_cases(self.net, [(name, image)], self.dir, modules=["encoder.nope"])
        with self.assertRaisesRegex(ValueError, "no cases"):
            export_cases(self.net, [], self.dir, modules=self.blocks)


class FNpz(unittest.TestCase):
    def test_export(self):
        net, imgs, gt = tiny2d(), images2d(), masks2d()
        with tempfile.TemporaryDirectory() as d:
            names = export(net, imgs, d, modules=ConvDropoutNormReLU, gt=gt)
            f = np.load(os.path.join(d, "F.npz"))
            self.assertEqual(f.files, names)
            self.assertEqual(f["encoder.stages.1.0.convs.1"].shape, (3, 8, 12, 12))
            self.assertEqual(f["encoder.stages.0.0.convs.0"].dtype, np.float32)
            b = np.load(os.path.join(d, "B.npy"))
            self.assertEqual((b.shape, b.dtype), ((3, 24, 24), np.float32))
            np.testing.assert_array_equal(np.load(os.path.join(d, "G.npy")), gt)


def cli(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "export_features.py"), "--threads", "1", *args],
                          capture_output=True, text=True)


class CLI(unittest.TestCase):
    def test_per_case(self):
        with tempfile.TemporaryDirectory() as d:
            r = cli("--model", os.path.join(HERE, "test_export.py") + ":tiny2d", "--data",
                    os.path.join(HERE, "test_export.py") + ":cases2d", "--module-types", "ConvDropoutNormReLU",
                    "--per-case", "--half", "--out", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sorted(os.listdir(d)), ["a.npz", "b.npz"])
            z = np.load(os.path.join(d, "a.npz"))
            self.assertEqual(z.files[-2:], ["probabilities", "label"])
            self.assertEqual(z["encoder.stages.0.0.convs.1"].dtype, np.float16)
            self.assertEqual(z["encoder.stages.0.0.convs.1"].shape, (4, 24, 24))

    def test_fnpz_and_weights(self):
        with tempfile.TemporaryDirectory() as d:
            w = os.path.join(d, "w.pt")
            net = tiny2d()
            with torch.no_grad():
                for p in net.parameters():
                    p.add_(0.5)
            torch.save(net.state_dict(), w)
            spec = os.path.join(HERE, "test_export.py")
            r = cli("--model", spec + ":tiny2d", "--weights", w, "--data", spec + ":images2d",
                    "--gt", spec + ":masks2d", "--modules", "encoder.stages.1.0.convs.1,decoder.transpconvs.0",
                    "--out", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            f = np.load(os.path.join(d, "F.npz"))
            self.assertEqual(f.files, ["encoder.stages.1.0.convs.1", "decoder.transpconvs.0"])
            ref, _ = reference(net, images2d().numpy()[0], ["decoder.transpconvs.0"])
            np.testing.assert_allclose(f["decoder.transpconvs.0"][0], ref["decoder.transpconvs.0"][0].numpy(), atol=1e-5)
            self.assertTrue(os.path.exists(os.path.join(d, "G.npy")))

    def test_half_needs_per_case(self):
        r = cli("--model", "x.py:m", "--data", "x.py:d", "--half", "--out", "/nonexistent")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--per-case", r.stderr)


def cases2d():
    imgs = images2d().numpy()
    return {"b": (imgs[1], (imgs[1, 0] > 0).astype(np.uint8)), "a": (imgs[0], (imgs[0, 0] > 0).astype(np.uint8))}


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
