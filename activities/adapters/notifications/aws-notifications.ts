import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../aws';
import { rethrowAws } from './errors';
import type { NotificationsPort } from './port';

/** Email through SES v2, events through SNS (message attributes carry type and dedupe key for subscribers' filters). */
export function createAwsNotifications(deps: {
  aws: AwsClients;
  fromEmail: string;
  topicArn: string;
}): NotificationsPort {
  return {
    async sendEmail({ to, subject, body }) {
      const out = await deps.aws.ses
        .send(
          new SendEmailCommand({
            FromEmailAddress: deps.fromEmail,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: body } } } },
          }),
        )
        .catch(rethrowAws);
      return { messageId: out.MessageId ?? 'unknown' };
    },
    async publishEvent({ type, dedupeKey, data }) {
      const out = await deps.aws.sns
        .send(
          new PublishCommand({
            TopicArn: deps.topicArn,
            Message: JSON.stringify({ type, dedupeKey, data }),
            MessageAttributes: {
              type: { DataType: 'String', StringValue: type },
              dedupeKey: { DataType: 'String', StringValue: dedupeKey },
            },
          }),
        )
        .catch(rethrowAws);
      return { messageId: out.MessageId ?? 'unknown' };
    },
  };
}
