import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { AesGcmCodec, LOCAL_DEV_KEY, StaticKeyring } from '../../codec';
import { startCodecServer, type CodecServer } from '../../workers/codec-server';
import { codecServerSettings, type CodecServerSettings } from '../../codec/server-settings';

const UI = 'http://127.0.0.1:8233';
const codec = new AesGcmCodec(new StaticKeyring([LOCAL_DEV_KEY]));
const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const settingsFor = (over: Partial<CodecServerSettings> = {}): CodecServerSettings => ({
  host: '127.0.0.1',
  port: 0,
  corsOrigins: [UI],
  namespace: 'default',
  auth: { kind: 'none' },
  ...over,
});
const post = (server: CodecServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });

describe('codec server (local mode: no token needed)', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, settings: settingsFor() });
  });
  afterAll(() => server?.stop());

  test('when the UI posts payloads to /encode then /decode, then it gets sealed payloads and then the original values', async () => {
    const plain = asJson(defaultPayloadConverter.toPayload({ evidence: 'MARKER-server-1' }) as Payload);
    const encoded = await post(server, '/encode', { payloads: [plain] });
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(sealed.payloads[0]!.metadata['encoding']!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed.payloads[0]!.data, 'base64').toString()).not.toContain('MARKER');
    // Only the last path segment counts (endpoints may be mounted under a prefix).
    const decoded = await post(server, '/payops/default/decode', sealed, { origin: UI });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    expect(await decoded.json()).toEqual({ payloads: [plain] });
  });

  test('when the browser sends a CORS preflight from the Web UI origin, then it is allowed with the headers the UI uses', async () => {
    const res = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  test('when another origin, namespace or body arrives, then it is refused with a clear error', async () => {
    const evil = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const ns = await post(server, '/decode', { payloads: [] }, { 'x-namespace': 'other' });
    expect([ns.status, await ns.json()]).toEqual([403, { error: 'this codec server serves namespace default' }]);
    const body = await post(server, '/decode', { nope: 1 });
    expect([body.status, await body.json()]).toEqual([400, { error: 'body must be JSON {"payloads":[...]}' }]);
    // No payloads at all, as the temporal CLI sends a query without arguments (proto3 JSON omits the empty list).
    const none = await post(server, '/encode', {});
    expect([none.status, await none.json()]).toEqual([200, { payloads: [] }]);
    const unknown = await post(server, '/decode', {
      payloads: [
        {
          metadata: {
            encoding: Buffer.from('binary/encrypted').toString('base64'),
            'encryption-key-id': Buffer.from('gone').toString('base64'),
          },
          data: 'AAAA',
        },
      ],
    });
    expect([unknown.status, await unknown.json()]).toEqual([
      422,
      { error: 'cannot decode: payload encrypted with unknown key "gone"' },
    ]);
    expect((await fetch(`${server.url}/other`, { method: 'POST' })).status).toBe(404);
  });
});

