/**
 * An ordered set of items under a total order: insert, delete, first and in-order iteration. Stored as a list of
 * sorted blocks (a one-level B-tree): finding a block is a binary search over block ends, and an insert or delete
 * moves at most one block's items, so every operation costs O(log n + B) whatever the size.
 */

/** Items per block before it splits. 512 keeps a splice to a few hundred pointer moves and the block list short. */
const BLOCK = 512;

/** An ordered set; the comparator must be a total order (0 only for the same item). */
export class SortedSet<T> {
  private blocks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

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
    if (block.length > BLOCK) this.blocks.splice(b + 1, 0, block.splice(BLOCK >> 1));
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
    if (block.length === 0) this.blocks.splice(b, 1);
    return true;
  }

  /**
   * Puts `next` in the place of `old`, which must compare equal to it apart from identity (the same keys): returns
   * whether `old` was present. One search, no move.
   */
  replace(old: T, next: T): boolean {
    if (this.blocks.length === 0) return false;
    const block = this.blocks[this.blockFor(old)] as T[];
    const i = this.lowerBound(block, old);
    if (block[i] !== old) return false;
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
  }

  /** The block an item belongs in: the first whose last item is >= it, else the last block. */
  private blockFor(item: T): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
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
