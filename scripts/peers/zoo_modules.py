# SPDX-License-Identifier: MIT
"""Compact PyTorch modules for NAT, DiNAT, ConvMLP, CCT and CVT, written from the architecture facts (layer shapes,
orders, quirks) for the benchmark peer in zoo_torch.py. Neighborhood attention uses plain torch ops (index tables
and gather) so that torch.onnx.export can turn it into an ONNX graph. Parameter names follow the upstream
state_dict keys, so weights exported from the tfjs models load with load_state_dict.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- neighborhood attention (NATTEN 0.17.5 rules)

def axis_windows(length, kernel, dilation):
    """Per query index: its k keys and their rpb indices along one axis.

    The axis splits into `dilation` interleaved groups; inside its group a query's window of `kernel` keys is
    shifted inward at the borders (never truncated). The bias index is (key - query) in group units + kernel - 1.
    """
    half = kernel // 2
    keys = np.zeros((length, kernel), dtype=np.int64)
    bias = np.zeros((length, kernel), dtype=np.int64)
    for i in range(length):
        group, pos = i % dilation, i // dilation
        group_len = (length - group + dilation - 1) // dilation
        if group_len < kernel:
            raise ValueError(f"kernel {kernel} x dilation {dilation} does not fit axis length {length}")
        start = min(max(pos - half, 0), group_len - kernel)
        for n in range(kernel):
            keys[i, n] = (start + n) * dilation + group
            bias[i, n] = (start + n) - pos + kernel - 1
    return keys, bias


def neighbor_tables(height, width, kernel, dilation):
    """Flattened 2-D tables: key token index [H*W, k*k] and rpb index into the flattened (2k-1)^2 table."""
    kh, bh = axis_windows(height, kernel, dilation)
    kw, bw = axis_windows(width, kernel, dilation)
    keys = kh[:, None, :, None] * width + kw[None, :, None, :]          # [H, W, k, k]
    bias = bh[:, None, :, None] * (2 * kernel - 1) + bw[None, :, None, :]
    return (torch.from_numpy(keys.reshape(height * width, kernel * kernel)),
            torch.from_numpy(bias.reshape(height * width, kernel * kernel)))


class NeighborhoodAttention2D(nn.Module):
    """qkv Linear -> NA with rpb -> proj Linear on [B, H, W, C]."""

    def __init__(self, dim, heads, kernel, dilation):
        super().__init__()
        self.heads, self.kernel, self.dilation = heads, kernel, dilation
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.rpb = nn.Parameter(torch.randn(heads, 2 * kernel - 1, 2 * kernel - 1) * 0.02)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self._tables = {}

    def tables(self, height, width):
        key = (int(height), int(width))   # plain ints: under ONNX tracing the shape entries are tensors
        if key not in self._tables:
            self._tables[key] = neighbor_tables(*key, self.kernel, self.dilation)
        return self._tables[key]

    def forward(self, x):
        _, h, w, c = x.shape
        h, w, c = int(h), int(w), int(c)
        n, kk = h * w, self.kernel * self.kernel
        keys, bias = self.tables(h, w)
        # The batch stays -1 in every reshape so the exported graph keeps a dynamic batch axis.
        qkv = self.qkv(x).reshape(-1, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]                       # [B, heads, N, D]
        flat = keys.reshape(-1)
        k_win = k.index_select(2, flat).reshape(-1, self.heads, n, kk, self.head_dim)
        v_win = v.index_select(2, flat).reshape(-1, self.heads, n, kk, self.head_dim)
        logits = torch.matmul(q.unsqueeze(3), k_win.transpose(-1, -2)).squeeze(3)   # [B, heads, N, kk]
        logits = logits + self.rpb.reshape(self.heads, -1)[:, bias]
        attn = logits.softmax(-1)
        out = torch.matmul(attn.unsqueeze(3), v_win).squeeze(3)                 # [B, heads, N, D]
        out = out.permute(0, 2, 1, 3).reshape(-1, h, w, c)
        return self.proj(out)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


# ---------------------------------------------------------------- NAT / DiNAT

class NATLayer(nn.Module):
    def __init__(self, dim, heads, kernel, dilation, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = NeighborhoodAttention2D(dim, heads, kernel, dilation)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Downsampler(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.reduction = nn.Conv2d(dim, 2 * dim, 3, 2, 1, bias=False)
        self.norm = nn.LayerNorm(2 * dim)

    def forward(self, x):
        return self.norm(self.reduction(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1))


class NATLevel(nn.Module):
    def __init__(self, dim, depth, heads, kernel, dilations, mlp_ratio, downsample):
        super().__init__()
        self.blocks = nn.ModuleList(NATLayer(dim, heads, kernel, dilations[i], mlp_ratio) for i in range(depth))
        self.downsample = Downsampler(dim) if downsample else None

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x if self.downsample is None else self.downsample(x)


class PatchEmbed(nn.Module):
    """Two 3x3 stride-2 convs with bias and no activation between them, then LayerNorm on NHWC."""

    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Sequential(nn.Conv2d(3, dim // 2, 3, 2, 1), nn.Conv2d(dim // 2, dim, 3, 2, 1))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class NAT(nn.Module):
    def __init__(self, depths, heads, dim, mlp_ratio, kernel=7, dilations=None, classes=1000):
        super().__init__()
        dilations = dilations or [[1] * d for d in depths]
        self.patch_embed = PatchEmbed(dim)
        self.levels = nn.ModuleList(
            NATLevel(dim * 2 ** i, depths[i], heads[i], kernel, dilations[i], mlp_ratio, i < len(depths) - 1)
            for i in range(len(depths)))
        features = dim * 2 ** (len(depths) - 1)
        self.norm = nn.LayerNorm(features)
        self.head = nn.Linear(features, classes)

    def forward(self, x):
        x = self.patch_embed(x)
        for level in self.levels:
            x = level(x)
        return self.head(self.norm(x).flatten(1, 2).mean(1))


# ---------------------------------------------------------------- ConvMLP

def conv_bn_relu(cin, cout, kernel, stride=1, padding=0):
    return [nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class ConvTokenizer(nn.Module):
    def __init__(self, channels):
        super().__init__()
        half = channels // 2
        self.block = nn.Sequential(*conv_bn_relu(3, half, 3, 2, 1), *conv_bn_relu(half, half, 3, 1, 1),
                                   *conv_bn_relu(half, channels, 3, 1, 1), nn.MaxPool2d(3, 2, 1))

    def forward(self, x):
        return self.block(x)


class ConvStage(nn.Module):
    """Residual bottlenecks whose branch ends in BN + ReLU, then a 3x3 stride-2 conv with bias."""

    def __init__(self, blocks, channels, hidden, out):
        super().__init__()
        self.conv_blocks = nn.ModuleList(
            nn.Sequential(*conv_bn_relu(channels, hidden, 1), *conv_bn_relu(hidden, hidden, 3, 1, 1),
                          *conv_bn_relu(hidden, channels, 1))
            for _ in range(blocks))
        self.downsample = nn.Conv2d(channels, out, 3, 2, 1)

    def forward(self, x):
        for block in self.conv_blocks:
            x = x + block(x)
        return self.downsample(x)


class ConvMLPBlock(nn.Module):
    """mlp1 with residual, depthwise 3x3 'connect' on a LayerNorm'd input without residual, mlp2 with residual."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.channel_mlp1 = Mlp(dim, hidden)
        self.connect_norm = nn.LayerNorm(dim)
        self.connect = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim, bias=False)
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp2 = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.channel_mlp1(self.norm1(x))
        x = self.connect(self.connect_norm(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return x + self.channel_mlp2(self.norm2(x))


class ConvDownsample(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.downsample = nn.Conv2d(cin, cout, 3, 2, 1)

    def forward(self, x):
        return self.downsample(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class ConvMLPStage(nn.Module):
    def __init__(self, blocks, dim, hidden, next_dim):
        super().__init__()
        self.blocks = nn.ModuleList(ConvMLPBlock(dim, hidden) for _ in range(blocks))
        self.downsample_mlp = ConvDownsample(dim, next_dim) if next_dim else None

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x if self.downsample_mlp is None else self.downsample_mlp(x)


class ConvMLP(nn.Module):
    def __init__(self, blocks, dims, mlp_ratios, channels, conv_blocks, classes=1000):
        super().__init__()
        self.tokenizer = ConvTokenizer(channels)
        self.conv_stages = ConvStage(conv_blocks, channels, dims[0], dims[0])
        self.stages = nn.ModuleList(
            ConvMLPStage(blocks[i], dims[i], int(dims[i] * mlp_ratios[i]), dims[i + 1] if i + 1 < len(dims) else None)
            for i in range(len(blocks)))
        self.norm = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        x = self.conv_stages(self.tokenizer(x)).permute(0, 2, 3, 1)
        for stage in self.stages:
            x = stage(x)
        return self.head(self.norm(x.flatten(1, 2)).mean(1))


# ---------------------------------------------------------------- CCT

class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, c = int(x.shape[1]), int(x.shape[2])
        q, k, v = self.qkv(x).reshape(-1, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (torch.matmul(q, k.transpose(-1, -2)) * self.scale).softmax(-1)
        return self.proj(torch.matmul(attn, v).transpose(1, 2).reshape(-1, n, c))


class CCTEncoderLayer(nn.Module):
    """CCT's block: norm1 normalises the residual stream itself, the MLP residual adds to the normalised tensor."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.pre_norm = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.linear1 = nn.Linear(dim, hidden)
        self.linear2 = nn.Linear(hidden, dim)

    def forward(self, x):
        x = self.norm1(x + self.self_attn(self.pre_norm(x)))
        return x + self.linear2(F.gelu(self.linear1(x)))


class CCTTokenizer(nn.Module):
    def __init__(self, layers, kernel, dim):
        super().__init__()
        stride, padding = max(1, kernel // 2 - 1), max(1, kernel // 2)
        widths = [3] + [64] * (layers - 1) + [dim]
        self.conv_layers = nn.ModuleList(
            nn.Sequential(nn.Conv2d(widths[i], widths[i + 1], kernel, stride, padding, bias=False), nn.ReLU(),
                          nn.MaxPool2d(3, 2, 1))
            for i in range(layers))

    def forward(self, x):
        for layer in self.conv_layers:
            x = layer(x)
        return x.flatten(2).transpose(1, 2)


class CCTClassifier(nn.Module):
    def __init__(self, tokens, dim, depth, heads, mlp_ratio, classes):
        super().__init__()
        self.attention_pool = nn.Linear(dim, 1)
        self.positional_emb = nn.Parameter(torch.randn(1, tokens, dim) * 0.2)
        self.blocks = nn.ModuleList(CCTEncoderLayer(dim, heads, int(dim * mlp_ratio)) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        x = x + self.positional_emb
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        weights = self.attention_pool(x).softmax(1)                        # [B, N, 1]
        return self.fc(torch.matmul(weights.transpose(1, 2), x).squeeze(1))


class CCT(nn.Module):
    def __init__(self, image, conv_layers, kernel, dim, depth, heads, mlp_ratio, classes):
        super().__init__()
        self.tokenizer = CCTTokenizer(conv_layers, kernel, dim)
        with torch.no_grad():
            tokens = self.tokenizer(torch.zeros(1, 3, image, image)).shape[1]
        self.classifier = CCTClassifier(tokens, dim, depth, heads, mlp_ratio, classes)

    def forward(self, x):
        return self.classifier(self.tokenizer(x))


class CVTTokenizer(nn.Module):
    """CVT's tokenizer: one patch-sized, patch-strided convolution with bias; no ReLU, no pooling."""

    def __init__(self, patch, dim):
        super().__init__()
        self.conv_layers = nn.ModuleList([nn.Sequential(nn.Conv2d(3, dim, patch, patch, 0, bias=True))])

    def forward(self, x):
        return self.conv_layers[0](x).flatten(2).transpose(1, 2)


class CVT(nn.Module):
    def __init__(self, image, patch, dim, depth, heads, mlp_ratio, classes):
        super().__init__()
        self.tokenizer = CVTTokenizer(patch, dim)
        self.classifier = CCTClassifier((image // patch) ** 2, dim, depth, heads, mlp_ratio, classes)

    def forward(self, x):
        return self.classifier(self.tokenizer(x))
