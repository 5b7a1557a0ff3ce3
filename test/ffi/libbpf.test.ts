import { describe, expect, it } from 'vitest';
import { verifierComplaint } from '../../src/ffi/libbpf.js';

describe("the verifier's complaint, from its log", () => {
  it('is what follows the last instruction it printed, without the summary', () => {
    const log = [
      'func#0 @0',
      '0: R1=ctx(off=0,imm=0) R10=fp0',
      '0: (bf) r6 = r1                       ; R1=ctx(off=0,imm=0) R6_w=ctx(off=0,imm=0)',
      '1: (85) call bpf_get_current_task_btf#158',
      '412: (79) r1 = *(u64 *)(r4 +16)',
      'R4 unbounded memory access, make sure to bounds check any such access',
      'processed 2041 insns (limit 1000000) max_states_per_insn 4 total_states 110 peak_states 110 mark_read 31',
      '',
    ].join('\n');
    expect(verifierComplaint(log)).toBe('R4 unbounded memory access, make sure to bounds check any such access');
  });

  it('is the whole log when the refusal came before any instruction (5.10 and an atomic fetch)', () => {
    expect(verifierComplaint('BPF_STX uses reserved fields\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n')).toBe('BPF_STX uses reserved fields');
  });

  it('is empty for an empty log, and never longer than a line can hold', () => {
    expect(verifierComplaint('')).toBe('');
    expect(verifierComplaint(`1: (b7) r0 = 0\n${'x'.repeat(1000)}\n`).length).toBe(300);
  });
});
