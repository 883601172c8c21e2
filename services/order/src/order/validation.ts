import { ValidationCodes, type OrderRequested, type ValidationError } from '@saga/contracts';

/**
 * What a client asks for, before anything is trusted. Every field is `unknown` so the same validator serves the
 * Kafka path (an already-decoded OrderRequested) and a future HTTP API (a raw JSON body).
 */
export interface OrderRequestInput {
  orderId?: unknown;
  customerId?: unknown;
  sku?: unknown;
  quantity?: unknown;
  amount?: unknown;
  currency?: unknown;
  paymentToken?: unknown;
  shippingAddress?: unknown;
}

export const ORDER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const MAX_QUANTITY = 1000;
/** Free-text fields are bounded so one request cannot bloat the state or the events. */
export const MAX_TEXT_LENGTH = 200;

// Computed once: the set of currencies this runtime knows (ISO-4217 codes in current use).
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function orderRequestInput(event: OrderRequested): OrderRequestInput {
  const { metadata, customerId, sku, quantity, amount, currency, paymentToken, shippingAddress } = event;
  return {
    orderId: metadata.orderId,
    customerId,
    sku,
    quantity,
    amount,
    currency,
    paymentToken,
    shippingAddress,
  };
}

export function isValidOrderId(orderId: unknown): orderId is string {
  return typeof orderId === 'string' && ORDER_ID_PATTERN.test(orderId);
}

/** Every problem with the request at once (never just the first), so a client can fix them in one go. */
export function validateOrderRequest(input: OrderRequestInput): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (field: string, code: ValidationError['code'], message: string) =>
    errors.push({ field, code, message });

  const orderId = requiredString(input.orderId, 'orderId', add);
  if (orderId !== undefined) {
    if (orderId.length > 64)
      add('orderId', ValidationCodes.OUT_OF_RANGE, 'orderId must be at most 64 characters');
    else if (!ORDER_ID_PATTERN.test(orderId)) {
      add('orderId', ValidationCodes.INVALID_FORMAT, 'orderId may only contain letters, digits and . _ : -');
    }
  }
  boundedText(input.customerId, 'customerId', add);
  boundedText(input.sku, 'sku', add);
  integerIn(input.quantity, 'quantity', 1, MAX_QUANTITY, add);
  integerIn(input.amount, 'amount', 1, Number.MAX_SAFE_INTEGER, add);
  const currency = requiredString(input.currency, 'currency', add);
  if (currency !== undefined) {
    if (!/^[A-Z]{3}$/.test(currency)) {
      add('currency', ValidationCodes.INVALID_FORMAT, 'currency must be three uppercase letters (ISO-4217)');
    } else if (!CURRENCIES.has(currency)) {
      add('currency', ValidationCodes.INVALID_FORMAT, `currency ${currency} is not an ISO-4217 code`);
    }
  }
  // Only presence is checked: the token is opaque and its content must never appear in a message.
  requiredString(input.paymentToken, 'paymentToken', add);
  validateAddress(input.shippingAddress, add);
  return errors;
}

type Add = (field: string, code: ValidationError['code'], message: string) => void;

function validateAddress(value: unknown, add: Add): void {
  if (value === undefined || value === null || typeof value !== 'object') {
    add('shippingAddress', ValidationCodes.REQUIRED, 'shippingAddress is required');
    return;
  }
  const address = value as Record<string, unknown>;
  for (const field of ['recipient', 'line1', 'city', 'postalCode'] as const) {
    boundedText(address[field], `shippingAddress.${field}`, add);
  }
  const line2 = address.line2;
  if (line2 !== undefined && line2 !== null) {
    if (typeof line2 !== 'string')
      add('shippingAddress.line2', ValidationCodes.INVALID_FORMAT, 'line2 must be text');
    else if (line2.length > MAX_TEXT_LENGTH) {
      add(
        'shippingAddress.line2',
        ValidationCodes.OUT_OF_RANGE,
        `line2 must be at most ${MAX_TEXT_LENGTH} characters`,
      );
    }
  }
  const country = requiredString(address.country, 'shippingAddress.country', add);
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    add(
      'shippingAddress.country',
      ValidationCodes.INVALID_FORMAT,
      'country must be two uppercase letters (ISO-3166)',
    );
  }
}

/** The string if present and non-blank; otherwise records REQUIRED (or INVALID_FORMAT for a non-string). */
function requiredString(value: unknown, field: string, add: Add): string | undefined {
  if (value === undefined || value === null) {
    add(field, ValidationCodes.REQUIRED, `${field} is required`);
    return undefined;
  }
  if (typeof value !== 'string') {
    add(field, ValidationCodes.INVALID_FORMAT, `${field} must be text`);
    return undefined;
  }
  if (value.trim() === '') {
    add(field, ValidationCodes.REQUIRED, `${field} is required`);
    return undefined;
  }
  return value;
}

function boundedText(value: unknown, field: string, add: Add): void {
  const text = requiredString(value, field, add);
  if (text !== undefined && text.length > MAX_TEXT_LENGTH) {
    add(field, ValidationCodes.OUT_OF_RANGE, `${field} must be at most ${MAX_TEXT_LENGTH} characters`);
  }
}

function integerIn(value: unknown, field: string, min: number, max: number, add: Add): void {
  if (value === undefined || value === null) {
    add(field, ValidationCodes.REQUIRED, `${field} is required`);
  } else if (typeof value !== 'number' || !Number.isInteger(value)) {
    add(field, ValidationCodes.INVALID_FORMAT, `${field} must be an integer`);
  } else if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    add(field, ValidationCodes.OUT_OF_RANGE, `${field} must be ${range}`);
  }
}
