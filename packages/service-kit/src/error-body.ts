/** The JSON error every hookrelay HTTP API answers with (docs/contract.md §4): `{"error":{"code","message"}}`. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
