// SPDX-License-Identifier: MIT
// Broken and hostile model directories (issue 17): weight paths leading out, symlinks to devices, FIFOs, sizes
// that disagree with the manifest, layer graphs that loop or name missing layers, absurd preprocess values and
// tfjs's own errors: each a ModelDirError naming the directory and the file, within 2 s.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelDir, ModelDirError } from '../src/index.js';

const SHIPPED = resolve(__dirname, '../../../checkpoints/cct_2_3x2_32.cifar10');
const root = mkdtempSync(join(tmpdir(), 'natzoo-modeldir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ModelJson {
  modelTopology: { config: { layers: { name: string; class_name: string; inbound_nodes: unknown[][] }[]; output_layers: unknown[] } };
  weightsManifest: { paths: string[] }[];
}

let count = 0;
/** A copy of the shipped model directory, changed by `edit`. */
function variant(edit: (dir: string, json: ModelJson) => void): string {
  const dir = join(root, `m${count++}`);
  cpSync(SHIPPED, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
  edit(dir, json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

async function expectModelDirError(dir: string, file: string, pattern: RegExp): Promise<void> {
  const start = performance.now();
  const error = await loadModelDir(dir).then(() => undefined, (e: unknown) => e);
  expect(performance.now() - start).toBeLessThan(2000);
  expect(error).toBeInstanceOf(ModelDirError);
  expect((error as Error).message.startsWith(`${dir}: ${file}: `), (error as Error).message).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

const setPath = (path: string) => (_dir: string, json: ModelJson) => {
  json.weightsManifest[0]!.paths = [path];
};

describe('hostile model directories (issue 17 findings)', () => {
  it('the shipped directory loads', async () => {
    const { model, preprocess } = await loadModelDir(variant(() => undefined));
    expect(preprocess.labels).toHaveLength(10);
    model.dispose();
  });

  it('weight paths stay inside the directory and are regular files', async () => {
    await expectModelDirError(variant(setPath('../m0/weights.bin')), 'model.json', /path '\.\.\/m0\/weights\.bin' must not contain '\.\.'/);
    await expectModelDirError(variant(setPath('/dev/zero')), 'model.json', /path "\/dev\/zero" must be a relative file name/);
    const zero = variant((dir) => {
      rmSync(join(dir, 'weights.bin'));
      symlinkSync('/dev/zero', join(dir, 'weights.bin'));
    });
    await expectModelDirError(zero, 'model.json', /'weights\.bin' leads outside the directory/);
    const proc = variant(setPath('status'));
    symlinkSync('/proc/self/status', join(proc, 'status'));
    await expectModelDirError(proc, 'model.json', /'status' leads outside the directory/);
    const fifo = variant(setPath('pipe'));
    execFileSync('mkfifo', [join(fifo, 'pipe')]);
    await expectModelDirError(fifo, 'model.json', /'pipe' is not a regular file/);
    const folder = variant(setPath('sub'));
    cpSync(SHIPPED, join(folder, 'sub'), { recursive: true });
    await expectModelDirError(folder, 'model.json', /'sub' is not a regular file/);
  });

  it('a directory that is a link to a sibling version loads (what saveModelDir writes); links inside it still may not leave it', async () => {
    const version = variant(() => undefined);
    const linked = join(root, 'linked');
    symlinkSync(basename(version), linked);
    const { model } = await loadModelDir(linked);
    model.dispose();
    // A weight file linked to the sibling next to the version (outside it, although beside the link).
    const outside = variant((dir) => {
      rmSync(join(dir, 'weights.bin'));
      symlinkSync(join(version, 'weights.bin'), join(dir, 'weights.bin'));
    });
    const link = join(root, 'linked-outside');
    symlinkSync(basename(outside), link);
    await expectModelDirError(link, 'model.json', /'weights\.bin' leads outside the directory/);
  });

  it('shard sizes are checked against the manifest before reading', async () => {
    const short = variant((dir) => truncateSync(join(dir, 'weights.bin'), 1000));
    await expectModelDirError(short, 'model.json', /the weight files hold 1000 bytes but the manifest's weights need 1134892/);
  });

  it('the layer graph is checked: missing layers, node indices, cycles', async () => {
    const missing = variant((_dir, json) => {
      json.modelTopology.config.layers[1]!.inbound_nodes = [[['nowhere', 0, 0, {}]]];
    });
    await expectModelDirError(missing, 'model.json', /layer 'tokenizer\.conv_layers\.0\.0' refers to layer 'nowhere', which does not exist/);
    const node = variant((_dir, json) => {
      json.modelTopology.config.layers[1]!.inbound_nodes = [[['image', 3, 0, {}]]];
    });
    await expectModelDirError(node, 'model.json', /refers to node 3 of layer 'image', which has 1/);
    const cycle = variant((_dir, json) => {
      const layers = json.modelTopology.config.layers;
      layers[1]!.inbound_nodes = [[[layers[5]!.name, 0, 0, {}]]];
    });
    await expectModelDirError(cycle, 'model.json', /the layer graph has a cycle/);
    const output = variant((_dir, json) => {
      json.modelTopology.config.output_layers = [['gone', 0, 0]];
    });
    await expectModelDirError(output, 'model.json', /output_layers refers to layer 'gone'/);
  });

  it('preprocess.json values are range-checked', async () => {
    const huge = variant((dir) => {
      const pre = JSON.parse(readFileSync(join(dir, 'preprocess.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'preprocess.json'), JSON.stringify({ ...pre, inputSize: [3, 60000, 60000] }));
    });
    await expectModelDirError(huge, 'preprocess.json', /inputSize: height and width must be at most 4096/);
  });

  it("tfjs's own errors name the directory and model.json", async () => {
    const unknown = variant((_dir, json) => {
      json.modelTopology.config.layers[1]!.class_name = 'NoSuchLayer';
    });
    await expectModelDirError(unknown, 'model.json', /tfjs cannot build the model: .*NoSuchLayer/);
    const notJson = variant(() => undefined);
    writeFileSync(join(notJson, 'model.json'), '{"modelTopology":');
    await expectModelDirError(notJson, 'model.json', /not valid JSON/);
  });
});
