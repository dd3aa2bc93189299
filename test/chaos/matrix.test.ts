import { describeMatrix } from './matrix-suite';
import { ciParts } from './rows';

/**
 * The fault matrix at CI size, first half: PSP faults, process faults, ops, forged rail signals and staff decisions,
 * disputes (the others: matrix-more.test.ts, matrix-routing.test.ts).
 */
describeMatrix('PSP, process and ops faults, forged inputs, disputes', ciParts[0]);
