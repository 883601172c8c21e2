import type { OrderCreated } from '@saga/contracts';

/**
 * What payment insists on before it charges anyone. The order service validates requests, but the topic is open to
 * any producer with rights to it: an OrderCreated that breaks these rules is schema-valid poison, not an order.
 */
export function brokenPaymentRules(event: OrderCreated): string[] {
  const broken: string[] = [];
  const { amount, currency, quantity } = event.order;
  if (!Number.isSafeInteger(amount) || amount <= 0)
    broken.push(`amount must be a positive integer, got ${amount}`);
  if (!/^[A-Z]{3}$/.test(currency)) broken.push(`currency must be an ISO-4217 code, got "${currency}"`);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000)
    broken.push(`quantity out of range: ${quantity}`);
  if (event.paymentToken.trim() === '') broken.push('payment token missing');
  return broken;
}
