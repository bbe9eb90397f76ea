import { describe, expect, it } from 'vitest';
import { prettyJson } from './prettyJson';

describe('pretty JSON', () => {
  it('indents objects and keeps arrays of plain values on one line', () => {
    const value = {
      a: [1, -2.5e-7, 3],
      b: { c: ['x', 'y'], d: [] },
      e: [
        [1, 2],
        [true, null],
      ],
    };
    expect(prettyJson(value)).toBe(
      '{\n  "a": [1, -2.5e-7, 3],\n  "b": {\n    "c": ["x", "y"],\n    "d": []\n  },\n  "e": [\n    [1, 2],\n    [true, null]\n  ]\n}\n',
    );
    expect(JSON.parse(prettyJson(value))).toEqual(value);
  });

  it('leaves strings with commas whole', () => {
    expect(JSON.parse(prettyJson({ s: ['a,b', 'c, d'] }))).toEqual({ s: ['a,b', 'c, d'] });
  });
});
