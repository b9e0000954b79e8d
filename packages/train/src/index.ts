// SPDX-License-Identifier: MIT
// @natzoo/train: datasets, training loops, checkpoint readers and converters, and the natzoo CLI.
// They land with the conversion and training work; until then the package exposes the backend chooser the
// training scripts start from.
export { setBestBackend } from '@natzoo/core';
export type { NodeBackendName } from '@natzoo/core';