describe('codec server outside local mode (staff token required)', () => {
  const issuer = 'https://idp.payops.test';
  const audience = 'payops-codec';
  let jwksServer: Server;
  let server: CodecServer;
  let signingKey: KeyLike;
  let strangerKey: KeyLike;
  const token = (key: KeyLike, claims: { iss?: string; aud?: string; exp?: number; roles?: string[] } = {}) =>
    new SignJWT({ roles: claims.roles ?? ['ops'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'staff-1' })
      .setSubject('ops.ann')
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? '5m')
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'staff-1', alg: 'EdDSA', use: 'sig' };
    jwksServer = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const settings = codecServerSettings({
      PAYOPS_MODE: 'aws',
      TEMPORAL_NAMESPACE: 'default',
      CODEC_SERVER_HOST: '127.0.0.1',
      CODEC_SERVER_PORT: 0,
      CODEC_CORS_ORIGINS: UI,
      CODEC_AUTH_ISSUER: issuer,
      CODEC_AUTH_AUDIENCE: audience,
      CODEC_AUTH_JWKS_URL: jwksUrl,
      CODEC_DECODE_ROLES: 'ops,finance_director',
      CODEC_ENCODE_ROLES: 'ops',
    });
    server = await startCodecServer({ codec, settings });
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((r) => jwksServer?.close(r));
  });

  test('when the staff-token settings are missing in aws mode, then start-up fails naming each variable', () => {
    expect(() =>
      codecServerSettings({
        PAYOPS_MODE: 'aws',
        TEMPORAL_NAMESPACE: 'default',
        CODEC_SERVER_HOST: '127.0.0.1',
        CODEC_SERVER_PORT: 0,
        CODEC_CORS_ORIGINS: UI,
        CODEC_AUTH_ISSUER: issuer,
        CODEC_AUTH_AUDIENCE: undefined,
        CODEC_AUTH_JWKS_URL: undefined,
        CODEC_DECODE_ROLES: 'ops',
        CODEC_ENCODE_ROLES: 'ops',
      }),
    ).toThrow('CODEC_AUTH_AUDIENCE, CODEC_AUTH_JWKS_URL: required when PAYOPS_MODE=aws');
  });

  test('when a call has no token, a forged, expired, wrong-issuer or wrong-audience token, then it gets 401 and nothing decoded', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload('MARKER-auth') as Payload]);
    const body = { payloads: sealed.map(asJson) };
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const cases: Array<[string, Record<string, string>, string]> = [
      ['none', {}, 'missing Authorization: Bearer <staff token>'],
      ['forged', bearer(await token(strangerKey)), 'staff token refused (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)'],
      [
        'expired',
        bearer(await token(signingKey, { exp: Math.floor(Date.now() / 1000) - 60 })),
        'staff token refused (ERR_JWT_EXPIRED)',
      ],
      [
        'issuer',
        bearer(await token(signingKey, { iss: 'https://evil.example' })),
        'staff token refused (ERR_JWT_CLAIM_VALIDATION_FAILED)',
      ],
      [
        'audience',
        bearer(await token(signingKey, { aud: 'other' })),
        'staff token refused (ERR_JWT_CLAIM_VALIDATION_FAILED)',
      ],
      ['not bearer', { authorization: 'Basic b3BzOm9wcw==' }, 'missing Authorization: Bearer <staff token>'],
    ];
    for (const [what, headers, error] of cases) {
      const res = await post(server, '/decode', body, headers);
      const got = (await res.json()) as { error?: string; payloads?: unknown };
      expect({ what, status: res.status, got }).toEqual({ what, status: 401, got: { error } });
    }
  });

  test('when a valid staff token is presented, then the payloads are decoded', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload('MARKER-auth') as Payload]);
    const res = await post(
      server,
      '/decode',
      { payloads: sealed.map(asJson) },
      { authorization: `Bearer ${await token(signingKey)}`, origin: UI },
    );
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toBe('"MARKER-auth"');
  });

  test('when a valid staff token holds no role for the operation, then it gets 403 and nothing is decoded or encoded', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload('MARKER-auth') as Payload]);
    const agent = { authorization: `Bearer ${await token(signingKey, { roles: ['cs_agent'] })}`, origin: UI };
    const decode = await post(server, '/decode', { payloads: sealed.map(asJson) }, agent);
    expect({ status: decode.status, body: await decode.json() }).toEqual({
      status: 403,
      body: { error: 'decode needs one of the roles ops, finance_director' },
    });
    const director = {
      authorization: `Bearer ${await token(signingKey, { roles: ['Finance_Director'] })}`,
      origin: UI,
    };
    const plain = [defaultPayloadConverter.toPayload('x') as Payload].map(asJson);
    const encode = await post(server, '/encode', { payloads: plain }, director);
    expect({ status: encode.status, body: await encode.json() }).toEqual({
      status: 403,
      body: { error: 'encode needs one of the roles ops' },
    });
    const decoded = await post(server, '/decode', { payloads: sealed.map(asJson) }, director);
    expect(decoded.status).toBe(200);
  });
});
