import { describe, expect, it } from '@jest/globals';
import { compareKeys, compareScalars, comparisonKeyOf } from '../../src/simulator/compare.js';
import { parseCollectionQuery, runCollectionQuery } from '../../src/simulator/collection-query.js';
import { matchesFilter, parseFilter } from '../../src/simulator/filter.js';
import { pageOf, parseLimit, parseOffset } from '../../src/simulator/paging.js';
import { collectPaths, valueAtPath } from '../../src/simulator/property-path.js';
import { parseSort, sortRecords } from '../../src/simulator/sort.js';

interface Row {
  instanceUid: string;
  retentionPolicyType: string;
  rpoOptionsValue: number;
  _embedded: { backupServerJob: { name: string; isEnabled: boolean; lastRun: string | null } };
}

function row(uid: string, name: string, retention: string, rpo: number, lastRun: string | null = null): Row {
  return {
    instanceUid: uid,
    retentionPolicyType: retention,
    rpoOptionsValue: rpo,
    _embedded: { backupServerJob: { name, isEnabled: rpo > 0, lastRun } },
  };
}

const ROWS: readonly Row[] = [
  row('c', 'Beta Health copy to DR 002', 'GFS', 4, '2026-02-01T00:00:00.0000000+00:00'),
  row('a', 'Alpha Logistics copy to DR 001', 'Simple', 0, '2026-01-15T10:00:00.0000000+00:00'),
  row('b', 'alpha logistics copy to Cloud 003', 'simple', 12, null),
  row('d', 'Gamma Retail copy to Offsite 004', 'None', 0, '2026-03-01T00:00:00.0000000+00:00'),
];

const NAME = '_embedded.backupServerJob.name';

function uidsMatching(filterJson: unknown): string[] {
  const filter = parseFilter(JSON.stringify(filterJson));
  return ROWS.filter((candidate) => matchesFilter(candidate, filter)).map(
    (candidate) => candidate.instanceUid,
  );
}

describe('parseLimit / parseOffset', () => {
  it('defaults to limit 100 and offset 0 when absent', () => {
    expect(parseLimit(null)).toBe(100);
    expect(parseOffset(null)).toBe(0);
  });

  it('accepts the bounds', () => {
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('500')).toBe(500);
    expect(parseOffset('0')).toBe(0);
    expect(parseOffset('2147483647')).toBe(2147483647);
  });

  it.each(['0', '501', 'abc', '1e2', '', '-1', '+5', '5.0', ' 5', '99999999999'])(
    'rejects limit=%j',
    (raw) => {
      expect(() => parseLimit(raw)).toThrow("Parameter 'limit' must be an integer between 1 and 500.");
    },
  );

  it.each(['-1', '2147483648', 'x', '1.5', ''])('rejects offset=%j', (raw) => {
    expect(() => parseOffset(raw)).toThrow("Parameter 'offset' must be an integer between 0 and 2147483647.");
  });

  it('throws a 400 logical VspcError', () => {
    expect(() => parseLimit('0')).toThrow(expect.objectContaining({ status: 400, type: 'logical' }));
  });
});

describe('pageOf', () => {
  const items = [1, 2, 3, 4, 5];

  it('returns the slice and exact paging info', () => {
    expect(pageOf(items, 1, 2)).toEqual({ data: [2, 3], pagingInfo: { total: 5, count: 2, offset: 1 } });
  });

  it('returns a short last page', () => {
    expect(pageOf(items, 4, 100)).toEqual({ data: [5], pagingInfo: { total: 5, count: 1, offset: 4 } });
  });

  it('returns an empty page past the end with the total unchanged', () => {
    expect(pageOf(items, 9, 2)).toEqual({ data: [], pagingInfo: { total: 5, count: 0, offset: 9 } });
  });
});

describe('property paths', () => {
  it('reads dotted paths and answers undefined for missing segments', () => {
    const first = ROWS[0];
    expect(valueAtPath(first, NAME)).toBe('Beta Health copy to DR 002');
    expect(valueAtPath(first, '_embedded.backupServerJob.missing')).toBeUndefined();
    expect(valueAtPath(first, 'rpoOptionsValue.deeper')).toBeUndefined();
  });

  it('collects every path, objects included', () => {
    expect([...collectPaths({ a: 1, b: { c: null, d: { e: [] } } })]).toEqual([
      'a',
      'b',
      'b.c',
      'b.d',
      'b.d.e',
    ]);
  });
});

