import { Match, type Template } from 'aws-cdk-lib/assertions';
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
