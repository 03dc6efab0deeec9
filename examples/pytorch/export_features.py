"""Write features of any torch.nn.Module for `protoseg analyze`.

Two layouts:

- One batch, three files (F.npz, B.npy, G.npy):

    from export_features import export
    export(model, images, "out/", modules=["enc1", "dec.up"], gt=masks)
    # then: protoseg analyze --features out/F.npz --output out/B.npy --gt out/G.npy

- Per case, nnU-Net's layout (one compressed <case>.npz per case):

    from export_features import export_cases
    export_cases(model, [("case_000", image, label), ...], "out/cases", half=True)
    # then: protoseg analyze --cases out/cases --out out/report

  Each <case>.npz holds one array per hooked module, keyed by its module path
  (e.g. "encoder.stages.3.0.convs.1"), C x [D x] H x W with no batch axis,
  float16 with half=True (float32 otherwise), in the order the modules first
  ran; "probabilities", the softmax K x [D x] H x W of the logits (float32, as
  nnU-Net's predictor writes with --save_probabilities; a single-logit model
  gives [1 - sigmoid, sigmoid]); and "label", the integer ground truth
  [D x] H x W (uint8, or int32 past 255), when the case has one. Unlike
  nnU-Net's predictor, probabilities are not resampled to the original image:
  features and output stay on the network's input grid, as ProtoSeg needs.

From the command line (a model and its data named as FILE.py:NAME, where NAME is
a function called without arguments, or an object):

    python3 export_features.py --model mynet.py:model --weights mynet.pt \\
        --data mynet.py:cases --per-case --half --out out/cases

Features are captured with forward hooks on the named modules (default: the
output of every Conv*/ConvTranspose*/ReLU/LeakyReLU module). In F.npz they are
saved channels-first ([N, C, H, W] or [N, C, D, H, W], protoseg's default
--layout nchw), in the order of `modules`. B is the foreground probability:
softmax channel `fg` of the model's logits when it returns several channels, the
sigmoid of a single one. A model returning a list or tuple (nnU-Net's deep
supervision) is read at its first, full-resolution, output.
Only numpy and torch are needed; nothing in protoseg-go depends on this script.
"""
import argparse
import importlib
import importlib.util
import os
import sys
import zipfile

import numpy as np
import torch

DEFAULT_KINDS = (torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose2d,
                 torch.nn.ConvTranspose3d, torch.nn.ReLU, torch.nn.LeakyReLU)

# Keys of the per-case file that are not feature layers (data/cases.go).
RESERVED = ("probabilities", "output", "label")


def select_modules(model, modules=None):
    """Module paths to hook: modules as given (a list of paths), every module of
    the given class or tuple of classes, or (None) every module of DEFAULT_KINDS."""
    named = dict(model.named_modules())
    if modules is None:
        modules = DEFAULT_KINDS
    if isinstance(modules, type) or (isinstance(modules, tuple) and all(isinstance(m, type) for m in modules)):
        return [n for n, m in named.items() if n and isinstance(m, modules)]
    modules = list(modules)
    missing = [n for n in modules if n not in named]
    if missing:
        raise ValueError(f"no module named {missing} in {type(model).__name__}")
    return modules


def _logits(out):
    """The full-resolution logits of a model's return value."""
    while isinstance(out, (list, tuple)):
        out = out[0]
    return out


def _run(model, x, modules, convert):
    """Run model on x with forward hooks on modules; returns the logits and the
    captured outputs {path: convert(tensor)} in the order the modules first ran."""
    named = dict(model.named_modules())
    feats, hooks = {}, []
    for name in modules:
        def hook(_module, _inputs, output, name=name):
            if not torch.is_tensor(output):
                raise TypeError(f"module {name!r} returned {type(output).__name__}, not a tensor")
            feats[name] = convert(output.detach())  # run twice: its last output, at its first place
        hooks.append(named[name].register_forward_hook(hook))
    try:
        model.eval()
        with torch.no_grad():
            logits = _logits(model(x))
    finally:
        for h in hooks:
            h.remove()
    return logits, feats


