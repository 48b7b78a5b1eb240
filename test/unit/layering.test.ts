// Import layering by runtime (README "Layout"): renderer/ never imports src/, electron/ or Node;
// src/ never imports electron or the UI. ESLint enforces the same; this test keeps it true even
// where lint is not run, and reads the files as text so nothing can hide behind a re-export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name)) out.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = new Set<string>();
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm,
  )) {
    specs.add((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  }
  return [...specs];
}

function resolvesInto(file: string, spec: string, folder: string): boolean {
  if (!spec.startsWith('.')) return false;
  const target = path.resolve(path.dirname(file), spec);
  return target === path.join(root, folder) || target.startsWith(path.join(root, folder) + path.sep);
}

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

test('src/ never imports electron, electron/ or renderer/', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(path.join(root, 'src'))) {
    for (const spec of importsOf(file)) {
      if (
        spec === 'electron' ||
        spec.startsWith('electron/') ||
        resolvesInto(file, spec, 'electron') ||
        resolvesInto(file, spec, 'renderer')
      ) {
        offenders.push(`${path.relative(root, file)} -> ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('renderer/ never imports src/, electron/ or Node built-ins', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(path.join(root, 'renderer'))) {
    if (file.endsWith('vite.config.ts')) continue; // build tooling runs in Node, not in the page
    for (const spec of importsOf(file)) {
      if (
        nodeBuiltins.has(spec) ||
        spec === 'electron' ||
        resolvesInto(file, spec, 'src') ||
        resolvesInto(file, spec, 'electron')
      ) {
        offenders.push(`${path.relative(root, file)} -> ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('the layering check sees real imports (it would catch a violation)', () => {
  const sample = path.join(root, 'src', 'cli', 'main.ts');
  assert.ok(importsOf(sample).some((spec) => spec === 'commander'));
  assert.ok(resolvesInto(path.join(root, 'src', 'x.ts'), '../electron/main.ts', 'electron'));
});
