// SPDX-License-Identifier: MIT
// Image arguments as users type them: files, folders (every image inside, recursively, sorted) and globs the
// shell did not expand (quoted, or on Windows). A pattern or folder that matches nothing is an error.
import { stat } from 'node:fs/promises';
import { glob, isDynamicPattern } from 'tinyglobby';

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'gif', 'avif', 'tif', 'tiff', 'bmp'];
const IMAGE_GLOB = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;

export async function expandImageArguments(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => null);
    if (info?.isDirectory()) {
      const found = (await glob(IMAGE_GLOB, { cwd: arg, absolute: false, caseSensitiveMatch: false })).sort();
      if (found.length === 0) throw new Error(`${arg}: the folder holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
      out.push(...found.map((f) => `${arg.replace(/[\\/]+$/, '')}/${f}`));
    } else if (info === null && isDynamicPattern(arg)) {
      const found = (await glob(arg, { onlyFiles: true })).sort();
      if (found.length === 0) throw new Error(`${arg}: no file matches the pattern`);
      out.push(...found);
    } else {
      out.push(arg); // a file, or a missing path the decoder reports by name
    }
  }
  return out;
}
