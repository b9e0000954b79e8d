// SPDX-License-Identifier: MIT
// Documentation that runs: every fenced block of README.md, packages/*/README.md, apps/web/README.md,
// checkpoints/README.md and docs/*.md. TypeScript blocks are type-checked together against the built packages
// and run one by one with node in a temporary folder; shell blocks run in the repository root with `natzoo`
// as the built CLI. A block marked `<!-- doc-test: skip <reason> -->` (a download, a browser, minutes of work)
// is type-checked when it is TypeScript and not run; the count run / skipped, with the reasons, is printed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { docBlocks, docFiles, isShell, isTypeScript, REPO_ROOT, type DocBlock } from './support/doc_blocks.js';
import { sharedPath } from './support/shared_dir.js';

/** What a `given` marker stands for: values a page or the reader already has. */
const GIVEN: Record<string, string> = {
  file: `const file = new File([readFileSync(${JSON.stringify(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar'))})], 'model_best.pth.tar');`,
  imageElement: `const imageElement = await decodeImageFile(${JSON.stringify(join(REPO_ROOT, 'checkpoints', 'samples', '0_cat.png'))});`,
  model: `const model = createModel('nat_mini');`,
};
const GIVEN_IMPORTS = [
  "import { readFileSync } from 'node:fs';",
  "import { decodeImageFile } from '@natzoo/train';",
  "import { createModel } from '@natzoo/models';",
];

const blocks = docFiles().flatMap(docBlocks);
const work = join(REPO_ROOT, 'test-artifacts');
mkdirSync(work, { recursive: true });
const dir = mkdtempSync(join(work, 'docs-'));
const run: string[] = [];
const skipped: string[] = [];

/** The block as a module, after the declarations of what it is given (only the imports those need). */
function moduleSource(block: DocBlock): string {
  const given = block.given.map((name) => {
    const source = GIVEN[name];
    if (source === undefined) throw new Error(`${block.where}: unknown given '${name}'; known: ${Object.keys(GIVEN).join(', ')}`);
    return source;
  });
  const aliases = given.length === 0 ? [] : GIVEN_IMPORTS.map((line) => line.replace(/\{ (\w+) \}/, (_m, n: string) => (block.code.includes(`${n} }`) || block.code.includes(` ${n},`) ? `{ ${n} as ${n}Given }` : `{ ${n} }`)));
  const renamed = given.map((g) => g.replace(/\b(decodeImageFile|createModel|readFileSync)\(/g, (_m, n: string) => (aliases.some((a) => a.includes(`${n}Given`)) ? `${n}Given(` : `${n}(`)));
  return [...aliases, ...renamed, block.code, 'export {};', ''].join('\n');
}

const fileName = (block: DocBlock) => block.where.replace(/[^\w]+/g, '_');

afterAll(() => {
  console.log(`doc blocks: ${run.length} run, ${skipped.length} skipped\n  run:\n${run.map((r) => `    ${r}`).join('\n')}\n  skipped:\n${skipped.map((s) => `    ${s}`).join('\n')}`);
  rmSync(dir, { recursive: true, force: true });
});

describe('the documentation\'s code blocks', () => {
  const typescript = blocks.filter(isTypeScript);

  it('type-checks every TypeScript block against the built packages', () => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['ES2022', 'DOM'] }, include: ['*.ts'] }),
    );
    for (const block of typescript) writeFileSync(join(dir, `${fileName(block)}.ts`), moduleSource(block));
    let output = '';
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error);
    }
    expect(output).toBe('');
    expect(typescript.length).toBeGreaterThan(5);
  });

  it.each(blocks.map((b) => [`${b.where} (${b.lang || 'text'})`, b] as const))('%s', (_name, block) => {
    const reason = block.skip ?? (isTypeScript(block) || isShell(block) ? undefined : `${block.lang || 'text'} block`);
    if (reason !== undefined) {
      skipped.push(`${block.where}: ${reason}`);
      console.log(`skipped ${block.where}: ${reason}`);
      return;
    }
    if (isTypeScript(block)) {
      // A block that computes picks the fast backend, as a user should.
      if (/@natzoo\/(core|models)'/.test(block.code)) expect(block.code, `${block.where} calls setBestBackend`).toMatch(/await setBestBackend\(/);
      const js = transformSync(moduleSource(block), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
      const file = join(dir, `${fileName(block)}.mjs`);
      writeFileSync(file, js);
      execFileSync(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } else {
      const natzoo = `natzoo() { node ${JSON.stringify(join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js'))} "$@"; }
pnpm() { if [ "$1" = natzoo ]; then shift; natzoo "$@"; else command pnpm "$@"; fi; }
npx() { if [ "$1" = natzoo ]; then shift; natzoo "$@"; else command npx "$@"; fi; }`;
      execFileSync('bash', ['-e', '-o', 'pipefail', '-c', `${natzoo}\n${block.code}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    }
    run.push(block.where);
  });
});
