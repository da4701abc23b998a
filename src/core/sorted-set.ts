/**
 * An ordered set of items under a total order: insert, delete, first and in-order iteration. Stored as a list of
 * sorted blocks (a one-level B-tree): finding a block is a binary search over block ends, and an insert or delete
 * moves at most one block's items, so every operation costs O(log n + B) whatever the size.
 */

/** Items per block before it splits. 512 keeps a splice to a few hundred pointer moves and the block list short. */
const BLOCK = 512;

/**
 * A coarse key of an item, as a number that never decreases along the set's order (`cmp(a, b) < 0` implies
 * `fence(a) <= fence(b)`), or NaN when it has none. The set keeps it for the last item of every block, so that
 * finding a block compares numbers in one array instead of reading cold items; only blocks with the same fence are
 * compared item by item. One NaN turns the fences off for good (the plain search is always right).
 */
export type Fence<T> = (item: T) => number;

/**
 * A finer key for items of the same fence, as text that never decreases along the set's order among them
 * (`fence(a) === fence(b)` and `cmp(a, b) < 0` imply `tie(a) <= tie(b)`), or undefined when it has none. Kept for the
 * last item of every block beside its fence: the blocks of one fence (a second's arrivals fill dozens) are then told
 * apart by comparing short strings instead of reading a cold item, its id and its times at every step of the search
 * (with a million waiting interactions that search was a tenth of a property change's time). One undefined turns the
 * ties off for good (the fences stay).
 */
export type Tie<T> = (item: T) => string | undefined;

/** An ordered set; the comparator must be a total order (0 only for the same item). */
export class SortedSet<T> {
  private blocks: T[][] = [];
  private count = 0;
  /** fence(last item) of each block, while fences are on. */
  private fences: number[] | undefined;
  /** tie(last item) of each block, while fences and ties are on. */
  private ties: string[] | undefined;

  constructor(
    private readonly cmp: (a: T, b: T) => number,
    private readonly fence?: Fence<T>,
    private readonly tie?: Tie<T>,
  ) {
    if (fence) this.fences = [];
    if (fence && tie) this.ties = [];
  }

  get size(): number {
    return this.count;
  }

  /** The smallest item, if any. */
  first(): T | undefined {
    return this.blocks[0]?.[0];
  }

  /** The largest item, if any. */
  last(): T | undefined {
    const block = this.blocks[this.blocks.length - 1];
    return block?.[block.length - 1];
  }

  /** Adds an item (an item equal to one present is not added twice). */
  add(item: T): void {
    if (this.blocks.length === 0) {
      this.blocks.push([item]);
      this.count = 1;
      this.refence(0);
      return;
    }
    // An arrival that sorts after everything (a new interaction without priority in a FIFO queue: the commonest
    // insert) is appended without a search: one comparison instead of a binary search through cold objects.
    const lastBlock = this.blocks[this.blocks.length - 1] as T[];
    const after = this.cmp(lastBlock[lastBlock.length - 1] as T, item) < 0;
    const b = after ? this.blocks.length - 1 : this.blockFor(item);
    const block = this.blocks[b] as T[];
    const i = after ? block.length : this.lowerBound(block, item);
    if (i < block.length && this.cmp(block[i] as T, item) === 0) return;
    block.splice(i, 0, item);
    this.count++;
    if (block.length > BLOCK) {
      this.blocks.splice(b + 1, 0, block.splice(BLOCK >> 1));
      this.fences?.splice(b + 1, 0, 0);
      this.ties?.splice(b + 1, 0, '');
      this.refence(b + 1);
      this.refence(b);
    } else if (i === block.length - 1) this.refence(b);
  }

  /** Removes an item; returns whether it was present. */
  delete(item: T): boolean {
    if (this.blocks.length === 0) return false;
    const b = this.blockFor(item);
    const block = this.blocks[b] as T[];
    const i = this.lowerBound(block, item);
    if (i >= block.length || this.cmp(block[i] as T, item) !== 0) return false;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.fences?.splice(b, 1);
      this.ties?.splice(b, 1);
    } else if (i === block.length) this.refence(b);
    return true;
  }

  /**
   * Puts `next` in the place of `old`, which must compare equal to it apart from identity (the same keys): returns
   * whether `old` was present. One search for the block, then `old` is found in it by identity: a scan of at most
   * BLOCK pointers costs less than the comparisons of a binary search, each of which reads a cold item (a million
   * waiting interactions: most of a property change's time went there).
   */
  replace(old: T, next: T): boolean {
    if (this.blocks.length === 0) return false;
    const block = this.blocks[this.blockFor(old)] as T[];
    const i = block.indexOf(old);
    if (i < 0) return false;
    block[i] = next;
    return true;
  }

  /** Items in order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const block of this.blocks) yield* block;
  }

  /** Replaces the content with `items` (any order) in O(n log n); used when indexes are rebuilt at start. */
  reset(items: T[]): void {
    this.resetSorted(items.sort(this.cmp));
  }

  /** Replaces the content with `items`, already in order and without duplicates. */
  resetSorted(items: readonly T[]): void {
    this.blocks = [];
    for (let i = 0; i < items.length; i += BLOCK >> 1) this.blocks.push(items.slice(i, i + (BLOCK >> 1)));
    this.count = items.length;
    if (this.fence) {
      this.fences = [];
      if (this.tie) this.ties = [];
      for (let b = 0; b < this.blocks.length; b++) this.refence(b);
    }
  }

  /**
   * Sets the fence and the tie of block b from its last item (fences, ties included, off for good when it has no
   * fence; ties alone when it has no tie).
   */
  private refence(b: number): void {
    const fences = this.fences;
    if (!fences || !this.fence) return;
    const block = this.blocks[b] as T[];
    const last = block[block.length - 1] as T;
    const f = this.fence(last);
    if (Number.isNaN(f)) {
      this.fences = undefined;
      this.ties = undefined;
      return;
    }
    fences[b] = f;
    const ties = this.ties;
    if (!ties || !this.tie) return;
    const t = this.tie(last);
    if (t === undefined) this.ties = undefined;
    else ties[b] = t;
  }

  /** The block an item belongs in: the first whose last item is >= it, else the last block. */
  private blockFor(item: T): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    const fences = this.fences;
    const f = fences && this.fence ? this.fence(item) : NaN;
    if (fences && !Number.isNaN(f)) {
      // Blocks whose fence is below the item's end before it; the first whose fence is above it ends after it. Only
      // blocks with the item's own fence are left to compare.
      lo = firstFrom(fences, 0, hi, f, false);
      hi = firstFrom(fences, lo, hi, f, true);
      // Blocks lo..hi-1 have the item's fence (hi: the first above it, or the last block). Among them, the same
      // again with the ties: the first whose tie is not below the item's, and the first whose tie is above it (its
      // last item is above the item, so the item's block is no later).
      const ties = this.ties;
      const t = ties && this.tie && lo < hi ? this.tie(item) : undefined;
      if (ties && t !== undefined) {
        const from = firstFrom(ties, lo, hi, t, false);
        hi = firstFrom(ties, from, hi, t, true);
        lo = from;
      }
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = this.blocks[mid] as T[];
      if (this.cmp(block[block.length - 1] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBound(block: readonly T[], item: T): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(block[mid] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first index in [lo, hi) whose key is not below `x` (`above`: above `x`), or hi; `keys` ascend. */
function firstFrom<K extends number | string>(
  keys: readonly K[],
  lo: number,
  hi: number,
  x: K,
  above: boolean,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid] as K;
    if (k < x || (above && k === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
