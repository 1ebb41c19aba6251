/**
 * The Edge TPU moves signed values (SIGNED_FIXED_POINT8/16) as offset binary: the host
 * flips the most significant bit of every element before sending and after receiving.
 * Elements are little-endian, so that bit is in each element's last byte.
 */
export function flipSignBits(bytes: Uint8Array, elementSize: number): void {
  for (let i = elementSize - 1; i < bytes.length; i += elementSize) bytes[i]! ^= 0x80;
}
