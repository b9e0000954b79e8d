# SPDX-License-Identifier: MIT
"""Logits of a NAT/DiNAT or ConvMLP model fixture at other input sizes, from the torch peer in zoo_modules.py.

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
from zoo_modules import NAT, ConvMLP, NeighborhoodAttention2D  # noqa: E402


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


def peer(fixture):
    """The fixture's torch peer with its upstream weights, its own input and the upstream logits file's name."""
    if os.path.exists(os.path.join(fixture, "fixture.json")):
        kw = json.load(open(os.path.join(fixture, "fixture.json")))["constructor_kwargs"]
        model = NAT(kw["depths"], kw["num_heads"], kw["embed_dim"], kw["mlp_ratio"], kw["kernel_size"],
                    kw.get("dilations"), kw["num_classes"])
        weights = "state_dict.pth"
    else:
        kw = json.load(open(os.path.join(fixture, "config.json")))["constructor_kwargs"]
        model = ConvMLP(kw["blocks"], kw["dims"], kw["mlp_ratios"], kw["channels"], kw["n_conv_blocks"],
                        kw["num_classes"])
        weights = "checkpoint.pth"
    state = torch.load(os.path.join(fixture, weights), map_location="cpu", weights_only=True)
    # BatchNorm's step counters are not parameters of the peer.
    model.load_state_dict({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}, strict=True)
    return model.eval()


def main():
    fixture, out_dir, sizes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if sys.argv[4:] == ["pad"]:
        pad_small_maps()
    model = peer(fixture)
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
