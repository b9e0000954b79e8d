import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (pkg: string, file: string) => fileURLToPath(new URL(`./packages/${pkg}/src/${file}.ts`, import.meta.url));
const entry = (name: string, pkg: string, file: string) => ({ find: new RegExp(`^${name}$`), replacement: source(pkg, file) });

export default defineConfig({
  resolve: {
    // Tests run against the sources; the build output is checked separately by the package-import test.
    alias: [
      entry('@natzoo/core', 'core', 'index'),
      entry('@natzoo/core/advanced', 'core', 'advanced'),
      entry('@natzoo/core/training-kernels', 'core', 'training_kernels'),
      entry('@natzoo/core/internals', 'core', 'internals'),
      entry('@natzoo/models', 'models', 'index'),
      entry('@natzoo/models/advanced', 'models', 'advanced'),
      entry('@natzoo/train', 'train', 'index'),
      entry('@natzoo/train/advanced', 'train', 'advanced'),
      entry('@natzoo/train/convert', 'train', 'convert_entry'),
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
