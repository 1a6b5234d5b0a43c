export { ReedSolomon } from './reed-solomon.js';
export { ErasureError, type ErasureErrorCode } from './erasure-error.js';
export { GENERATING_POLYNOMIAL, gfAdd, gfDiv, gfExp, gfMul, mulSlice, mulSliceXor } from './galois.js';
export { identity, invert, multiply, vandermonde, type Matrix } from './matrix.js';
export { isLevelName, layoutFor, meetsWriteQuorum, placementsFor, type Layout, type LevelName, type Placement } from './layout.js';
export { BITROT_ALGORITHM, shardChecksum } from './bitrot.js';
