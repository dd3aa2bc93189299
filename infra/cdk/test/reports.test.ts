import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DUCKDB_LAYER_MAX_BYTES, DUCKDB_LAYER_PACKAGES, stageDuckDbLayer } from '../lib/reports-layer';
import { BYTES_SCANNED_CUTOFF } from '../lib/reports';
import { synth } from './support';

let template: Template;
beforeAll(() => {
  template = synth().template;
});

describe('reports on AWS: Glue tables over the fact files, an Athena workgroup', () => {
  test('when synthesised, then one Glue database holds a JSON table per fact kind, found by day partition projection over the reports bucket', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'payops_dev_reports' } });
    template.resourceCountIs('AWS::Glue::Table', 2);
    for (const [name, prefix] of [
      ['compensation_facts', 'facts/compensation/'],
      ['payout_sla_facts', 'facts/payout-sla/'],
    ] as const)
      template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: 'payops_dev_reports',
        TableInput: Match.objectLike({
          Name: name,
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [{ Name: 'day', Type: 'string' }],
          Parameters: Match.objectLike({
            'projection.enabled': 'true',
            'projection.day.type': 'date',
            'projection.day.format': 'yyyy-MM-dd',
            'storage.location.template': Match.objectLike({
              'Fn::Join': ['', Match.arrayWith([`/${prefix}day=\${day}/`])],
            }),
          }),
          StorageDescriptor: Match.objectLike({
            SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          }),
        }),
      });
  });

  test('when synthesised, then the Athena workgroup enforces encrypted results in the reports bucket and a scan cap', () => {
    template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'payops-dev-reports',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        ResultConfiguration: {
          OutputLocation: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/athena-results/'])] }),
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      },
    });
  });
});

describe('the decision service serves reports on AWS: DuckDB in a layer', () => {
  const resources = (type: string) =>
    Object.entries(template.findResources(type)) as Array<[string, { Properties: Record<string, unknown> }]>;
  const decisions = () => resources('AWS::Lambda::Function').find(([id]) => id.includes('Decisions'))![1].Properties;

  test('when synthesised, then the decisions function carries the DuckDB layer (Node 24, x86_64), with room for a month of facts; no other function does', () => {
    const layers = resources('AWS::Lambda::LayerVersion');
    expect(layers).toHaveLength(1);
    const [layerId, layer] = layers[0]!;
    expect(layer.Properties).toMatchObject({
      CompatibleRuntimes: ['nodejs24.x'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect(decisions()).toMatchObject({
      Layers: [{ Ref: layerId }],
      MemorySize: 2048,
      EphemeralStorage: { Size: 2048 },
      Timeout: 60,
    });
    expect((decisions()['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      REPORTS_ATHENA_WORKGROUP: 'payops-dev-reports',
      REPORTS_GLUE_DATABASE: 'payops_dev_reports',
    });
    const others = resources('AWS::Lambda::Function').filter(([id]) => !id.includes('Decisions'));
    expect(others.length).toBeGreaterThan(0);
    for (const [, fn] of others) expect(fn.Properties['Layers']).toBeUndefined();
  });

  test('when the layer is staged from node_modules, then it holds the engine, its bindings and the linux x64 binary under nodejs/node_modules, under its budget', () => {
    const { dir, bytes } = stageDuckDbLayer();
    for (const p of DUCKDB_LAYER_PACKAGES)
      expect(existsSync(join(dir, 'nodejs', 'node_modules', p, 'package.json'))).toBe(true);
    expect(existsSync(join(dir, 'nodejs', 'node_modules', '@duckdb/node-bindings-linux-x64', 'duckdb.node'))).toBe(
      true,
    );
    expect(bytes).toBeLessThan(DUCKDB_LAYER_MAX_BYTES);
    // Lambda's limit is 250 MB for the function and its layers unzipped; the decisions bundle is a few MB.
    expect(DUCKDB_LAYER_MAX_BYTES).toBeLessThan(250 * 1000 * 1000 * 0.5);
  });

  test('when a prebuilt layer is given (-c reportsLayerAsset), then it is deployed instead of the staged one', () => {
    const key = (t: Template) =>
      JSON.stringify(Object.values(t.findResources('AWS::Lambda::LayerVersion'))[0]?.['Properties']?.Content);
    const prebuilt = mkdtempSync(join(tmpdir(), 'layer-'));
    try {
      mkdirSync(join(prebuilt, 'nodejs', 'node_modules'), { recursive: true });
      writeFileSync(join(prebuilt, 'nodejs', 'node_modules', 'marker'), 'prebuilt');
      const given = synth({ reportsLayerAsset: prebuilt }).template;
      expect(key(given)).toMatch(/S3Key/);
      expect(key(given)).not.toBe(key(template));
    } finally {
      rmSync(prebuilt, { recursive: true, force: true });
    }
  });
});
