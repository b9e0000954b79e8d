// SPDX-License-Identifier: MIT
// The fenced code blocks of the documentation (README.md, packages/*/README.md, apps/web/README.md,
// checkpoints/README.md, docs/*.md), with the doc-test markers written before them:
//   <!-- doc-test: skip <reason> -->    not run (a download, a GPU, placeholder files, minutes of work)
//   <!-- doc-test: given a, b -->       names the test provides (a browser File, an image) before the block runs
// and the `natzoo` command lines in their shell blocks, as argument lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DocBlock {
  /** `README.md:42` (the fence's line). */
  where: string;
  lang: string;
  code: string;
  skip?: string;
  given: string[];
}

export function docFiles(): string[] {
  const inDir = (dir: string, test: (name: string) => boolean) => readdirSync(join(REPO_ROOT, dir)).filter(test).map((name) => join(dir, name));
  const packages = readdirSync(join(REPO_ROOT, 'packages')).map((p) => join('packages', p, 'README.md')).filter((p) => {
    try {
      return readFileSync(join(REPO_ROOT, p)).length > 0;
    } catch {
      return false;
    }
  });
  return ['README.md', ...packages, 'apps/web/README.md', 'checkpoints/README.md', ...inDir('docs', (n) => n.endsWith('.md'))];
}

export function docBlocks(file: string): DocBlock[] {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const markers: string[] = [];
    for (let j = start - 1; j >= 0 && /^<!-- doc-test: .* -->$/.test(lines[j]!); j--) markers.push(/^<!-- doc-test: (.*) -->$/.exec(lines[j]!)![1]!);
    const skip = markers.find((m) => m.startsWith('skip '))?.slice(5);
    const given = markers.find((m) => m.startsWith('given '))?.slice(6).split(/,\s*/) ?? [];
    blocks.push({ where: `${relative(REPO_ROOT, join(REPO_ROOT, file))}:${start + 1}`, lang: open[1]!, code: body.join('\n'), ...(skip === undefined ? {} : { skip }), given });
  }
  return blocks;
}

export const isShell = (block: DocBlock) => ['bash', 'sh', 'shell', 'console'].includes(block.lang);
export const isTypeScript = (block: DocBlock) => ['ts', 'typescript'].includes(block.lang);

/** Shell words of one command line (single and double quotes; no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== null) out.push(current);
      current = null;
    } else current = (current ?? '') + ch;
  }
  if (current !== null) out.push(current);
  return out;
}

/** A line's comment removed (a `#` outside quotes that starts a word). */
function withoutComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== null) quote = ch === quote ? null : quote;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

export interface CommandLine {
  where: string;
  text: string;
  /** The arguments after `natzoo`, with the usage notation resolved: `[--x]` kept, `a|b` -> `a`, `<dir>` -> `dir`. */
  args: string[];
}

/** Every `natzoo` / `npx natzoo` / `pnpm natzoo` line of a shell block (continuations joined). */
export function natzooLines(block: DocBlock): CommandLine[] {
  const joined = block.code.replace(/\\\n\s*/g, ' ').split('\n');
  const out: CommandLine[] = [];
  for (const raw of joined) {
    const text = withoutComment(raw).trim();
    const match = /^(?:pnpm |npx )?natzoo(?:\s+(.*))?$/.exec(text);
    if (match === null) continue;
    const notation = (match[1] ?? '')
      .replace(/\[([^\]]*)\]/g, '$1')
      .replace(/<([^>]*)>/g, '$1')
      .replace(/([^\s|]+)(?:\|[^\s|]+)+/g, (all: string, first: string) => (all.includes("'") ? all : first));
    out.push({ where: block.where, text, args: words(notation).filter((w) => w !== '...') });
  }
  return out;
}
