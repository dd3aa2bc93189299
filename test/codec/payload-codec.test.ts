import { readRecordedHistory, recordedHistoryFiles } from '../../scripts/release/histories';
import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  AesGcmCodec,
  createPayloadCodec,
  encryptedDataConverter,
  ENCRYPTED_ENCODING,
  keyringFor,
  LOCAL_DEV_KEY,
  PayloadDecryptionError,
  StaticKeyring,
} from '../../codec';
import { failureConverter } from '../../codec/failure-converter';
import { kmsOptions } from '../../workers/data-converter';
import { WRAPPED_KEY_METADATA } from '../../codec/kms-keyring';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { decodeFailureReporter, DECODE_FAILURE_METRIC } from '../../workers/decode-failures';
import { processLogger } from '../../workers/logger';
import { stackEnv, testConfig } from '../support/stack';
import { until } from '../support/wait';

const key = (id: string) => ({ id, key: randomBytes(32) });
const keyList = (...keys: Array<{ id: string; key: Buffer }>) =>
  keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
const json = (value: unknown) => defaultPayloadConverter.toPayload(value) as Payload;
const meta = (p: Payload, name: string) => Buffer.from(p.metadata?.[name] ?? []).toString('utf8');
const bytes = (p: Payload) => Buffer.from(p.data ?? []).toString('utf8');
const local = { PAYOPS_MODE: 'local' as const, PAYLOAD_DATA_KEY_TTL_SEC: 3600 };

