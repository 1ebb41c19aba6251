import type { SourceBox } from './box.js';

/**
 * How an image is fitted to the model's input size:
 * - `fill`: stretch the whole image to the input size (pycoral's examples do this);
 * - `cover`: keep the aspect ratio and crop the centre that fills the input
 *   (the box of PIL's `ImageOps.fit(image, size)`);
 * - `contain`: keep the aspect ratio, scale the whole image to fit inside and pad the rest
 *   at the right and bottom, as pycoral's `common.set_resized_input` does.
 */
export type FitMode = 'fill' | 'cover' | 'contain';

/** Which part of the source goes where in the destination. */
export interface Placement {
  /** The source region to resize. */
  readonly box: SourceBox;
  /** The destination rectangle it is resized to, inside the dstWidth x dstHeight input. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function placeImage(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, fit: FitMode): Placement {
  const whole: SourceBox = [0, 0, srcWidth, srcHeight];
  switch (fit) {
    case 'fill':
      return { box: whole, x: 0, y: 0, width: dstWidth, height: dstHeight };
    case 'cover': {
      // Same arithmetic as PIL's ImageOps.fit with centring (0.5, 0.5) and no bleed.
      const srcRatio = srcWidth / srcHeight;
      const dstRatio = dstWidth / dstHeight;
      let cropWidth = srcWidth;
      let cropHeight = srcHeight;
      if (srcRatio !== dstRatio) {
        if (srcRatio >= dstRatio) cropWidth = dstRatio * srcHeight;
        else cropHeight = srcWidth / dstRatio;
      }
      const left = (srcWidth - cropWidth) * 0.5;
      const top = (srcHeight - cropHeight) * 0.5;
      return { box: [left, top, left + cropWidth, top + cropHeight], x: 0, y: 0, width: dstWidth, height: dstHeight };
    }
    case 'contain': {
      // pycoral: scale = min(W / w, H / h); size = (int(w * scale), int(h * scale)).
      const scale = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
      const width = Math.max(1, Math.min(dstWidth, Math.trunc(srcWidth * scale)));
      const height = Math.max(1, Math.min(dstHeight, Math.trunc(srcHeight * scale)));
      return { box: whole, x: 0, y: 0, width, height };
    }
    default:
      throw new TypeError(`unknown fit mode '${String(fit)}' (use fill, cover or contain)`);
  }
}
