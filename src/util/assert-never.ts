/**
 * Exhaustiveness check for `switch` over a union keyed by a literal `type`
 * (STYLE habit 3): an unhandled member is a compile error, and a value that
 * escapes the type system at runtime throws instead of passing silently.
 */
export function assertNever(value: never, message = 'Unexpected value'): never {
  throw new Error(`${message}: ${JSON.stringify(value)}`);
}
