// SPDX-License-Identifier: MIT
// @natzoo/models: NAT, DiNAT, DiNAT_s, isotropic, CCT/CVT/ViT-Lite, ConvMLP and StyleNAT built on @natzoo/core.
// The model families and the registry land with the classification-zoo work; the NA layers they are built
// from are re-exported here so model code has one import.
export { NeighborhoodAttention1D, NeighborhoodAttention2D } from '@natzoo/core';
