/** Test-only: a response body as loosely typed JSON, for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
export const json = (res: Response): Promise<any> => res.json();
