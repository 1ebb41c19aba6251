/** Data sets: image folders, MNIST-style IDX files and Coral label files. */
export { compareCodePoints } from './code-point-order.js';
export { DatasetError, InvalidIdxError, InvalidLabelsError } from './errors.js';
export { parseIdx, readIdx, readIdxImageSet, type IdxArray, type IdxData, type IdxDType, type IdxImageSet, type ReadIdxOptions } from './idx.js';
export {
  DEFAULT_IMAGE_EXTENSIONS,
  ImageDataset,
  loadImageFolder,
  type ImageFolderOptions,
  type LabeledImage,
  type SplitOptions,
} from './image-folder.js';
export { formatLabels, parseLabels, readLabels, writeLabels, type FormatLabelsOptions } from './labels.js';
export { seededRandom, shuffled } from './random.js';
