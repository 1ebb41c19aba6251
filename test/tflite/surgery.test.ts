import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Model, ModelEditError, fb } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { plain } from '../helpers/plain.js';
import { referenceRun } from '../helpers/tflite-oracle.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('model surgery', function () {
  let classifierBytes: Uint8Array;
  let edgetpuBytes: Uint8Array;
  before(function () {
    const ctx = this as unknown as Mocha.Context;
    classifierBytes = readFileSync(coralFile(ctx, 'mobilenet_v1_0.25_128_quant.tflite'));
    edgetpuBytes = readFileSync(coralFile(ctx, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite'));
  });

  it('cuts a classifier at its logits and rebuilds the head, giving the same outputs in TFLite', function () {
    const original = Model.fromBuffer(classifierBytes);
    const g0 = original.subgraph();
    const reshape = g0.operators.find((o) => o.op === 'RESHAPE')!;
    const softmax = g0.operators.find((o) => o.op === 'SOFTMAX')!;
    const logits = g0.tensor(reshape.inputs[0]!);
    const probabilities = g0.tensor(softmax.outputs[0]!);

    const model = Model.fromBuffer(classifierBytes);
    model.cutAt(logits.name);
    const g = model.subgraph();
    expect(g.outputTensors.map((t) => t.name)).to.deep.equal([logits.name]);
    expect(model.operatorCodes.map((c) => c.op)).to.not.include.members(['RESHAPE', 'SOFTMAX']);
    expect(g.operators.length).to.equal(g0.operators.length - 2);
    expect(model.toBuffer().length).to.be.below(classifierBytes.length);

    // Rebuild RESHAPE + SOFTMAX with the original tensors' parameters.
    const logitsIndex = g.outputs[0]!;
    const flat = g.addTensor({ name: 'logits_flat', shape: [1, 1001], dtype: 'uint8', quantization: { scale: logits.quantization!.scale, zeroPoint: logits.quantization!.zeroPoint } });
    const probs = g.addTensor({ name: probabilities.name, shape: probabilities.shape, dtype: 'uint8', quantization: { scale: probabilities.quantization!.scale, zeroPoint: probabilities.quantization!.zeroPoint } });
    g.addOperator({ op: 'RESHAPE', inputs: [logitsIndex], outputs: [flat], options: new fb.ReshapeOptionsT([1, 1001]) });
    g.addOperator({ op: 'SOFTMAX', inputs: [flat], outputs: [probs], options: new fb.SoftmaxOptionsT(1) });
    g.setOutputs([probs]);
    const rebuilt = model.toBuffer();

    const want = referenceRun(classifierBytes, 'pattern').outputs[0]!.bytes;
    const got = referenceRun(rebuilt, 'pattern').outputs[0]!.bytes;
    expect(same(got, want)).to.equal(true);
  });

  it('cutting drops unreachable buffers and keeps the rest intact', function () {
    const model = Model.fromBuffer(classifierBytes);
    const before = model.bufferCount;
    const firstConvOut = model.subgraph().operators[0]!.outputs[0]!;
    model.cutAt(firstConvOut);
    const g = model.subgraph();
    expect(g.operators.map((o) => o.op)).to.deep.equal(['CONV_2D']);
    expect(g.tensors.length).to.equal(4); // input, filter, bias, output
    expect(model.bufferCount).to.be.below(before);
    const reread = Model.fromBuffer(model.toBuffer());
    const filter = reread.subgraph().tensor(reread.subgraph().operators[0]!.inputs[1]!);
    const originalFilter = Model.fromBuffer(classifierBytes).subgraph().findTensor(filter.name)!;
    expect(same(reread.bufferData(filter.buffer), Model.fromBuffer(classifierBytes).bufferData(originalFilter.buffer))).to.equal(true);
    expect(referenceRun(model.toBuffer(), 'pattern').outputs[0]!.shape).to.deep.equal(g.outputTensors[0]!.shape);
  });

  it('new weights change what TFLite computes', function () {
    const model = Model.fromBuffer(classifierBytes);
    const g = model.subgraph();
    const lastConv = g.operators.filter((o) => o.op === 'CONV_2D').at(-1)!;
    const bias = g.tensor(lastConv.inputs[2]!);
    const data = new Int32Array(bias.shape[0]!);
    data[42] = 1 << 20; // class 42 wins everything
    g.setTensorData(bias.index, data);
    const out = referenceRun(model.toBuffer(), 'pattern').outputs[0]!.bytes;
    expect(out.indexOf(Math.max(...out))).to.equal(42);
    expect(() => g.setTensorData(bias.index, new Int32Array(3))).to.throw(ModelEditError, /needs 4004 bytes, got 12/);
  });

  it('sets the description and adds or replaces metadata by name', function () {
    const model = Model.fromBuffer(classifierBytes);
    expect(model.metadataNames).to.deep.equal(['min_runtime_version', 'TFLITE_METADATA']);
    model.setDescription('imprinted by edgetpu-learn');
    model.setMetadata('edgetpu_learn', new TextEncoder().encode('{"a":1}'));
    model.setMetadata('min_runtime_version', new TextEncoder().encode('2.9.0'));
    const reread = Model.fromBuffer(model.toBuffer());
    expect(reread.description).to.equal('imprinted by edgetpu-learn');
    expect(reread.metadataNames).to.deep.equal(['min_runtime_version', 'TFLITE_METADATA', 'edgetpu_learn']);
    expect(new TextDecoder().decode(reread.getMetadata('edgetpu_learn'))).to.equal('{"a":1}');
    expect(new TextDecoder().decode(reread.getMetadata('min_runtime_version'))).to.equal('2.9.0');
    expect(reread.getMetadata('TFLITE_METADATA')!.length).to.equal(696);
  });

  it('replaces a tensor shape and quantization, refusing inconsistent ones', function () {
    const model = Model.fromBuffer(classifierBytes);
    const g = model.subgraph();
    g.setTensorQuantization(0, { scale: [0.5], zeroPoint: [3] });
    expect(Array.from(g.tensor(0).quantization!.scale)).to.deep.equal([0.5]);
    g.setTensorShape(0, [1, 128, 128, 3]);
    const weights = g.tensors.find((t) => t.isConstant && t.dtype === 'uint8')!;
    expect(() => g.setTensorShape(weights.index, [1, 2])).to.throw(ModelEditError, /constant data/);
    expect(() => g.setTensorQuantization(0, { scale: [0], zeroPoint: [0] })).to.throw(ModelEditError, /positive/);
    expect(() => g.setTensorQuantization(weights.index, { scale: [1, 2], zeroPoint: [0, 0], axis: 0 })).to.throw(ModelEditError, /per-channel/);
    expect(() => g.addOperator({ op: 'SOFTMAX', inputs: [9999], outputs: [0] })).to.throw(ModelEditError, /not a tensor/);
    expect(() => g.setOutputs([-1])).to.throw(ModelEditError, /does not exist/);
    expect(() => model.cutAt('no such tensor')).to.throw(ModelEditError, /no tensor named/);
  });

  it('reuses operator codes and writes both builtin code fields', function () {
    const model = Model.create();
    expect(model.addOperatorCode('CONV_2D')).to.equal(model.addOperatorCode('CONV_2D'));
    expect(model.addOperatorCode('CONV_2D', 2)).to.not.equal(model.addOperatorCode('CONV_2D'));
    const custom = model.addOperatorCode('my-op');
    expect(model.operatorCodes[custom]).to.include({ op: 'my-op', customCode: 'my-op', builtinCode: fb.BuiltinOperator.CUSTOM });
    const big = model.addOperatorCode('GELU'); // code 150: above the int8 field's range
    expect(model.raw.operatorCodes[big]).to.include({ builtinCode: fb.BuiltinOperator.GELU, deprecatedBuiltinCode: 127 });
  });

  it('finds the Edge TPU program and reports where operators run', function () {
    const model = Model.fromBuffer(edgetpuBytes);
    const ops = model.edgeTpuOperators();
    expect(ops).to.have.length(1);
    expect(ops[0]!.customOptions.length).to.be.above(500_000);
    expect(model.isEdgeTpuModel).to.equal(true);
    expect(model.placement()[0]!.edgetpu.map((o) => o.op)).to.deep.equal(['edgetpu-custom-op']);
    expect(model.placement()[0]!.cpu).to.have.length(0);
    const cpu = Model.fromBuffer(classifierBytes);
    expect(cpu.isEdgeTpuModel).to.equal(false);
    expect(cpu.placement()[0]!.cpu).to.have.length(31);
  });

  it('writes and reads buffers stored after the flatbuffer (the >2 GB layout)', function () {
    const model = Model.fromBuffer(classifierBytes);
    const bytes = model.toBuffer({ externalBuffers: true });
    const reread = Model.fromBuffer(bytes);
    expect(plain(reread.raw)).to.deep.equal(plain(model.raw));
    // Every non-empty buffer lies past the flatbuffer and is 16-byte aligned.
    const flatbufferEnd = Math.min(...Array.from({ length: reread.bufferCount }, (_, i) => reread.bufferData(i)).filter((d) => d.length > 0).map((d) => d.byteOffset - bytes.byteOffset));
    expect(flatbufferEnd).to.be.above(1000);
    // Rewriting keeps that layout, and can inline it again.
    expect(plain(Model.fromBuffer(reread.toBuffer()).raw)).to.deep.equal(plain(model.raw));
    const inline = reread.toBuffer({ externalBuffers: false });
    expect(referenceRun(inline, 'pattern').outputs[0]!.bytes).to.deep.equal(referenceRun(classifierBytes, 'pattern').outputs[0]!.bytes);
  });
});