def export(model, images, out_dir, modules=None, gt=None, fg=1):
    """Run model on images ([N, C, ...]) and write F.npz, B.npy, G.npy in out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    modules = select_modules(model, modules)
    # A copy: a later in-place op (LeakyReLU(inplace=True) after a norm) must not change it.
    logits, feats = _run(model, images, modules, lambda t: np.array(t.cpu().float().numpy(), order="C"))
    if logits.shape[1] == 1:
        prob = torch.sigmoid(logits[:, 0])
    else:
        prob = torch.softmax(logits, dim=1)[:, fg]
    np.savez(os.path.join(out_dir, "F.npz"), **{n: feats[n] for n in modules if n in feats})
    np.save(os.path.join(out_dir, "B.npy"), prob.cpu().float().numpy())
    if gt is not None:
        np.save(os.path.join(out_dir, "G.npy"), np.asarray(gt, dtype=np.float32))
    return modules


def _label_array(label, spatial, name):
    g = label.detach().cpu().numpy() if torch.is_tensor(label) else np.asarray(label)
    if g.ndim == len(spatial) + 1 and g.shape[0] == 1:
        g = g[0]  # a 1 x [D x] H x W label, as nnU-Net's loaders give it
    if tuple(g.shape) != tuple(spatial):
        raise ValueError(f"case {name!r}: label shaped {g.shape}, the output's spatial shape is {tuple(spatial)}")
    if g.size and (not np.all(np.isfinite(g)) or np.any(g != np.round(g)) or g.min() < 0):
        raise ValueError(f"case {name!r}: label values must be integers >= 0")
    top = int(g.max()) if g.size else 0
    return np.ascontiguousarray(g.astype(np.uint8 if top < 256 else np.int32))


def _iter_cases(cases):
    """(name, image, label or None) from a dict {name: image or (image, label)} or
    an iterable of (name, image) / (name, image, label)."""
    if isinstance(cases, dict):
        items = ((k, *v) if isinstance(v, (tuple, list)) else (k, v) for k, v in cases.items())
    else:
        items = cases
    for item in items:
        if len(item) not in (2, 3):
            raise ValueError(f"a case is (name, image) or (name, image, label), not {len(item)} items")
        yield str(item[0]), item[1], (item[2] if len(item) == 3 else None)


def export_cases(model, cases, out_dir, modules=None, half=False, compress=True, device=None):
    """Run model on each case and write one <case>.npz per case in out_dir.

    cases: a dict {name: image} or {name: (image, label)}, or an iterable of
    (name, image) or (name, image, label); image is C x [D x] H x W (no batch
    axis; each case runs as a batch of one), label [D x] H x W integers.
    modules: module paths, a class or tuple of classes, or None (DEFAULT_KINDS).
    half: store features as float16 (halves the files; protoseg reads them as
    float32). Returns the paths written, in case order."""
    os.makedirs(out_dir, exist_ok=True)
    modules = select_modules(model, modules)
    clash = [m for m in modules if m in RESERVED]
    if clash:
        raise ValueError(f"module paths {clash} clash with the reserved keys {RESERVED}")
    if device is None:
        p = next(model.parameters(), None)
        device = p.device if p is not None else torch.device("cpu")
    dtype = np.float16 if half else np.float32
    save = np.savez_compressed if compress else np.savez
    paths, layers, silent = [], None, None
    for name, image, label in _iter_cases(cases):
        if not name or os.sep in name or name.startswith("."):
            raise ValueError(f"case name {name!r} is not a plain file name")
        x = torch.as_tensor(np.asarray(image) if not torch.is_tensor(image) else image)
        x = x.to(device=device, dtype=torch.float32)[None]
        logits, feats = _run(model, x, modules,
                             lambda t: np.ascontiguousarray(t[0].cpu().float().numpy().astype(dtype)))
        if logits.shape[0] != 1 or logits.dim() not in (4, 5):
            raise ValueError(f"case {name!r}: logits shaped {tuple(logits.shape)}, want 1 x K x [D x] H x W")
        spatial = tuple(logits.shape[2:])
        if logits.shape[1] == 1:
            p = torch.sigmoid(logits[0, 0].double())
            prob = torch.stack([1 - p, p])
        else:
            prob = torch.softmax(logits[0].double(), dim=0)
        arrays = {}
        for m, f in feats.items():
            if f.ndim != len(spatial) + 1 or any(a > b for a, b in zip(f.shape[1:], spatial)):
                raise ValueError(f"case {name!r}: module {m!r} output shaped {f.shape} (no batch axis) is not "
                                 f"C x {' x '.join(map(str, spatial))} or smaller")
            arrays[m] = f
        if layers is None:
            layers = list(arrays)
            silent = [m for m in modules if m not in arrays]
            if silent:
                print(f"export_cases: modules that did not run (not exported): {', '.join(silent)}", file=sys.stderr)
        elif list(arrays) != layers:
            raise ValueError(f"case {name!r}: modules ran {list(arrays)}, the first case's ran {layers}")
        arrays["probabilities"] = prob.clamp(0, 1).float().cpu().numpy()
        if label is not None:
            arrays["label"] = _label_array(label, spatial, name)
        path = os.path.join(out_dir, name + ".npz")
        save(path, **arrays)
        paths.append(path)
    if not paths:
        raise ValueError("export_cases: no cases")
    return paths


def npz_members(path):
    """{key: (compressed?, ...)} of an .npz, to check how it was written."""
    with zipfile.ZipFile(path) as z:
        return {i.filename[:-4]: i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist()}


def load_object(spec):
    """FILE.py:NAME or package.module:NAME -> that object, called when callable
    and not a torch module."""
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise SystemExit(f"{spec!r}: want FILE.py:NAME or module:NAME")
    if where.endswith(".py"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(where)))
        modname = os.path.splitext(os.path.basename(where))[0]
        mod = sys.modules.get(modname)
        if mod is None or os.path.abspath(getattr(mod, "__file__", "")) != os.path.abspath(where):
            spec_ = importlib.util.spec_from_file_location(modname, where)
            mod = importlib.util.module_from_spec(spec_)
            sys.modules[modname] = mod
            spec_.loader.exec_module(mod)
    else:
        mod = importlib.import_module(where)
    obj = getattr(mod, attr)
    if callable(obj) and not isinstance(obj, torch.nn.Module):
        obj = obj()
    return obj


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export feature maps of a PyTorch model for `protoseg analyze`.")
    ap.add_argument("--model", required=True, help="FILE.py:NAME or module:NAME: the nn.Module (or a function returning it)")
    ap.add_argument("--weights", help="a state_dict saved with torch.save, loaded into the model (strict)")
    ap.add_argument("--data", required=True,
                    help="FILE.py:NAME: with --per-case the cases ({name: image or (image, label)} or "
                         "(name, image[, label]) tuples, images C x [D x] H x W), else the images [N, C, ...]")
    ap.add_argument("--gt", help="FILE.py:NAME: ground truth [N, ...] for G.npy (without --per-case)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--per-case", action="store_true", help="one compressed <case>.npz per case (nnU-Net layout)")
    ap.add_argument("--half", action="store_true", help="with --per-case: features as float16")
    ap.add_argument("--stored", action="store_true", help="with --per-case: numpy.savez (no compression)")
    ap.add_argument("--modules", help="comma-separated module paths to hook (default: every Conv/ConvTranspose/ReLU/LeakyReLU)")
    ap.add_argument("--module-types", help="comma-separated class names: hook every module of these classes "
                                           "(e.g. ConvDropoutNormReLU for nnU-Net's conv blocks)")
    ap.add_argument("--fg", type=int, default=1, help="without --per-case: the softmax channel of B")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.modules and a.module_types:
        raise SystemExit("--modules and --module-types exclude each other")
    if not a.per_case and (a.half or a.stored):
        raise SystemExit("--half and --stored need --per-case")
    model = load_object(a.model)
    if a.weights:
        model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    modules = None
    if a.modules:
        modules = [m.strip() for m in a.modules.split(",") if m.strip()]
    elif a.module_types:
        want = {t.strip() for t in a.module_types.split(",") if t.strip()}
        modules = [n for n, m in model.named_modules() if n and type(m).__name__ in want]
        if not modules:
            raise SystemExit(f"no module of type {sorted(want)} in {type(model).__name__}")
    data = load_object(a.data)
    if a.per_case:
        paths = export_cases(model, data, a.out, modules=modules, half=a.half, compress=not a.stored)
        print(f"wrote {len(paths)} case files to {a.out}")
    else:
        gt = load_object(a.gt) if a.gt else None
        names = export(model, torch.as_tensor(data).float(), a.out, modules=modules, gt=gt, fg=a.fg)
        print(f"wrote {a.out}/F.npz ({len(names)} layers), B.npy" + (", G.npy" if gt is not None else ""))


if __name__ == "__main__":
    main()
