# SPDX-License-Identifier: MIT
# Golden values for the bicubic rpb resize (tests/resize_rpb.test.ts): PyTorch's
# F.interpolate(mode='bicubic', align_corners=False) on seeded random tables, and on the rpb tables of the
# nat_k7_224 model fixture resized from kernel 7 (13x13) to kernel 9 (17x17), the way upstream grew 7x7
# checkpoints into 11x11 ones. Needs Debian's torch (apt-get install python3-torch); run from the repo root:
#
#   /usr/bin/python3 scripts/make_bicubic_golden.py ../shared
#
# Writes float32 .npy files to tests/golden/bicubic/ (inputs beside outputs, so the test needs no torch).
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

shared = sys.argv[1] if len(sys.argv) > 1 else '../shared'
out_dir = os.path.join('tests', 'golden', 'bicubic')
os.makedirs(out_dir, exist_ok=True)


def resize(table, size):
    # [heads, h, w] -> [heads, size[0], size[1]], float64 inside so the golden carries no float32 rounding.
    x = torch.from_numpy(table.astype(np.float64))[None]
    return F.interpolate(x, size=size, mode='bicubic', align_corners=False)[0].numpy().astype(np.float32)


def save(name, array):
    np.save(os.path.join(out_dir, f'{name}.npy'), np.ascontiguousarray(array, dtype=np.float32))


generator = torch.Generator().manual_seed(20240607)
cases = {
    'up_13_to_21': ((3, 13, 13), (21, 21)),  # kernel 7 -> 11, upstream's use
    'down_13_to_9': ((2, 13, 13), (9, 9)),  # kernel 7 -> 5
    'odd_4x6_to_9x7': ((1, 4, 6), (9, 7)),  # rows grow, columns shrink
}
for name, (shape, size) in cases.items():
    table = torch.randn(shape, generator=generator, dtype=torch.float64).numpy().astype(np.float32)
    save(f'{name}_in', table)
    save(f'{name}_out', resize(table, size))

state_dict = torch.load(os.path.join(shared, 'fixtures', 'models', 'nat_k7_224', 'state_dict.pth'), map_location='cpu')
for key, value in state_dict.items():
    if key.endswith('.attn.rpb'):
        save(f'nat_k7_224.{key}.k9', resize(value.numpy(), (17, 17)))
print('wrote', sorted(os.listdir(out_dir)))
