"""Write F.npz, B.npy (and G.npy) for `protoseg analyze` from any torch.nn.Module.

    from export_features import export
    export(model, images, "out/", modules=["enc1", "dec.up"], gt=masks)
    # then: protoseg analyze --features out/F.npz --output out/B.npy --gt out/G.npy

Features are captured with forward hooks on the named modules (default: the
output of every Conv*/ConvTranspose*/ReLU module), in the order they run, and
saved channels-first ([N, C, H, W] or [N, C, D, H, W], protoseg's default
--layout nchw). B is the foreground probability: softmax channel `fg` of the
model's logits when it returns several channels, the sigmoid of a single one.
Only numpy and torch are needed; nothing in protoseg-go depends on this script.
"""
import os

import numpy as np
import torch


def export(model, images, out_dir, modules=None, gt=None, fg=1):
    """Run model on images ([N, C, ...]) and write F.npz, B.npy, G.npy in out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    named = dict(model.named_modules())
    if modules is None:
        kinds = (torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose2d,
                 torch.nn.ConvTranspose3d, torch.nn.ReLU)
        modules = [n for n, m in named.items() if n and isinstance(m, kinds)]
    feats, hooks = {}, []
    for name in modules:
        def hook(_module, _inputs, output, name=name):
            feats[name] = np.ascontiguousarray(output.detach().cpu().float().numpy())
        hooks.append(named[name].register_forward_hook(hook))
    try:
        model.eval()
        with torch.no_grad():
            logits = model(images)
    finally:
        for h in hooks:
            h.remove()
    if logits.shape[1] == 1:
        prob = torch.sigmoid(logits[:, 0])
    else:
        prob = torch.softmax(logits, dim=1)[:, fg]
    np.savez(os.path.join(out_dir, "F.npz"), **{n: feats[n] for n in modules if n in feats})
    np.save(os.path.join(out_dir, "B.npy"), prob.cpu().float().numpy())
    if gt is not None:
        np.save(os.path.join(out_dir, "G.npy"), np.asarray(gt, dtype=np.float32))
    return modules
