import { describe, expect, it } from 'vitest';
import { MemberSchema } from '../../../config/manifest.js';
import { containerLimits } from '../../../mcp-fleet/backends/docker.js';

describe('a member container’s limits (docker backend)', () => {
  it('GIVEN no resources in fleet.yaml THEN 0.5 CPU, 192 MiB (no swap beyond it) and logs rotated at 3 × 10m', () => {
    const member = MemberSchema.parse({ name: 'm', transport: 'http', port: 7000, image: 'i' });
    expect(containerLimits(member.resources)).toEqual({ NanoCpus: 500_000_000, Memory: 192 * 1024 ** 2, MemorySwap: 192 * 1024 ** 2, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } });
  });

  it('GIVEN resources for one member THEN its container gets them', () => {
    const member = MemberSchema.parse({ name: 'm', transport: 'http', port: 7000, image: 'i', resources: { cpus: 1.5, memory: '1g', log_max_size: '50m', log_max_files: 5 } });
    expect(containerLimits(member.resources)).toEqual({ NanoCpus: 1_500_000_000, Memory: 1024 ** 3, MemorySwap: 1024 ** 3, LogConfig: { Type: 'json-file', Config: { 'max-size': '50m', 'max-file': '5' } } });
  });

  it('GIVEN a malformed limit THEN the manifest is refused with a clear message', () => {
    const result = MemberSchema.safeParse({ name: 'm', resources: { memory: '1.5 GB' } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/a whole number with k, m or g/);
    expect(MemberSchema.safeParse({ name: 'm', resources: { cpus: 0 } }).success).toBe(false);
    expect(MemberSchema.safeParse({ name: 'm', resources: { gpus: 1 } }).success).toBe(false);
  });
});
