import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The browser build's one difference from Node's: `src/transport/platform.ts` (the Node
 * transports: net, tls, ws) is replaced by `platform.browser.ts` (the global WebSocket).
 * Everything else is the same source.
 */
export const browserPlatform: Plugin = {
  name: 'rxmqtt-browser-platform',
  setup(build) {
    build.onResolve({ filter: /(^|\/)platform$/ }, (args) => {
      const browser = path.join(args.resolveDir, `${args.path}.browser.ts`);
      return fs.existsSync(browser) ? { path: browser } : undefined;
    });
  },
};

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  splitting: false,
  treeshake: true,
  tsconfig: 'tsconfig.build.json',
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // Not dist/browser/: the browser build below writes there, at the same time.
    clean: ['!browser/**'],
    platform: 'node',
    external: ['rxjs', 'ws'],
  },
  {
    ...shared,
    // The `browser` condition of package.json's "." export. Same public API, so the
    // types are the Node build's (dist/index.d.mts, dist/index.d.ts).
    entry: { index: 'src/index.ts' },
    outDir: 'dist/browser',
    format: ['esm', 'cjs'],
    dts: false,
    clean: true,
    platform: 'browser',
    external: ['rxjs'],
    esbuildPlugins: [browserPlatform],
  },
]);
