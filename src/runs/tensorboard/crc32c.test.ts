import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc32c', () => {
  it('gives the check value of the Castagnoli CRC for "123456789"', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  it('gives 0 for no bytes and the known value for 32 zero bytes', () => {
    expect(crc32c(new Uint8Array())).toBe(0);
    // RFC 3720 (iSCSI), B.4
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('masks as TFRecord does: rotated right by 15 bits plus 0xa282ead8', () => {
    // as TensorBoard's own masked_crc32c gives it
    expect(maskedCrc32c(ascii('123456789'))).toBe(0xc78ab0e5);
    // the length CRC of a 32-byte record in a file TensorBoard's own RecordWriter wrote
    const length = new Uint8Array([0x20, 0, 0, 0, 0, 0, 0, 0]);
    expect(maskedCrc32c(length)).toBe(0x50a9ed29);
  });
});
