/** The hook bundle's own stage, besides the runtime's prestart and poststop: a prestart's writer of a dead container's profile (write/writer.ts). */
export const WRITE_UNWRITTEN_STAGE = 'write-unwritten';
