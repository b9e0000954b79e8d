// SPDX-License-Identifier: MIT
// Rendering of the page's state into the elements that carry the test hooks (data-testid, data-label,
// data-prob, data-ms), kept apart from the control flow in main.ts.
import type { Prediction } from '@natzoo/models';

export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page: no element #${id}`);
  return found as T;
}

export function setStatus(status: 'starting' | 'loading-model' | 'model-ready' | 'classifying' | 'ready' | 'error'): void {
  element('status').textContent = status;
}

/** Adds a message to the page's list; a `sticky` one (a backend that cannot start) survives clearErrors. */
export function showError(message: string, level: 'error' | 'warning' = 'error', sticky = false): void {
  const item = document.createElement('li');
  item.className = level;
  item.dataset['level'] = level;
  if (sticky) item.dataset['sticky'] = 'true';
  item.textContent = message;
  element('errors').append(item);
  (level === 'error' ? console.error : console.warn)(`natzoo: ${message}`);
}

export function clearErrors(): void {
  for (const item of element('errors').querySelectorAll('li:not([data-sticky])')) item.remove();
}

/** `ms` to the cell's text and its data-ms (null clears it). */
export function showTime(id: 'time-load' | 'time-first' | 'time-warm' | 'time-last', ms: number | null, note = ''): void {
  const cell = element(id);
  if (ms === null) {
    cell.textContent = '—';
    delete cell.dataset['ms'];
    return;
  }
  cell.textContent = `${ms.toFixed(1)} ms${note ? ` (${note})` : ''}`;
  cell.dataset['ms'] = String(ms);
}

export function showPredictions(imageName: string, top: readonly Prediction[]): void {
  const list = element('predictions');
  list.replaceChildren(
    ...top.map(({ className: label, index, probability: prob }) => {
      const row = document.createElement('li');
      row.dataset['testid'] = 'prediction';
      row.dataset['label'] = label;
      row.dataset['index'] = String(index);
      row.dataset['prob'] = String(prob);
      const name = document.createElement('span');
      name.textContent = label;
      const value = document.createElement('span');
      value.className = 'prob';
      value.textContent = `${(prob * 100).toFixed(2)}%`;
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0.5, prob * 100)}%`;
      row.append(name, value, bar);
      return row;
    }),
  );
  list.dataset['image'] = imageName;
  element('image-name').textContent = imageName;
}

export function clearPredictions(): void {
  const list = element('predictions');
  list.replaceChildren();
  delete list.dataset['image'];
  element('image-name').textContent = '';
}

export function fillSelect(id: string, options: readonly { value: string; text: string }[], selected?: string): void {
  const select = element<HTMLSelectElement>(id);
  select.replaceChildren(
    ...options.map(({ value, text }) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      option.selected = value === selected;
      return option;
    }),
  );
}