describe('compare', () => {
  it('compares strings ignoring case by default, exactly with ordinal collation', () => {
    expect(compareScalars('Simple', 'simple', 'ignorecase')).toBe(0);
    expect(compareScalars('Simple', 'simple', 'ordinal')).not.toBe(0);
  });

  it('compares ISO date-times as instants', () => {
    expect(compareScalars('2026-03-01T00:00:00Z', '2026-03-01T00:00:00.0000000+00:00', 'ordinal')).toBe(0);
    expect(compareScalars('2026-03-01T01:00:00+02:00', '2026-03-01T00:00:00Z', 'ignorecase')).toBeLessThan(0);
  });

  it('does not compare values of different kinds, but sorts them nulls first', () => {
    expect(compareScalars(1, '1', 'ignorecase')).toBeUndefined();
    const sortOrder = (a: unknown, b: unknown): number =>
      compareKeys(comparisonKeyOf(a, 'ignorecase'), comparisonKeyOf(b, 'ignorecase'));
    expect(sortOrder(null, 'a')).toBeLessThan(0);
    expect(sortOrder(5, 'a')).toBeLessThan(0);
    expect(sortOrder(false, true)).toBeLessThan(0);
    expect(compareScalars({}, {}, 'ignorecase')).toBeUndefined();
  });
});

