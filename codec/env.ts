import { codecServerEnv } from './server-settings';
import { payloadCodecEnv } from './settings';

/** Every payload-encryption variable (codec keys and codec server), for workers/config.ts's schema. */
export const payloadEncryptionEnv = { ...payloadCodecEnv, ...codecServerEnv };
