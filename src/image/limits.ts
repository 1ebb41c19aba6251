/**
 * Largest image, in pixels, that loadImage decodes unless told otherwise: 8192x8192.
 * A decompression bomb (a few kilobytes that claim a gigapixel) is refused from its
 * header, before any pixel memory is allocated.
 */
export const DEFAULT_MAX_PIXELS = 8192 * 8192;
