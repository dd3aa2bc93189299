import type { WebhookRoute } from './deliveries';
import { disputesRoute } from './routes/disputes';

/** Every domain's webhook routing; each domain appends its own route. */
export const routes: WebhookRoute[] = [];
routes.push(disputesRoute);
