import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the Electron binary is, or why it cannot be used. Deliberately not `require('electron')`:
 * that tries to download the binary when it is missing.
 */
export function electronBinary(root: string): { path: string } | { missing: string } {
  const pkg = path.join(root, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(pkg, 'package.json'))) return { missing: 'the electron package is not installed' };
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(pkg, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  if (!relative && !override) {
    return {
      missing: 'node_modules/electron/path.txt is absent (the binary was never downloaded, e.g. no network at install)',
    };
  }
  const binary = override ? path.join(override, relative ?? 'electron') : path.join(pkg, 'dist', relative!);
  if (!fs.existsSync(binary)) return { missing: `${binary} does not exist` };
  return { path: binary };
}
