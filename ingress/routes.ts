import type { WebhookRoute } from './deliveries';
import { disputesRoute } from './routes/disputes';
import { payoutsRoute } from './routes/payouts';

/** Every domain's webhook routing; each domain appends its own route. */
export const routes: WebhookRoute[] = [];
routes.push(disputesRoute);
routes.push(payoutsRoute);
