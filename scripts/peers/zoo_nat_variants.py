# SPDX-License-Identifier: MIT
"""Compact PyTorch modules for the two other NA layouts, DiNAT_s (Swin-like: patch-4 stem, patch merging) and
isotropic NAT/DiNAT (one 14x14 map, no levels), written from the architecture facts for the benchmark peer in
zoo_torch.py. They reuse zoo_modules' NA layer, so parameter names follow the upstream state_dict keys.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from zoo_modules import NATLayer


class PatchEmbedConv(nn.Module):
    """One patch-sized, patch-strided convolution with bias, then LayerNorm on NHWC (zero-padded to a multiple)."""

    def __init__(self, patch, dim):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        h, w = int(x.shape[2]), int(x.shape[3])
        x = F.pad(x, (0, -w % self.patch, 0, -h % self.patch))
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class PatchMerging(nn.Module):
    """2x2 neighbours concatenated in Swin order (row offset fastest), LayerNorm(4C), Linear(4C, 2C) without bias."""

    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        h, w = int(x.shape[1]), int(x.shape[2])
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        merged = [x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]]
        return self.reduction(self.norm(torch.cat(merged, -1)))


class DiNATsLevel(nn.Module):
    def __init__(self, dim, heads, kernel, dilations, mlp_ratio, downsample):
        super().__init__()
        self.blocks = nn.ModuleList(NATLayer(dim, heads, kernel, d, mlp_ratio) for d in dilations)
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x if self.downsample is None else self.downsample(x)


class DiNATs(nn.Module):
    def __init__(self, dim, heads, dilations, mlp_ratio=4, kernel=7, classes=1000):
        super().__init__()
        self.patch_embed = PatchEmbedConv(4, dim)
        self.layers = nn.ModuleList(
            DiNATsLevel(dim * 2 ** i, heads[i], kernel, dilations[i], mlp_ratio, i < len(heads) - 1)
            for i in range(len(heads)))
        features = dim * 2 ** (len(heads) - 1)
        self.norm = nn.LayerNorm(features)
        self.head = nn.Linear(features, classes)

    def forward(self, x):
        x = self.patch_embed(x)
        for level in self.layers:
            x = level(x)
        return self.head(self.norm(x).flatten(1, 2).mean(1))


class NATIsotropic(nn.Module):
    """Patch-16 stem, `depth` NA layers on the one map (layer i dilated only when i is odd), norm, mean, head."""

    def __init__(self, dim, heads, depth=12, kernel=7, dilation=1, mlp_ratio=4, classes=1000):
        super().__init__()
        self.patch_embed = PatchEmbedConv(16, dim)
        self.layers = nn.Sequential(*(NATLayer(dim, heads, kernel, 1 if i % 2 == 0 else dilation, mlp_ratio)
                                      for i in range(depth)))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        return self.head(self.norm(self.layers(self.patch_embed(x))).flatten(1, 2).mean(1))
