import { describeMatrix } from './matrix-suite';
import { ciHalves } from './rows';

/** The fault matrix at CI size, second half: webhooks, bank, rails, payout runs, compensations and disputes. */
describeMatrix('webhooks, bank, rails, runs, compensations and disputes', ciHalves[1]);
