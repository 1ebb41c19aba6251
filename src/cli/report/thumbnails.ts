import sharp from 'sharp';
import { loadImage } from '../../image/index.js';

/** A small JPEG of an image file as a data: URI, or undefined when the file cannot be read. */
export async function thumbnailDataUri(path: string, size = 112): Promise<string | undefined> {
  try {
    const image = await loadImage(path);
    const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 75 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined;
  }
}