describe('parseFilter + matchesFilter', () => {
  it('treats an absent or null filter as no filter', () => {
    expect(parseFilter(null)).toEqual([]);
    expect(parseFilter('null')).toEqual([]);
  });

  it('matches equals ignoring case under the ignorecase collation, so Simple and simple are the same enum value', () => {
    const equals = (value: string) => ({
      property: 'retentionPolicyType',
      operation: 'equals',
      value,
      collation: 'ignorecase',
    });
    expect(uidsMatching([equals('simple')])).toEqual(['a', 'b']);
    expect(uidsMatching([equals('SIMPLE')])).toEqual(['a', 'b']);
  });

  it('compares strings ordinal (case-sensitive) by default, as VSPC does', () => {
    expect(uidsMatching([{ property: 'retentionPolicyType', operation: 'equals', value: 'simple' }])).toEqual(
      ['b'],
    );
    expect(
      uidsMatching([
        { property: 'retentionPolicyType', operation: 'equals', value: 'simple', collation: 'ordinal' },
      ]),
    ).toEqual(['b']);
    expect(uidsMatching([{ property: NAME, operation: 'contains', value: 'ALPHA LOGISTICS' }])).toEqual([]);
  });

  it('matches notEquals, numbers and booleans strictly', () => {
    expect(uidsMatching([{ property: 'rpoOptionsValue', operation: 'notEquals', value: 0 }])).toEqual([
      'c',
      'b',
    ]);
    expect(
      uidsMatching([{ property: '_embedded.backupServerJob.isEnabled', operation: 'equals', value: true }]),
    ).toEqual(['c', 'b']);
    expect(uidsMatching([{ property: 'rpoOptionsValue', operation: 'equals', value: '0' }])).toEqual([]);
  });

  it('matches contains as a case-insensitive substring on a dotted path under ignorecase', () => {
    expect(
      uidsMatching([
        { property: NAME, operation: 'contains', value: 'ALPHA LOGISTICS', collation: 'ignorecase' },
      ]),
    ).toEqual(['a', 'b']);
  });

  it('matches in against any listed value', () => {
    expect(
      uidsMatching([
        { property: 'retentionPolicyType', operation: 'in', value: ['gfs', 'none'], collation: 'ignorecase' },
      ]),
    ).toEqual(['c', 'd']);
  });

  it('matches null with equals null', () => {
    expect(
      uidsMatching([{ property: '_embedded.backupServerJob.lastRun', operation: 'equals', value: null }]),
    ).toEqual(['b']);
  });

  it('compares numbers and date-times with the ordering operations, never matching null', () => {
    expect(uidsMatching([{ property: 'rpoOptionsValue', operation: 'greaterThan', value: 4 }])).toEqual([
      'b',
    ]);
    expect(uidsMatching([{ property: 'rpoOptionsValue', operation: 'lessThanOrEqual', value: 4 }])).toEqual([
      'c',
      'a',
      'd',
    ]);
    expect(
      uidsMatching([
        {
          property: '_embedded.backupServerJob.lastRun',
          operation: 'lessThan',
          value: '2026-02-01T00:00:00Z',
        },
      ]),
    ).toEqual(['a']);
    expect(
      uidsMatching([
        {
          property: '_embedded.backupServerJob.lastRun',
          operation: 'greaterThanOrEqual',
          value: '2026-02-01T00:00:00Z',
        },
      ]),
    ).toEqual(['c', 'd']);
  });

  it('ANDs the top-level array', () => {
    expect(
      uidsMatching([
        { property: NAME, operation: 'contains', value: 'alpha', collation: 'ignorecase' },
        { property: 'rpoOptionsValue', operation: 'equals', value: 0 },
      ]),
    ).toEqual(['a']);
  });

  it('evaluates and / or / not / exclusiveOr groups', () => {
    const anyCase = { collation: 'ignorecase' };
    const isGfs = { property: 'retentionPolicyType', operation: 'equals', value: 'GFS', ...anyCase };
    const isNone = { property: 'retentionPolicyType', operation: 'equals', value: 'None', ...anyCase };
    const isAlpha = { property: NAME, operation: 'contains', value: 'alpha', ...anyCase };
    const hasRpo = { property: 'rpoOptionsValue', operation: 'greaterThan', value: 0 };
    expect(uidsMatching([{ operation: 'or', items: [isGfs, isNone] }])).toEqual(['c', 'd']);
    expect(uidsMatching([{ operation: 'and', items: [isAlpha, hasRpo] }])).toEqual(['b']);
    expect(uidsMatching([{ operation: 'not', items: [isAlpha] }])).toEqual(['c', 'd']);
    expect(uidsMatching([{ operation: 'exclusiveOr', items: [isAlpha, hasRpo] }])).toEqual(['c', 'a']);
    expect(
      uidsMatching([{ operation: 'or', items: [{ operation: 'and', items: [isAlpha, hasRpo] }, isNone] }]),
    ).toEqual(['b', 'd']);
  });

  it.each([
    ['not JSON', '{oops', "Parameter 'filter' must be a URL-encoded JSON array of filter expressions."],
    [
      'an object',
      '{"property":"a","operation":"equals"}',
      "Parameter 'filter' must be a URL-encoded JSON array",
    ],
    ['empty text', '', "Parameter 'filter' must be a URL-encoded JSON array"],
    [
      'no operation',
      '[{"property":"a"}]',
      "Parameter 'filter' is invalid: every expression needs an 'operation'.",
    ],
    ['unknown operation', '[{"property":"a","operation":"like"}]', "operation 'like' is not supported."],
    ['subset', '[{"property":"a","operation":"subset","value":[]}]', "operation 'subset' is not supported."],
    ['no property', '[{"operation":"equals","value":1}]', "operation 'equals' needs a 'property'."],
    ['in without array', '[{"property":"a","operation":"in","value":"x"}]', "operation 'in' needs an array"],
    ['contains number', '[{"property":"a","operation":"contains","value":1}]', "'contains' needs a string"],
    ['empty group', '[{"operation":"and","items":[]}]', "operation 'and' needs a non-empty 'items' array."],
    [
      'not with two',
      '[{"operation":"not","items":[{"property":"a","operation":"equals"},{"property":"a","operation":"equals"}]}]',
      "operation 'not' needs exactly one item.",
    ],
    [
      'bad collation',
      '[{"property":"a","operation":"equals","value":1,"collation":"x"}]',
      'unknown collation "x"',
    ],
  ])('rejects %s with a 400 naming the parameter', (_label, raw, message) => {
    expect(() => parseFilter(raw)).toThrow(message);
    expect(() => parseFilter(raw)).toThrow(expect.objectContaining({ status: 400, type: 'logical' }));
  });

  it('rejects filters nested too deeply', () => {
    let node: unknown = { property: 'a', operation: 'equals', value: 1 };
    for (let depth = 0; depth < 40; depth++) node = { operation: 'not', items: [node] };
    expect(() => parseFilter(JSON.stringify([node]))).toThrow('nest deeper than 32 levels');
  });
});

