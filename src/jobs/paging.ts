/** The aligned upstream windows a client page needs; pure. */
export function windowsFor(offset: number, limit: number, windowSize: number): number[] {
  const first = Math.floor(offset / windowSize) * windowSize;
  const last = Math.floor((offset + limit - 1) / windowSize) * windowSize;
  const windows: number[] = [];
  for (let start = first; start <= last; start += windowSize) windows.push(start);
  return windows;
}

/**
 * Links of one page: `self`, `next` while items remain, `prev` unless at the start (from past the
 * end, `prev` is the last page that holds items); pure.
 */
export function pageLinks(
  base: string,
  extra: string,
  page: { offset: number; limit: number; total: number },
): { self: string; next: string | null; prev: string | null } {
  const link = (offset: number): string => `${base}?limit=${page.limit}&offset=${offset}${extra}`;
  return {
    self: link(page.offset),
    next: page.offset + page.limit < page.total ? link(page.offset + page.limit) : null,
    prev:
      page.offset > 0 ? link(Math.max(0, Math.min(page.offset - page.limit, page.total - page.limit))) : null,
  };
}
