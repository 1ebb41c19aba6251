import { open, readFile } from 'node:fs/promises';
import * as fb from './generated/tflite.js';
import { InvalidModelError, ModelEditError } from './errors.js';
import { builtinByName, builtinCodeOf, EDGETPU_CUSTOM_OP, opNameOf } from './opcodes.js';
import { cutSubgraph, pruneModel } from './prune.js';
import { readModelTree } from './read.js';
import { Subgraph } from './subgraph.js';
import { TFLITE_SCHEMA_VERSION, validateModelTree } from './validate.js';
import type { OperatorInfo } from './views.js';
import { writeModelTree, type WriteOptions } from './write.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** One operator code of the model (what an operator's opcodeIndex points at). */
export interface OperatorCodeInfo {
  index: number;
  op: string;
  builtinCode: fb.BuiltinOperator;
  customCode: string | null;
  version: number;
}

/** Where each operator of a subgraph runs. */
export interface OperatorPlacement {
  subgraph: number;
  /** Operators compiled into an edgetpu-custom-op: they run on the Edge TPU. */
  edgetpu: OperatorInfo[];
  /** Everything else: runs on the CPU (before or after the custom op). */
  cpu: OperatorInfo[];
}

/** An edgetpu-custom-op operator and the compiled program it carries. */
export interface EdgeTpuOperator {
  subgraph: number;
  operator: number;
  inputs: number[];
  outputs: number[];
  /** The raw custom options: a FlexBuffer map holding the compiled Edge TPU program. */
  customOptions: Uint8Array;
}

/**
 * A TFLite model: read from bytes, inspected, edited, written back. Reading keeps no
 * copy of the weights (buffers are views into the bytes given), and writing keeps every
 * field of the schema, known to this library's code or not.
 */
/** How Model.load reads a file. */
export interface LoadOptions {
  /**
   * Where the file's bytes go: called once with the file's size, it returns the memory to read
   * them into (exactly that long). By default a buffer of their own.
   */
  into?: (byteLength: number) => Uint8Array;
}

/** Reads the whole file at `path` into the memory `into` hands out for its size. */
async function readFileInto(path: string, into: (byteLength: number) => Uint8Array): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const stat = await file.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const size = stat.size;
    const target = into(size);
    if (target.byteLength !== size) throw new RangeError(`Model.load: into(${size}) returned ${target.byteLength} bytes`);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await file.read(target, done, size - done, done);
      if (bytesRead === 0) throw new Error(`the file shrank while it was read (${done} of ${size} bytes)`);
      done += bytesRead;
    }
    return target;
  } finally {
    await file.close();
  }
}

export class Model {
  /** Where the model was read from, for error messages. */
  readonly source: string | undefined;
  private externalBuffers: boolean;

  private constructor(
    private tree: fb.ModelT,
    options: { source?: string; externalBuffers?: boolean },
  ) {
    this.source = options.source;
    this.externalBuffers = options.externalBuffers ?? false;
  }

  /**
   * Parses .tflite bytes. The model keeps views into `bytes` for its weights, so do not
   * modify them afterwards. Throws InvalidModelError saying what is wrong.
   */
  static fromBuffer(bytes: Uint8Array | ArrayBuffer, options: { source?: string } = {}): Model {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const { model, externalBuffers } = readModelTree(u8, options.source);
    validateModelTree(model, options.source);
    return new Model(model, { source: options.source, externalBuffers: externalBuffers.size > 0 });
  }

  /**
   * A new, empty model: schema version 3, one empty subgraph, the empty buffer 0.
   * Build it up with addTensor/addOperator and setInputs/setOutputs.
   */
  static create(options: { description?: string; subgraphName?: string } = {}): Model {
    const tree = new fb.ModelT();
    tree.version = TFLITE_SCHEMA_VERSION;
    tree.description = options.description ?? 'edgetpu-learn';
    const g = new fb.SubGraphT();
    g.name = options.subgraphName ?? 'main';
    tree.subgraphs = [g];
    tree.buffers = [new fb.BufferT()];
    return new Model(tree, {});
  }

