import { describeMatrix } from './matrix-suite';
import { ciParts } from './rows';

/** The fault matrix at CI size, third part: routing between two PSPs, failover only on proof (test/chaos/rows/routing.ts). */
describeMatrix('routing between two PSPs and failover', ciParts[2]);
