/** Image loading and conversion to model input tensors. */
export { decodeBmp, isBmp, type BmpOptions } from './bmp.js';
export { type SourceBox } from './box.js';
export { InvalidImageError, UnsupportedImageInputError, type InvalidImageReason } from './errors.js';
export { placeImage, type FitMode, type Placement } from './fit.js';
export {
  imageInputSize,
  toInputTensor,
  type ImageInputDetails,
  type ResizeMethod,
  type ToInputTensorOptions,
} from './input-tensor.js';
export { DEFAULT_MAX_PIXELS } from './limits.js';
export { loadImage, type LoadImageOptions } from './load.js';
export {
  pixelValueTable,
  type ImageInputDType,
  type InputQuantization,
  type InputTensorData,
  type Normalization,
} from './pixel-values.js';
export { resizeArea } from './resize-area.js';
export { pilNearestIndices, resizeNearest } from './resize-nearest.js';
export { resizeWithSharp, type SharpKernel } from './resize-sharp.js';
export { type RgbImage } from './rgb-image.js';
