import { Model, type DType, type NewOperator, type TypedArray } from '../../src/tflite/index.js';

/** One tensor of a single-op test model. `data` makes it a constant (weights, shape operands...). */
export interface OpTensor {
  shape: number[];
  dtype: DType;
  /** Per tensor (numbers) or per channel (arrays, with `axis`). */
  quant?: { scale: number | number[]; zeroPoint: number | number[]; axis?: number };
  data?: TypedArray;
  name?: string;
}

export interface SingleOpSpec {
  op: string;
  version?: number;
  /** null leaves an optional input out (tensor index -1). */
  inputs: Array<OpTensor | null>;
  outputs: OpTensor[];
  options?: NewOperator['options'];
  customOptions?: Uint8Array;
}

/**
 * Builds a model holding one operator with our own model writer, for op conformance
 * tests: run it through our interpreter and through real TFLite and compare bytes.
 * Non-constant inputs become the model's inputs, in order.
 */
export function singleOpModel(spec: SingleOpSpec): Uint8Array {
  const model = Model.create({ description: `conformance: ${spec.op}` });
  const g = model.subgraph();
  const add = (t: OpTensor, name: string): number =>
    g.addTensor({
      name: t.name ?? name,
      shape: t.shape,
      dtype: t.dtype,
      data: t.data,
      quantization: t.quant
        ? {
            scale: Array.isArray(t.quant.scale) ? t.quant.scale : [t.quant.scale],
            zeroPoint: Array.isArray(t.quant.zeroPoint) ? t.quant.zeroPoint : [t.quant.zeroPoint],
            axis: t.quant.axis ?? 0,
          }
        : null,
    });
  const inputs = spec.inputs.map((t, i) => (t === null ? -1 : add(t, `input_${i}`)));
  const outputs = spec.outputs.map((t, i) => add(t, `output_${i}`));
  g.addOperator({ op: spec.op, version: spec.version, inputs, outputs, options: spec.options, customOptions: spec.customOptions });
  g.setInputs(inputs.filter((t, i) => t >= 0 && !spec.inputs[i]!.data));
  g.setOutputs(outputs);
  return model.toBuffer();
}
