# SPDX-License-Identifier: MIT
"""Logits of a NAT/DiNAT model fixture at other input sizes, from the torch peer in zoo_modules.py.

usage: logits_at_size.py FIXTURE_DIR OUT_DIR '[[h, w], ...]' [pad]
With `pad`, every attention input smaller than kernel*dilation is zero-padded at the bottom/right first and the
output cropped, as transformers' NatLayer/DinatLayer.maybe_pad (and NATTEN <= 0.15) do. Loads the fixture's upstream state_dict strictly, writes logits_fixture.npy for the fixture's own input (so a test
can check this peer against the upstream logits first), then per size a seeded standard-normal NHWC input
input_{h}x{w}.npy and its logits logits_{h}x{w}.npy.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch.nn.functional as F  # noqa: E402
from zoo_modules import NAT, NeighborhoodAttention2D  # noqa: E402


def pad_small_maps():
    """Zero-pads a map smaller than the window before qkv, then crops (transformers' maybe_pad)."""
    plain = NeighborhoodAttention2D.forward

    def forward(self, x):
        _, h, w, _ = x.shape
        window = self.kernel * self.dilation
        extra_h, extra_w = max(0, window - h), max(0, window - w)
        if extra_h == 0 and extra_w == 0:
            return plain(self, x)
        return plain(self, F.pad(x, (0, 0, 0, extra_w, 0, extra_h)))[:, :h, :w, :]

    NeighborhoodAttention2D.forward = forward


def main():
    fixture, out_dir, sizes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if sys.argv[4:] == ["pad"]:
        pad_small_maps()
    kw = json.load(open(os.path.join(fixture, "fixture.json")))["constructor_kwargs"]
    model = NAT(kw["depths"], kw["num_heads"], kw["embed_dim"], kw["mlp_ratio"], kw["kernel_size"],
                kw.get("dilations"), kw["num_classes"])
    state = torch.load(os.path.join(fixture, "state_dict.pth"), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        own = torch.from_numpy(np.load(os.path.join(fixture, "input.npy")))
        np.save(os.path.join(out_dir, "logits_fixture.npy"), model(own).numpy())
        generator = torch.Generator().manual_seed(0)
        for h, w in sizes:
            x = torch.randn(1, 3, h, w, generator=generator)
            np.save(os.path.join(out_dir, f"input_{h}x{w}.npy"), x.permute(0, 2, 3, 1).contiguous().numpy())
            np.save(os.path.join(out_dir, f"logits_{h}x{w}.npy"), model(x).numpy())


if __name__ == "__main__":
    main()
