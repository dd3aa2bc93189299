import { describeMatrix } from './matrix-suite';
import { ciHalves } from './rows';

/**
 * The fault matrix at CI size, first half: PSP faults, process faults, ops, forged rail signals and staff decisions,
 * disputes (the other half: matrix-more.test.ts).
 */
describeMatrix('PSP, process and ops faults, forged inputs, disputes', ciHalves[0]);
