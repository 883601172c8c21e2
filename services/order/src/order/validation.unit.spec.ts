import { validateOrderRequest, type OrderRequestInput } from './validation.js';

const valid = (): OrderRequestInput => ({
  orderId: 'ord-2024.01:abc_1',
  customerId: 'cust-1',
  sku: 'SKU-1',
  quantity: 1,
  amount: 1,
  currency: 'USD',
  paymentToken: 'tok_ok',
  shippingAddress: {
    recipient: 'Ada',
    line1: '1 Main St',
    city: 'Paris',
    postalCode: '75001',
    country: 'FR',
  },
});

const codes = (input: OrderRequestInput) => validateOrderRequest(input).map((e) => `${e.field}:${e.code}`);
const withAddress = (patch: Record<string, unknown>) => ({
  ...valid(),
  shippingAddress: { ...(valid().shippingAddress as object), ...patch },
});

describe('validateOrderRequest', () => {
  it('accepts a valid request (line2 optional)', () => {
    expect(codes(valid())).toEqual([]);
    expect(codes(withAddress({ line2: 'Apt 4' }))).toEqual([]);
    expect(codes({ ...valid(), quantity: 1000 })).toEqual([]);
  });

  it('reports every missing field at once', () => {
    expect(codes({})).toEqual([
      'orderId:REQUIRED',
      'customerId:REQUIRED',
      'sku:REQUIRED',
      'quantity:REQUIRED',
      'amount:REQUIRED',
      'currency:REQUIRED',
      'paymentToken:REQUIRED',
      'shippingAddress:REQUIRED',
    ]);
  });

  it('treats blank strings as missing', () => {
    expect(codes({ ...valid(), customerId: '  ', paymentToken: '' })).toEqual([
      'customerId:REQUIRED',
      'paymentToken:REQUIRED',
    ]);
  });

  it.each([
    ['', 'orderId:REQUIRED'],
    ['x'.repeat(65), 'orderId:OUT_OF_RANGE'],
    ['has space', 'orderId:INVALID_FORMAT'],
    ['ord:{slot}', 'orderId:INVALID_FORMAT'],
    [42, 'orderId:INVALID_FORMAT'],
  ])('orderId %j → %s', (orderId, expected) => {
    expect(codes({ ...valid(), orderId })).toEqual([expected]);
  });

  it('accepts an orderId of exactly 64 characters', () => {
    expect(codes({ ...valid(), orderId: 'a'.repeat(64) })).toEqual([]);
  });

  it.each([
    [0, 'quantity:OUT_OF_RANGE'],
    [1001, 'quantity:OUT_OF_RANGE'],
    [1.5, 'quantity:INVALID_FORMAT'],
    ['2', 'quantity:INVALID_FORMAT'],
  ])('quantity %j → %s', (quantity, expected) => {
    expect(codes({ ...valid(), quantity })).toEqual([expected]);
  });

  it.each([
    [0, 'amount:OUT_OF_RANGE'],
    [-5, 'amount:OUT_OF_RANGE'],
    [9.99, 'amount:INVALID_FORMAT'],
  ])('amount %j → %s', (amount, expected) => {
    expect(codes({ ...valid(), amount })).toEqual([expected]);
  });

  it.each([['usd'], ['US'], ['EURO'], ['XYZ'], ['ABC']])('currency %j is INVALID_FORMAT', (currency) => {
    expect(codes({ ...valid(), currency })).toEqual(['currency:INVALID_FORMAT']);
  });

  it.each([['EUR'], ['JPY'], ['GBP'], ['CHF']])('currency %s is accepted', (currency) => {
    expect(codes({ ...valid(), currency })).toEqual([]);
  });

  it('validates every address field', () => {
    expect(
      codes(withAddress({ recipient: '', line1: undefined, city: ' ', postalCode: null, country: 'fra' })),
    ).toEqual([
      'shippingAddress.recipient:REQUIRED',
      'shippingAddress.line1:REQUIRED',
      'shippingAddress.city:REQUIRED',
      'shippingAddress.postalCode:REQUIRED',
      'shippingAddress.country:INVALID_FORMAT',
    ]);
    expect(codes(withAddress({ country: 'F1' }))).toEqual(['shippingAddress.country:INVALID_FORMAT']);
    expect(codes(withAddress({ line2: 7 }))).toEqual(['shippingAddress.line2:INVALID_FORMAT']);
  });

  it('bounds free text', () => {
    expect(codes({ ...valid(), sku: 's'.repeat(201) })).toEqual(['sku:OUT_OF_RANGE']);
  });

  it('never quotes the payment token in a message', () => {
    const errors = validateOrderRequest({ ...valid(), paymentToken: 12345, quantity: 0 });
    expect(errors.map((e) => e.field)).toEqual(['quantity', 'paymentToken']);
    expect(JSON.stringify(errors)).not.toContain('12345');
  });
});
