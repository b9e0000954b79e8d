// SPDX-License-Identifier: MIT
// The stylenat_legacy_64 fixture's metadata and our generator built from its constructor arguments.
import { readFileSync } from 'node:fs';
import { createStyleNATGenerator } from '@natzoo/models';
import type { StyleNATGenerator } from '@natzoo/models';
import { sharedPath } from '../../../../tests/support/shared_dir.js';

export const STYLENAT_FIXTURE_DIR = sharedPath('fixtures', 'models', 'stylenat_legacy_64');

interface Fixture {
  generator: { constructor: { size: number; legacy: boolean; args: Record<string, unknown> }; channel_override: { in_channels: number[] }; param_count: number };
  discriminator: { constructor: { size: number; args: Record<string, unknown> }; channel_override: { channels: Record<string, number> }; param_count: number };
}

export const fixture = JSON.parse(readFileSync(`${STYLENAT_FIXTURE_DIR}/fixture.json`, 'utf8')) as Fixture;

/** Our generator for the fixture's constructor arguments (upstream kwarg names) and channel list. */
export function fixtureGenerator(): StyleNATGenerator {
  const g = fixture.generator;
  return createStyleNATGenerator('ffhq256', { ...g.constructor.args, size: g.constructor.size, legacy: g.constructor.legacy, in_channels: g.channel_override.in_channels });
}

