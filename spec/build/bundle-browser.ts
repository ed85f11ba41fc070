/**
 * Run by spec/build/browser-bundle.spec.ts in a child process (`tsx`), since esbuild
 * refuses jest's sandboxed realm. Builds the package with tsup.config.ts as it is (dts
 * off, into `<dir>/node_modules/rxmqtt/dist`), copies package.json beside it, then
 * bundles `import 'rxmqtt'` the way an app's bundler would for `platform` (browser or
 * node) and prints what esbuild saw as JSON.
 *
 * Usage: tsx spec/build/bundle-browser.ts <dir> <browser|node>
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { build as esbuild } from 'esbuild';
import { build as tsup, type Options } from 'tsup';
import configs from '../../tsup.config';

async function main(): Promise<void> {
  const [dir, platform] = process.argv.slice(2);
  if (dir === undefined || (platform !== 'browser' && platform !== 'node')) throw new Error('usage: bundle-browser.ts <dir> <browser|node>');
  const root = path.resolve(__dirname, '../..');
  const pkg = path.join(dir, 'node_modules', 'rxmqtt');
  if (!fs.existsSync(path.join(pkg, 'package.json'))) {
    for (const config of configs as Options[]) {
      const outDir = path.join(pkg, config.outDir ?? 'dist');
      await tsup({ ...config, config: false, dts: false, silent: true, outDir, entry: absolute(root, config.entry), tsconfig: path.join(root, 'tsconfig.build.json') });
    }
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  }

  const app = path.join(dir, `app-${platform}.mjs`);
  fs.writeFileSync(app, "export * from 'rxmqtt';\nexport * as testing from 'rxmqtt/testing';\n");
  const outfile = path.join(dir, `bundle-${platform}.js`);
  const result = await esbuild({
    entryPoints: [app],
    bundle: true,
    platform,
    format: 'iife',
    globalName: 'rxmqtt',
    outfile,
    // rxjs comes from the repository's node_modules, as an app's would.
    nodePaths: [path.join(root, 'node_modules')],
    external: platform === 'node' ? ['ws'] : [],
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
  process.stdout.write(
    JSON.stringify({
      outfile,
      inputs: Object.keys(result.metafile.inputs),
      externalImports: output.imports.filter((i) => i.external).map((i) => i.path),
    }),
  );
}

/** tsup resolves entries against the working directory: make them absolute. */
function absolute(root: string, entry: Options['entry']): Record<string, string> {
  if (entry === undefined || Array.isArray(entry)) throw new Error('tsup.config.ts entries are expected as { name: path }');
  return Object.fromEntries(Object.entries(entry).map(([name, file]) => [name, path.join(root, file)]));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
