/**
 * Writes BMP files in the layouts the decoder must read, from an RGB image, so tests can
 * compare decoded pixels with the pixels they wrote. Independent of src/image/bmp.ts.
 */
export interface BmpLayout {
  bits: 1 | 4 | 8 | 16 | 24 | 32;
  /** Store rows top to bottom (negative height). */
  topDown?: boolean;
  /** Header size: 12 (OS/2 core), 40 (BITMAPINFOHEADER), 108 (V4) or 124 (V5). */
  header?: 12 | 40 | 108 | 124;
  /** Colour masks for BI_BITFIELDS (16 or 32 bits); absent = BI_RGB. */
  masks?: [number, number, number];
  /** The palette, RGB triples, for 1/4/8 bits; pixels are looked up in it. */
  palette?: readonly (readonly [number, number, number])[];
  /** Value of the 4th byte of 32-bit BI_RGB pixels (ignored by readers). */
  fourthByte?: number;
}

export function encodeBmp(width: number, height: number, rgb: Uint8Array, layout: BmpLayout): Uint8Array {
  const header = layout.header ?? 40;
  const paletted = layout.bits <= 8;
  const palette = layout.palette ?? [];
  const entrySize = header === 12 ? 3 : 4;
  const maskBytes = layout.masks && header === 40 ? 12 : 0;
  const paletteOffset = 14 + header + maskBytes;
  const dataOffset = paletteOffset + (paletted ? palette.length * entrySize : 0);
  const rowBytes = Math.floor((width * layout.bits + 31) / 32) * 4;
  const size = dataOffset + rowBytes * height;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, dataOffset, true);
  view.setUint32(14, header, true);
  if (header === 12) {
    view.setUint16(18, width, true);
    view.setUint16(20, height, true);
    view.setUint16(22, 1, true);
    view.setUint16(24, layout.bits, true);
  } else {
    view.setInt32(18, width, true);
    view.setInt32(22, layout.topDown ? -height : height, true);
    view.setUint16(26, 1, true);
    view.setUint16(28, layout.bits, true);
    view.setUint32(30, layout.masks ? 3 : 0, true);
    view.setUint32(34, rowBytes * height, true);
    view.setUint32(46, paletted ? palette.length : 0, true);
    if (layout.masks) layout.masks.forEach((m, i) => view.setUint32(54 + 4 * i, m >>> 0, true));
  }
  palette.forEach(([r, g, b], i) => {
    const p = paletteOffset + i * entrySize;
    bytes[p] = b;
    bytes[p + 1] = g;
    bytes[p + 2] = r;
  });

  // Row padding holds garbage, so a decoder that reads it shows up in the pixels.
  const used = Math.ceil((width * layout.bits) / 8);
  for (let y = 0; y < height; y++) bytes.fill(0xab, dataOffset + rowBytes * y + used, dataOffset + rowBytes * (y + 1));

  const paletteIndex = new Map(palette.map(([r, g, b], i) => [(r << 16) | (g << 8) | b, i]));
  for (let y = 0; y < height; y++) {
    const row = dataOffset + rowBytes * (layout.topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const [r, g, b] = [rgb[s]!, rgb[s + 1]!, rgb[s + 2]!];
      if (paletted) {
        const index = paletteIndex.get((r << 16) | (g << 8) | b);
        if (index === undefined) throw new Error(`pixel ${r},${g},${b} is not in the palette`);
        const perByte = 8 / layout.bits;
        const shift = 8 - layout.bits * ((x % perByte) + 1);
        bytes[row + Math.floor(x / perByte)]! |= index << shift;
      } else if (layout.bits === 24) {
        bytes[row + x * 3] = b;
        bytes[row + x * 3 + 1] = g;
        bytes[row + x * 3 + 2] = r;
      } else {
        const masks = layout.masks ?? (layout.bits === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff]);
        let pixel = 0;
        [r, g, b].forEach((v, i) => {
          const mask = masks[i]! >>> 0;
          const shift = Math.log2(mask & -mask);
          const max = mask / 2 ** shift;
          pixel += Math.round((v * max) / 255) * 2 ** shift;
        });
        if (layout.bits === 16) view.setUint16(row + x * 2, pixel, true);
        else {
          if (!layout.masks) pixel += (layout.fourthByte ?? 0) * 2 ** 24;
          view.setUint32(row + x * 4, pixel, true);
        }
      }
    }
  }
  return bytes;
}
