// SPDX-License-Identifier: MIT
// The page's controls: image input, drag and drop, paste and samples; model by select, URL, files or name; the
// cache, the backend, the attention layer and the query cell.
import { samples } from 'virtual:natzoo-assets';
import { isBackendName } from './backends.js';
import { switchBackend } from './backend_view.js';
import { drawAttention } from './attention_view.js';
import { showCacheSize } from './by_name_view.js';
import { classifyCurrent, takeImage } from './classify_image.js';
import { loadModel } from './current_model.js';
import { clearModelCache } from './model_loader.js';
import { enqueue, state } from './page_state.js';
import { clearErrors, element, setStatus, showError } from './view.js';

export function wire(): void {
  element<HTMLInputElement>('image-input').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file !== undefined) takeImage(file, file.name);
  });
  const drop = element('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) takeImage(file, file.name);
    else showError('the dropped item is not a file');
  });
  window.addEventListener('paste', (event) => {
    const file = Array.from(event.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
    if (file !== undefined) takeImage(file, file.name || 'pasted image');
  });
  const sampleBox = element('samples');
  for (const sample of samples) {
    const button = document.createElement('button');
    button.type = 'button';
    button.title = sample.name;
    button.dataset['testid'] = 'sample';
    const img = document.createElement('img');
    img.src = sample.url;
    img.alt = sample.name;
    button.append(img);
    button.addEventListener('click', () => {
      clearErrors();
      setStatus('classifying');
      enqueue(async () => {
        const response = await fetch(sample.url);
        if (!response.ok) throw new Error(`cannot fetch sample ${sample.url}: HTTP ${response.status}`);
        takeImage(await response.blob(), sample.name);
      });
    });
    sampleBox.append(button);
  }
  element<HTMLSelectElement>('model-select').addEventListener('change', (event) => {
    clearErrors();
    enqueue(() => loadModel({ kind: 'url', url: (event.target as HTMLSelectElement).value }).then(classifyCurrent));
  });
  element<HTMLFormElement>('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = element<HTMLInputElement>('model-url').value.trim();
    clearErrors();
    if (url === '') return showError('model URL: enter the address of a model.json');
    enqueue(() => loadModel({ kind: 'url', url }).then(classifyCurrent));
  });
  element<HTMLInputElement>('model-files').addEventListener('change', (event) => {
    const files = Array.from((event.target as HTMLInputElement).files ?? []);
    clearErrors();
    if (files.length > 0) enqueue(() => loadModel({ kind: 'files', files }).then(classifyCurrent));
  });
  element<HTMLFormElement>('pretrained-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const ref = element<HTMLInputElement>('pretrained-ref').value.trim();
    clearErrors();
    if (ref === '') return showError('model name: enter a hub id (shi-labs/dinat-mini-in1k-224) or a tag (nat_mini.in1k)');
    const endpoint = element<HTMLInputElement>('hub-endpoint').value.trim();
    enqueue(() => loadModel({ kind: 'pretrained', ref, endpoint }).then(classifyCurrent));
  });
  element('clear-cache').addEventListener('click', () =>
    enqueue(async () => {
      const removed = await clearModelCache();
      await showCacheSize();
      showError(`removed ${removed} cached model${removed === 1 ? '' : 's'} from IndexedDB`, 'warning');
    }),
  );
  element<HTMLSelectElement>('backend-select').addEventListener('change', (event) => {
    const name = (event.target as HTMLSelectElement).value;
    clearErrors();
    if (isBackendName(name)) enqueue(() => switchBackend(name));
  });
  element<HTMLSelectElement>('attention-select').addEventListener('change', () => enqueue(() => drawAttention()));
  element<HTMLCanvasElement>('view').addEventListener('click', (event) => {
    const canvas = event.currentTarget as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    state.query = [(event.clientY - box.top) / box.height, (event.clientX - box.left) / box.width];
    if (state.attention.find((s) => s.layer === element<HTMLSelectElement>('attention-select').value)?.kind === 'neighborhood') enqueue(() => drawAttention());
  });
}
