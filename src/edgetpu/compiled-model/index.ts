export { readEdgeTpuProgram, SUPPORTED_RUNTIME_VERSION, type EdgeTpuProgram, type ReadProgramOptions } from './program.js';
export type { EdgeTpuPackage } from './package.js';
export type { Executable, ExecutableType, InstructionBitstream, AddressField } from './executable.js';
export type { DmaHint, DmaDirection, AddressKind } from './dma-hint.js';
export { layerTensorBytes, type Layer, type LayerDataType, type DimensionRange, type TensorLayout, type OutputTileLayout, type OutputShapeInfo } from './layer.js';
