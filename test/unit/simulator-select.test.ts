import { describe, expect, it } from '@jest/globals';
import { VspcError } from '../../src/simulator/errors.js';
import { parseSelect, selector } from '../../src/simulator/select.js';

function errorOf(run: () => unknown): { status: number; message: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof VspcError) return { status: error.status, message: error.message };
    throw error;
  }
  return undefined;
}

const JOB = {
  instanceUid: 'a',
  name: 'Job',
  status: 'Success',
  isEnabled: true,
  _embedded: { backupServerJob: { name: 'Inner', status: 'Failed', isEnabled: false, type: 'BackupCopy' } },
  tags: ['x'],
  nothing: null,
};

describe('parseSelect', () => {
  it('reads the property paths of a JSON array of SelectExpression', () => {
    expect(
      parseSelect('[{"propertyPath":"name"},{"propertyPath":"_embedded.backupServerJob.status"}]'),
    ).toEqual(['name', '_embedded.backupServerJob.status']);
  });

  it('treats absent, JSON null and [] as no selection', () => {
    expect(parseSelect(null)).toEqual([]);
    expect(parseSelect('null')).toEqual([]);
    expect(parseSelect('[]')).toEqual([]);
  });

  it.each([
    ['name', "Parameter 'select' must be a URL-encoded JSON array of select expressions."],
    ['{"propertyPath":"name"}', "Parameter 'select' must be a URL-encoded JSON array of select expressions."],
    ['["name"]', "Parameter 'select' is invalid: every expression must be a JSON object."],
    ['[{"property":"name"}]', "Parameter 'select' is invalid: every expression needs a 'propertyPath'."],
    ['[{"propertyPath":""}]', "Parameter 'select' is invalid: every expression needs a 'propertyPath'."],
    ['[{"propertyPath":"a..b"}]', "Parameter 'select' is invalid: 'a..b' is not a property path."],
  ])('answers 400 to %s', (raw, message) => {
    expect(errorOf(() => parseSelect(raw))).toEqual({ status: 400, message });
  });
});

describe('selector', () => {
  it('returns the record itself when nothing is selected', () => {
    expect(selector([], ['status'])(JOB)).toBe(JOB);
  });

  it('keeps the selected properties in the record’s own order, plus the required ones', () => {
    expect(Object.entries(selector(['isEnabled', 'name'], [])(JOB))).toEqual([
      ['name', 'Job'],
      ['isEnabled', true],
    ]);
    expect(selector(['name'], ['status', 'isEnabled'])(JOB)).toEqual({
      name: 'Job',
      status: 'Success',
      isEnabled: true,
    });
  });

  it('selects into subschemas with dotted paths, and whole objects, arrays and nulls by name', () => {
    expect(selector(['_embedded.backupServerJob.type'], [])(JOB)).toEqual({
      _embedded: { backupServerJob: { type: 'BackupCopy' } },
    });
    expect(selector(['_embedded', '_embedded.backupServerJob.type'], [])(JOB)).toEqual({
      _embedded: JOB._embedded,
    });
    expect(selector(['tags', 'nothing'], [])(JOB)).toEqual({ tags: ['x'], nothing: null });
  });

  it('adds a nested required property only where the selection enters its parent', () => {
    const required = ['_embedded.backupServerJob.status', '_embedded.backupServerJob.isEnabled'];
    expect(selector(['instanceUid'], required)(JOB)).toEqual({ instanceUid: 'a' });
    expect(selector(['_embedded.backupServerJob.name'], required)(JOB)).toEqual({
      _embedded: { backupServerJob: { name: 'Inner', status: 'Failed', isEnabled: false } },
    });
  });

  it('leaves out paths the record does not have, and keeps a scalar a path goes through', () => {
    expect(selector(['missing', '_embedded.missing', 'name.length'], [])(JOB)).toEqual({
      _embedded: {},
      name: 'Job',
    });
  });
});
