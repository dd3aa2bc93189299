import type { WebhookRoute } from '../deliveries';
import { disputesRoute } from './disputes';
import { payoutsRoute } from './payouts';

/**
 * The ingress's routing table: every verified event is offered to each domain's route (`routes/<domain>.ts`), which
 * answers with its deliveries or none. A new domain with webhooks adds its route here.
 */
export const routes: WebhookRoute[] = [disputesRoute, payoutsRoute];
