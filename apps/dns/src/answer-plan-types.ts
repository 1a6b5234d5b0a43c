/**
 * The types shared by the zone set (which caches plans) and the plan builder (which reads the zone
 * set): kept apart so neither module imports the other.
 */

/** What an answer reads and advances on its rotating RRset (the zone set's `RRset` is one). */
export interface RotationState {
  readonly id: number;
  /** Slot → index into the active records of the record placed first; null when every weight is equal. */
  readonly seq: Int32Array | null;
  readonly slots: number;
  /** The counter that picks the rotation offset of the next answer. */
  next: number;
  /** An A or AAAA set (its first record is counted per address). */
  readonly isAddressSet: boolean;
  /** Every record is down and the set answers with all of them. */
  readonly failOpen: boolean;
}

/**
 * A precomputed answer: everything after the question, ready to copy. Static answers are one buffer
 * (`prefix`); rotating ones add `views[i]`, the encoded RRset starting at its i-th active record (views
 * into one doubled buffer, so every rotation is one copy). Owner names are compression pointers into
 * the question, so the copied bytes are valid whatever case the query used.
 */
export interface AnswerPlan {
  readonly rcode: number;
  readonly aa: boolean;
  /** Records in the answer section (including the rotating block). */
  readonly an: number;
  /** Records in the authority section (the SOA of negative answers). */
  readonly ns: number;
  /** Static bytes after the question (CNAME chain, or the whole static answer / authority). */
  readonly prefix: Uint8Array;
  /** The RRset whose counter picks the rotation; null for static answers. */
  readonly rot: RotationState | null;
  /** By index into `rot.active`: the records starting at that one (capped at the answer limit). */
  readonly views: readonly Uint8Array[] | null;
  /** By index into `rot.active`: the id of the record placed first (for the per-address counter). */
  readonly firstIds: Int32Array | null;
}
