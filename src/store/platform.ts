/**
 * This build's `fileStore`: Node's (node:fs). The browser build replaces this module with
 * platform.browser.ts (the `browserPlatform` plugin in tsup.config.ts), so that no
 * browser bundle imports fs. Both export the same names with the same types
 * (spec/store/platform.spec.ts checks it).
 */
export { fileStore, type FileStoreOptions } from './file';
