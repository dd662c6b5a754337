export { buildProgram } from './program.js';
export { sampleRequest, type SampleRequest } from './samples.js';
export { send, ingressBaseUrl, type SendOptions, type SendResult } from './commands/send.js';
export { formatTable } from './output.js';
