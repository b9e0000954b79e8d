// SPDX-License-Identifier: MIT
/// <reference types="vite/client" />

declare module 'virtual:natzoo-assets' {
  /** Converted models shipped with the page, the default first; `url` is relative to the page. */
  export const models: { id: string; url: string }[];
  export const samples: { name: string; url: string }[];
}
