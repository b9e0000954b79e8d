// SPDX-License-Identifier: MIT
// The one definition of a Hugging Face hub id (`owner/name`), shared by loadClassifier's hint and
// @natzoo/train's resolver of pretrained models by name.

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** Whether `ref` has the form of a hub repo id, e.g. `shi-labs/dinat-mini-in1k-224`. */
export function isHubId(ref: string): boolean {
  return HUB_ID.test(ref);
}