  /** Reads and parses a .tflite file (into memory of the caller's choosing with `options.into`). */
  static async load(path: string, options: LoadOptions = {}): Promise<Model> {
    let bytes: Uint8Array;
    try {
      bytes = options.into ? await readFileInto(path, options.into) : await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a model file' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
      throw new InvalidModelError(`cannot read the model: ${why}`, { source: path, cause: e });
    }
    return Model.fromBuffer(bytes, { source: path });
  }

  /** Serializes the model. Buffers stored after the flatbuffer in the source stay there. */
  toBuffer(options: WriteOptions = {}): Uint8Array {
    validateModelTree(this.tree, this.source);
    return writeModelTree(this.tree, { externalBuffers: this.externalBuffers || undefined, ...options });
  }

  /** Writes the model to `path` atomically (temporary file, then rename). */
  async save(path: string, options: WriteOptions = {}): Promise<void> {
    await writeFileAtomic(path, this.toBuffer(options));
  }

  /** An independent deep copy. */
  clone(): Model {
    const bytes = this.toBuffer();
    return Model.fromBuffer(bytes, { source: this.source });
  }

  /** The generated object tree. Edits made here bypass the checks of the methods. */
  get raw(): fb.ModelT {
    return this.tree;
  }

  get version(): number {
    return this.tree.version;
  }

  get description(): string {
    return typeof this.tree.description === 'string' ? this.tree.description : '';
  }

  setDescription(text: string): void {
    this.tree.description = text;
  }

  get subgraphs(): Subgraph[] {
    return this.tree.subgraphs.map((_, i) => new Subgraph(this, i));
  }

  /** Subgraph `index` (0, the main graph, by default). */
  subgraph(index = 0): Subgraph {
    if (!this.tree.subgraphs[index]) throw new ModelEditError(`subgraph ${index} does not exist (the model has ${this.tree.subgraphs.length})`);
    return new Subgraph(this, index);
  }

  get operatorCodes(): OperatorCodeInfo[] {
    return this.tree.operatorCodes.map((c, index) => ({
      index,
      op: opNameOf(c),
      builtinCode: builtinCodeOf(c),
      customCode: typeof c.customCode === 'string' ? c.customCode : null,
      version: c.version,
    }));
  }

  // ---- buffers ----

  get bufferCount(): number {
    return this.tree.buffers.length;
  }

  bufferData(index: number): Uint8Array {
    const b = this.tree.buffers[index];
    if (!b && index === 0) return new Uint8Array(0);
    if (!b) throw new ModelEditError(`buffer ${index} does not exist (the model has ${this.tree.buffers.length})`);
    return b.data as unknown as Uint8Array;
  }

  setBufferData(index: number, data: Uint8Array): void {
    const b = this.tree.buffers[index];
    if (!b) throw new ModelEditError(`buffer ${index} does not exist (the model has ${this.tree.buffers.length})`);
    if (index === 0 && data.length > 0) throw new ModelEditError('buffer 0 is the shared empty buffer of run-time tensors; add a buffer instead');
    b.data = data as unknown as number[];
  }

  /** Appends a buffer holding `data` (empty by default) and returns its index. */
  addBuffer(data: Uint8Array = new Uint8Array(0)): number {
    // Index 0 is reserved for "no data"; a model without buffers gets that one first.
    if (this.tree.buffers.length === 0) this.tree.buffers.push(new fb.BufferT());
    const b = new fb.BufferT();
    b.data = data as unknown as number[];
    this.tree.buffers.push(b);
    return this.tree.buffers.length - 1;
  }

  /** How many tensors (in all subgraphs) and metadata entries use buffer `index`. */
  bufferUsers(index: number): number {
    let n = 0;
    for (const g of this.tree.subgraphs) for (const t of g.tensors) if (t.buffer === index) n++;
    for (const m of this.tree.metadata) if (m.buffer === index) n++;
    return n;
  }

  // ---- operator codes ----

