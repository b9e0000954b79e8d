// SPDX-License-Identifier: MIT
// @natzoo/core/internals: the tfjs-internal helpers other natzoo packages need (see tfjs_internals.ts). Not part
// of the stable API: they follow tfjs-core's internals and check its version before each use.
export { UnsupportedTfjsVersionError, isRecordingGradients, gradientsInBackwardPass, loadThreadedWasmFactoryFrom, guardWasmHeap, wasmHeapFailure } from './tfjs_internals.js';
