// SPDX-License-Identifier: MIT
// Folders of images: the ImageFolder layout (`<root>/<class>/*`, classes numbered in sorted order as torchvision
// does), the flat ILSVRC validation layout (`val/*.JPEG` plus a label file), and FFHQ-style unlabelled folders
// (every image under a root, sub-folders included, label 0).
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FileDataset } from './dataset.js';
import { ArgumentError } from '@natzoo/core';

/** torchvision's IMG_EXTENSIONS: other files are skipped. */
export const IMAGE_EXTENSIONS = /\.(jpe?g|png|ppm|bmp|pgm|tiff?|webp)$/i;

async function entriesOf(dir: string, what: string) {
  return readdir(dir, { withFileTypes: true }).catch((error: Error) => {
    throw new Error(`${what} ${dir}: cannot read the directory (${error.message})`);
  });
}

/** The class folders of an ImageFolder root, sorted as torchvision numbers them. */
export async function imageFolderClasses(root: string): Promise<string[]> {
  const folders = (await entriesOf(root, 'imagefolder')).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (folders.length === 0) throw new Error(`imagefolder ${root}: no class folders`);
  return folders;
}

/** `<root>/<class>/*`; `classNames` fixes the numbering (e.g. the train split's, for val), else sorted folder names. */
export async function readImageFolder(root: string, classNames?: readonly string[]): Promise<FileDataset> {
  const folders = await imageFolderClasses(root);
  const classes = classNames ?? folders;
  const items: { path: string; label: number }[] = [];
  for (const name of folders) {
    const label = classes.indexOf(name);
    if (label < 0) throw new Error(`imagefolder ${root}: folder '${name}' is not one of the ${classes.length} training classes`);
    const files = (await readdir(join(root, name))).filter((f) => IMAGE_EXTENSIONS.test(f)).sort();
    for (const file of files) items.push({ path: join(root, name, file), label });
  }
  if (items.length === 0) throw new Error(`imagefolder ${root}: no images in the class folders`);
  return new FileDataset(items, classes, `imagefolder ${root}, ${items.length} images, ${classes.length} classes`);
}

/**
 * The flat ILSVRC val layout: images directly in `dir`, labels from `labelFile`. Each line is `<file> <label>`
 * (label: a class index, or a class/synset name from `classNames`), or a bare label per line for the images in
 * sorted file-name order.
 */
export async function readFlatLabelledFolder(dir: string, labelFile: string, classNames: readonly string[]): Promise<FileDataset> {
  const files = (await entriesOf(dir, 'imagefolder val')).filter((e) => e.isFile() && IMAGE_EXTENSIONS.test(e.name)).map((e) => e.name).sort();
  const lines = (await readFile(labelFile, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const toLabel = (text: string, line: number): number => {
    const byName = classNames.indexOf(text);
    if (byName >= 0) return byName;
    const n = Number(text);
    if (Number.isInteger(n) && n >= 0 && n < classNames.length) return n;
    throw new ArgumentError('valLabels', labelFile, `line ${line + 1}: '${text}' is neither a class index below ${classNames.length} nor a class name`);
  };
  const paired = lines.every((l) => /\s|,/.test(l));
  const items: { path: string; label: number }[] = [];
  if (paired) {
    const byFile = new Map(lines.map((l, i) => {
      const [file, label] = l.split(/[\s,]+/);
      return [basename(file!), toLabel(label!, i)] as const;
    }));
    for (const file of files) {
      const label = byFile.get(file) ?? byFile.get(file.replace(/\.[^.]+$/, ''));
      if (label === undefined) throw new ArgumentError('valLabels', labelFile, `no label for ${file}`);
      items.push({ path: join(dir, file), label });
    }
  } else {
    if (lines.length !== files.length) throw new ArgumentError('valLabels', labelFile, `${lines.length} labels for ${files.length} images in ${dir}`);
    files.forEach((file, i) => items.push({ path: join(dir, file), label: toLabel(lines[i]!, i) }));
  }
  return new FileDataset(items, classNames, `flat val ${dir}, ${items.length} images`);
}

/** Every image under `root`, sub-folders included, sorted by path, label 0 (FFHQ's `images1024x1024/00000/...`). */
export async function readUnlabelledImages(root: string): Promise<FileDataset> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await entriesOf(dir, 'images')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.isFile() && IMAGE_EXTENSIONS.test(e.name)) paths.push(join(dir, e.name));
    }
  };
  await walk(root);
  if (paths.length === 0) throw new Error(`images ${root}: no image files`);
  return new FileDataset(paths.map((path) => ({ path, label: 0 })), ['image'], `images ${root}, ${paths.length} files`);
}
