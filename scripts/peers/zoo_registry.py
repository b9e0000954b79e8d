# SPDX-License-Identifier: MIT
"""The benchmarked variants, by registry name: (input size, builder). Configurations as @natzoo/models registers
them (same depths, widths, heads, dilations), so its exported weights load into these modules."""
from zoo_modules import CCT, CVT, NAT, ConvMLP
from zoo_nat_variants import DiNATs, NATIsotropic

DINAT_MINI_DILATIONS = [[1, 8, 1], [1, 4, 1, 4], [1, 2, 1, 2, 1, 2], [1] * 5]
DINAT_S_TINY_DILATIONS = [[1, 8], [1, 4], [1, 2, 1, 2, 1, 2], [1, 1]]

MODELS = {
    "nat_mini": (224, lambda: NAT([3, 4, 6, 5], [2, 4, 8, 16], 64, 3)),
    "dinat_mini": (224, lambda: NAT([3, 4, 6, 5], [2, 4, 8, 16], 64, 3, dilations=DINAT_MINI_DILATIONS)),
    "dinat_s_tiny": (224, lambda: DiNATs(96, [3, 6, 12, 24], DINAT_S_TINY_DILATIONS)),
    "nat_isotropic_small": (224, lambda: NATIsotropic(384, 12)),
    "convmlp_s": (224, lambda: ConvMLP([2, 4, 2], [128, 256, 512], [2, 2, 2], 64, 2)),
    "cct_2_3x2_32": (32, lambda: CCT(32, 2, 3, 128, 2, 2, 1, 10)),
    "cct_7_3x1_32": (32, lambda: CCT(32, 1, 3, 256, 7, 4, 2, 10)),
    "cvt_7_4_32": (32, lambda: CVT(32, 4, 256, 7, 4, 2, 10)),
    "cct_14_7x2_224": (224, lambda: CCT(224, 2, 7, 384, 14, 6, 3, 1000)),
}
