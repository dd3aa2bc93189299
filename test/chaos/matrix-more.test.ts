import { describeMatrix } from './matrix-suite';
import { ciParts } from './rows';

/** The fault matrix at CI size, second half: webhooks, bank, rails, payout runs and compensations. */
describeMatrix('webhooks, bank, rails, runs and compensations', ciParts[1]);