describe('payload codec (AES-256-GCM)', () => {
  test('when a payload is encoded, then its data and metadata are sealed and decode gives it back', async () => {
    const codec = new AesGcmCodec(new StaticKeyring([LOCAL_DEV_KEY]));
    const plain = json({ text: 'MARKER-evidence-4711', amount: 12_500 });
    const [sealed] = await codec.encode([plain]);
    expect(meta(sealed!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(sealed!, 'encryption-key-id')).toBe('local-dev-1');
    expect(bytes(sealed!)).not.toContain('MARKER-evidence-4711');
    expect(Object.keys(sealed!.metadata ?? {})).toEqual(['encoding', 'encryption-key-id']);
    expect(await codec.decode([sealed!])).toEqual([plain]);
    // A random IV per payload: the same value never gives the same ciphertext.
    const [again] = await codec.encode([plain]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  test('when a payload was never encrypted (histories before encryption), then decode passes it through unchanged', async () => {
    const codec = new AesGcmCodec(new StaticKeyring([LOCAL_DEV_KEY]));
    const plain = json({ recorded: 'before encryption' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  test('when a payload is not encrypted outside local mode, then decode refuses it and reports whose it was, never the payload', async () => {
    const failures: unknown[] = [];
    const codec = createPayloadCodec(
      { ...local, PAYOPS_MODE: 'aws', PAYLOAD_KMS_KEY_ID: 'alias/never-called' },
      undefined,
      { onDecodeFailure: (f) => failures.push(f) },
    );
    const plain = json({ injected: 'MARKER-plaintext-77' });
    const context = { type: 'workflow' as const, namespace: 'payops', workflowId: 'payout-p1' };
    await expect(codec.decode([plain], context)).rejects.toThrow(
      /payload is not encrypted; refused outside local mode/,
    );
    expect(failures).toEqual([{ code: 'plaintext', namespace: 'payops', workflowId: 'payout-p1' }]);
    expect(JSON.stringify(failures)).not.toContain('MARKER');
    // Local mode keeps passing plaintext through (histories recorded before encryption replay).
    expect(await createPayloadCodec(local).decode([plain])).toEqual([plain]);
  });

  test('when keys rotate, then the new key encrypts and every listed key still decrypts; an unlisted key is refused by ID', async () => {
    const [k1, k2] = [key('k1'), key('k2')];
    const before = createPayloadCodec({ ...local, PAYLOAD_KEYS: keyList(k1) });
    const after = createPayloadCodec({ ...local, PAYLOAD_KEYS: keyList(k1, k2), PAYLOAD_KEY_ID: 'k2' });
    const retired = createPayloadCodec({ ...local, PAYLOAD_KEYS: keyList(k2) });
    const [old] = await before.encode([json('sealed with k1')]);
    const [fresh] = await after.encode([json('sealed with k2')]);
    expect(meta(fresh!, 'encryption-key-id')).toBe('k2');
    expect(await after.decode([old!, fresh!])).toEqual([json('sealed with k1'), json('sealed with k2')]);
    await expect(retired.decode([old!])).rejects.toThrow('payload encrypted with unknown key "k1"');
  });

  test('when ciphertext or its key label is tampered with, then decode fails authentication', async () => {
    const [k1, k2] = [key('k1'), key('k2')];
    const codec = createPayloadCodec({ ...local, PAYLOAD_KEYS: keyList(k1, k2) });
    const [sealed] = await codec.encode([json('do not touch')]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toBeInstanceOf(PayloadDecryptionError);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication with key "k2"/);
  });

  test('when keys are misconfigured, then the error names the variable and never shows key material', () => {
    const secret = randomBytes(16).toString('base64');
    const bad = (env: Record<string, string>) => () => keyringFor({ ...local, ...env });
    expect(bad({ PAYLOAD_KEYS: `k1:${secret}` })).toThrow(
      'PAYLOAD_KEYS: entry 1 must be <id>:<base64 of a 32-byte key>',
    );
    expect(bad({ PAYLOAD_KEYS: `k1:${secret}` })).not.toThrow(secret);
    expect(bad({ PAYLOAD_KEYS: keyList(key('a'), key('a')) })).toThrow('key ID "a" is listed twice');
    expect(bad({ PAYLOAD_KEYS: keyList(key('a')), PAYLOAD_KEY_ID: 'b' })).toThrow('PAYLOAD_KEY_ID: "b" is not one');
    // The public dev key is for local mode only: AWS mode needs KMS.
    expect(() => keyringFor({ ...local, PAYOPS_MODE: 'aws' })).toThrow(
      /^PAYLOAD_KMS_KEY_ID: required when PAYOPS_MODE=aws/,
    );
    expect(() => keyringFor({ ...local, PAYOPS_MODE: 'aws', PAYLOAD_KEYS: keyList(key('a')) })).toThrow(
      /PAYLOAD_KMS_KEY_ID/,
    );
  });

  test('when a failure is converted, then its message and stack trace travel only inside the encrypted payload', async () => {
    const codec = new AesGcmCodec(new StaticKeyring([LOCAL_DEV_KEY]));
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'refused: MARKER-reason-99', type: 'Conflict', nonRetryable: true }),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const [sealed] = await codec.encode([failure.encodedAttributes as Payload]);
    expect(bytes(sealed!)).not.toContain('MARKER');
    const [opened] = await codec.decode([sealed!]);
    const back = failureConverter.failureToError({ ...failure, encodedAttributes: opened }, defaultPayloadConverter);
    expect(back.message).toBe('refused: MARKER-reason-99');
  });
});

describe('payload codec with KMS data keys (moto)', () => {
  test('when PAYLOAD_KMS_KEY_ID is set, then payloads carry their wrapped data key and a fresh process decrypts them', async () => {
    const config = testConfig();
    const kms = new KMSClient(kmsOptions(config));
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'payops payload test' }));
    const oldStatic = key('static-1');
    const settings = {
      ...config,
      PAYOPS_MODE: 'aws' as const,
      PAYLOAD_KMS_KEY_ID: KeyMetadata!.KeyId!,
      PAYLOAD_KEYS: keyList(oldStatic),
    };
    const writer = createPayloadCodec(settings, kmsOptions(config));
    const sealed = await writer.encode([json('MARKER-kms-1'), json('MARKER-kms-2')]);
    const id = meta(sealed[0]!, 'encryption-key-id');
    expect(id).toMatch(/^kms-[0-9a-f]{32}$/);
    // One data key per TTL, not one KMS call per payload.
    expect(meta(sealed[1]!, 'encryption-key-id')).toBe(id);
    expect(sealed[0]!.metadata?.[WRAPPED_KEY_METADATA]?.length).toBeGreaterThan(32);
    expect(bytes(sealed[0]!)).not.toContain('MARKER');

    const reader = createPayloadCodec(settings, kmsOptions(config));
    expect(await reader.decode(sealed)).toEqual([json('MARKER-kms-1'), json('MARKER-kms-2')]);
    // Payloads sealed with a static key before KMS was configured still open (PAYLOAD_KEYS is decrypt-only here).
    const [legacy] = await createPayloadCodec({ ...local, PAYLOAD_KEYS: keyList(oldStatic) }).encode([json('old')]);
    expect(await reader.decode([legacy!])).toEqual([json('old')]);
    // A wrapped key swapped for another payload's label is refused, not unwrapped.
    const [other] = await createPayloadCodec(settings, kmsOptions(config)).encode([json('x')]);
    const swapped = {
      ...sealed[0]!,
      metadata: { ...sealed[0]!.metadata, [WRAPPED_KEY_METADATA]: other!.metadata![WRAPPED_KEY_METADATA]! },
    };
    await expect(createPayloadCodec(settings, kmsOptions(config)).decode([swapped])).rejects.toThrow(/unknown key/);
  });
});

describe('recorded histories with the encrypting data converter', () => {
  // One history per workflow type: what is under test is the encrypting converter on replay (every history is
  // replayed without it by test/replay).
  const oneOfEachType = [
    ...new Map(recordedHistoryFiles().map((f) => [readRecordedHistory(f).workflowType, f] as const)).values(),
  ];

  test.each(oneOfEachType)(
    'when %s (recorded before encryption) is replayed with the codec, then it is deterministic',
    async (file) => {
      const { history, workflowId } = readRecordedHistory(file);
      await Worker.runReplayHistory(
        {
          workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') },
          dataConverter: encryptedDataConverter(createPayloadCodec(local)),
        },
        history,
        workflowId,
      );
    },
  );
});

describe('a workflow poisoned by an undecodable payload', () => {
  test('when a workflow input carries a payload no key opens, then the worker logs and counts the failure with the workflow ID, never the payload', async () => {
    const config = testConfig();
    const taskQueue = config.TEMPORAL_TASK_QUEUE;
    const workflowId = `poison-${randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    const calls: unknown[][] = [];
    const logged = jest.spyOn(processLogger(), 'error').mockImplementation(() => undefined);
    const codec = createPayloadCodec(config, kmsOptions(config), {
      onDecodeFailure: decodeFailureReporter(config, (line) => lines.push(line)),
    });
    const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    // The poisoning client: a payload labelled encrypted under a key nobody has (the review's repro, N7).
    const poison = new Client({
      connection,
      dataConverter: {
        payloadCodecs: [
          {
            encode: async (ps: Payload[]) =>
              ps.map(() => ({
                metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), 'encryption-key-id': Buffer.from('nope') },
                data: Buffer.from('MARKER-poison-payload-000000000000'),
              })),
            decode: async (ps: Payload[]) => ps,
          },
        ],
      },
    });
    const client = new Client({ connection, dataConverter: encryptedDataConverter(codec) });
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: { codePath: stackEnv('PAYOPS_TEST_BUNDLE') },
      dataConverter: encryptedDataConverter(codec),
    });
    try {
      await worker.runUntil(async () => {
        // Poisoned from its first activation (the start input), so no workflow VM is created: with a signal into a
        // running workflow the SDK (1.23) keeps the failed run cached and throws at worker shutdown in a test.
        await poison.workflow.start('stackProbe', { workflowId, taskQueue, args: [{ probeId: workflowId }] });
        await until(() => (lines.length > 0 ? true : undefined), 30_000);
      });
      await client.workflow.getHandle(workflowId).terminate('test over');
    } finally {
      await native.close();
      await connection.close();
      calls.push(...logged.mock.calls);
      logged.mockRestore();
    }
    expect(calls).toContainEqual([
      'payload decode failed',
      expect.objectContaining({ workflowId, namespace: 'default', code: 'unknown-key', keyId: 'nope' }),
    ]);
    const metric = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(metric).toMatchObject({ [DECODE_FAILURE_METRIC]: 1, Stage: config.PAYOPS_STAGE });
    expect(JSON.stringify([calls, lines])).not.toContain('MARKER');
  });
});