describe('parseSort + sortRecords', () => {
  it('sorts ascending and descending on a dotted path, ignoring case under ignorecase', () => {
    const ascending = sortRecords(
      ROWS,
      parseSort(JSON.stringify([{ property: NAME, direction: 'ascending', collation: 'ignorecase' }])),
    );
    expect(ascending.map((r) => r.instanceUid)).toEqual(['b', 'a', 'c', 'd']);
    const descending = sortRecords(
      ROWS,
      parseSort(JSON.stringify([{ property: NAME, direction: 'descending', collation: 'ignorecase' }])),
    );
    expect(descending.map((r) => r.instanceUid)).toEqual(['d', 'c', 'a', 'b']);
    // By default (ordinal) the lower-case 'alpha logistics …' (b) sorts after 'Gamma …' (d).
    const ordinal = sortRecords(ROWS, parseSort(JSON.stringify([{ property: NAME }])));
    expect(ordinal.map((r) => r.instanceUid).indexOf('b')).toBeGreaterThan(
      ordinal.map((r) => r.instanceUid).indexOf('d'),
    );
  });

  it('defaults the direction to ascending', () => {
    expect(parseSort('[{"property":"rpoOptionsValue"}]')).toEqual([
      { property: 'rpoOptionsValue', direction: 'ascending', collation: 'ordinal' },
    ]);
  });

  it('breaks ties by instanceUid and applies later keys in order', () => {
    const byRpo = sortRecords(ROWS, parseSort('[{"property":"rpoOptionsValue","direction":"descending"}]'));
    expect(byRpo.map((r) => r.instanceUid)).toEqual(['b', 'c', 'a', 'd']);
    const byRetentionThenRpo = sortRecords(
      ROWS,
      parseSort(
        '[{"property":"retentionPolicyType","direction":"ascending","collation":"ignorecase"},{"property":"rpoOptionsValue","direction":"descending"}]',
      ),
    );
    expect(byRetentionThenRpo.map((r) => r.instanceUid)).toEqual(['c', 'd', 'b', 'a']);
  });

  it('sorts nulls first ascending', () => {
    const byLastRun = sortRecords(ROWS, parseSort('[{"property":"_embedded.backupServerJob.lastRun"}]'));
    expect(byLastRun.map((r) => r.instanceUid)).toEqual(['b', 'a', 'c', 'd']);
  });

  it('keeps the input order without sort expressions', () => {
    expect(sortRecords(ROWS, []).map((r) => r.instanceUid)).toEqual(['c', 'a', 'b', 'd']);
  });

  it.each([
    ['not JSON', 'nope', "Parameter 'sort' must be a URL-encoded JSON array of sort expressions."],
    ['an object', '{"property":"a"}', "Parameter 'sort' must be a URL-encoded JSON array"],
    [
      'no property',
      '[{"direction":"ascending"}]',
      "Parameter 'sort' is invalid: every expression needs a 'property'.",
    ],
    ['bad direction', '[{"property":"a","direction":"up"}]', "direction must be 'ascending' or 'descending'"],
  ])('rejects %s with a 400 naming the parameter', (_label, raw, message) => {
    expect(() => parseSort(raw)).toThrow(message);
  });
});

describe('parseCollectionQuery + runCollectionQuery', () => {
  const known = collectPaths(ROWS[0]);

  it('filters, sorts and pages in that order', () => {
    const params = new URLSearchParams({
      filter: JSON.stringify([{ property: 'rpoOptionsValue', operation: 'equals', value: 0 }]),
      sort: JSON.stringify([{ property: NAME, direction: 'descending' }]),
      limit: '1',
      offset: '1',
    });
    const page = runCollectionQuery(ROWS, parseCollectionQuery(params, known));
    expect(page.pagingInfo).toEqual({ total: 2, count: 1, offset: 1 });
    expect(page.data.map((r) => r.instanceUid)).toEqual(['a']);
  });

  it('rejects unknown property paths in filter and sort', () => {
    const filter = new URLSearchParams({
      filter: '[{"property":"_embedded.name","operation":"equals","value":1}]',
    });
    expect(() => parseCollectionQuery(filter, known)).toThrow(
      "Parameter 'filter' names an unknown property '_embedded.name'.",
    );
    const sort = new URLSearchParams({ sort: '[{"property":"Name"}]' });
    expect(() => parseCollectionQuery(sort, known)).toThrow(
      "Parameter 'sort' names an unknown property 'Name'.",
    );
  });

  it('rejects a repeated parameter', () => {
    expect(() => parseCollectionQuery(new URLSearchParams('limit=1&limit=2'), known)).toThrow(
      "Parameter 'limit' must be given at most once.",
    );
  });
});
