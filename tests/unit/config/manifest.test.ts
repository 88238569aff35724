import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../config/index.js';
import { MemberSchema } from '../../../config/manifest.js';

// Every problem of a fleet manifest at once — each member's field errors, duplicate names, unknown dependencies,
// members with nothing to run, dependency cycles, what the backend cannot run — each at its file line and key.

const parse = (lines: string[], backend: 'process' | 'docker' = 'process') => {
  const problems: string[] = [];
  const manifest = parseManifest([...lines, ''].join('\n'), 'fleet.yaml', problems, backend);
  return { manifest, problems };
};

describe('fleet manifest problems', () => {
  it('GIVEN field errors, a duplicate, an unknown dependency, a member with nothing to run and a cycle THEN all are reported together', () => {
    const { manifest, problems } = parse([
      'members:',
      '  - name: price-feed', //                        2
      '    transport: carrier-pigeon', //              3  field error
      '    command: [node, feed.js]',
      '    depends_on: [oracle]', //                   5  unknown dependency
      '  - name: price-feed', //                        6  duplicate
      '    command: [node, other.js]',
      '    health: {interval: 5}', //                  8  duration without a unit
      '  - name: idle', //                              9  neither command nor image
      '  - name: a', //                                10
      '    command: [x]',
      '    depends_on: [b]',
      '  - name: b', //                                13
      '    command: [x]',
      '    depends_on: [a]', //                        cycle a → b → a
    ]);
    expect(manifest).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/^fleet\.yaml:3 members\[0\]\.transport: /),
      'fleet.yaml:8 members[1].health.interval: 5 what? write a unit, e.g. 5s or 5ms',
      'fleet.yaml:6 members[1].name: duplicate member name "price-feed"',
      'fleet.yaml:5 members[0].depends_on[0]: unknown member "oracle"',
      'fleet.yaml:9 members[2].command: a member needs a command (process backend) or an image (docker backend)',
      'fleet.yaml:12 members[3].depends_on: dependency cycle: a → b → a',
    ]);
  });

  it('GIVEN FLEET_BACKEND=docker THEN what a container cannot run is reported with the field errors of other members', () => {
    const { problems } = parse(['members:', '  - name: pipes', '    command: [x]', '  - name: Broken', '    image: fleetbot:local'], 'docker');
    expect(problems).toEqual([
      expect.stringMatching(/^fleet\.yaml:4 members\[1\]\.name: use lower-case/),
      'fleet.yaml:2 members[0].image: FLEET_BACKEND=docker runs every member from an image: set one',
      'fleet.yaml:2 members[0].transport: stdio cannot work with FLEET_BACKEND=docker: serve Streamable HTTP (transport: http) on a fixed port',
    ]);
  });

  it('GIVEN a valid manifest THEN it parses, durations in ms', () => {
    const { manifest, problems } = parse(['members:', '  - name: a', '    command: [x]', '    health: {interval: 250ms, start_period: 0}', '  - name: b', '    image: b:1', '    depends_on: [a]']);
    expect(problems).toEqual([]);
    expect(manifest!.members.map((m) => [m.name, m.health.interval, m.health.start_period, m.depends_on])).toEqual([
      ['a', 250, 0, []],
      ['b', 5000, 10_000, ['a']],
    ]);
  });

  it('GIVEN one member on its own THEN it still needs a command or an image', () => {
    expect(MemberSchema.safeParse({ name: 'x' }).success).toBe(false);
    expect(MemberSchema.safeParse({ name: 'x', command: ['y'] }).success).toBe(true);
  });
});