  /**
   * The index of the operator code for `op` at `version`, added if the model has none.
   * `op` is a builtin's schema name ('CONV_2D'), its code, or a custom op's name.
   */
  addOperatorCode(op: string | fb.BuiltinOperator, version = 1): number {
    const builtin = typeof op === 'number' ? op : builtinByName(op);
    const custom = builtin === undefined ? (op as string) : null;
    const code = builtin ?? fb.BuiltinOperator.CUSTOM;
    if (typeof op === 'number' && fb.BuiltinOperator[op] === undefined) throw new ModelEditError(`${op} is not a builtin operator code`);
    const existing = this.tree.operatorCodes.findIndex((c) => builtinCodeOf(c) === code && c.version === version && (custom === null || c.customCode === custom));
    if (existing >= 0) return existing;
    const c = new fb.OperatorCodeT();
    c.builtinCode = code;
    // Readers older than the builtin_code field only see this int8 field; codes above 127
    // are marked with PLACEHOLDER_FOR_GREATER_OP_CODES there, as TFLite's writer does.
    c.deprecatedBuiltinCode = Math.min(code, fb.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES);
    c.customCode = custom;
    c.version = version;
    this.tree.operatorCodes.push(c);
    return this.tree.operatorCodes.length - 1;
  }

  // ---- metadata ----

  get metadataNames(): string[] {
    return this.tree.metadata.map((m) => (typeof m.name === 'string' ? m.name : ''));
  }

  /** The bytes of the metadata entry `name`, or undefined. */
  getMetadata(name: string): Uint8Array | undefined {
    const m = this.tree.metadata.find((e) => e.name === name);
    return m ? this.bufferData(m.buffer) : undefined;
  }

  /** Adds the metadata entry `name`, or replaces its bytes if it exists. */
  setMetadata(name: string, data: Uint8Array): void {
    const m = this.tree.metadata.find((e) => e.name === name);
    if (m && this.bufferUsers(m.buffer) === 1 && m.buffer !== 0) {
      this.setBufferData(m.buffer, data);
      return;
    }
    const buffer = this.addBuffer(data);
    if (m) m.buffer = buffer;
    else this.tree.metadata.push(new fb.MetadataT(name, buffer));
  }

  // ---- graph surgery ----

  /**
   * Makes `tensors` (indexes or names) the outputs of subgraph `subgraph` and drops every
   * operator, tensor, buffer and operator code no longer needed to compute them.
   */
  cutAt(tensors: number | string | ReadonlyArray<number | string>, subgraph = 0): void {
    const g = this.subgraph(subgraph);
    const list = Array.isArray(tensors) ? tensors : [tensors as number | string];
    const indexes = list.map((t) => {
      if (typeof t === 'number') {
        g.tensor(t);
        return t;
      }
      const found = g.findTensor(t);
      if (!found) throw new ModelEditError(`no tensor named '${t}' in subgraph ${subgraph}`);
      return found.index;
    });
    if (indexes.length === 0) throw new ModelEditError('cutAt needs at least one tensor');
    cutSubgraph(this.tree, subgraph, indexes);
  }

  /** Drops tensors, buffers and operator codes that nothing refers to. */
  prune(): void {
    pruneModel(this.tree);
  }

  // ---- Edge TPU ----

  /** Every edgetpu-custom-op operator, with its compiled program (raw custom options). */
  edgeTpuOperators(): EdgeTpuOperator[] {
    const out: EdgeTpuOperator[] = [];
    this.tree.subgraphs.forEach((g, s) => {
      g.operators.forEach((op, o) => {
        const code = this.tree.operatorCodes[op.opcodeIndex]!;
        if (code.customCode === EDGETPU_CUSTOM_OP) {
          out.push({ subgraph: s, operator: o, inputs: op.inputs.slice(), outputs: op.outputs.slice(), customOptions: op.customOptions as unknown as Uint8Array });
        }
      });
    });
    return out;
  }

  /** True when the model holds a program compiled for the Edge TPU. */
  get isEdgeTpuModel(): boolean {
    return this.edgeTpuOperators().length > 0;
  }

  /** Which operators run on the Edge TPU (the compiled custom ops) and which on the CPU. */
  placement(): OperatorPlacement[] {
    return this.subgraphs.map((g) => {
      const ops = g.operators;
      return { subgraph: g.index, edgetpu: ops.filter((o) => o.customCode === EDGETPU_CUSTOM_OP), cpu: ops.filter((o) => o.customCode !== EDGETPU_CUSTOM_OP) };
    });
  }
}
