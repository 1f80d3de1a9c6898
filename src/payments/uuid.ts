// UUID shapes used across the product (RFC 4122 text form).

/** Lower-case only: Inter's pattern for `x-id-idempotente` (docs/reference/inter-api.md §3.1). */
export const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Either case, e.g. a `codigoSolicitacao` or an EVP Pix key as a user typed it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
