import type { WebhookRoute } from './deliveries';

/** Every domain's webhook routing; each domain appends its own route. */
export const routes: WebhookRoute[] = [];
